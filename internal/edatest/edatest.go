// Package edatest decides what a test does when an external EDA tool it
// runs (yosys, nextpnr-ice40, the IceStorm tools, Icarus Verilog,
// Verilator) is not installed. It exists so that every package's tests
// follow one rule with one message: on a developer's machine a missing
// tool skips the test, naming the Debian packages to install; where
// SNNC_REQUIRE_EDA=1 (as in CI) the tools must be there, and a missing one
// fails the test rather than letting it pass by skipping.
package edatest

import (
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// envVar, set to 1, turns a missing tool from a skip into a failure.
const envVar = "SNNC_REQUIRE_EDA"

// packages names the Debian package that brings each tool.
var packages = map[string]string{
	"yosys":         "yosys",
	"nextpnr-ice40": "nextpnr-ice40",
	"icepack":       "fpga-icestorm",
	"icetime":       "fpga-icestorm",
	"icepll":        "fpga-icestorm",
	"iceprog":       "fpga-icestorm",
	"iverilog":      "iverilog",
	"vvp":           "iverilog",
	"verilator":     "verilator",
}

// Require looks up each tool in PATH. If any is missing it skips t, or,
// with SNNC_REQUIRE_EDA=1, fails it; either way with one message naming
// every missing tool and the apt-get line that installs them.
func Require(t testing.TB, tools ...string) {
	t.Helper()
	var missing []string
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			missing = append(missing, tool)
		}
	}
	if len(missing) > 0 {
		Unavailable(t, missingMessage(missing))
	}
}

// Unavailable skips t with msg, which says what is missing and how to
// install it, or, with SNNC_REQUIRE_EDA=1, fails it. It is for a test that
// finds out by itself that something it needs is not installed (a model
// file, or a tool behind a package's own check).
func Unavailable(t testing.TB, msg string) {
	t.Helper()
	if os.Getenv(envVar) == "1" {
		t.Fatal(msg + " (" + envVar + "=1: a missing tool is a failure)")
	}
	t.Skip(msg + "; set " + envVar + "=1 to make this a failure")
}

// missingMessage says that the tools are not installed and how to install
// them: "yosys, icepack not found in PATH (apt-get install -y yosys
// fpga-icestorm)".
func missingMessage(missing []string) string {
	var pkgs, unknown []string
	for _, tool := range missing {
		p, ok := packages[tool]
		switch {
		case !ok:
			unknown = append(unknown, tool)
		case !slices.Contains(pkgs, p):
			pkgs = append(pkgs, p)
		}
	}
	var how []string
	if len(pkgs) > 0 {
		how = append(how, "apt-get install -y "+strings.Join(pkgs, " "))
	}
	if len(unknown) > 0 {
		how = append(how, "no Debian package known for "+strings.Join(unknown, ", "))
	}
	return strings.Join(missing, ", ") + " not found in PATH (" + strings.Join(how, "; ") + ")"
}
