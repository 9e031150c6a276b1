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
// core, the link and their wiring, the bitstream's Verilog but for the
// board's PLL and pins — with every board's parameters and with a small
// configuration, each over the UART and over SPI, and the UART at 115,200
// baud and 12 MHz: the "lint is clean on hdl/". Any warning fails,
// since -Wall warnings are errors unless waived in the source, and hdl/
// waives none.
func TestLintSystem(t *testing.T) {
	edatest.Require(t, "verilator")
	dir := t.TempDir()
	var files []string
	for _, name := range hdl.SystemSources() {
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
	links := map[string][]string{
		"uart":        {"-GLINK_SPI=0"},
		"spi":         {"-GLINK_SPI=1", "-GBUILD_HASH=64'h0123456789abcdef"},
		"uart-115200": {"-GLINK_SPI=0", "-GBAUD=115200", "-GCLK_HZ=12000000"},
	}
	for name, c := range configs {
		for link, extra := range links {
			t.Run(name+"/"+link, func(t *testing.T) {
				t.Parallel()
				args := []string{"--lint-only", "-Wall", "--top-module", "snnc_system"}
				for _, p := range c.Verilog() {
					args = append(args, "-G"+p)
				}
				args = append(append(args, extra...), files...)
				if out, err := exec.Command("verilator", args...).CombinedOutput(); err != nil || len(strings.TrimSpace(string(out))) > 0 {
					t.Errorf("verilator %s: %v\n%s", strings.Join(args, " "), err, out)
				}
			})
		}
	}
}
