package rtl

import (
	"bytes"
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// The command-file operations of tb_core.v (docs/fpga-core.md, "Reading
// and writing from a test bench").
const (
	opFinish = 0
	opWrite  = 1
	opRead   = 2
	opInput  = 3
	opStep   = 4
	opClear  = 5
	opDump   = 6
)

// program is a command file for tb_core.v together with what its output
// must contain: every command that prints is recorded in order, so that the
// output can be checked record by record and nothing missing, extra or
// reordered passes.
type program struct {
	text   bytes.Buffer
	expect []expectation
	lines  int
}

// expectation is one command that prints: a read (region, addr), a step,
// or a dump of n slots.
type expectation struct {
	op           int
	region, addr int
	n            int // opDump: slots
}

func (p *program) cmd(op, region, addr int, data uint64) {
	fmt.Fprintf(&p.text, "%x %x %x %x\n", op, region, addr, data)
	p.lines++
}

func (p *program) write(region, addr int, data uint64) { p.cmd(opWrite, region, addr, data) }

func (p *program) read(region, addr int) {
	p.cmd(opRead, region, addr, 0)
	p.expect = append(p.expect, expectation{op: opRead, region: region, addr: addr})
}

func (p *program) input(slot int) { p.cmd(opInput, 0, slot, 0) }

func (p *program) step() {
	p.cmd(opStep, 0, 0, 0)
	p.expect = append(p.expect, expectation{op: opStep})
}

func (p *program) clear() { p.cmd(opClear, 0, 0, 0) }

func (p *program) dump(n int) {
	p.cmd(opDump, 0, n, 0)
	p.expect = append(p.expect, expectation{op: opDump, n: n})
}

func (p *program) finish() { p.cmd(opFinish, 0, 0, 0) }

// output is a parsed test-bench output, in the order of the program's
// expectations.
type output struct {
	reads []uint64
	steps []stepRecord
	dumps [][]uvRecord
}

// stepRecord is the output of one step: the slots that spiked, in order,
// and the counters of its D line.
type stepRecord struct {
	out                   []int
	cycles, events, count int
}

// uvRecord is one S line: u and v sign-extended from 24 bits.
type uvRecord struct{ u, v int32 }

// OutputError is test-bench output that does not follow the command file:
// an unknown line, a field out of range, a missing or extra record. It
// quotes the line.
type OutputError struct {
	Line int    // 1-based line of the output; 0: at the end
	Text string // the line, as printed
	Msg  string
}

func (e *OutputError) Error() string {
	if e.Line == 0 {
		return "test-bench output: at the end: " + e.Msg
	}
	return fmt.Sprintf("test-bench output line %d %q: %s", e.Line, e.Text, e.Msg)
}

// doneLine is what tb_core.v prints after op 0, the last command: the
// bench reports its own errors on stderr and then stops without it.
const doneLine = "# done"

// verilatorFinish is what Verilator's runtime prints on stdout when the
// bench calls $finish (verilated.cpp, vl_finish); it is the only line not
// written by the bench that the parser accepts.
var verilatorFinish = regexp.MustCompile(`^- \S+:\d+: Verilog \$finish$`)

// parse checks out against the program, strictly: every line is a comment
// (#...) or the next expected record until the bench's "# done", after
// which only Verilator's $finish notice may follow, and every expected
// record is there. neurons is the core's neuron_count: an O
// line must name a neuron slot, and a step's O lines must be increasing and
// as many as its D line counts.
func (p *program) parse(out []byte, neurons int) (*output, error) {
	res := &output{}
	next := 0 // index into p.expect
	var cur *stepRecord
	var dump []uvRecord
	done := false
	lines := strings.Split(string(out), "\n")
	if len(lines) > 0 && lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	for i, line := range lines {
		fail := func(format string, args ...any) error {
			return &OutputError{Line: i + 1, Text: line, Msg: fmt.Sprintf(format, args...)}
		}
		line = strings.TrimSuffix(line, "\r")
		if done {
			if verilatorFinish.MatchString(line) {
				continue
			}
			return nil, fail("a line after the bench's %q", doneLine)
		}
		if line == doneLine {
			done = true
			continue
		}
		if strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Fields(line)
		if len(f) == 0 {
			return nil, fail("empty line (expected a record or a # comment)")
		}
		if !strings.Contains("RODS", f[0]) || len(f[0]) != 1 {
			return nil, fail("unknown record %q (allowed: R, O, D, S, or a # comment)", f[0])
		}
		if next >= len(p.expect) {
			return nil, fail("a record after the last one the command file asks for")
		}
		e := p.expect[next]
		switch f[0] {
		case "R":
			if e.op != opRead {
				return nil, fail("a read result, but the command file expects %s", e)
			}
			v, err := hexFields(f, 4)
			if err != nil {
				return nil, fail("%v", err)
			}
			if int(v[0]) != e.region || int(v[1]) != e.addr {
				return nil, fail("read of region %d word %d, but the command file reads region %d word %d", v[0], v[1], e.region, e.addr)
			}
			res.reads = append(res.reads, v[2])
			next++
		case "O":
			if e.op != opStep {
				return nil, fail("an output spike, but the command file expects %s", e)
			}
			v, err := hexFields(f, 2)
			if err != nil {
				return nil, fail("%v", err)
			}
			if cur == nil {
				cur = &stepRecord{}
			}
			slot := int(v[0])
			if slot >= neurons {
				return nil, fail("output spike of slot %d; neuron slots are 0..%d", slot, neurons-1)
			}
			if n := len(cur.out); n > 0 && slot <= cur.out[n-1] {
				return nil, fail("output spike of slot %d after slot %d; spikes of a step come in increasing slot order", slot, cur.out[n-1])
			}
			cur.out = append(cur.out, slot)
		case "D":
			if e.op != opStep {
				return nil, fail("the end of a step, but the command file expects %s", e)
			}
			v, err := hexFields(f, 4)
			if err != nil {
				return nil, fail("%v", err)
			}
			if cur == nil {
				cur = &stepRecord{}
			}
			cur.cycles, cur.events, cur.count = int(v[0]), int(v[1]), int(v[2])
			if cur.count != len(cur.out) {
				return nil, fail("the step counts %d spikes but printed %d O lines", cur.count, len(cur.out))
			}
			res.steps = append(res.steps, *cur)
			cur = nil
			next++
		case "S":
			if e.op != opDump {
				return nil, fail("a state record, but the command file expects %s", e)
			}
			v, err := hexFields(f, 4)
			if err != nil {
				return nil, fail("%v", err)
			}
			if int(v[0]) != len(dump) {
				return nil, fail("state of slot %d, expected slot %d", v[0], len(dump))
			}
			if v[1] >= 1<<24 || v[2] >= 1<<24 {
				return nil, fail("u or v wider than 24 bits")
			}
			dump = append(dump, uvRecord{u: sext24(v[1]), v: sext24(v[2])})
			if len(dump) == e.n {
				res.dumps = append(res.dumps, dump)
				dump = nil
				next++
			}
		}
	}
	if !done {
		msg := fmt.Sprintf("no %q line: the bench stopped before the end of the command file (its error is on stderr)", doneLine)
		if next < len(p.expect) {
			msg += fmt.Sprintf("; %d of %d records printed, next expected: %s", next, len(p.expect), p.expect[next])
		}
		return nil, &OutputError{Msg: msg}
	}
	if next < len(p.expect) {
		e := p.expect[next]
		msg := fmt.Sprintf("output ends before %s (%d of %d records)", e, next, len(p.expect))
		if e.op == opDump && len(dump) > 0 {
			msg += fmt.Sprintf("; the dump stops after %d of %d slots", len(dump), e.n)
		}
		return nil, &OutputError{Msg: msg}
	}
	return res, nil
}

func (e expectation) String() string {
	switch e.op {
	case opRead:
		return fmt.Sprintf("the read of region %d word %d", e.region, e.addr)
	case opStep:
		return "a step's O and D lines"
	case opDump:
		return fmt.Sprintf("a dump of %d slots", e.n)
	}
	return fmt.Sprintf("op %d", e.op)
}

// hexFields parses f[1:] as n-1 hexadecimal numbers of at most 64 bits.
func hexFields(f []string, n int) ([]uint64, error) {
	if len(f) != n {
		return nil, fmt.Errorf("%d fields, a %s record has %d", len(f), f[0], n)
	}
	v := make([]uint64, n-1)
	for i, s := range f[1:] {
		x, err := strconv.ParseUint(s, 16, 64)
		if err != nil {
			return nil, fmt.Errorf("field %d %q is not a hexadecimal number (X or Z bits in the simulation?)", i+2, s)
		}
		v[i] = x
	}
	return v, nil
}

// sext24 sign-extends a 24-bit two's complement number.
func sext24(x uint64) int32 { return int32(uint32(x)<<8) >> 8 }
