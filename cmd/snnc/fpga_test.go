package main

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/snnc/snnc/backend/fpga"
	"github.com/snnc/snnc/backend/fpga/build"
	"github.com/snnc/snnc/internal/edatest"
)

// fpgaReport is the part of report.json the tests read.
type fpgaReport struct {
	Board     string `json:"board"`
	BuildHash string `json:"build_hash"`
	Capacity  []struct {
		Name        string
		Used, Limit int
	} `json:"capacity"`
	Cycles struct {
		Quiet, Busiest int
	} `json:"cycles_per_step"`
	Bitstream *struct {
		FmaxMHz    float64 `json:"fmax_mhz"`
		IcetimeMHz float64 `json:"icetime_mhz"`
		TargetMHz  float64 `json:"target_mhz"`
		TimingMet  bool    `json:"timing_met"`
		Resources  []struct {
			Cell            string
			Used, Available int
		} `json:"resources"`
		Tools []struct{ Name, Version string } `json:"tools"`
	} `json:"bitstream"`
	Skipped string `json:"bitstream_skipped"`
	Network *struct {
		Neurons int `json:"neurons"`
	} `json:"network"`
}

func readReport(t *testing.T, dir string) fpgaReport {
	t.Helper()
	var r fpgaReport
	if err := json.Unmarshal([]byte(read(t, filepath.Join(dir, "report.json"))), &r); err != nil {
		t.Fatal(err)
	}
	return r
}

// listFiles returns every file under dir, relative, sorted.
func listFiles(t *testing.T, dir string) []string {
	t.Helper()
	var files []string
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		files = append(files, filepath.ToSlash(rel))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// --no-bitstream writes the RTL, the images, the reports and the manifest,
// byte-identical from one run to the next, and no bitstream; the manifest
// lists every file written with its hash.
func TestFPGANoBitstream(t *testing.T) {
	t.Setenv("SNNC_CACHE_DIR", t.TempDir())
	dir, err := filepath.Abs("../../examples/recurrent")
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	for _, o := range []string{"a", "b"} {
		status, _, stderr := snnc(t, dir, "compile", "net.yaml", "--target", "fpga", "--board", "icebreaker", "--no-bitstream", "-o", filepath.Join(out, o))
		if status != 0 {
			t.Fatalf("status %d: %s", status, stderr)
		}
	}
	a, b := filepath.Join(out, "a"), filepath.Join(out, "b")
	files := listFiles(t, a)
	for _, want := range []string{"manifest.json", "mem/config.bin", "mem/synapse.hex", "mem/group_ptr.hex", "network.yaml", "report.json", "report.txt",
		"rtl/link_stream.v", "rtl/link_spi.v", "rtl/snn_core.v", "rtl/snnc_system.v", "rtl/snnc.pcf", "rtl/snnc_top.v", "rtl/synth.ys",
		"weight-changes.csv"} {
		found := false
		for _, f := range files {
			found = found || f == want
		}
		if !found {
			t.Errorf("%s not written (wrote %s)", want, strings.Join(files, " "))
		}
	}
	for _, f := range files {
		if strings.HasPrefix(f, "logs/") || f == "snnc.bin" || f == "snnc.asc" || f == "rtl/host_bridge.v" {
			t.Errorf("--no-bitstream wrote %s", f)
		}
		if read(t, filepath.Join(a, f)) != read(t, filepath.Join(b, f)) {
			t.Errorf("%s differs between two runs", f)
		}
	}
	r := readReport(t, a)
	if r.Board != "icebreaker" || r.Bitstream != nil || r.Skipped != "--no-bitstream" || r.Network == nil || r.Cycles.Quiet <= 0 || r.Cycles.Busiest < r.Cycles.Quiet {
		t.Errorf("report %+v", r)
	}
	var man struct {
		Input       string `json:"input"`
		InputSHA256 string `json:"input_sha256"`
		Board       string `json:"board"`
		BuildHash   string `json:"build_hash"`
		Network     string `json:"network"`
		Files       []struct {
			Path   string
			SHA256 string
			Size   int64
		}
	}
	if err := json.Unmarshal([]byte(read(t, filepath.Join(a, "manifest.json"))), &man); err != nil {
		t.Fatal(err)
	}
	if man.Input != "net.yaml" || len(man.InputSHA256) != 64 || man.Board != "icebreaker" || len(man.Files) != len(files)-1 {
		t.Errorf("manifest: input %q %q, board %q, %d files of %d", man.Input, man.InputSHA256, man.Board, len(man.Files), len(files)-1)
	}
	for _, f := range man.Files {
		if int64(len(read(t, filepath.Join(a, f.Path)))) != f.Size {
			t.Errorf("manifest: %s: size %d is wrong", f.Path, f.Size)
		}
		// The copy of the network is the input, byte for byte.
		if f.Path == "network.yaml" && f.SHA256 != man.InputSHA256 {
			t.Errorf("manifest: network.yaml has SHA-256 %s, the input %s", f.SHA256, man.InputSHA256)
		}
	}
	if man.Network != "network.yaml" || read(t, filepath.Join(a, "network.yaml")) != read(t, filepath.Join(dir, "net.yaml")) {
		t.Errorf("manifest: network %q; or network.yaml is not a copy of net.yaml", man.Network)
	}
	// The build hash: the one the top level passes to snnc_system (byte 0
	// in bits [7:0]), in the manifest and both reports.
	hash, err := build.BuildHash(mustBoard(t, "icebreaker"), "uart")
	if err != nil {
		t.Fatal(err)
	}
	if want := hex.EncodeToString(hash[:]); man.BuildHash != want || r.BuildHash != want ||
		!strings.Contains(read(t, filepath.Join(a, "report.txt")), "build hash "+want) ||
		!strings.Contains(read(t, filepath.Join(a, "rtl", "snnc_top.v")), ".BUILD_HASH("+build.VerilogHash(hash)+")") {
		t.Errorf("build hash: manifest %q, report.json %q; want %s everywhere, and .BUILD_HASH(%s) in snnc_top.v", man.BuildHash, r.BuildHash, want, build.VerilogHash(hash))
	}
}

func mustBoard(t *testing.T, name string) *fpga.Board {
	t.Helper()
	b, err := fpga.LoadBoard(name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// network.yaml in DIR is snnc's copy of the input: a network.yaml of the
// user's there is refused and kept, and the input itself there gets a
// message of its own; a copy snnc wrote is replaced, also when it is
// compiled again itself.
func TestFPGANetworkCopy(t *testing.T) {
	t.Setenv("SNNC_CACHE_DIR", t.TempDir())
	dir := t.TempDir()
	write(t, dir, "net.yaml", goodNet)
	if err := os.Mkdir(filepath.Join(dir, "out"), 0o755); err != nil {
		t.Fatal(err)
	}
	write(t, dir, "out/network.yaml", "mine\n")
	status, _, stderr := snnc(t, dir, "compile", "net.yaml", "--target", "fpga", "--no-bitstream", "-o", "out")
	if status != exitUserError || !strings.Contains(stderr, "-o out: out/network.yaml was not written by snnc") || read(t, filepath.Join(dir, "out", "network.yaml")) != "mine\n" {
		t.Errorf("the user's network.yaml: status %d, stderr %q", status, stderr)
	}
	write(t, dir, "out/network.yaml", goodNet)
	status, _, stderr = snnc(t, dir, "compile", "out/network.yaml", "--target", "fpga", "--no-bitstream", "-o", "out")
	want := regexp.MustCompile(`^snnc compile: -o out: the input out/network\.yaml is out/network\.yaml, where compile --target fpga writes its copy of the network; choose another -o DIR, or give the network another name \(see 'snnc compile --help'\)\n$`)
	if status != exitUserError || !want.MatchString(stderr) || read(t, filepath.Join(dir, "out", "network.yaml")) != goodNet {
		t.Errorf("the input as out/network.yaml: status %d, stderr %q; want %s", status, stderr, want)
	}
	if err := os.Remove(filepath.Join(dir, "out", "network.yaml")); err != nil {
		t.Fatal(err)
	}
	if status, _, stderr := snnc(t, dir, "compile", "net.yaml", "--target", "fpga", "--no-bitstream", "-o", "out"); status != 0 {
		t.Fatalf("status %d: %s", status, stderr)
	}
	// snnc's copy compiled again into its own directory: the same bytes.
	if status, _, stderr := snnc(t, dir, "compile", "out/network.yaml", "--target", "fpga", "--no-bitstream", "-o", "out"); status != 0 {
		t.Fatalf("the copy compiled again: status %d: %s", status, stderr)
	}
	if got := read(t, filepath.Join(dir, "out", "network.yaml")); got != goodNet {
		t.Errorf("network.yaml after compiling it again: %q", got)
	}
}

// Without the tools the compile still writes the RTL and the images and
// exits 0, with a warning that names the Debian packages.
func TestFPGAMissingTools(t *testing.T) {
	t.Setenv("SNNC_CACHE_DIR", t.TempDir())
	t.Setenv("PATH", t.TempDir())
	dir, err := filepath.Abs("../../examples/hello")
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	status, _, stderr := snnc(t, dir, "compile", "net.yaml", "--target", "fpga", "-o", out)
	if status != 0 {
		t.Fatalf("status %d: %s", status, stderr)
	}
	if !strings.Contains(stderr, "warning: no bitstream: yosys, nextpnr-ice40, icepack, icetime not found on PATH") ||
		strings.Count(stderr, "apt-get install -y yosys nextpnr-ice40 fpga-icestorm") != 1 {
		t.Errorf("stderr %q; want the warning with the apt-get command once", stderr)
	}
	r := readReport(t, out)
	if r.Bitstream != nil || !strings.HasPrefix(r.Skipped, "tools missing: ") {
		t.Errorf("report: bitstream %v, skipped %q", r.Bitstream, r.Skipped)
	}
	if _, err := os.Stat(filepath.Join(out, "rtl", "snnc_top.v")); err != nil {
		t.Error(err)
	}
}

// Wrong boards, wrong flag combinations and networks too big for the core
// get exit status 2 and one line that says what is allowed.
func TestFPGAErrors(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "net.yaml", goodNet)
	write(t, dir, "big.yaml", `version: 1
populations:
  - name: in
    size: 200
    model: input
  - name: exc
    size: 100
    model: lif
    params: {du: 410, dv: 205, vth: 100}
projections:
  - from: in
    to: exc
    connect: all_to_all
    weights: 10
    delays: 1
`)
	classes := "version: 1\npopulations:\n  - {name: in, size: 1, model: input}\n  - {name: exc, size: 1, model: lif, params: {vth: 100}}\nprojections:\n"
	for e := -4; e <= 4; e++ {
		classes += fmt.Sprintf("  - {name: p%d, from: in, to: exc, weights: [[10]], weight_exp: %d, delays: 1}\n", e+4, e)
	}
	write(t, dir, "classes.yaml", classes)
	write(t, dir, "slow.yaml", strings.Replace(goodNet, "delays: 1", "delays: 100", 1))
	hx8k, err := os.ReadFile("../../backend/fpga/boards/ice40-hx8k.yaml")
	if err != nil {
		t.Fatal(err)
	}
	write(t, dir, "my.yaml", string(hx8k))
	tests := []struct {
		args []string
		want string // a regular expression for the whole of stderr
	}{
		{[]string{"net.yaml", "--target", "fpga", "--board", "icestick"},
			`^snnc compile: --board: unknown board "icestick" \(allowed: ice40-hx8k, icebreaker; or --board-file FILE\) \(see 'snnc compile --help'\)\n$`},
		{[]string{"net.yaml", "--board", "icebreaker"},
			`^snnc compile: --board needs --target fpga \(see 'snnc compile --help'\)\n$`},
		{[]string{"net.yaml", "--no-bitstream"},
			`^snnc compile: --no-bitstream needs --target fpga`},
		{[]string{"net.yaml", "--target", "fpga", "--board", "icebreaker", "--board-file", "b.yaml"},
			`^snnc compile: --board and --board-file both given \(allowed: one of them\)`},
		{[]string{"net.yaml", "--target", "fpga", "--target-file", "t.yaml"},
			`^snnc compile: --target fpga and --target-file both given`},
		{[]string{"net.yaml", "--target", "fpga", "--emit", "report"},
			`^snnc compile: --emit does not apply to --target fpga`},
		{[]string{"net.yaml", "--target", "fpga", "--seed", "-1"},
			`^snnc compile: --seed -1 is out of range \(allowed: 0\.\.`},
		{[]string{"big.yaml", "--target", "fpga", "--board", "ice40-hx8k", "--no-bitstream"},
			`^big\.yaml: board ice40-hx8k: the network does not fit the FPGA core: 300 slots \(neurons and input axons\), the core holds 256 \(SLOT_BITS=8\); 20000 synapses, the core holds 1536 \(SYN_WORDS=768, two a word\)\n$`},
		{[]string{"classes.yaml", "--target", "fpga", "--no-bitstream"},
			`^classes\.yaml: board icebreaker: the network does not fit the FPGA core: [^\n]*\b9\b[^\n]*\b8\b[^\n]*\n$`},
		{[]string{"big.yaml", "--target", "fpga", "--board", "ice40-hx8k", "--no-bitstream", "--board-file", "nope.yaml"},
			`^snnc compile: --board and --board-file both given`},
		{[]string{"big.yaml", "--target", "fpga", "--board-file", "nope.yaml", "--no-bitstream"},
			`^snnc compile: --board-file: nope\.yaml: cannot read the board file: no such file or directory \(see 'snnc compile --help'\)\n$`},
		{[]string{"big.yaml", "--target", "fpga", "--board-file", "my.yaml", "--no-bitstream"},
			`^big\.yaml: board ice40-hx8k \(from my\.yaml\): the network does not fit the FPGA core: 300 slots`},
	}
	for _, tt := range tests {
		args := append([]string{"compile"}, tt.args...)
		args = append(args, "-o", filepath.Join(dir, "out"))
		status, stdout, stderr := snnc(t, dir, args...)
		if status != exitUserError || stdout != "" || !regexp.MustCompile(tt.want).MatchString(stderr) {
			t.Errorf("%v: status %d, stdout %q, stderr %q; want status 2 and %s", tt.args, status, stdout, stderr, tt.want)
		}
	}
	// None of these touched the output directory.
	if _, err := os.Stat(filepath.Join(dir, "out")); !os.IsNotExist(err) {
		t.Errorf("a failed compile made the output directory (%v): %v", err, listFiles(t, filepath.Join(dir, "out")))
	}
	// Delays beyond the core's D become relays: not an error.
	if status, _, stderr := snnc(t, dir, "compile", "slow.yaml", "--target", "fpga", "--board", "ice40-hx8k", "--no-bitstream", "-o", filepath.Join(dir, "slow")); status != 0 {
		t.Errorf("delay 100 on the HX8K: status %d: %s", status, stderr)
	}
}

// The whole flow for both boards with one seed, when the tools are here
// (SNNC_REQUIRE_EDA=1 makes a missing tool a failure): each board's
// bitstream is built once, into the package's cache (TestMain); the report
// says the design fits and gives nextpnr's and icetime's fmax; a second
// network then takes the bitstream from the cache, byte for byte.
func TestFPGAFlow(t *testing.T) {
	if testing.Short() {
		t.Skip("the flow takes minutes")
	}
	edatest.Require(t, "yosys", "nextpnr-ice40", "icepack", "icetime")
	// The package's cache (TestMain): a board another test built already
	// comes from it.
	examples, err := filepath.Abs("../../examples")
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	for _, board := range []string{"icebreaker", "ice40-hx8k"} {
		t.Run(board, func(t *testing.T) {
			first := filepath.Join(out, board, "hello")
			status, _, stderr := snnc(t, filepath.Join(examples, "hello"), "compile", "net.yaml", "--target", "fpga", "--board", board, "--seed", "1", "-o", first)
			if status != 0 {
				t.Fatalf("status %d: %s", status, stderr)
			}
			r := readReport(t, first)
			b := r.Bitstream
			if b == nil {
				t.Fatalf("no bitstream in the report: %s", stderr)
			}
			if !b.TimingMet || b.FmaxMHz < b.TargetMHz || b.IcetimeMHz <= 0 || len(b.Tools) != 4 {
				t.Errorf("fmax %.2f MHz (icetime %.2f) for %g MHz, timing met %v, tools %v", b.FmaxMHz, b.IcetimeMHz, b.TargetMHz, b.TimingMet, b.Tools)
			}
			if len(b.Resources) == 0 || b.Resources[0].Cell != "ICESTORM_LC" {
				t.Fatalf("resources %+v", b.Resources)
			}
			for _, res := range b.Resources {
				if res.Used > res.Available || (res.Cell == "ICESTORM_LC" && res.Used == 0) {
					t.Errorf("%s: %d of %d", res.Cell, res.Used, res.Available)
				}
			}
			t.Logf("%s: %+v", board, *b)
			for _, f := range []string{"snnc.bin", "snnc.asc", "logs/yosys.log", "logs/nextpnr-ice40.log", "logs/icepack.log", "logs/icetime.log"} {
				if _, err := os.Stat(filepath.Join(first, f)); err != nil {
					t.Error(err)
				}
			}

			second := filepath.Join(out, board, "coincidence")
			status, _, stderr = snnc(t, filepath.Join(examples, "coincidence"), "compile", "net.yaml", "--target", "fpga", "--board", board, "--seed", "1", "-o", second)
			if status != 0 {
				t.Fatalf("coincidence: status %d: %s", status, stderr)
			}
			if !strings.Contains(stderr, "bitstream from the cache") {
				t.Errorf("coincidence: not from the cache: %s", stderr)
			}
			if read(t, filepath.Join(first, "snnc.bin")) != read(t, filepath.Join(second, "snnc.bin")) {
				t.Error("the cached bitstream differs")
			}
			if r2 := readReport(t, second); r2.Bitstream == nil || r2.Bitstream.FmaxMHz != b.FmaxMHz {
				t.Errorf("coincidence: report %+v", r2.Bitstream)
			}
		})
	}
}

// A bitstream that misses the core clock (nextpnr 0.4 exits 1 but writes
// the design) is written with its report and manifest, and snnc exits 1
// naming the frequency reached and the one needed. Fake tools stand in for
// the flow.
func TestFPGATimingFailure(t *testing.T) {
	fakeEDA(t, 19.5)
	t.Setenv("SNNC_CACHE_DIR", t.TempDir())
	dir := t.TempDir()
	write(t, dir, "net.yaml", goodNet)
	status, _, stderr := snnc(t, dir, "compile", "net.yaml", "--target", "fpga", "-o", "out")
	want := regexp.MustCompile(`snnc: board icebreaker: timing not met: nextpnr reaches 19\.50 MHz \(icetime 19\.23 MHz\), the core clock needs 24 MHz \(seed 1; see out/logs/nextpnr-ice40\.log\); the bitstream out/snnc\.bin was written but may not work\n$`)
	if status != exitFailure || !want.MatchString(stderr) {
		t.Errorf("status %d, stderr %q; want status 1 and %s", status, stderr, want)
	}
	r := readReport(t, filepath.Join(dir, "out"))
	if r.Bitstream == nil || r.Bitstream.TimingMet || r.Bitstream.FmaxMHz != 19.5 {
		t.Errorf("report: %+v", r.Bitstream)
	}
	for _, f := range []string{"snnc.bin", "manifest.json", "report.txt"} {
		if _, err := os.Stat(filepath.Join(dir, "out", f)); err != nil {
			t.Error(err)
		}
	}
}

// fakeEDA puts fake yosys, nextpnr-ice40, icepack and icetime first on
// PATH: they write the files the flow expects in a moment, nextpnr
// reaching fmaxMHz (and exiting 1, as nextpnr 0.4 does, below 24 MHz).
// With fmaxMHz 0 yosys fails.
func fakeEDA(t *testing.T, fmaxMHz float64) {
	t.Helper()
	fake := t.TempDir()
	exit := 0
	if fmaxMHz < 24 {
		exit = 1
	}
	yosysExit := 0
	if fmaxMHz == 0 {
		yosysExit = 1
	}
	scripts := map[string]string{
		"yosys": fmt.Sprintf("#!/bin/sh\n[ \"$1\" = -V ] && { echo 'Yosys fake'; exit 0; }\necho '{}' > snnc.json\nexit %d\n", yosysExit),
		"nextpnr-ice40": fmt.Sprintf(`#!/bin/sh
[ "$1" = --version ] && { echo 'nextpnr fake' >&2; exit 0; }
while [ $# -gt 0 ]; do case "$1" in --asc) asc="$2"; shift;; --report) report="$2"; shift;; esac; shift; done
echo asc > "$asc"
echo '{"fmax": {"clk": {"achieved": %[1]g, "constraint": 24}}, "utilization": {"ICESTORM_LC": {"available": 5280, "used": 5000}}}' > "$report"
[ %[2]d = 1 ] && echo "ERROR: Max frequency for clock 'clk': %.2[1]f MHz (FAIL at 24.00 MHz)"
exit %[2]d
`, fmaxMHz, exit),
		"icepack": "#!/bin/sh\ncp \"$1\" \"$2\"\n",
		"icetime": "#!/bin/sh\necho 'Total path delay: 52.00 ns (19.23 MHz)'\n",
	}
	for name, s := range scripts {
		write(t, fake, name, s)
		if err := os.Chmod(filepath.Join(fake, name), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("PATH", fake+string(os.PathListSeparator)+os.Getenv("PATH"))
}

// The reproducer of a review: -o . in a project with its own rtl/ and
// logs/, and a network too big for the core. A network that does not
// compile leaves DIR as it was; a DIR whose rtl/, mem/ or logs/ hold files
// no snnc compile wrote (no snnc manifest.json lists them) is refused, and
// left as it was; what an earlier snnc compile wrote, its manifest says,
// and exactly that is replaced.
func TestFPGAOutputDirOwnership(t *testing.T) {
	t.Setenv("SNNC_CACHE_DIR", t.TempDir())
	proj := t.TempDir()
	for _, d := range []string{"rtl", "logs"} {
		if err := os.Mkdir(filepath.Join(proj, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	write(t, proj, "rtl/mine.v", "module mine; endmodule\n")
	write(t, proj, "net.yaml", goodNet)
	write(t, proj, "big.yaml", strings.Replace(strings.Replace(goodNet, "size: 3", "size: 2000", 1), "weights: [[10, 0, -20], [0, 5, 0]]", "connect: all_to_all\n    weights: 10", 1))
	before := listFiles(t, proj)
	same := func(what string) {
		t.Helper()
		if got := listFiles(t, proj); strings.Join(got, " ") != strings.Join(before, " ") {
			t.Errorf("%s: the directory holds %v, want %v", what, got, before)
		}
		if read(t, filepath.Join(proj, "rtl", "mine.v")) != "module mine; endmodule\n" {
			t.Errorf("%s: rtl/mine.v changed", what)
		}
		if _, err := os.Stat(filepath.Join(proj, "logs")); err != nil {
			t.Errorf("%s: %v", what, err)
		}
	}

	// (The directory is looked at first, before the network is compiled.)
	status, _, stderr := snnc(t, proj, "compile", "big.yaml", "--target", "fpga", "--no-bitstream", "-o", ".")
	if status != exitUserError {
		t.Errorf("big.yaml: status %d, stderr %q", status, stderr)
	}
	same("a network that does not fit")

	refused := regexp.MustCompile(`^snnc compile: -o \.: rtl holds files snnc did not write \(rtl/mine\.v\); choose another -o DIR or remove rtl \(see 'snnc compile --help'\)\n$`)
	status, _, stderr = snnc(t, proj, "compile", "net.yaml", "--target", "fpga", "--no-bitstream", "-o", ".")
	if status != exitUserError || !refused.MatchString(stderr) {
		t.Errorf("rtl/mine.v: status %d, stderr %q; want 2 and %s", status, stderr, refused)
	}
	same("a directory with the user's rtl/")

	// A DIR of snnc's own, with the bitstream and the logs of the (fake)
	// flow; the user's files beside them.
	out := filepath.Join(proj, "build")
	fakeEDA(t, 30)
	if status, _, stderr := snnc(t, proj, "compile", "net.yaml", "--target", "fpga", "-o", "build"); status != 0 {
		t.Fatalf("fake flow: status %d: %s", status, stderr)
	}
	write(t, out, "notes.txt", "mine\n")
	full := listFiles(t, out)
	for _, f := range []string{"snnc.bin", "snnc.asc", "logs/yosys.log", "rtl/snnc_top.v", "mem/config.bin"} {
		if !slices.Contains(full, f) {
			t.Fatalf("fake flow did not write %s: %v", f, full)
		}
	}
	// A network that does not fit leaves snnc's own DIR as it was too.
	contents := map[string]string{}
	for _, f := range full {
		contents[f] = read(t, filepath.Join(out, f))
	}
	status, _, stderr = snnc(t, proj, "compile", "big.yaml", "--target", "fpga", "-o", "build")
	if status != exitUserError || !strings.Contains(stderr, "big.yaml: board icebreaker: the network does not fit the FPGA core: 2002 slots") {
		t.Errorf("big.yaml: status %d, stderr %q", status, stderr)
	}
	if got := listFiles(t, out); !slices.Equal(got, full) {
		t.Errorf("big.yaml: %v, want %v", got, full)
	}
	for f, c := range contents {
		if read(t, filepath.Join(out, f)) != c {
			t.Errorf("big.yaml: %s changed", f)
		}
	}
	// Again: everything replaced, nothing refused, the same files.
	if status, _, stderr := snnc(t, proj, "compile", "net.yaml", "--target", "fpga", "-o", "build"); status != 0 {
		t.Fatalf("second run: status %d: %s", status, stderr)
	}
	if got := listFiles(t, out); !slices.Equal(got, full) {
		t.Errorf("second run: %v, want %v", got, full)
	}
	// --no-bitstream: the bitstream and logs of the last run are stale and
	// go; the user's notes stay.
	if status, _, stderr := snnc(t, proj, "compile", "net.yaml", "--target", "fpga", "--no-bitstream", "-o", "build"); status != 0 {
		t.Fatalf("--no-bitstream: status %d: %s", status, stderr)
	}
	for _, f := range listFiles(t, out) {
		if strings.HasPrefix(f, "logs/") || f == "snnc.bin" || f == "snnc.asc" {
			t.Errorf("--no-bitstream left the stale %s", f)
		}
	}
	if read(t, filepath.Join(out, "notes.txt")) != "mine\n" {
		t.Error("notes.txt changed")
	}
	if _, err := os.Stat(filepath.Join(out, "logs")); !os.IsNotExist(err) {
		t.Errorf("the emptied logs/ stays: %v", err)
	}

	// A file of the user's in snnc's mem/, a bitstream no manifest lists,
	// and a manifest.json that is not snnc's: refused, untouched.
	write(t, out, "mem/mine.hex", "00\n")
	status, _, stderr = snnc(t, proj, "compile", "net.yaml", "--target", "fpga", "--no-bitstream", "-o", "build")
	if status != exitUserError || !strings.Contains(stderr, "-o build: build/mem holds files snnc did not write (build/mem/mine.hex); choose another -o DIR or remove build/mem") {
		t.Errorf("mem/mine.hex: status %d, stderr %q", status, stderr)
	}
	if err := os.Remove(filepath.Join(out, "mem", "mine.hex")); err != nil {
		t.Fatal(err)
	}
	write(t, out, "snnc.bin", "mine")
	status, _, stderr = snnc(t, proj, "compile", "net.yaml", "--target", "fpga", "--no-bitstream", "-o", "build")
	if status != exitUserError || !strings.Contains(stderr, "build/snnc.bin was not written by snnc") || read(t, filepath.Join(out, "snnc.bin")) != "mine" {
		t.Errorf("snnc.bin: status %d, stderr %q", status, stderr)
	}
	if err := os.Remove(filepath.Join(out, "snnc.bin")); err != nil {
		t.Fatal(err)
	}
	write(t, out, "manifest.json", `{"name": "my web app"}`)
	status, _, stderr = snnc(t, proj, "compile", "net.yaml", "--target", "fpga", "--no-bitstream", "-o", "build")
	if status != exitUserError || !strings.Contains(stderr, "build/manifest.json is not a manifest snnc wrote") || read(t, filepath.Join(out, "manifest.json")) != `{"name": "my web app"}` {
		t.Errorf("manifest.json: status %d, stderr %q", status, stderr)
	}
}

// A tool that fails leaves its log, listed in the manifest with what else
// was written: the next run replaces it rather than refusing logs/.
func TestFPGAStepFailureManifest(t *testing.T) {
	t.Setenv("SNNC_CACHE_DIR", t.TempDir())
	dir := t.TempDir()
	write(t, dir, "net.yaml", goodNet)
	t.Run("yosys fails", func(t *testing.T) {
		fakeEDA(t, 0)
		status, _, stderr := snnc(t, dir, "compile", "net.yaml", "--target", "fpga", "-o", "out")
		if status != exitFailure || !strings.Contains(stderr, "snnc: yosys failed (") {
			t.Fatalf("status %d, stderr %q; want 1 and yosys failed", status, stderr)
		}
		if m := read(t, filepath.Join(dir, "out", "manifest.json")); !strings.Contains(m, `"logs/yosys.log"`) || !strings.Contains(m, `"snnc.json"`) {
			t.Errorf("the manifest does not list the flow's files:\n%s", m)
		}
	})
	status, _, stderr := snnc(t, dir, "compile", "net.yaml", "--target", "fpga", "--no-bitstream", "-o", "out")
	if status != 0 {
		t.Fatalf("after the failure: status %d: %s", status, stderr)
	}
	for _, f := range listFiles(t, filepath.Join(dir, "out")) {
		if strings.HasPrefix(f, "logs/") || f == "snnc.json" {
			t.Errorf("--no-bitstream left the failed run's %s", f)
		}
	}
}
