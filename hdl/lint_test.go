package hdl_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/snnc/snnc/backend/fpga"
	"github.com/snnc/snnc/hdl"
	"github.com/snnc/snnc/internal/edatest"
)

// TestLintSystem runs `verilator --lint-only -Wall` on snnc_system — the
// core, the UART link and their wiring, the bitstream's Verilog but for
// the board's PLL and pins — with every board's parameters and with a
// small configuration: the "lint is clean on hdl/" (the link is
// also linted alone at other clocks and bauds in testbench/bridge, the
// framed link in testbench/link). Any warning fails, since -Wall warnings
// are errors unless waived in the source, and hdl/ waives none.
func TestLintSystem(t *testing.T) {
	edatest.Require(t, "verilator")
	dir := t.TempDir()
	var files []string
	for _, name := range append(append(append([]string{}, hdl.CoreFiles...), hdl.LinkFiles...), hdl.SystemFiles...) {
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
	configs := map[string]fpga.CoreParams{
		"small": {SlotBits: 4, DelayBits: 1, SynWords: 16, ProfileBits: 2},
	}
	for _, name := range fpga.Boards() {
		b, err := fpga.LoadBoard(name)
		if err != nil {
			t.Fatal(err)
		}
		configs[name] = b.Core
	}
	for name, c := range configs {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			args := []string{"--lint-only", "-Wall", "--top-module", "snnc_system"}
			for _, p := range c.Verilog() {
				args = append(args, "-G"+p)
			}
			args = append(args, files...)
			if out, err := exec.Command("verilator", args...).CombinedOutput(); err != nil || len(strings.TrimSpace(string(out))) > 0 {
				t.Errorf("verilator %s: %v\n%s", strings.Join(args, " "), err, out)
			}
		})
	}
}
