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
	"github.com/snnc/snnc/driver"
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

// The links a virtual board speaks protocol v1 over (docs/protocol.md).
const (
	// LinkUART bridges the UART pins to a pseudo-terminal.
	LinkUART = "uart"
	// LinkSPI makes the board an SPI peripheral (snnc_system's LINK_SPI=1)
	// and the harness its controller, driven through a Unix socket.
	LinkSPI = "spi"
)

// Links are the values Config.Link takes, in the order help text lists
// them.
var Links = []string{LinkUART, LinkSPI}

// SPIDiv is the core clocks per SCLK period the harness drives on an SPI
// board: the fastest SCLK docs/protocol.md allows (CLK_HZ/8, 3 MHz at
// 24 MHz), so the virtual board checks the peripheral at its limit.
const SPIDiv = 8

// Config is what a virtual board is built for: the core's parameters, its
// clock, its link, and the build hash its identity reports.
type Config struct {
	Core fpga.CoreParams
	// ClockHz is the core clock, in simulated time; the harness clocks the
	// design at this rate and the link gets it as CLK_HZ.
	ClockHz int64
	// Baud is the UART's rate; ClockHz / Baud, rounded, is the clocks a bit
	// (at least 4). An SPI board is built with it too (it is a parameter of
	// snnc_system) but does not use it.
	Baud int
	// Link is LinkUART or LinkSPI.
	Link string
	// BuildHash is identity's build_hash (snnc_system's BUILD_HASH, byte 0
	// first as on the wire). BoardConfig sets the bitstream's, so the
	// virtual board identifies exactly as the board does.
	BuildHash [8]byte
}

// Div returns the clocks a bit, round(ClockHz / Baud), as the UARTs
// compute it.
func (c Config) Div() int64 { return (c.ClockHz + int64(c.Baud)/2) / int64(c.Baud) }

// Check reports a configuration that cannot be built.
func (c Config) Check() error {
	if err := c.Core.Check(); err != nil {
		return fmt.Errorf("vboard: %w", err)
	}
	if err := checkLink(c.Link); err != nil {
		return err
	}
	if c.ClockHz <= 0 || c.Baud <= 0 {
		return fmt.Errorf("vboard: clock %d Hz and baud %d must be positive", c.ClockHz, c.Baud)
	}
	if c.ClockHz > math.MaxInt32 {
		return fmt.Errorf("vboard: clock %d Hz does not fit a Verilog integer parameter", c.ClockHz)
	}
	if c.Link == LinkUART && c.Div() < 4 {
		return fmt.Errorf("vboard: clock %d Hz / baud %d = %d clocks a bit (allowed: at least 4, as the link's UART requires)", c.ClockHz, c.Baud, c.Div())
	}
	return nil
}

// LinkError is a link name that is neither "uart" nor "spi": the user's to
// fix (snnc exits with status 2).
type LinkError struct{ Link string }

func (e *LinkError) Error() string {
	return fmt.Sprintf("vboard: link %q is not a link of the virtual board (allowed: %s)", e.Link, strings.Join(Links, ", "))
}

// UserError marks the error as the user's to fix.
func (e *LinkError) UserError() {}

func checkLink(link string) error {
	if link != LinkUART && link != LinkSPI {
		return &LinkError{Link: link}
	}
	return nil
}

func (c Config) String() string {
	s := fmt.Sprintf("%s CLK_HZ=%d", c.Core, c.ClockHz)
	if c.Link == LinkSPI {
		s += fmt.Sprintf(" LINK_SPI=1 SCLK=%d", c.ClockHz/SPIDiv)
	} else {
		s += fmt.Sprintf(" BAUD=%d", c.Baud)
	}
	return s + " BUILD_HASH=" + hex.EncodeToString(c.BuildHash[:])
}

// BoardConfig returns the virtual board of b with link (LinkUART or
// LinkSPI): its core parameters, the core clock the bitstream's PLL makes
// (snnc_top's CLK_HZ), the link's 3,000,000 baud, and the build hash of
// b's bitstream for that link (build.BuildHash), so that a driver cannot
// tell the virtual board's identity from the real board's.
func BoardConfig(b *fpga.Board, link string) (Config, error) {
	if err := checkLink(link); err != nil {
		return Config{}, err
	}
	plan, err := build.PlanClock(b)
	if err != nil {
		return Config{}, err
	}
	hash, err := build.BuildHash(b, link)
	if err != nil {
		return Config{}, err
	}
	return Config{Core: b.Core, ClockHz: int64(math.Round(plan.CoreHz)), Baud: b.UARTBaud, Link: link, BuildHash: hash}, nil
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
// (fpga.LoadBoard) with link (LinkUART or LinkSPI).
func BuildBoard(name, link, cacheDir string) (*Binary, error) {
	if err := checkLink(link); err != nil {
		return nil, err
	}
	b, err := fpga.LoadBoard(name)
	if err != nil {
		return nil, err
	}
	cfg, err := BoardConfig(b, link)
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

// sources returns snnc_system's files in compile order
// (hdl.SystemSources, as the bitstream and the build hash take them), then
// the top and the harness.
func sources() ([]source, error) {
	var files []source
	for _, n := range hdl.SystemSources() {
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
	fmt.Fprintf(h, "snnc vboard build 2\n%s\n%s\n", toolVersion, strings.Join(verilatorArgs(cfg), " "))
	for _, f := range files {
		fmt.Fprintf(h, "%s %d\n", f.name, len(f.data))
		h.Write(f.data)
	}
	return "vboard-" + hex.EncodeToString(h.Sum(nil))[:16]
}

// verilatorArgs is the Verilator command line of a build, without the
// file names; it is part of the cache key, so the link and the build hash
// (parameters here) select their own builds.
func verilatorArgs(cfg Config) []string {
	spi := 0
	if cfg.Link == LinkSPI {
		spi = 1
	}
	// Memories and registers without a reset start at 0, as in the FPGA
	// (and unlike Icarus' X). Lint warnings do not stop a simulation: the
	// Verilog is linted on its own in hdl/.
	args := []string{"verilator", "--cc", "--exe", "--build", "-O3", "--x-assign", "0", "--x-initial", "0",
		"-Wno-fatal", "--top-module", topModule, "--Mdir", "obj", "-o", exeName,
		"-j", strconv.Itoa(runtime.NumCPU()),
		"-CFLAGS", fmt.Sprintf("-DVB_CLK_HZ=%d -DVB_BAUD=%d -DVB_SPI=%d -DVB_SPI_DIV=%d", cfg.ClockHz, cfg.Baud, spi, SPIDiv),
		// The model's hot code at -O2 rather than Verilator's default -Os.
		"-MAKEFLAGS", "OPT_FAST=-O2 OPT_GLOBAL=-O2"}
	for _, p := range cfg.Core.Verilog() {
		args = append(args, "-G"+p)
	}
	// BUILD_HASH holds byte 0 of the wire field in bits [7:0].
	return append(args, fmt.Sprintf("-GCLK_HZ=%d", cfg.ClockHz), fmt.Sprintf("-GBAUD=%d", cfg.Baud),
		fmt.Sprintf("-GLINK_SPI=%d", spi), "-GBUILD_HASH="+build.VerilogHash(cfg.BuildHash))
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
	// ExitOnClose makes the board exit when the host closes its port (the
	// pty, or its connection to the SPI socket) after having opened it;
	// otherwise it runs until Close or the context ends.
	ExitOnClose bool
	// Stderr receives the harness' messages; nil keeps the last 64 KiB for
	// errors.
	Stderr io.Writer
}

// Board is a running virtual board.
type Board struct {
	cfg    Config
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
	// found no reader. On SPI they are the bytes clocked on MOSI and MISO,
	// fillers included (so they are equal unless a host left mid-way).
	HostBytes, BoardBytes, BoardBytesDropped uint64
	// FramingErrors are UART bytes from the board with a bad stop bit (0
	// on SPI).
	FramingErrors uint64
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
	bd := &Board{cfg: b.Config, cmd: cmd, stderr: &tail{max: 64 << 10}, lines: make(chan string, 16), done: make(chan struct{})}
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
		return nil, fmt.Errorf("vboard: %s did not print its port (first line %q): %s", b.Path, line, bd.stderr)
	case <-timer.C:
		bd.Close()
		return nil, fmt.Errorf("vboard: %s printed no port within %v: %s", b.Path, startTimeout, bd.stderr)
	}
}

// Path returns the board's port: the pty to open as its serial port, or
// on an SPI board the Unix socket of its SPI pins (driver.DialSPISocket).
func (bd *Board) Path() string { return bd.path }

// Config returns what the board was built for (its link, clock, core).
func (bd *Board) Config() Config { return bd.cfg }

// OpenTransport opens the board's port as a real board's port opens: the
// pty with driver.Open at the board's baud rate (tarm/serial, as
// /dev/ttyUSB1), or the SPI socket as an spi.Conn wrapped by
// driver.NewSPI, the Transport of spi:/dev/spidev0.0. opt applies as it
// does to those ports (opt.SPI.Freq and Mode excepted: the harness runs
// SCLK at ClockHz/SPIDiv in mode 0). A Baud other than the board's is
// refused rather than ignored, since the real board would not answer.
// Closing the Transport closes the port; the board keeps running and
// takes the next host (unless started with ExitOnClose).
func (bd *Board) OpenTransport(opt driver.Options) (driver.Transport, error) {
	if bd.cfg.Link == LinkSPI {
		c, err := driver.DialSPISocket(bd.path)
		if err != nil {
			return nil, err
		}
		t, err := driver.NewSPI(c, opt)
		if err != nil {
			c.Close()
			return nil, err
		}
		return &socketTransport{Transport: t, sock: c}, nil
	}
	if opt.Baud != 0 && opt.Baud != bd.cfg.Baud {
		return nil, &driver.PortError{Port: bd.path, Msg: fmt.Sprintf("baud rate %d for the virtual board, whose UART runs at %d (allowed: %d)", opt.Baud, bd.cfg.Baud, bd.cfg.Baud)}
	}
	opt.Baud = bd.cfg.Baud
	return driver.Open(bd.path, opt)
}

// socketTransport is driver.NewSPI's Transport over the board's socket,
// which it also closes: NewSPI leaves the spi.Conn to its owner, and here
// the owner is the Transport.
type socketTransport struct {
	driver.Transport
	sock *driver.SPISocket
}

func (t *socketTransport) String() string { return t.sock.String() }

// Flush passes on to the SPI transport, which drops what it clocked in
// but has not delivered.
func (t *socketTransport) Flush() error {
	if f, ok := t.Transport.(driver.Flusher); ok {
		return f.Flush()
	}
	return nil
}

func (t *socketTransport) Close() error {
	err := t.Transport.Close()
	if err2 := t.sock.Close(); err == nil {
		err = err2
	}
	return err
}

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
