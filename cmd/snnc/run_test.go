package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/snnc/snnc/backend/fpga"
	"github.com/snnc/snnc/backend/fpga/build"
	"github.com/snnc/snnc/driver"
	"github.com/snnc/snnc/driver/emuboard"
	"github.com/snnc/snnc/driver/usb/usbtest"
	"github.com/snnc/snnc/driver/wire"
	"github.com/snnc/snnc/internal/edatest"
	"github.com/snnc/snnc/ir"
	"github.com/snnc/snnc/spikes"
	"github.com/snnc/snnc/testbench/randnet"
)

// runCase is a network with its input, as snnc run and snnc simulate
// take them.
type runCase struct {
	name       string
	net, input string // absolute paths
	steps      int
}

// runCases are the examples and a few seeded random networks (delays up
// to 20, beyond the iCEBreaker's 16, so the compiler adds relays; and
// refractory periods), each with its input file. short keeps the
// smallest example and one random network.
func runCases(t *testing.T, short bool) []runCase {
	t.Helper()
	var cases []runCase
	for _, ex := range examples {
		dir, err := filepath.Abs(filepath.Join("../../examples", ex.dir))
		if err != nil {
			t.Fatal(err)
		}
		cases = append(cases, runCase{name: ex.dir, net: filepath.Join(dir, "net.yaml"), input: filepath.Join(dir, "input.csv"), steps: ex.steps})
		if short {
			break
		}
	}
	dir := t.TempDir()
	if !short {
		cases = append(cases, generatedExamples(t)...)
	}
	// Small networks with delays up to 20, and a larger, sparser one.
	small := randnet.Options{MaxDelay: 20, Refractory: true}
	opts := map[uint64]randnet.Options{1: small, 2: small, 3: small, 4: {MaxDelay: 20, Refractory: true, MaxSize: 300, Density: 0.1}}
	seeds := []uint64{1, 2, 3, 4}
	if short {
		seeds = seeds[:1]
	}
	for _, seed := range seeds {
		net := randnet.Network(seed, opts[seed])
		name := fmt.Sprintf("randnet%d", seed)
		c := runCase{name: name, net: filepath.Join(dir, name+".yaml"), input: filepath.Join(dir, name+".csv"), steps: 150}
		write(t, dir, name+".yaml", netYAML(net))
		var in strings.Builder
		w := spikes.NewWriter(&in, net)
		if err := w.WriteHeader(spikes.Header); err != nil {
			t.Fatal(err)
		}
		for step, s := range randnet.Inputs(net, seed, c.steps-20, 0.3) {
			if err := w.WriteSpikes(step, s); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.Flush(); err != nil {
			t.Fatal(err)
		}
		write(t, dir, name+".csv", in.String())
		cases = append(cases, c)
	}
	return cases
}

// generatedExamples are small versions of the examples whose networks a
// Go program writes: the motion detector's pruned layer (delays 1..4 in
// 7×7 windows over a 12×12 sensor) and spiking motifs with delays up to 31
// (so relays carry them through the core's 16 slots). They are made once
// per test binary, for every test that runs the cases; TestMain removes
// them.
func generatedExamples(t *testing.T) []runCase {
	t.Helper()
	generated.once.Do(func() { generated.cases, generated.err = generateExamples() })
	if generated.err != nil {
		t.Fatal(generated.err)
	}
	return generated.cases
}

var generated struct {
	once  sync.Once
	dir   string
	cases []runCase
	err   error
}

func generateExamples() ([]runCase, error) {
	dir, err := os.MkdirTemp("", "snnc-examples")
	if err != nil {
		return nil, err
	}
	generated.dir = dir
	motion, motifs := filepath.Join(dir, "motion"), filepath.Join(dir, "motifs")
	for _, args := range [][]string{
		{"../../examples/motion", "-quick", "-o", motion},
		{"../../examples/motifs", "generate", "-o", motifs, "-inputs", "48", "-motifs", "24", "-k", "8", "-threshold", "6", "-steps", "600", "-occurrences", "4", "-rate", "0.02"},
	} {
		cmd := exec.Command("go", append([]string{"run"}, args...)...)
		if out, err := cmd.CombinedOutput(); err != nil {
			return nil, fmt.Errorf("go run %v: %v\n%s", args, err, out)
		}
	}
	streams, span, err := readStreams(filepath.Join(motion, "icebreaker", "streams.csv"))
	if err != nil {
		return nil, err
	}
	return []runCase{
		{name: "motion", net: filepath.Join(motion, "icebreaker", "net.yaml"), input: filepath.Join(motion, "icebreaker", "input.csv"), steps: streams * span},
		{name: "motifs", net: filepath.Join(motifs, "net.yaml"), input: filepath.Join(motifs, "input.csv"), steps: 600},
	}, nil
}

// readStreams reads the number of streams and the steps of each from
// examples/motion's streams.csv.
func readStreams(path string) (streams, span int, err error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0, 0, err
	}
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")[1:]
	if len(lines) == 0 {
		return 0, 0, fmt.Errorf("%s: no streams", path)
	}
	span, err = strconv.Atoi(strings.Split(lines[0], ",")[2])
	return len(lines), span, err
}

// netYAML writes net as a net.yaml: per-neuron parameter lists, dense
// weight and delay matrices (a zero weight is no synapse: the YAML is the
// network under test, whatever randnet's zero-weight synapses were) and
// the sign mode written out.
func netYAML(net *ir.Network) string {
	var b strings.Builder
	list := func(p []int32) string {
		s := make([]string, len(p))
		for i, v := range p {
			s[i] = strconv.Itoa(int(v))
		}
		return "[" + strings.Join(s, ", ") + "]"
	}
	b.WriteString("version: 1\npopulations:\n")
	for _, p := range net.Populations {
		fmt.Fprintf(&b, "  - name: %s\n    size: %d\n    model: %s\n", p.Name, p.Size, p.Model)
		if p.Model != ir.ModelLIF {
			continue
		}
		b.WriteString("    params:\n")
		for _, lp := range ir.LIFParamTable {
			v := *lp.Field(p.LIF)
			switch len(v) {
			case 0:
			case 1:
				fmt.Fprintf(&b, "      %s: %d\n", lp.Name, v[0])
			default:
				fmt.Fprintf(&b, "      %s: %s\n", lp.Name, list(v))
			}
		}
	}
	b.WriteString("projections:\n")
	for _, pr := range net.Projections {
		from, to := net.Populations[pr.From], net.Populations[pr.To]
		w := make([][]int32, to.Size)
		d := make([][]int32, to.Size)
		for i := range w {
			w[i] = make([]int32, from.Size)
			d[i] = make([]int32, from.Size)
			for j := range d[i] {
				d[i][j] = 1
			}
		}
		for s := range from.Size {
			lo, hi := pr.Syn.Row(s)
			for k := lo; k < hi; k++ {
				w[pr.Syn.Target[k]][s] = int32(pr.Syn.Weight[k])
				d[pr.Syn.Target[k]][s] = int32(pr.Syn.Delay[k])
			}
		}
		rows := func(m [][]int32) string {
			s := make([]string, len(m))
			for i, r := range m {
				s[i] = list(r)
			}
			return "[" + strings.Join(s, ", ") + "]"
		}
		fmt.Fprintf(&b, "  - name: %s\n    from: %s\n    to: %s\n    weight_exp: %d\n    weight_bits: %d\n    sign_mode: %s\n    weights: %s\n    delays: %s\n",
			pr.Name, from.Name, to.Name, pr.WeightExp, pr.WeightBits, pr.SignMode, rows(w), rows(d))
	}
	return b.String()
}

// compileICEBreaker compiles c's network for the iCEBreaker without a
// bitstream (no EDA tool runs) into a new directory and returns it.
func compileICEBreaker(t *testing.T, net string) string {
	t.Helper()
	t.Setenv("SNNC_CACHE_DIR", t.TempDir())
	dir := filepath.Join(t.TempDir(), "build")
	status, _, stderr := snnc(t, filepath.Dir(net), "compile", net, "--target", "fpga", "--board", "icebreaker", "--no-bitstream", "-o", dir)
	if status != 0 {
		t.Fatalf("compile %s: status %d: %s", net, status, stderr)
	}
	return dir
}

// simulated is what snnc simulate --output writes for c.
func simulated(t *testing.T, c runCase) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "ref.csv")
	status, _, stderr := snnc(t, ".", "simulate", c.net, "--steps", strconv.Itoa(c.steps), "--input", c.input, "--output", out, "--quiet")
	if status != 0 {
		t.Fatalf("simulate %s: status %d: %s", c.name, status, stderr)
	}
	return read(t, out)
}

// emuPort puts an emulated board (driver/emuboard, the board side of the
// link in Go) behind port name "emu" for the rest of the test. It is the
// board DIR was built for, with the given transport (wire.TransportUART
// or SPI) and build hash (nil: the bitstream's, build.BuildHash); wrap,
// if not nil, wraps the board's end of the link. The returned function
// reports what the boards' Serve returned.
func emuPort(t *testing.T, transport uint8, hash *[8]byte, core *fpga.CoreParams, wrap func(driver.Transport) driver.Transport) (check func()) {
	t.Helper()
	errs := make(chan error, 16)
	testPorts["emu"] = func(b *fpga.Board) (driver.Transport, error) {
		opt := emuboard.Options{Core: b.Core, Transport: transport}
		if core != nil {
			opt.Core = *core
		}
		if hash != nil {
			opt.BuildHash = *hash
		} else {
			link := "uart"
			if transport == wire.TransportSPI {
				link = "spi"
			}
			h, err := build.BuildHash(b, link)
			if err != nil {
				return nil, err
			}
			opt.BuildHash = h
		}
		host, end := driver.Pipe(0)
		if wrap != nil {
			end = wrap(end)
		}
		bd, err := emuboard.New(end, opt)
		if err != nil {
			return nil, err
		}
		go func() { errs <- bd.Serve() }()
		return host, nil
	}
	t.Cleanup(func() { delete(testPorts, "emu") })
	return func() {
		t.Helper()
		for {
			select {
			case err := <-errs:
				if err != nil {
					t.Errorf("emulated board: %v", err)
				}
			default:
				return
			}
		}
	}
}

// snnc run on the emulated board writes exactly what snnc simulate
// writes, over the UART's and the SPI's framing (SPI sends every output
// as a bitmap), to --output and to standard output; the summary counts
// the spikes.
func TestRunEmulated(t *testing.T) {
	for _, c := range runCases(t, false) {
		t.Run(c.name, func(t *testing.T) {
			dir := compileICEBreaker(t, c.net)
			want := simulated(t, c)
			for _, transport := range []uint8{wire.TransportUART, wire.TransportSPI} {
				check := emuPort(t, transport, nil, nil, nil)
				out := filepath.Join(t.TempDir(), "out.csv")
				steps := strconv.Itoa(c.steps)
				status, stdout, stderr := snnc(t, ".", "run", dir, "--port", "emu", "--steps", steps, "--input", c.input, "--output", out)
				if status != 0 || stdout != "" {
					t.Fatalf("transport %d: status %d, stdout %q: %s", transport, status, stdout, stderr)
				}
				if got := read(t, out); got != want {
					t.Errorf("transport %d: run's output differs from simulate's:\n%s\nwant:\n%s", transport, got, want)
				}
				outSpikes := strings.Count(want, "\n") - 1
				if !strings.Contains(stderr, fmt.Sprintf("snnc: ran %s steps of %s on emu", steps, dir)) ||
					!strings.Contains(stderr, fmt.Sprintf(" in, %d out", outSpikes)) {
					t.Errorf("transport %d: summary:\n%s", transport, stderr)
				}
				status, stdout, stderr = snnc(t, ".", "run", dir, "--port", "emu", "--steps", steps, "--input", c.input, "-q")
				if status != 0 || stdout != want || stderr != "" {
					t.Errorf("transport %d, to stdout: status %d, stderr %q, output:\n%s\nwant:\n%s", transport, status, stderr, stdout, want)
				}
				check()
			}
		})
	}
}

// The errors of snnc run: one line, exit status 2 for the user's mistakes
// (command line, DIR, a board that runs another bitstream), 1 for a link
// or board failure.
func TestRunErrors(t *testing.T) {
	hello, err := filepath.Abs("../../examples/hello")
	if err != nil {
		t.Fatal(err)
	}
	dir := compileICEBreaker(t, filepath.Join(hello, "net.yaml"))
	in := filepath.Join(hello, "input.csv")
	work := t.TempDir()
	plain := filepath.Join(work, "plain")
	if status, _, stderr := snnc(t, hello, "compile", "net.yaml", "-o", plain); status != 0 {
		t.Fatalf("compile: %s", stderr)
	}
	changed := filepath.Join(work, "changed")
	copyDir(t, dir, changed)
	write(t, changed, networkFile, read(t, filepath.Join(changed, networkFile))+"# edited\n")
	noNet := filepath.Join(work, "nonet")
	copyDir(t, dir, noNet)
	if err := os.Remove(filepath.Join(noNet, networkFile)); err != nil {
		t.Fatal(err)
	}
	// recurrent's configuration with hello's network, the manifest
	// rewritten to match: files of two compilations.
	mixed := filepath.Join(work, "mixed")
	copyDir(t, compileICEBreaker(t, filepath.Join(hello, "../recurrent/net.yaml")), mixed)
	write(t, mixed, networkFile, read(t, filepath.Join(dir, networkFile)))
	rewriteManifest(t, mixed)
	tests := []struct {
		name   string
		args   []string
		status int
		want   string // a regular expression for the one line on stderr
	}{
		{"no steps", []string{"run", dir, "--port", "emu"}, 2, `--steps is required`},
		{"no port", []string{"run", dir, "--steps", "5"}, 2, `--port is required \(allowed: a serial port such as /dev/ttyUSB1, auto, spi:/dev/spidev0.0, vboard or vboard-spi; snnc boards lists ports\)`},
		{"no dir", []string{"run", "--port", "emu", "--steps", "5"}, 2, `missing the build directory`},
		{"no such dir", []string{"run", filepath.Join(work, "nothing"), "--port", "emu", "--steps", "5"}, 2, `nothing: no such build directory`},
		{"not an fpga dir", []string{"run", plain, "--port", "emu", "--steps", "5"}, 2, `plain: no manifest.json: not a directory that snnc compile --target fpga wrote`},
		{"network changed", []string{"run", changed, "--port", "emu", "--steps", "5"}, 2, `changed/network.yaml changed after snnc compile wrote it \(its sha256 is not the one in manifest.json\); compile again`},
		{"two compilations", []string{"run", mixed, "--port", "emu", "--steps", "5"}, 2, `mixed: neuron exc\[0\] of network.yaml is lif but has an input slot in mem/config.bin: they are not from one compilation; compile again`},
		{"network missing", []string{"run", noNet, "--port", "emu", "--steps", "5"}, 2, `nonet: network.yaml is missing \(listed in manifest.json\); compile again`},
		{"no such port", []string{"run", dir, "--port", "/dev/nonexistent-snnc", "--steps", "5"}, 2, `/dev/nonexistent-snnc`},
		{"baud with vboard", []string{"run", dir, "--port", "vboard", "--baud", "115200", "--steps", "5"}, 2, `--baud does not apply to --port vboard`},
		{"bad input", []string{"run", dir, "--port", "emu", "--steps", "5", "--input", filepath.Join(work, "in.csv")}, 2, `in.csv:2:3: .*exc`},
		{"steps", []string{"run", dir, "--port", "emu", "--steps", "-1"}, 2, `--steps -1 is out of range`},
	}
	write(t, work, "in.csv", "step,population,index\n0,exc,0\n")
	emuPort(t, wire.TransportUART, nil, nil, nil)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, stdout, stderr := snnc(t, ".", tc.args...)
			if status != tc.status || stdout != "" || strings.Count(stderr, "\n") != 1 || !regexp.MustCompile(tc.want).MatchString(stderr) {
				t.Errorf("status %d (want %d), stdout %q, stderr %q (want one line matching %s)", status, tc.status, stdout, stderr, tc.want)
			}
		})
	}

	// A board that runs another bitstream, or another core, is refused
	// before anything is loaded.
	emuPort(t, wire.TransportUART, &[8]byte{1, 2, 3, 4, 5, 6, 7, 8}, nil, nil)
	status, _, stderr := snnc(t, ".", "run", dir, "--port", "emu", "--steps", "5", "--input", in)
	want := regexp.MustCompile(`^the board on emu has build hash 0102030405060708, .*build was built for icebreaker with build hash [0-9a-f]{16}: flash it first \(snnc flash .*build\)\n$`)
	if status != 2 || !want.MatchString(stderr) {
		t.Errorf("another bitstream: status %d, stderr %q", status, stderr)
	}
	hx8k, err := fpga.LoadBoard("ice40-hx8k")
	if err != nil {
		t.Fatal(err)
	}
	emuPort(t, wire.TransportUART, nil, &hx8k.Core, nil)
	status, _, stderr = snnc(t, ".", "run", dir, "--port", "emu", "--steps", "5", "--input", in)
	want = regexp.MustCompile(`^the board on emu has core SLOT_BITS=8 .*, .*build was built for icebreaker with core SLOT_BITS=10 .*: flash it first`)
	if status != 2 || !want.MatchString(stderr) {
		t.Errorf("another core: status %d, stderr %q", status, stderr)
	}

	// A board that never answers, and one that is reset in the middle of
	// the run: link failures, exit status 1.
	testPorts["emu"] = func(*fpga.Board) (driver.Transport, error) {
		host, _ := driver.Pipe(0)
		return host, nil
	}
	status, _, stderr = snnc(t, ".", "run", dir, "--port", "emu", "--steps", "5")
	want = regexp.MustCompile(`^snnc: identifying the board on emu: the board did not answer .*; is the board flashed \(snnc flash .*\) and is emu its UART \(snnc boards\)\?\n$`)
	if status != 1 || !want.MatchString(stderr) {
		t.Errorf("silent board: status %d, stderr %q", status, stderr)
	}
	emuPort(t, wire.TransportUART, nil, nil, func(end driver.Transport) driver.Transport {
		return &resetAfter{Transport: end, steps: 7}
	})
	status, _, stderr = snnc(t, ".", "run", dir, "--port", "emu", "--steps", "20", "--input", in, "-q")
	want = regexp.MustCompile(`^snnc: running step 7 of 20 on emu: the board was reset since it was identified`)
	if status != 1 || !want.MatchString(stderr) {
		t.Errorf("board reset: status %d, stderr %q", status, stderr)
	}
}

// --port auto takes the serial port on the UART interface of the board's
// USB bridge (the iCEBreaker's FT2232H: interface 1), and says so when
// there is none or more than one.
func TestRunPortAuto(t *testing.T) {
	hello, err := filepath.Abs("../../examples/hello")
	if err != nil {
		t.Fatal(err)
	}
	dir := compileICEBreaker(t, filepath.Join(hello, "net.yaml"))
	ft := func(name, tty0, tty1 string) usbtest.Device {
		return usbtest.Device{Name: name, VIDPID: "0403:6010", Interfaces: []usbtest.Interface{
			{Number: 0, Driver: "ftdi_sio", TTY: tty0}, {Number: 1, Driver: "ftdi_sio", TTY: tty1}}}
	}
	tests := []struct {
		devs []usbtest.Device
		want string
	}{
		{nil, "--port auto: no icebreaker connected (no USB serial port of 0403:6010 on interface 1); plug it in, or name the port (snnc boards lists ports)\n"},
		// The port is found; opening it fails, as /dev/ttyUSB7 is not there.
		{[]usbtest.Device{ft("1-2", "ttyUSB6", "ttyUSB7")}, "/dev/ttyUSB7"},
		{[]usbtest.Device{ft("1-2", "ttyUSB0", "ttyUSB1"), ft("1-3", "ttyUSB2", "ttyUSB3")}, "--port auto: 2 icebreaker boards are connected (/dev/ttyUSB1, /dev/ttyUSB3); name the port\n"},
	}
	for _, tc := range tests {
		fakeUSB(t, tc.devs...)
		status, _, stderr := snnc(t, ".", "run", dir, "--port", "auto", "--steps", "5", "-q")
		if status != 2 || !strings.Contains(stderr, tc.want) || strings.Count(stderr, "\n") != 1 {
			t.Errorf("%d devices: status %d, stderr %q; want 2 and %q", len(tc.devs), status, stderr, tc.want)
		}
	}
}

// resetAfter plays a board that loses power after a number of steps:
// from then on it answers every frame with "not identified", as a board
// does after a reset.
type resetAfter struct {
	driver.Transport
	steps   int
	out, in wire.Decoder // the board's frames, the host's
	seq     uint8
}

func (r *resetAfter) Write(p []byte) (int, error) {
	if r.steps > 0 {
		for _, f := range r.out.Feed(p) {
			if _, ok := f.Body.(*wire.StepDone); ok {
				r.steps--
			}
			r.seq = f.Seq + 1
		}
		return r.Transport.Write(p)
	}
	return len(p), nil
}

func (r *resetAfter) Read(p []byte) (int, error) {
	if r.steps > 0 {
		return r.Transport.Read(p)
	}
	n, err := r.Transport.Read(p)
	if err != nil || n == 0 {
		return n, err
	}
	// Every host frame from now on gets "not identified".
	for _, f := range r.in.Feed(p[:n]) {
		e, err := wire.Encode(wire.Frame{Seq: r.seq, Body: &wire.Error{Link: wire.Link{Req: f.Seq, Ack: f.Seq, Free: wire.RxBuffer}, Code: wire.ErrNotIdentified, Detail: uint32(f.Body.Type())}})
		if err != nil {
			return 0, err
		}
		r.seq++
		if _, err := r.Transport.Write(e); err != nil && !errors.Is(err, os.ErrClosed) {
			return 0, err
		}
	}
	return 0, nil
}

// rewriteManifest lists the files of dir in its manifest as they are now.
func rewriteManifest(t *testing.T, dir string) {
	t.Helper()
	var m build.Manifest
	if err := json.Unmarshal([]byte(read(t, filepath.Join(dir, build.ManifestFile))), &m); err != nil {
		t.Fatal(err)
	}
	if err := build.WriteManifest(dir, m, fpgaOutputs); err != nil {
		t.Fatal(err)
	}
}

// copyDir copies the files of a build directory (two levels deep).
func copyDir(t *testing.T, from, to string) {
	t.Helper()
	err := filepath.WalkDir(from, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(from, p)
		if err != nil {
			return err
		}
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(to, rel), 0o755)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(to, rel), data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// The end-to-end test: every example and random network, compiled for
// the iCEBreaker, runs on the virtual board — the RTL of the bitstream in
// Verilator — over the UART and over SPI, and writes exactly what snnc
// simulate writes.
func TestRunVirtualBoard(t *testing.T) {
	edatest.Require(t, "verilator")
	for _, c := range runCases(t, testing.Short()) {
		t.Run(c.name, func(t *testing.T) {
			dir := compileICEBreaker(t, c.net)
			want := simulated(t, c)
			for _, port := range []string{portVboard, portVboardSPI} {
				out := filepath.Join(t.TempDir(), "out.csv")
				status, stdout, stderr := snnc(t, ".", "run", dir, "--port", port, "--steps", strconv.Itoa(c.steps), "--input", c.input, "--output", out)
				if status != 0 || stdout != "" {
					t.Fatalf("%s: status %d, stdout %q: %s", port, status, stdout, stderr)
				}
				if got := read(t, out); got != want {
					t.Errorf("%s: run's output differs from simulate's:\n%s\nwant:\n%s", port, got, want)
				}
				if !strings.Contains(stderr, "virtual board: ") || !strings.Contains(stderr, "on a real icebreaker: snnc flash ") {
					t.Errorf("%s: no virtual board counters or real-board hint in the summary:\n%s", port, stderr)
				}
			}
		})
	}
}
