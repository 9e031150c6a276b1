package bridge

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/snnc/snnc/hdl"
	"github.com/snnc/snnc/internal/edatest"
)

// The protocol v0 ops (docs/host-bridge.md).
const (
	opWrite = 1
	opRead  = 2
	opInput = 3
	opStep  = 4
	opClear = 5
	opIdent = 6
)

// Regions of the core's memory map (docs/fpga-core.md).
const (
	regCtrl        = 0
	regProfile     = 1
	regSlotProfile = 2
	regSlotState   = 3
	regStateUV     = 4
	regAccum       = 5
	regHistory     = 6
	regGroupPtr    = 7
	regSynapse     = 8
)

// needTools skips the test when Icarus Verilog is not installed, or fails it
// when SNNC_REQUIRE_EDA=1 says the tools must be there (as in CI).
func needTools(t *testing.T) {
	t.Helper()
	edatest.Require(t, "iverilog", "vvp")
}

// bench describes one test bench build.
type bench struct {
	top     string            // tb_bridge or tb_uart
	hdl     []string          // files of package hdl's embedded FS
	tb      []string          // files of this directory
	defines []string          // iverilog -D
	params  map[string]string // top-level parameters, iverilog -P
}

// build compiles the bench with iverilog and returns the vvp program.
func (b bench) build(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	var files []string
	for _, name := range b.hdl {
		src, err := hdl.FS.ReadFile(name)
		if err != nil {
			t.Fatalf("hdl file %s is not embedded in package hdl: %v", name, err)
		}
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, src, 0o644); err != nil {
			t.Fatal(err)
		}
		files = append(files, path)
	}
	for _, name := range b.tb {
		abs, err := filepath.Abs(name)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, abs)
	}
	exe := filepath.Join(dir, b.top+".vvp")
	args := []string{"-g2005", "-Wall", "-Wno-timescale", "-o", exe, "-s", b.top}
	for _, d := range b.defines {
		args = append(args, "-D"+d)
	}
	for k, v := range b.params {
		args = append(args, "-P"+b.top+"."+k+"="+v)
	}
	args = append(args, files...)
	cmd := exec.Command("iverilog", args...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("iverilog %s: %v\n%s", strings.Join(args, " "), err, out)
	} else if len(bytes.TrimSpace(out)) > 0 {
		t.Logf("iverilog warnings:\n%s", out)
	}
	return exe
}

// output is what a test bench printed.
type output struct {
	rx       []byte   // "R XX": bytes from uart_rx (tb_uart)
	frameErr int      // "F": framing errors from uart_rx (tb_uart)
	tx       []byte   // "B XX": bytes decoded from the DUT's TX line
	activity []string // "A N": the activity LED after each change
}

// run runs the program with plus-args and parses what it prints. Any "X"
// line is a test failure; a missing "END" means the bench stopped early.
func run(t *testing.T, exe string, plusargs ...string) output {
	t.Helper()
	args := append([]string{"-n", exe}, plusargs...)
	raw, err := exec.Command("vvp", args...).CombinedOutput()
	if err != nil {
		t.Fatalf("vvp %s: %v\n%s", strings.Join(args, " "), err, raw)
	}
	var out output
	ended := false
	sc := bufio.NewScanner(bytes.NewReader(raw))
	for sc.Scan() {
		line := sc.Text()
		f := strings.Fields(line)
		switch {
		case len(f) == 0:
		case f[0] == "X":
			t.Errorf("test bench: %s", line)
		case f[0] == "END":
			ended = true
		case f[0] == "F":
			out.frameErr++
		case f[0] == "A" && len(f) == 2:
			out.activity = append(out.activity, f[1])
		case (f[0] == "B" || f[0] == "R") && len(f) == 2:
			v, err := strconv.ParseUint(f[1], 16, 8)
			if err != nil {
				t.Fatalf("test bench printed %q: %v", line, err)
			}
			if f[0] == "B" {
				out.tx = append(out.tx, byte(v))
			} else {
				out.rx = append(out.rx, byte(v))
			}
		default:
			if !strings.HasPrefix(line, "VCD") {
				t.Errorf("test bench printed an unexpected line %q", line)
			}
		}
	}
	if !ended {
		t.Errorf("vvp %s ended without END", strings.Join(args, " "))
	}
	return out
}

// session writes a tb_bridge script and the replies it should produce.
type session struct {
	script strings.Builder
	nbytes int      // reply bytes expected so far
	want   []string // replies expected, as formatReplies prints them

	minCycles int // the least cycle count of a step whose count is anyCycles
}

// send queues one 12-byte command.
func (s *session) send(op, region byte, addr uint16, data uint64) {
	var cmd [12]byte
	cmd[0], cmd[1] = op, region
	binary.LittleEndian.PutUint16(cmd[2:], addr)
	binary.LittleEndian.PutUint64(cmd[4:], data)
	s.raw(cmd[:]...)
}

// raw queues bytes as they are.
func (s *session) raw(b ...byte) {
	for _, c := range b {
		fmt.Fprintf(&s.script, "s %02x\n", c)
	}
}

// badStop queues one byte whose stop bit is low.
func (s *session) badStop(c byte) { fmt.Fprintf(&s.script, "f %02x\n", c) }

// pause leaves the line idle.
func (s *session) pause(us int) { fmt.Fprintf(&s.script, "p %d\n", us) }

// expect adds replies (as formatReplies prints them) and makes the host wait
// for them before it sends more, as protocol v0 requires.
func (s *session) expect(replies ...string) {
	for _, r := range replies {
		n, ok := replyLen[r[0]]
		if !ok {
			panic("expect: unknown reply " + r)
		}
		s.nbytes += 1 + n
		s.want = append(s.want, r)
	}
	fmt.Fprintf(&s.script, "w %d\n", s.nbytes)
}

// anyCycles stands for a step's cycle count that the test does not predict
// (the real core's); check then only requires at least one clock per slot
// of slot_count for the update phase.
const anyCycles = ^uint32(0)

// step runs one step and expects its spikes and counters.
func (s *session) step(cycles, events uint32, spikes ...int) {
	s.send(opStep, 0, 0, 0)
	var r []string
	for _, n := range spikes {
		r = append(r, fmt.Sprintf("O %d", n))
	}
	c := strconv.FormatUint(uint64(cycles), 10)
	if cycles == anyCycles {
		c = "*"
	}
	r = append(r, fmt.Sprintf("D %s %d %d", c, events, len(spikes)))
	s.expect(r...)
}

func (s *session) write(region byte, addr uint16, data uint64) { s.send(opWrite, region, addr, data) }

func (s *session) read(region byte, addr uint16, want uint64) {
	s.send(opRead, region, addr, 0)
	s.expect(fmt.Sprintf("R %016x", want))
}

func (s *session) file(t *testing.T) string {
	t.Helper()
	s.script.WriteString("q\n")
	path := filepath.Join(t.TempDir(), "script.txt")
	if err := os.WriteFile(path, []byte(s.script.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// replyLen is the payload length of each reply (docs/host-bridge.md).
var replyLen = map[byte]int{'R': 8, 'O': 2, 'D': 12, 'K': 0, 'I': 12, 'E': 1}

// formatReplies splits the bridge's bytes into replies and prints each as
// text: "R %016x", "O slot", "D cycles events spikes", "K",
// "I %08x(version) %08x(caps) syn_words", "E %02x(op)".
func formatReplies(b []byte) ([]string, error) {
	var out []string
	for len(b) > 0 {
		n, ok := replyLen[b[0]]
		if !ok {
			return out, fmt.Errorf("reply %d starts with 0x%02x, which is no reply type", len(out), b[0])
		}
		if len(b) < 1+n {
			return out, fmt.Errorf("reply %d (%c) has %d of its %d payload bytes", len(out), b[0], len(b)-1, n)
		}
		p := b[1 : 1+n]
		u32 := func(i int) uint32 { return binary.LittleEndian.Uint32(p[4*i:]) }
		switch b[0] {
		case 'R':
			out = append(out, fmt.Sprintf("R %016x", binary.LittleEndian.Uint64(p)))
		case 'O':
			out = append(out, fmt.Sprintf("O %d", binary.LittleEndian.Uint16(p)))
		case 'D':
			out = append(out, fmt.Sprintf("D %d %d %d", u32(0), u32(1), u32(2)))
		case 'K':
			out = append(out, "K")
		case 'I':
			out = append(out, fmt.Sprintf("I %08x %08x %d", u32(0), u32(1), u32(2)))
		case 'E':
			out = append(out, fmt.Sprintf("E %02x", p[0]))
		}
		b = b[1+n:]
	}
	return out, nil
}

// check compares what the bridge sent with what the session expects.
func (s *session) check(t *testing.T, out output) {
	t.Helper()
	got, err := formatReplies(out.tx)
	if err != nil {
		t.Errorf("decoding the replies: %v", err)
	}
	t.Logf("%d replies: %s", len(got), strings.Join(got, ", "))
	for i := 0; i < len(got) && i < len(s.want); i++ {
		w, g := strings.Fields(s.want[i]), strings.Fields(got[i])
		if w[0] != "D" || w[1] != "*" || g[0] != "D" {
			continue
		}
		if c, err := strconv.Atoi(g[1]); err != nil || c < s.minCycles {
			t.Errorf("reply %d %q: a step of fewer than %d cycles", i, got[i], s.minCycles)
		}
		g[1] = "*"
		got[i] = strings.Join(g, " ")
	}
	if diff := cmp.Diff(s.want, got); diff != "" {
		t.Errorf("replies (-want +got):\n%s", diff)
	}
}

// Constants of core_standin.v.
const (
	standinSlotBits = 4
	standinCycles   = 37
)

func standinBench(clkHz, baud int) bench {
	return bench{
		top: "tb_bridge",
		hdl: hdl.LinkFiles,
		tb:  []string{"core_standin.v", "tb_bridge.v"},
		params: map[string]string{
			"CLK_HZ":    strconv.Itoa(clkHz),
			"BAUD":      strconv.Itoa(baud),
			"SLOT_BITS": strconv.Itoa(standinSlotBits),
		},
	}
}

// TestBridgeFullSize runs the bridge with the iCEBreaker's SLOT_BITS of 10:
// slots above 255 need both bytes of the u16, the scan covers 1,024 slots,
// and slot 1,024 is the first one refused.
func TestBridgeFullSize(t *testing.T) {
	needTools(t)
	t.Parallel()
	b := standinBench(24000000, 3000000)
	b.params["SLOT_BITS"] = "10"
	exe := b.build(t)

	var s session
	s.write(regCtrl, 0, 1024)
	for _, n := range []uint16{1023, 0, 256, 511} {
		s.send(opInput, 0, n, 0)
	}
	s.step(standinCycles, 4, 0, 256, 511, 1023)
	s.send(opInput, 0, 1024, 0)
	s.expect("E 03")
	s.write(regSynapse, 1023, 0xa5a5)
	s.read(regSynapse, 1023, 0xa5a5)
	s.read(regHistory, 256, 1)
	out := run(t, exe, "+script="+s.file(t), "+seed=13")
	s.check(t, out)
}

// TestLint runs Verilator's lint with every warning on the three link files,
// with the default parameters and with the test benches' small ones.
func TestLint(t *testing.T) {
	edatest.Require(t, "verilator")
	t.Parallel()
	dir := t.TempDir()
	var files []string
	for _, name := range hdl.LinkFiles {
		src, err := hdl.FS.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, src, 0o644); err != nil {
			t.Fatal(err)
		}
		files = append(files, path)
	}
	for _, params := range [][]string{nil, {"-GSLOT_BITS=4", "-GBAUD=115200"}, {"-GCLK_HZ=12000000"}} {
		args := append([]string{"--lint-only", "-Wall", "--top-module", "host_bridge"}, params...)
		args = append(args, files...)
		if out, err := exec.Command("verilator", args...).CombinedOutput(); err != nil {
			t.Errorf("verilator %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
}

// TestBridgeStandIn runs every op, every error and both ways to resync
// through the bridge at 3 Mbaud and 24 MHz, against the stand-in core.
func TestBridgeStandIn(t *testing.T) {
	needTools(t)
	t.Parallel()
	exe := standinBench(24000000, 3000000).build(t)

	var s session
	s.send(opIdent, 0, 0, 0)
	s.expect("I 00010000 00080404 16")

	// Words round-trip in little-endian order, with every byte value.
	s.write(regSynapse, 9, 0x0123456789abcdef)
	s.read(regSynapse, 9, 0x0123456789abcdef)
	regions := []byte{regProfile, regSlotProfile, regStateUV, regAccum, regGroupPtr, regSynapse}
	for i := 0; i < 32; i++ {
		var w uint64
		for j := 0; j < 8; j++ {
			w |= uint64((8*i+j)^0x5a) << (8 * j)
		}
		s.write(regions[i%len(regions)], uint16(i), w)
	}
	for i := 0; i < 32; i++ {
		var w uint64
		for j := 0; j < 8; j++ {
			w |= uint64((8*i+j)^0x5a) << (8 * j)
		}
		s.read(regions[i%len(regions)], uint16(i), w)
	}
	// The address is little-endian too: 0x0102 wraps to slot 2 in the stand-in.
	s.write(regAccum, 0x0102, 77)
	s.read(regAccum, 2, 77)

	// Errors: unknown ops, a region byte above 15, an input slot beyond the slots.
	for _, op := range []byte{0, 7, 0x80, 0xff} {
		s.send(op, 0, 0, 0)
		s.expect(fmt.Sprintf("E %02x", op))
	}
	s.send(opWrite, 0x10, 0, 1)
	s.expect("E 01")
	s.send(opRead, 0xff, 0, 0)
	s.expect("E 02")
	s.send(opInput, 0, 1<<standinSlotBits, 0)
	s.expect("E 03")
	s.send(opInput, 0, 0xffff, 0)
	s.expect("E 03")
	s.read(regSynapse, 9, 0x0123456789abcdef) // untouched by the loop and the errors

	// Steps: inputs pass through the stand-in as spikes of the neuron slots.
	s.write(regCtrl, 0, 16) // neuron_count: every slot
	s.write(regCtrl, 1, 16) // slot_count
	for _, n := range []uint16{15, 0, 3} {
		s.send(opInput, 0, n, 0)
	}
	s.step(standinCycles, 3, 0, 3, 15)
	s.step(standinCycles, 0)
	s.read(regHistory, 3, 0b10) // spiked one step before the last

	s.write(regCtrl, 0, 5) // slots 5.. are not neurons: their inputs spike nothing
	for _, n := range []uint16{9, 2, 5, 4} {
		s.send(opInput, 0, n, 0)
	}
	s.step(standinCycles, 4, 2, 4)

	s.write(regCtrl, 0, 1<<20) // more than the slots: every slot
	for n := uint16(0); n < 16; n++ {
		s.send(opInput, 0, n, 0)
	}
	s.step(standinCycles, 16, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15)

	s.write(regCtrl, 0, 0) // no neurons
	s.send(opInput, 0, 1, 0)
	s.step(standinCycles, 1)

	s.send(opClear, 0, 0, 0)
	s.expect("K")
	s.read(regHistory, 15, 0)

	// Resync: a partial command is dropped after a pause (the bench sets
	// RESYNC_CLKS to 1 ms: 2^15 clocks, 1.4 ms), and after a framing error.
	s.raw(opWrite, regCtrl, 0, 0, 9)
	s.pause(2000)
	s.send(opIdent, 0, 0, 0)
	s.expect("I 00010000 00080404 16")
	s.raw(opWrite, regCtrl, 0)
	s.badStop(0x00)
	s.send(opIdent, 0, 0, 0)
	s.expect("I 00010000 00080404 16")
	s.read(regCtrl, 0, 0) // neither partial write reached the core

	out := run(t, exe, "+script="+s.file(t), "+seed=7")
	s.check(t, out)
	if diff := cmp.Diff([]string{"1", "0", "1", "0", "1"}, out.activity); diff != "" {
		t.Errorf("activity LED after five steps (-want +got):\n%s", diff)
	}
}

// TestBridgeBaudSkew checks that the bridge understands, and is understood
// by, a host whose baud is 3 % off either way (uart_rx.v: at 8 clocks per
// bit a sender may be 3.9 % fast or 5.5 % slow).
func TestBridgeBaudSkew(t *testing.T) {
	needTools(t)
	t.Parallel()
	exe := standinBench(24000000, 3000000).build(t)
	for _, ppm := range []int{-30000, 30000} {
		t.Run(fmt.Sprintf("ppm=%d", ppm), func(t *testing.T) {
			var s session
			s.send(opIdent, 0, 0, 0)
			s.expect("I 00010000 00080404 16")
			s.write(regStateUV, 3, 0xfedcba9876543210)
			s.read(regStateUV, 3, 0xfedcba9876543210)
			s.write(regCtrl, 0, 16)
			s.send(opInput, 0, 7, 0)
			s.step(standinCycles, 1, 7)
			out := run(t, exe, "+script="+s.file(t), fmt.Sprintf("+host_ppm=%d", ppm), "+seed=3")
			s.check(t, out)
		})
	}
}

// TestBridge115200 runs the bridge at 115,200 baud (DIV 208 at 24 MHz).
func TestBridge115200(t *testing.T) {
	needTools(t)
	t.Parallel()
	exe := standinBench(24000000, 115200).build(t)
	var s session
	s.send(opIdent, 0, 0, 0)
	s.expect("I 00010000 00080404 16")
	s.write(regCtrl, 0, 16)
	s.send(opInput, 0, 12, 0)
	s.step(standinCycles, 1, 12)
	out := run(t, exe, "+script="+s.file(t), "+seed=5")
	s.check(t, out)
}

// TestUARTPair115200 sends every byte value through uart_rx and back out
// of uart_tx at 115,200 baud, at 24 and 12 MHz (DIV 208 and 104, both
// 0.16 % fast) and with the host 4 % off either way; a byte with a low stop
// bit must give one framing error and no byte.
func TestUARTPair115200(t *testing.T) {
	needTools(t)
	t.Parallel()
	var all []byte
	for v := 0; v < 256; v++ {
		all = append(all, byte(v))
	}
	want := append(all, 0xa5)
	for _, clk := range []int{24000000, 12000000} {
		exe := bench{
			top:    "tb_uart",
			hdl:    []string{"uart_rx.v", "uart_tx.v"},
			tb:     []string{"tb_uart.v"},
			params: map[string]string{"CLK_HZ": strconv.Itoa(clk), "BAUD": "115200"},
		}.build(t)
		for _, ppm := range []int{0, -40000, 40000} {
			t.Run(fmt.Sprintf("clk=%d/ppm=%d", clk, ppm), func(t *testing.T) {
				out := run(t, exe, fmt.Sprintf("+host_ppm=%d", ppm), fmt.Sprintf("+seed=%d", clk/1000+ppm))
				if diff := cmp.Diff(want, out.rx); diff != "" {
					t.Errorf("bytes from uart_rx (-want +got):\n%s", diff)
				}
				if out.frameErr != 1 {
					t.Errorf("uart_rx reported %d framing errors, want 1 (the byte with a low stop bit)", out.frameErr)
				}
				if diff := cmp.Diff(want, out.tx); diff != "" {
					t.Errorf("bytes decoded from uart_tx (-want +got):\n%s", diff)
				}
			})
		}
	}
}

// TestBridgeRealCore loads a network by hand into the real snn_core (small
// configuration: 16 slots, delays 1..4, 16 synapse words, 4 profiles, block
// RAM) through the bridge and runs it. Slots 0 and 1 are neurons, slot 2 an
// input: input → neuron 0 with delay 1, neuron 0 → neuron 1 with delay 2,
// each synapse strong enough to make its target spike at once. An input
// spike in step 0 must make neuron 0 spike in step 1 and neuron 1 in step 3.
func TestBridgeRealCore(t *testing.T) {
	needTools(t)
	t.Parallel()
	const (
		slotBits  = 4
		delays    = 4 // 2^DELAY_BITS
		neurons   = 2
		slotCount = 3
	)
	files := append(append([]string{}, hdl.CoreFiles...), hdl.LinkFiles...)
	exe := bench{
		top:     "tb_bridge",
		hdl:     files,
		tb:      []string{"tb_bridge.v"},
		defines: []string{"REAL_CORE"},
		params: map[string]string{
			"CLK_HZ": "24000000", "BAUD": "3000000", "SLOT_BITS": strconv.Itoa(slotBits),
		},
	}.build(t)

	// Profile 0 (docs/fpga-core.md): decay_u 0 (u is this step's input),
	// dv 4095, vth 1 (spike iff v > 64), no bias, no refractory period.
	const profile = 0<<0 | 4095<<12 | 1<<24
	// Weight class 0: shift 8 (weight_bits 8, weight_exp 0: s = 6), so a
	// weight of 100 adds 100·64 = 6400 to u.
	const class0 = 8
	synapse := func(target, weight uint64) uint64 { return target | weight<<12 | 0<<20 | 1<<23 }
	groupPtr := func(first uint64) uint64 { return 1<<15 | first }

	s := session{minCycles: slotCount}
	s.send(opIdent, 0, 0, 0)
	s.expect("I 00010000 00020204 16") // SLOT_BITS 4 | DELAY_BITS 2 << 8 | PROFILE_BITS 2 << 16

	s.write(regCtrl, 0, neurons)
	s.write(regCtrl, 1, slotCount)
	s.write(regCtrl, 8, class0)
	s.write(regProfile, 0, profile)
	for n := uint16(0); n < neurons; n++ {
		s.write(regSlotProfile, n, 0)
		s.write(regStateUV, n, 0)
	}
	// Every group of every slot in use is written: the simulator starts
	// memories as X, the FPGA at 0.
	for w := uint16(0); w < slotCount*delays; w++ {
		var v uint64
		switch w {
		case 2*delays + 0: // input slot 2, delay 1: synapse 0
			v = groupPtr(0)
		case 0*delays + 1: // neuron 0, delay 2: synapse 1
			v = groupPtr(1)
		}
		s.write(regGroupPtr, w, v)
	}
	s.write(regSynapse, 0, synapse(0, 100)|synapse(1, 100)<<24)
	s.send(opClear, 0, 0, 0) // accum, history, slot_state
	s.expect("K")
	s.read(regProfile, 0, profile)
	s.read(regSynapse, 0, synapse(0, 100)|synapse(1, 100)<<24)

	s.send(opInput, 0, 2, 0)
	s.step(anyCycles, 0)    // step 0: the input spikes
	s.step(anyCycles, 1, 0) // step 1: it reaches neuron 0
	s.step(anyCycles, 0)    // step 2: neuron 0's spike is under way
	s.step(anyCycles, 1, 1) // step 3: it reaches neuron 1
	s.step(anyCycles, 0)
	s.read(regCtrl, 27, 0) // status: no bad input, no cfg access while busy

	out := run(t, exe, "+script="+s.file(t), "+seed=11")
	s.check(t, out)
}
