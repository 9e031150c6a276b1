package build

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/snnc/snnc/backend/fpga"
)

// Fake tools stand in for yosys, nextpnr-ice40, icepack and icetime, so
// that the runner, the cache and the handling of failures are tested
// without the real flow (cmd/snnc's TestFPGAFlow runs that for both boards). Each one
// appends its name to $FAKE_CALLS. nextpnr-ice40 reaches $FAKE_FMAX MHz
// and, as nextpnr 0.4 does, exits 1 after writing the design when that
// misses --freq; FAKE_FAIL=tool makes a tool fail outright.
var fakeTools = map[string]string{
	"yosys": `#!/bin/sh
echo yosys >> "$FAKE_CALLS"
if [ "$1" = -V ]; then echo "Yosys 0.23 (fake)"; exit 0; fi
echo "reading $2"
[ "$FAKE_FAIL" = yosys ] && { echo "ERROR: syntax error in rtl/snnc_top.v"; exit 1; }
echo '{}' > snnc.json
`,
	"nextpnr-ice40": `#!/bin/sh
echo nextpnr-ice40 >> "$FAKE_CALLS"
if [ "$1" = --version ]; then echo "nextpnr-ice40 -- fake (Version 0.4)" >&2; exit 0; fi
while [ $# -gt 0 ]; do
  case "$1" in
    --asc) asc="$2"; shift;;
    --report) report="$2"; shift;;
    --freq) freq="$2"; shift;;
  esac
  shift
done
[ "$FAKE_FAIL" = nextpnr-ice40 ] && { echo "ERROR: Unable to place cell 'x'"; exit 1; }
echo "fake asc $FAKE_FMAX" > "$asc"
cat > "$report" <<JSON
{"fmax": {"clk": {"achieved": $FAKE_FMAX, "constraint": $freq}},
 "utilization": {"ICESTORM_LC": {"available": 5280, "used": 2500}, "ICESTORM_RAM": {"available": 30, "used": 28},
  "ICESTORM_SPRAM": {"available": 4, "used": 4}, "ICESTORM_DSP": {"available": 8, "used": 4}, "SB_WARMBOOT": {"available": 1, "used": 0}}}
JSON
if awk "BEGIN { exit !($FAKE_FMAX < $freq) }"; then
  echo "ERROR: Max frequency for clock 'clk': $FAKE_FMAX MHz (FAIL at $freq MHz)"
  exit 1
fi
echo "Info: Max frequency for clock 'clk': $FAKE_FMAX MHz (PASS at $freq MHz)"
`,
	"icepack": `#!/bin/sh
echo icepack >> "$FAKE_CALLS"
cp "$1" "$2"
`,
	"icetime": `#!/bin/sh
echo icetime >> "$FAKE_CALLS"
echo "Total path delay: 31.25 ns (32.00 MHz)"
`,
}

// fakeFlow installs the fake tools first on PATH and returns the file
// their calls are logged in.
func fakeFlow(t *testing.T, fmax string) string {
	t.Helper()
	dir := t.TempDir()
	for name, script := range fakeTools {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(script), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	calls := filepath.Join(dir, "calls")
	t.Setenv("PATH", dir+string(os.PathListSeparator)+os.Getenv("PATH"))
	t.Setenv("FAKE_CALLS", calls)
	t.Setenv("FAKE_FMAX", fmax)
	t.Setenv("FAKE_FAIL", "")
	return calls
}

func loadBoard(t *testing.T, name string) *fpga.Board {
	t.Helper()
	b, err := fpga.LoadBoard(name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func emit(t *testing.T, b *fpga.Board) *Sources {
	t.Helper()
	s, err := Emit(b)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// calls returns the tools called since the last look, and forgets them.
func calls(t *testing.T, file string) string {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
	os.Remove(file)
	return strings.Join(strings.Fields(string(data)), " ")
}

// The flow runs every tool once in order, writes the bitstream and the
// logs, and parses the figures; a second build of the same sources comes
// from the cache without running any tool; --rebuild runs them again.
func TestFlowAndCache(t *testing.T) {
	callLog := fakeFlow(t, "31.5")
	ctx := context.Background()
	tools, err := FindTools(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got := calls(t, callLog); got != "yosys nextpnr-ice40" {
		t.Errorf("versions asked of %q, want yosys and nextpnr-ice40 (icestorm tools are hashed)", got)
	}
	src := emit(t, loadBoard(t, "icebreaker"))
	cache := t.TempDir()
	opt := Options{Seed: 7, CacheDir: cache}
	out := t.TempDir()
	if err := src.WriteDir(filepath.Join(out, "rtl")); err != nil {
		t.Fatal(err)
	}
	rep, err := Run(ctx, src, out, tools, opt)
	if err != nil {
		t.Fatal(err)
	}
	if got := calls(t, callLog); got != "yosys nextpnr-ice40 icepack icetime" {
		t.Errorf("ran %q", got)
	}
	if rep.CacheHit || !rep.TimingMet || rep.FmaxMHz != 31.5 || rep.IcetimeMHz != 32 || rep.IcetimeNs != 31.25 || rep.TargetMHz != 24 || rep.Seed != 7 {
		t.Errorf("report %+v", rep)
	}
	if len(rep.Resources) != 4 || rep.Resources[0] != (Resource{"logic cells", "ICESTORM_LC", 2500, 5280}) {
		t.Errorf("resources %+v", rep.Resources)
	}
	for _, f := range []string{AscFile, BinFile, "logs/yosys.log", "logs/nextpnr-ice40.log", "logs/icepack.log", "logs/icetime.log", nextpnrReport} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Error(err)
		}
	}
	if _, err := os.Stat(filepath.Join(out, netlistFile)); err == nil {
		t.Errorf("%s left behind", netlistFile)
	}
	log := readFile(t, filepath.Join(out, "logs/nextpnr-ice40.log"))
	if !strings.HasPrefix(log, "$ nextpnr-ice40 --up5k --package sg48 --json snnc.json --pcf rtl/snnc.pcf --asc snnc.asc --freq 24 --seed 7 ") {
		t.Errorf("log starts %q", strings.SplitN(log, "\n", 2)[0])
	}

	out2 := t.TempDir()
	rep2, err := Run(ctx, src, out2, tools, opt)
	if err != nil {
		t.Fatal(err)
	}
	if got := calls(t, callLog); got != "" {
		t.Errorf("cache hit ran %q", got)
	}
	if !rep2.CacheHit || rep2.FmaxMHz != rep.FmaxMHz || rep2.Key != rep.Key {
		t.Errorf("cache hit: %+v", rep2)
	}
	for _, f := range []string{BinFile, AscFile, "logs/yosys.log", nextpnrReport} {
		if readFile(t, filepath.Join(out, f)) != readFile(t, filepath.Join(out2, f)) {
			t.Errorf("%s differs after a cache hit", f)
		}
	}

	opt.Rebuild = true
	if _, err := Run(ctx, src, t.TempDir(), tools, opt); err != nil {
		t.Fatal(err)
	}
	if got := calls(t, callLog); got != "yosys nextpnr-ice40 icepack icetime" {
		t.Errorf("--rebuild ran %q", got)
	}
	opt.Rebuild, opt.Seed = false, 8
	if _, err := Run(ctx, src, t.TempDir(), tools, opt); err != nil {
		t.Fatal(err)
	}
	if got := calls(t, callLog); got != "yosys nextpnr-ice40 icepack icetime" {
		t.Errorf("another seed ran %q, want the whole flow", got)
	}
}

// nextpnr's exit status 1 for a missed clock is a timing failure with the
// achieved figure, after the bitstream is written (and cached: the same
// sources fail the same way); a real nextpnr failure is an error naming
// the tool, its command line and the end of its log.
func TestFlowFailures(t *testing.T) {
	fakeFlow(t, "19.87")
	ctx := context.Background()
	tools, err := FindTools(ctx)
	if err != nil {
		t.Fatal(err)
	}
	src := emit(t, loadBoard(t, "icebreaker"))
	out := t.TempDir()
	opt := Options{Seed: 1, CacheDir: t.TempDir()}
	rep, err := Run(ctx, src, out, tools, opt)
	var te *TimingError
	if !errors.As(err, &te) {
		t.Fatalf("error %v, want a *TimingError", err)
	}
	if rep == nil || rep.TimingMet || rep.FmaxMHz != 19.87 {
		t.Errorf("report %+v", rep)
	}
	for _, want := range []string{"board icebreaker", "timing not met", "19.87 MHz", "needs 24 MHz", "seed 1"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	if _, err := os.Stat(filepath.Join(out, BinFile)); err != nil {
		t.Errorf("no bitstream after a timing failure: %v", err)
	}
	if rep, err := Run(ctx, src, t.TempDir(), tools, opt); !errors.As(err, &te) || !rep.CacheHit {
		t.Errorf("from the cache: %v, %+v", err, rep)
	}

	for _, tool := range []string{"yosys", "nextpnr-ice40"} {
		t.Setenv("FAKE_FAIL", tool)
		opt := Options{Seed: 1, CacheDir: t.TempDir()}
		_, err = Run(ctx, src, t.TempDir(), tools, opt)
		var se *StepError
		if !errors.As(err, &se) || se.Tool != tool || !strings.HasPrefix(se.Command, tool+" ") || !strings.Contains(se.Tail, "ERROR: ") {
			t.Errorf("%s failing: %v", tool, err)
		}
	}
}

// A missing tool is named with the Debian package that brings it.
func TestMissingTools(t *testing.T) {
	defer func(f func(string) (string, error)) { lookPath = f }(lookPath)
	lookPath = func(name string) (string, error) {
		if name == "yosys" {
			return "", exec.ErrNotFound
		}
		return "/nonexistent/" + name, nil
	}
	_, err := FindTools(context.Background())
	var me *MissingToolsError
	if !errors.As(err, &me) || err.Error() != "yosys not found on PATH (install with: apt-get install -y yosys)" {
		t.Fatalf("error %v", err)
	}
	lookPath = func(string) (string, error) { return "", exec.ErrNotFound }
	_, err = FindTools(context.Background())
	if !errors.As(err, &me) || strings.Join(me.Packages(), " ") != "yosys nextpnr-ice40 fpga-icestorm" {
		t.Fatalf("error %v", err)
	}
	if want := "yosys, nextpnr-ice40, icepack, icetime not found on PATH (install with: apt-get install -y yosys nextpnr-ice40 fpga-icestorm)"; err.Error() != want {
		t.Errorf("error %q, want %q", err, want)
	}
}

func TestTimingFailed(t *testing.T) {
	tests := []struct {
		log  string
		want bool
	}{
		{"Info: x\nERROR: Max frequency for clock 'clk': 23.14 MHz (FAIL at 200.00 MHz)\n0 warnings, 1 error", true},
		{"ERROR: Max frequency for clock 'clk': 23.14 MHz (FAIL at 200.00 MHz)\nERROR: Unable to route\n", false},
		{"ERROR: Unable to place cell 'x'\n", false},
		{"Info: all good\n", false},
	}
	for _, tt := range tests {
		if got := timingFailed([]byte(tt.log)); got != tt.want {
			t.Errorf("%q: %v, want %v", tt.log, got, tt.want)
		}
	}
}

// testdata/nextpnr-report.json is nextpnr-ice40 0.4's --report of a small
// design on the UP5K (critical paths cut out).
func TestReadNextpnr(t *testing.T) {
	var r FlowReport
	if err := r.readNextpnr("testdata/nextpnr-report.json"); err != nil {
		t.Fatal(err)
	}
	if len(r.Clocks) != 1 || r.Clocks[0] != (ClockTiming{"clk", 38.18, 24}) || r.FmaxMHz != 38.18 || !r.TimingMet {
		t.Errorf("clocks %+v, fmax %g, met %v", r.Clocks, r.FmaxMHz, r.TimingMet)
	}
	want := []Resource{{"logic cells", "ICESTORM_LC", 358, 5280}, {"block RAM (4 Kbit)", "ICESTORM_RAM", 0, 30},
		{"SPRAM (256 Kbit)", "ICESTORM_SPRAM", 0, 4}, {"DSP (SB_MAC16)", "ICESTORM_DSP", 0, 8}, {"PLL", "ICESTORM_PLL", 1, 1},
		{"I/O", "SB_IO", 5, 96}, {"global buffers", "SB_GB", 5, 8}}
	if len(r.Resources) != len(want) {
		t.Fatalf("resources %+v", r.Resources)
	}
	for i := range want {
		if r.Resources[i] != want[i] {
			t.Errorf("resource %d: %+v, want %+v", i, r.Resources[i], want[i])
		}
	}
}

func TestParseIcetime(t *testing.T) {
	ns, mhz, err := parseIcetime([]byte("Total number of logic levels: 27\nTotal path delay: 42.65 ns (23.44 MHz)\n"))
	if err != nil || ns != 42.65 || mhz != 23.44 {
		t.Errorf("%g ns, %g MHz, %v", ns, mhz, err)
	}
	if _, _, err := parseIcetime([]byte("icetime: error\n")); err == nil {
		t.Error("no error for a log without the total")
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// A device without SPRAM and DSP (the HX8K) still gets their rows, as 0 of 0.
func TestResourcesAlwaysListed(t *testing.T) {
	path := filepath.Join(t.TempDir(), "report.json")
	data := `{"fmax": {"clk": {"achieved": 73.8, "constraint": 24}}, "utilization": {"ICESTORM_LC": {"available": 7680, "used": 4267}, "ICESTORM_RAM": {"available": 32, "used": 29}}}`
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	var r FlowReport
	if err := r.readNextpnr(path); err != nil {
		t.Fatal(err)
	}
	want := []Resource{{"logic cells", "ICESTORM_LC", 4267, 7680}, {"block RAM (4 Kbit)", "ICESTORM_RAM", 29, 32},
		{"SPRAM (256 Kbit)", "ICESTORM_SPRAM", 0, 0}, {"DSP (SB_MAC16)", "ICESTORM_DSP", 0, 0}}
	if len(r.Resources) != len(want) {
		t.Fatalf("resources %+v", r.Resources)
	}
	for i := range want {
		if r.Resources[i] != want[i] {
			t.Errorf("resource %d: %+v, want %+v", i, r.Resources[i], want[i])
		}
	}
}
