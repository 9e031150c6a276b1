package build

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/snnc/snnc/backend/fpga"
	"github.com/snnc/snnc/hdl"
)

// File is one source of the bitstream, by its name in rtl/.
type File struct {
	Name string
	Data []byte
}

// Sources is everything the bitstream is made from: the hdl library, the
// generated top level and pin constraints, and the synthesis script.
// Nothing in it depends on a network.
type Sources struct {
	Board *fpga.Board
	Clock ClockPlan
	// BuildHash is identity's build_hash of the bitstream (BuildHash with
	// the UART link), the top level's BUILD_HASH.
	BuildHash [8]byte
	// Verilog lists the .v files in the order yosys reads them: the core,
	// the link, snnc_system, the top level.
	Verilog []File
	PCF     File
	Script  File
}

// Emit makes the sources of board b's bitstream.
func Emit(b *fpga.Board) (*Sources, error) {
	clk, err := PlanClock(b)
	if err != nil {
		return nil, err
	}
	top, err := Top(b)
	if err != nil {
		return nil, err
	}
	hash, err := BuildHash(b, "uart")
	if err != nil {
		return nil, err
	}
	s := &Sources{Board: b, Clock: clk, BuildHash: hash, PCF: File{PCFFile, PCF(b)}}
	for _, name := range hdl.SystemSources() {
		data, err := fs.ReadFile(hdl.FS, name)
		if err != nil {
			return nil, fmt.Errorf("hdl library: %w", err)
		}
		s.Verilog = append(s.Verilog, File{name, data})
	}
	s.Verilog = append(s.Verilog, File{TopFile, top})
	s.Script = File{ScriptFile, s.script()}
	return s, nil
}

// script is the yosys script, run from the output directory.
func (s *Sources) script() []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "# Synthesis of %s for board %s; run from the output directory: yosys -s rtl/%s\n", TopModule, s.Board.Name, ScriptFile)
	for _, f := range s.Verilog {
		fmt.Fprintf(&b, "read_verilog rtl/%s\n", f.Name)
	}
	fmt.Fprintf(&b, "synth_ice40 %s-top %s -json %s\n", s.dspFlag(), TopModule, netlistFile)
	return []byte(b.String())
}

// dspFlag maps multiplies to SB_MAC16 where the device has them (UP5K);
// without it yosys builds them from logic cells.
func (s *Sources) dspFlag() string {
	if s.Board.Device.DSPs > 0 {
		return "-dsp "
	}
	return ""
}

// Files returns every file of rtl/: the Verilog, the pin constraints and
// the synthesis script.
func (s *Sources) Files() []File {
	return append(append([]File{}, s.Verilog...), s.PCF, s.Script)
}

// WriteDir writes the sources into dir (the output's rtl/).
func (s *Sources) WriteDir(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, f := range s.Files() {
		if err := os.WriteFile(filepath.Join(dir, f.Name), f.Data, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// Output files of the flow, relative to the output directory.
const (
	netlistFile   = "snnc.json" // yosys's netlist; removed after place and route
	AscFile       = "snnc.asc"
	BinFile       = "snnc.bin"
	LogDir        = "logs"
	nextpnrReport = "logs/nextpnr-report.json"
)

// steps are the flow for these sources: synthesis, place and route,
// packing and the timing analysis, each in the output directory.
func (s *Sources) steps(seed int) []step {
	b := s.Board
	pcf := "rtl/" + PCFFile
	return []step{
		{tool: "yosys", args: []string{"-s", "rtl/" + ScriptFile}},
		{tool: "nextpnr-ice40", args: []string{"--" + b.Device.NextpnrFlag, "--package", b.Package,
			"--json", netlistFile, "--pcf", pcf, "--asc", AscFile,
			"--freq", fmt.Sprintf("%g", b.CoreMHz), "--seed", fmt.Sprint(seed), "--report", nextpnrReport},
			okExit: timingFailed},
		{tool: "icepack", args: []string{AscFile, BinFile}},
		{tool: "icetime", args: []string{"-d", b.Device.NextpnrFlag, "-P", b.Package, "-p", pcf, "-t", AscFile}},
	}
}

// Key is the cache key of the bitstream: the SHA-256 of everything it is
// made from — every source file (the top level and the pin constraints
// hold the board and the core parameters), the command line of every step
// (device, package, frequency, seed), and the tools' versions.
func (s *Sources) Key(tools []ToolVersion, seed int) string {
	h := sha256.New()
	fmt.Fprintf(h, "snnc bitstream cache v1\n")
	for _, f := range s.Files() {
		fmt.Fprintf(h, "file %s %d\n", f.Name, len(f.Data))
		h.Write(f.Data)
	}
	fmt.Fprintf(h, "core %s\n", s.Board.Core.String())
	for _, st := range s.steps(seed) {
		fmt.Fprintf(h, "step %s\n", st.commandLine())
	}
	for _, t := range tools {
		fmt.Fprintf(h, "tool %s %s\n", t.Name, t.Version)
	}
	return hex.EncodeToString(h.Sum(nil))
}
