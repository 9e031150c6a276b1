package rtl

import (
	"bytes"
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/snnc/snnc/backend/fpga"
	"github.com/snnc/snnc/hdl"
	"github.com/snnc/snnc/internal/buildcache"
)

// bench holds the test bench, tb_core.v. It makes its own clock, so
// Verilator needs no C++ main (--binary --timing).
//
//go:embed tb_core.v
var bench embed.FS

// benchTop is the test bench's top module.
const benchTop = "tb_core"

// coreTop is the core's top module, synthesised on its own for GateLevel.
const coreTop = "snn_core"

// cellsSim is yosys' simulation library of the iCE40 primitives (Debian
// package yosys), which a gate-level netlist instantiates.
const cellsSim = "/usr/share/yosys/ice40/cells_sim.v"

// Simulator names an RTL simulator.
type Simulator int

const (
	// Verilator compiles the bench and the core to a C++ binary: slow to
	// build (tens of seconds), fast to run. The equivalence tests use it.
	Verilator Simulator = iota + 1
	// Icarus is Icarus Verilog (iverilog, vvp): quick to build, slower to
	// run, and four-state, so memories start as X as in no FPGA.
	Icarus
)

func (s Simulator) String() string {
	switch s {
	case Verilator:
		return "verilator"
	case Icarus:
		return "icarus"
	}
	return fmt.Sprintf("Simulator(%d)", int(s))
}

// Model is a compiled test bench around one configuration of the core,
// ready to run command files: the behavioural RTL in Verilator or Icarus,
// or (GateLevel) yosys' iCE40 netlist of it in Icarus.
type Model struct {
	Sim  Simulator
	Core fpga.CoreParams
	// Gate is true for a gate-level netlist.
	Gate bool
	// Dir is the build directory, in the cache.
	Dir  string
	argv []string // runs the model; Run appends +cmds=FILE
}

func (m *Model) String() string {
	kind := "RTL"
	if m.Gate {
		kind = "gate-level netlist"
	}
	return fmt.Sprintf("%s %s (%s)", m.Sim, kind, strings.Join(m.Core.Verilog(), " "))
}

// MissingToolError says that a simulator or synthesis tool is not
// installed, and which Debian package has it.
type MissingToolError struct {
	Tool, Package string
}

func (e *MissingToolError) Error() string {
	return fmt.Sprintf("rtl: %s is not installed (not in PATH): install the Debian package %s (apt-get install %s)", e.Tool, e.Package, e.Package)
}

// UserError marks a missing tool as a fault of the machine, not of snnc.
func (e *MissingToolError) UserError() {}

// ToolError is a tool that failed: its command line, where it ran, and
// the end of what it printed.
type ToolError struct {
	Tool   string
	Args   []string
	Dir    string
	Output string
	Err    error
}

// maxToolOutput bounds the output an error quotes: the end of a
// compiler's output says what failed.
const maxToolOutput = 6000

func (e *ToolError) Error() string {
	out := e.Output
	if len(out) > maxToolOutput {
		out = "..." + out[len(out)-maxToolOutput:]
	}
	return fmt.Sprintf("rtl: %s failed (%v)\ncommand: %s\nin: %s\noutput:\n%s", e.Tool, e.Err, shellQuote(e.Args), e.Dir, out)
}

func (e *ToolError) Unwrap() error { return e.Err }

func shellQuote(args []string) string {
	q := make([]string, len(args))
	for i, a := range args {
		if a == "" || strings.ContainsAny(a, " \t\n'\"\\$*?;&|<>()") {
			a = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		}
		q[i] = a
	}
	return strings.Join(q, " ")
}

// packages names the Debian package of each tool the harness runs.
var packages = map[string]string{
	"verilator": "verilator",
	"make":      "make",
	"g++":       "g++",
	"iverilog":  "iverilog",
	"vvp":       "iverilog",
	"yosys":     "yosys",
}

// lookTools checks that the tools are installed.
func lookTools(tools ...string) error {
	for _, t := range tools {
		if _, err := exec.LookPath(t); err != nil {
			return &MissingToolError{Tool: t, Package: packages[t]}
		}
	}
	return nil
}

// Available reports whether sim (and, with gate, yosys) is installed: nil,
// or a *MissingToolError.
func Available(sim Simulator, gate bool) error {
	var tools []string
	switch sim {
	case Verilator:
		tools = []string{"verilator", "make", "g++"}
	case Icarus:
		tools = []string{"iverilog", "vvp"}
	default:
		return fmt.Errorf("rtl: unknown simulator %v (allowed: verilator, icarus)", sim)
	}
	if gate {
		tools = append(tools, "yosys")
		if _, err := os.Stat(cellsSim); err != nil {
			return &MissingToolError{Tool: cellsSim, Package: "yosys"}
		}
	}
	return lookTools(tools...)
}

// buildTimeout bounds one tool run of a build: Verilator on the full core
// takes about a minute on two cores; yosys on a small core less.
const buildTimeout = 20 * time.Minute

// RunTool runs a tool in dir with a time limit and returns its combined
// output; a failure is a *ToolError with the command line and the output.
// The virtual board (testbench/vboard) builds with it too.
func RunTool(dir string, timeout time.Duration, args ...string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, args[0], args[1:]...)
	cmd.Dir = dir
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	if ctx.Err() != nil {
		err = fmt.Errorf("timed out after %v: %w", timeout, err)
	}
	if err != nil {
		return out.Bytes(), &ToolError{Tool: args[0], Args: args, Dir: dir, Output: out.String(), Err: err}
	}
	return out.Bytes(), nil
}

// source is one Verilog or C++ file of a build.
type source struct {
	name string
	data []byte
}

// sources returns the bench files, then the core files in compile order.
func sources() (benchFiles, coreFiles []source, err error) {
	names, err := fs.Glob(bench, "tb_*.v")
	if err != nil {
		return nil, nil, err
	}
	for _, n := range names {
		data, err := bench.ReadFile(n)
		if err != nil {
			return nil, nil, err
		}
		benchFiles = append(benchFiles, source{n, data})
	}
	for _, n := range hdl.CoreFiles {
		data, err := hdl.FS.ReadFile(n)
		if err != nil {
			return nil, nil, fmt.Errorf("rtl: core file %s listed in hdl.CoreFiles: %w", n, err)
		}
		coreFiles = append(coreFiles, source{n, data})
	}
	if len(coreFiles) == 0 {
		return nil, nil, errors.New("rtl: hdl.CoreFiles is empty")
	}
	return benchFiles, coreFiles, nil
}

func writeSources(dir string, files []source) ([]string, error) {
	var names []string
	for _, f := range files {
		p := filepath.Join(dir, f.name)
		if err := os.WriteFile(p, f.data, 0o644); err != nil {
			return nil, err
		}
		names = append(names, f.name)
	}
	return names, nil
}

// CacheDir returns where builds are kept when Build is given no
// directory: $XDG_CACHE_HOME/snnc/rtl or its platform equivalent.
func CacheDir() (string, error) {
	d, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("rtl: no cache directory for the RTL builds (pass one): %w", err)
	}
	return filepath.Join(d, "snnc", "rtl"), nil
}

// buildKey hashes everything a build depends on: the kind of build, the
// tool's version, the parameters and every source file.
func buildKey(kind, toolVersion string, params []string, files ...[]source) string {
	h := sha256.New()
	fmt.Fprintf(h, "snnc rtl build 1\n%s\n%s\n%s\n", kind, toolVersion, strings.Join(params, " "))
	for _, fl := range files {
		for _, f := range fl {
			fmt.Fprintf(h, "%s %d\n", f.name, len(f.data))
			h.Write(f.data)
		}
	}
	return kind + "-" + hex.EncodeToString(h.Sum(nil))[:16]
}

// toolVersion is the first line of a tool's version output, part of the
// cache key so that an upgraded simulator rebuilds.
func toolVersion(args ...string) (string, error) {
	out, err := RunTool("", time.Minute, args...)
	if err != nil {
		return "", err
	}
	line, _, _ := strings.Cut(strings.TrimSpace(string(out)), "\n")
	return line, nil
}

// Build compiles the test bench with the core's RTL, with the core
// parameters c, for sim. Builds are cached under dir (CacheDir() if
// empty), keyed by the simulator, its version, the parameters and a hash
// of the sources, so that each configuration is built once.
func Build(sim Simulator, c fpga.CoreParams, dir string) (*Model, error) {
	if err := Available(sim, false); err != nil {
		return nil, err
	}
	benchFiles, coreFiles, err := sources()
	if err != nil {
		return nil, err
	}
	if dir == "" {
		if dir, err = CacheDir(); err != nil {
			return nil, err
		}
	}
	params := c.Verilog()
	m := &Model{Sim: sim, Core: c}
	switch sim {
	case Verilator:
		ver, err := toolVersion("verilator", "--version")
		if err != nil {
			return nil, err
		}
		key := buildKey("verilator", ver, params, benchFiles, coreFiles)
		m.Dir, err = buildcache.Dir(dir, key, func(tmp string) error { return buildVerilator(tmp, params, benchFiles, coreFiles) })
		if err != nil {
			return nil, err
		}
		m.argv = []string{filepath.Join(m.Dir, "obj", "V"+benchTop)}
	case Icarus:
		ver, err := toolVersion("iverilog", "-V")
		if err != nil {
			return nil, err
		}
		key := buildKey("icarus", ver, params, benchFiles, coreFiles)
		m.Dir, err = buildcache.Dir(dir, key, func(tmp string) error {
			names, err := writeSources(tmp, append(benchFiles, coreFiles...))
			if err != nil {
				return err
			}
			return buildIcarus(tmp, nil, params, names)
		})
		if err != nil {
			return nil, err
		}
		m.argv = []string{"vvp", "-n", filepath.Join(m.Dir, benchTop+".vvp")}
	}
	return m, nil
}

// buildVerilator runs Verilator. Verilator 5.006 builds a bench with its
// own clock (delays, @ events) with --binary --timing, which needs g++'s
// coroutines (g++ 10 or later).
func buildVerilator(dir string, params []string, benchFiles, coreFiles []source) error {
	names, err := writeSources(dir, append(append([]source(nil), benchFiles...), coreFiles...))
	if err != nil {
		return err
	}
	// Lint warnings are not a reason to refuse a simulation: the core is
	// linted on its own (verilator --lint-only -Wall, hdl/).
	args := []string{"verilator", "--binary", "--timing", "-Wno-fatal", "--top-module", benchTop,
		"--Mdir", "obj", "-o", "V" + benchTop, "-j", fmt.Sprint(runtime.NumCPU())}
	for _, p := range params {
		args = append(args, "-G"+p)
	}
	args = append(args, names...)
	_, err = RunTool(dir, buildTimeout, args...)
	return err
}

// buildIcarus compiles with Icarus as Verilog-2005, the language of the
// core and the bench. extra are more options.
func buildIcarus(dir string, extra, params, names []string) error {
	args := append([]string{"iverilog", "-g2005", "-s", benchTop, "-o", benchTop + ".vvp"}, extra...)
	for _, p := range params {
		args = append(args, "-P", benchTop+"."+p)
	}
	args = append(args, names...)
	_, err := RunTool(dir, buildTimeout, args...)
	return err
}

// GateLevel synthesises the core with the parameters c by yosys'
// synth_ice40, writes the netlist as Verilog and compiles it with the test
// bench and yosys' models of the iCE40 primitives in Icarus. Run works on
// it as on the RTL. Keep c small: the netlist simulates slowly.
//
// synth_ice40 gets -dsp when c uses SPRAM, that is, when c is a
// configuration for the UP5K, the device with SB_MAC16 and SPRAM: the
// netlist then has the primitives the iCEBreaker's bitstream has, and
// their simulation models are tested with the core. Without SPRAM (the
// HX8K) the multiplies are mapped to logic, as there.
func GateLevel(c fpga.CoreParams, dir string) (*Model, error) {
	if err := Available(Icarus, true); err != nil {
		return nil, err
	}
	benchFiles, coreFiles, err := sources()
	if err != nil {
		return nil, err
	}
	if dir == "" {
		if dir, err = CacheDir(); err != nil {
			return nil, err
		}
	}
	yver, err := toolVersion("yosys", "-V")
	if err != nil {
		return nil, err
	}
	iver, err := toolVersion("iverilog", "-V")
	if err != nil {
		return nil, err
	}
	cells, err := os.ReadFile(cellsSim)
	if err != nil {
		return nil, err
	}
	params := c.Verilog()
	key := buildKey("gate", yver+"; "+iver, params, benchFiles, coreFiles, []source{{"cells_sim.v", cells}})
	m := &Model{Sim: Icarus, Core: c, Gate: true}
	m.Dir, err = buildcache.Dir(dir, key, func(tmp string) error {
		names, err := writeSources(tmp, coreFiles)
		if err != nil {
			return err
		}
		var script strings.Builder
		fmt.Fprintf(&script, "read_verilog %s\n", strings.Join(names, " "))
		fmt.Fprintf(&script, "chparam")
		for _, p := range params {
			name, value, _ := strings.Cut(p, "=")
			fmt.Fprintf(&script, " -set %s %s", name, value)
		}
		fmt.Fprintf(&script, " %s\n", coreTop)
		dsp := ""
		if c.UseSPRAM {
			dsp = " -dsp"
		}
		fmt.Fprintf(&script, "synth_ice40 -top %s%s\n", coreTop, dsp)
		fmt.Fprintf(&script, "write_verilog -noattr netlist.v\n")
		if err := os.WriteFile(filepath.Join(tmp, "synth.ys"), []byte(script.String()), 0o644); err != nil {
			return err
		}
		if _, err := RunTool(tmp, buildTimeout, "yosys", "-q", "-l", "yosys.log", "-s", "synth.ys"); err != nil {
			return err
		}
		benchNames, err := writeSources(tmp, benchFiles)
		if err != nil {
			return err
		}
		// cells_sim.v gives some input ports default values, which
		// Icarus 11 does not parse; yosys connects every port of the
		// cells it instantiates, so the defaults are not needed.
		return buildIcarus(tmp, []string{"-DNO_ICE40_DEFAULT_ASSIGNMENTS"}, params, append(benchNames, "netlist.v", cellsSim))
	})
	if err != nil {
		return nil, err
	}
	m.argv = []string{"vvp", "-n", filepath.Join(m.Dir, benchTop+".vvp")}
	return m, nil
}
