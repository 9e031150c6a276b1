package vboard

import (
	"bufio"
	"context"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/snnc/snnc/backend/fpga"
	"github.com/snnc/snnc/backend/fpga/build"
	"github.com/snnc/snnc/hdl"
	"github.com/snnc/snnc/internal/buildcache"
	"github.com/snnc/snnc/testbench/rtl"
)

//go:embed vboard_top.v
var topSource []byte

//go:embed harness/vboard.cpp
var harnessSource []byte

const (
	topModule   = "vboard_top"
	topFile     = "vboard_top.v"
	harnessFile = "vboard.cpp"
	exeName     = "vboard"
)

// Config is what a virtual board is built for: the core's parameters, its
// clock and the UART's rate.
type Config struct {
	Core fpga.CoreParams
	// ClockHz is the core clock, in simulated time; the harness clocks the
	// design at this rate and host_bridge gets it as CLK_HZ.
	ClockHz int64
	// Baud is the UART's rate; ClockHz / Baud, rounded, is the clocks a bit
	// (at least 4).
	Baud int
}

// Div returns the clocks a bit, round(ClockHz / Baud), as the UARTs
// compute it.
func (c Config) Div() int64 { return (c.ClockHz + int64(c.Baud)/2) / int64(c.Baud) }

// Check reports a configuration that cannot be built.
func (c Config) Check() error {
	if err := c.Core.Check(); err != nil {
		return fmt.Errorf("vboard: %w", err)
	}
	if c.ClockHz <= 0 || c.Baud <= 0 {
		return fmt.Errorf("vboard: clock %d Hz and baud %d must be positive", c.ClockHz, c.Baud)
	}
	if c.ClockHz > math.MaxInt32 {
		return fmt.Errorf("vboard: clock %d Hz does not fit a Verilog integer parameter", c.ClockHz)
	}
	if c.Div() < 4 {
		return fmt.Errorf("vboard: clock %d Hz / baud %d = %d clocks a bit (allowed: at least 4, as host_bridge requires)", c.ClockHz, c.Baud, c.Div())
	}
	return nil
}

func (c Config) String() string {
	return fmt.Sprintf("%s CLK_HZ=%d BAUD=%d", c.Core, c.ClockHz, c.Baud)
}

// BoardConfig returns the virtual board of b: its core parameters, the core
// clock the bitstream's PLL makes (snnc_top's CLK_HZ) and the link's
// 3,000,000 baud.
func BoardConfig(b *fpga.Board) (Config, error) {
	plan, err := build.PlanClock(b)
	if err != nil {
		return Config{}, err
	}
	return Config{Core: b.Core, ClockHz: int64(math.Round(plan.CoreHz)), Baud: build.Baud}, nil
}

// Binary is a compiled virtual board, ready to start.
type Binary struct {
	Config Config
	// Path is the executable; Dir its build directory in the cache.
	Path, Dir string
}

// CacheDir returns where builds are kept when Build is given no
// directory: $XDG_CACHE_HOME/snnc/vboard or its platform equivalent.
func CacheDir() (string, error) {
	d, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("vboard: no cache directory for the builds (pass one): %w", err)
	}
	return filepath.Join(d, "snnc", "vboard"), nil
}

// BuildBoard builds the virtual board of the embedded board called name
// (fpga.LoadBoard).
func BuildBoard(name, cacheDir string) (*Binary, error) {
	b, err := fpga.LoadBoard(name)
	if err != nil {
		return nil, err
	}
	cfg, err := BoardConfig(b)
	if err != nil {
		return nil, err
	}
	return Build(cfg, cacheDir)
}

// buildTimeout bounds the Verilator run: the iCEBreaker's core builds in
// about a minute on two cores.
const buildTimeout = 20 * time.Minute

// Build compiles the virtual board for cfg: the core and the link from
// package hdl, vboard_top.v and the C++ harness, by Verilator and g++.
// Builds are cached under cacheDir (CacheDir() if empty), keyed by a hash
// of the sources, the parameters and Verilator's version. A missing
// verilator, make or g++ is an *rtl.MissingToolError naming the Debian
// package; a failed tool run an *rtl.ToolError with its output.
func Build(cfg Config, cacheDir string) (*Binary, error) {
	if err := cfg.Check(); err != nil {
		return nil, err
	}
	if err := rtl.Available(rtl.Verilator, false); err != nil {
		return nil, err
	}
	files, err := sources()
	if err != nil {
		return nil, err
	}
	if cacheDir == "" {
		if cacheDir, err = CacheDir(); err != nil {
			return nil, err
		}
	}
	ver, err := rtl.RunTool("", time.Minute, "verilator", "--version")
	if err != nil {
		return nil, err
	}
	version, _, _ := strings.Cut(strings.TrimSpace(string(ver)), "\n")
	key := buildKey(version, cfg, files)
	dir, err := buildcache.Dir(cacheDir, key, func(tmp string) error { return buildVerilator(tmp, cfg, files) })
	if err != nil {
		return nil, err
	}
	return &Binary{Config: cfg, Path: filepath.Join(dir, "obj", exeName), Dir: dir}, nil
}

// source is one file of a build.
type source struct {
	name string
	data []byte
}

// sources returns the core and link files in compile order, then the top
// and the harness.
func sources() ([]source, error) {
	var files []source
	for _, n := range append(append(append([]string(nil), hdl.CoreFiles...), hdl.LinkFiles...), hdl.SystemFiles...) {
		data, err := hdl.FS.ReadFile(n)
		if err != nil {
			return nil, fmt.Errorf("vboard: hdl file %s: %w", n, err)
		}
		files = append(files, source{n, data})
	}
	return append(files, source{topFile, topSource}, source{harnessFile, harnessSource}), nil
}

// buildKey hashes everything a build depends on.
func buildKey(toolVersion string, cfg Config, files []source) string {
	h := sha256.New()
	fmt.Fprintf(h, "snnc vboard build 1\n%s\n%s\n", toolVersion, strings.Join(verilatorArgs(cfg), " "))
	for _, f := range files {
		fmt.Fprintf(h, "%s %d\n", f.name, len(f.data))
		h.Write(f.data)
	}
	return "vboard-" + hex.EncodeToString(h.Sum(nil))[:16]
}

// verilatorArgs is the Verilator command line of a build, without the
// file names; it is part of the cache key.
func verilatorArgs(cfg Config) []string {
	// Memories and registers without a reset start at 0, as in the FPGA
	// (and unlike Icarus' X). Lint warnings do not stop a simulation: the
	// Verilog is linted on its own in hdl/.
	args := []string{"verilator", "--cc", "--exe", "--build", "-O3", "--x-assign", "0", "--x-initial", "0",
		"-Wno-fatal", "--top-module", topModule, "--Mdir", "obj", "-o", exeName,
		"-j", strconv.Itoa(runtime.NumCPU()),
		"-CFLAGS", fmt.Sprintf("-DVB_CLK_HZ=%d -DVB_BAUD=%d", cfg.ClockHz, cfg.Baud),
		// The model's hot code at -O2 rather than Verilator's default -Os.
		"-MAKEFLAGS", "OPT_FAST=-O2 OPT_GLOBAL=-O2"}
	for _, p := range cfg.Core.Verilog() {
		args = append(args, "-G"+p)
	}
	return append(args, fmt.Sprintf("-GCLK_HZ=%d", cfg.ClockHz), fmt.Sprintf("-GBAUD=%d", cfg.Baud))
}

func buildVerilator(dir string, cfg Config, files []source) error {
	args := verilatorArgs(cfg)
	for _, f := range files {
		if err := os.WriteFile(filepath.Join(dir, f.name), f.data, 0o644); err != nil {
			return err
		}
		args = append(args, f.name)
	}
	_, err := rtl.RunTool(dir, buildTimeout, args...)
	return err
}

// Options are how a virtual board runs.
type Options struct {
	// Trace makes the harness print every byte with its cycle to Stderr.
	Trace bool
	// ExitOnClose makes the board exit when the host closes the pty after
	// having opened it; otherwise it runs until Close or the context ends.
	ExitOnClose bool
	// Stderr receives the harness' messages; nil keeps the last 64 KiB for
	// errors.
	Stderr io.Writer
}

// Board is a running virtual board.
type Board struct {
	path   string
	cmd    *exec.Cmd
	stderr *tail
	lines  chan string
	done   chan struct{} // closed when the process has exited
	err    error         // the process' exit, valid after done
	once   sync.Once
	stats  Stats
}

// Stats are the harness' counters, reported when it exits.
type Stats struct {
	Cycles uint64 // clocks simulated
	// SimulatedSeconds is Cycles at the core clock; ClockedSeconds the
	// wall time spent clocking, WallSeconds the board's whole run and
	// CPUSeconds its processor time.
	SimulatedSeconds, ClockedSeconds, WallSeconds, CPUSeconds float64
	// HostBytes came from the host, BoardBytes went to it; dropped ones
	// found no reader.
	HostBytes, BoardBytes, BoardBytesDropped, FramingErrors uint64
}

// CyclesPerSecond is the simulation's speed while it clocks.
func (s Stats) CyclesPerSecond() float64 {
	if s.ClockedSeconds == 0 {
		return 0
	}
	return float64(s.Cycles) / s.ClockedSeconds
}

// startTimeout bounds the wait for the pty's path.
const startTimeout = 30 * time.Second

// Start runs the virtual board until Close or the end of ctx.
func (b *Binary) Start(ctx context.Context) (*Board, error) {
	return b.StartWith(ctx, Options{})
}

// StartWith runs the virtual board with options and waits for its pty.
func (b *Binary) StartWith(ctx context.Context, opt Options) (*Board, error) {
	var args []string
	if opt.Trace {
		args = append(args, "--trace")
	}
	if opt.ExitOnClose {
		args = append(args, "--exit-on-close")
	}
	cmd := exec.CommandContext(ctx, b.Path, args...)
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = 5 * time.Second
	bd := &Board{cmd: cmd, stderr: &tail{max: 64 << 10}, lines: make(chan string, 16), done: make(chan struct{})}
	cmd.Stderr = bd.stderr
	if opt.Stderr != nil {
		cmd.Stderr = io.MultiWriter(opt.Stderr, bd.stderr)
	}
	// A pipe of our own rather than StdoutPipe: Wait must not close it
	// before the exit line has been read.
	stdout, w, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	cmd.Stdout = w
	err = cmd.Start()
	w.Close()
	if err != nil {
		stdout.Close()
		return nil, fmt.Errorf("vboard: starting %s: %w", b.Path, err)
	}
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			bd.lines <- sc.Text()
		}
		stdout.Close()
		close(bd.lines)
	}()
	go func() {
		bd.err = cmd.Wait()
		close(bd.done)
	}()
	timer := time.NewTimer(startTimeout)
	defer timer.Stop()
	select {
	case line, ok := <-bd.lines:
		path, found := strings.CutPrefix(line, "vboard: ")
		if ok && found && strings.HasPrefix(path, "/") {
			bd.path = path
			return bd, nil
		}
		bd.Close()
		return nil, fmt.Errorf("vboard: %s did not print its pty (first line %q): %s", b.Path, line, bd.stderr)
	case <-timer.C:
		bd.Close()
		return nil, fmt.Errorf("vboard: %s printed no pty within %v: %s", b.Path, startTimeout, bd.stderr)
	}
}

// Path returns the pty to open as the board's serial port.
func (bd *Board) Path() string { return bd.path }

// Done is closed when the board has exited (Close, the end of the
// context, or the host closing the pty with ExitOnClose).
func (bd *Board) Done() <-chan struct{} { return bd.done }

// Close stops the board (SIGTERM, then SIGKILL after 5 s) and reports how
// it ended: nil for a clean exit.
func (bd *Board) Close() error {
	bd.once.Do(func() {
		select {
		case <-bd.done:
		default:
			bd.cmd.Process.Signal(syscall.SIGTERM)
			select {
			case <-bd.done:
			case <-time.After(5 * time.Second):
				bd.cmd.Process.Kill()
				<-bd.done
			}
		}
		for line := range bd.lines {
			if rest, ok := strings.CutPrefix(line, "vboard: stopped "); ok {
				bd.stats = parseStats(rest)
			}
		}
		if bd.err != nil {
			bd.err = fmt.Errorf("vboard: the virtual board failed: %w: %s", bd.err, bd.stderr)
		}
	})
	return bd.err
}

// Stats returns the counters the board reported when it exited (zero
// before Close).
func (bd *Board) Stats() Stats { return bd.stats }

func parseStats(s string) Stats {
	var st Stats
	for _, kv := range strings.Fields(s) {
		k, v, _ := strings.Cut(kv, "=")
		u, _ := strconv.ParseUint(v, 10, 64)
		f, _ := strconv.ParseFloat(v, 64)
		switch k {
		case "cycles":
			st.Cycles = u
		case "simulated_seconds":
			st.SimulatedSeconds = f
		case "clocked_seconds":
			st.ClockedSeconds = f
		case "wall_seconds":
			st.WallSeconds = f
		case "cpu_seconds":
			st.CPUSeconds = f
		case "host_bytes":
			st.HostBytes = u
		case "board_bytes":
			st.BoardBytes = u
		case "board_bytes_dropped":
			st.BoardBytesDropped = u
		case "framing_errors":
			st.FramingErrors = u
		}
	}
	return st
}

// tail keeps the last max bytes written to it.
type tail struct {
	mu  sync.Mutex
	max int
	buf []byte
}

func (t *tail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if len(t.buf) > t.max {
		t.buf = t.buf[len(t.buf)-t.max:]
	}
	return len(p), nil
}

func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	s := strings.TrimSpace(string(t.buf))
	if s == "" {
		return "(no output on stderr)"
	}
	return s
}
