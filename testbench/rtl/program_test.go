package rtl

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// testProgram asks for two reads, two steps with a dump of 3 slots after
// each, and a final read, as Run does.
func testProgram() *program {
	p := &program{}
	p.write(8, 0x1f, 0xabcdef012345)
	p.read(0, 16)
	p.read(0, 17)
	p.clear()
	p.input(5)
	p.step()
	p.dump(3)
	p.step()
	p.dump(3)
	p.read(0, 27)
	p.finish()
	return p
}

const goodOutput = `# tb_core: SLOT_BITS=4
R 0 10 10000
R 0 11 40304
O 0
O 2
D 4a 3 2
S 0 ffffff 0
S 1 800000 7fffff
S 2 12 fff000
# a comment between records
D 40 0 0
S 0 0 0
S 1 1 1
S 2 2 2
R 0 1b 0
# done
- tb_core.v:120: Verilog $finish
`

func TestProgramText(t *testing.T) {
	p := testProgram()
	want := "1 8 1f abcdef012345\n2 0 10 0\n2 0 11 0\n5 0 0 0\n3 0 5 0\n4 0 0 0\n6 0 3 0\n4 0 0 0\n6 0 3 0\n2 0 1b 0\n0 0 0 0\n"
	if got := p.text.String(); got != want {
		t.Errorf("command file:\n%s\nwant:\n%s", got, want)
	}
}

func TestParseGood(t *testing.T) {
	for _, eol := range []string{"\n", "\r\n"} {
		out := strings.ReplaceAll(goodOutput, "\n", eol)
		got, err := testProgram().parse([]byte(out), 3)
		if err != nil {
			t.Fatalf("eol %q: %v", eol, err)
		}
		want := &output{
			reads: []uint64{0x10000, 0x40304, 0},
			steps: []stepRecord{{out: []int{0, 2}, cycles: 0x4a, events: 3, count: 2}, {cycles: 0x40}},
			dumps: [][]uvRecord{
				{{-1, 0}, {-1 << 23, 1<<23 - 1}, {0x12, -0x1000}},
				{{0, 0}, {1, 1}, {2, 2}},
			},
		}
		if diff := cmp.Diff(want, got, cmp.AllowUnexported(output{}, stepRecord{}, uvRecord{})); diff != "" {
			t.Errorf("eol %q: parse (-want +got):\n%s", eol, diff)
		}
	}
}

// TestParseBad changes one line of goodOutput at a time: every change
// must be an *OutputError that quotes the line (or, for missing records,
// says what is missing).
func TestParseBad(t *testing.T) {
	for _, tc := range []struct {
		name, old, new, msg string
	}{
		{"unknown record", "D 40 0 0", "X 40 0 0", `unknown record "X"`},
		{"simulator noise", "D 40 0 0", "VCD info: dumpfile", `unknown record "VCD"`},
		{"empty line", "# a comment between records", "", "empty line"},
		{"too few fields", "D 4a 3 2", "D 4a 3", "3 fields, a D record has 4"},
		{"too many fields", "O 2", "O 2 3", "3 fields, a O record has 2"},
		{"X in a number", "S 2 12 fff000", "S 2 12 fffx00", "not a hexadecimal number"},
		{"0x prefix", "R 0 11 40304", "R 0 11 0x40304", "not a hexadecimal number"},
		{"decimal minus", "S 2 12 fff000", "S 2 12 -4096", "not a hexadecimal number"},
		{"slot beyond neurons", "O 2", "O 3", "neuron slots are 0..2"},
		{"decreasing slots", "O 2", "O 0", "after slot 0"},
		{"count mismatch", "D 4a 3 2", "D 4a 3 3", "counts 3 spikes but printed 2"},
		{"wrong read address", "R 0 11 40304", "R 0 12 40304", "reads region 0 word 17"},
		{"read instead of step", "O 0", "R 0 1b 0", "expects a step's O and D lines"},
		{"state out of order", "S 1 800000 7fffff", "S 2 800000 7fffff", "expected slot 1"},
		{"state too wide", "S 2 12 fff000", "S 2 1000000 0", "wider than 24 bits"},
		{"state instead of step", "D 40 0 0", "S 0 0 0", "expects a step's O and D lines"},
		{"step instead of dump", "S 0 ffffff 0", "D 1 0 0", "expects a dump of 3 slots"},
		{"wrong finish notice", "- tb_core.v:120: Verilog $finish", "- tb_core.v:120: Verilog $stop", `a line after the bench's "# done"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if !strings.Contains(goodOutput, tc.old+"\n") {
				t.Fatalf("goodOutput has no line %q", tc.old)
			}
			out := strings.Replace(goodOutput, tc.old+"\n", tc.new+"\n", 1)
			_, err := testProgram().parse([]byte(out), 3)
			var oe *OutputError
			if !errors.As(err, &oe) {
				t.Fatalf("err = %v, want an *OutputError", err)
			}
			if !strings.Contains(err.Error(), fmt.Sprintf("%q", tc.new)) || !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("err = %q, want it to quote %q and say %q", err, tc.new, tc.msg)
			}
		})
	}
}

func TestParseMissingAndExtra(t *testing.T) {
	lines := strings.SplitAfter(goodOutput, "\n")
	done := "# done\n"
	for _, tc := range []struct {
		name, out, msg string
	}{
		{"no output", "", `no "# done" line: the bench stopped before the end of the command file (its error is on stderr); 0 of 7 records printed, next expected: the read of region 0 word 16`},
		{"truncated dump", strings.Join(lines[:7], ""), "next expected: a dump of 3 slots"},
		{"no final read", strings.Join(lines[:14], "") + done, "output ends before the read of region 0 word 27 (6 of 7 records)"},
		{"truncated dump, then done", strings.Join(lines[:7], "") + done, "the dump stops after 1 of 3 slots"},
		{"no done", strings.Join(lines[:15], ""), `no "# done" line`},
		{"extra record", strings.Join(lines[:15], "") + "O 1\n" + done, `line 16 "O 1": a record after the last one`},
		{"line after done", goodOutput + "O 1\n", `line 18 "O 1": a line after the bench's "# done"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := testProgram().parse([]byte(tc.out), 3)
			var oe *OutputError
			if !errors.As(err, &oe) || !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("err = %v, want an *OutputError saying %q", err, tc.msg)
			}
		})
	}
}

func TestSext24(t *testing.T) {
	for in, want := range map[uint64]int32{0: 0, 1: 1, 0x7fffff: 1<<23 - 1, 0x800000: -1 << 23, 0xffffff: -1} {
		if got := sext24(in); got != want {
			t.Errorf("sext24(%#x) = %d, want %d", in, got, want)
		}
	}
}

func TestBuildKey(t *testing.T) {
	src := []source{{"a.v", []byte("module a; endmodule\n")}}
	base := buildKey("verilator", "Verilator 5.006", []string{"SLOT_BITS=10"}, src)
	for name, k := range map[string]string{
		"simulator": buildKey("icarus", "Verilator 5.006", []string{"SLOT_BITS=10"}, src),
		"version":   buildKey("verilator", "Verilator 5.008", []string{"SLOT_BITS=10"}, src),
		"parameter": buildKey("verilator", "Verilator 5.006", []string{"SLOT_BITS=8"}, src),
		"source":    buildKey("verilator", "Verilator 5.006", []string{"SLOT_BITS=10"}, []source{{"a.v", []byte("module a;  endmodule\n")}}),
		"file name": buildKey("verilator", "Verilator 5.006", []string{"SLOT_BITS=10"}, []source{{"b.v", src[0].data}}),
	} {
		if k == base {
			t.Errorf("changing the %s does not change the key %s", name, k)
		}
	}
	if again := buildKey("verilator", "Verilator 5.006", []string{"SLOT_BITS=10"}, src); again != base {
		t.Errorf("the key is not deterministic: %s, %s", base, again)
	}
}

func TestToolErrors(t *testing.T) {
	err := lookTools("snnc-no-such-tool-xyz")
	var me *MissingToolError
	if !errors.As(err, &me) {
		t.Fatalf("err = %v, want a *MissingToolError", err)
	}
	_, err = RunTool(t.TempDir(), DefaultRunTimeout, "sh", "-c", "echo line one; echo 'the cause' >&2; exit 3")
	var te *ToolError
	if !errors.As(err, &te) {
		t.Fatalf("err = %v, want a *ToolError", err)
	}
	for _, want := range []string{"sh -c 'echo line one; echo '\\''the cause'\\'' >&2; exit 3'", "the cause", "line one", "exit status 3"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("err = %q, want it to contain %q", err, want)
		}
	}
}
