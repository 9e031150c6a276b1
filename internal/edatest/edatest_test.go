package edatest

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

func TestMissingMessage(t *testing.T) {
	cases := []struct {
		missing []string
		want    string
	}{
		{[]string{"yosys"}, "yosys not found in PATH (apt-get install -y yosys)"},
		{[]string{"nextpnr-ice40"}, "nextpnr-ice40 not found in PATH (apt-get install -y nextpnr-ice40)"},
		{[]string{"icepack", "icetime", "icepll", "iceprog"}, "icepack, icetime, icepll, iceprog not found in PATH (apt-get install -y fpga-icestorm)"},
		{[]string{"iverilog", "vvp"}, "iverilog, vvp not found in PATH (apt-get install -y iverilog)"},
		{[]string{"verilator"}, "verilator not found in PATH (apt-get install -y verilator)"},
		{[]string{"yosys", "icepack", "vvp", "verilator"}, "yosys, icepack, vvp, verilator not found in PATH (apt-get install -y yosys fpga-icestorm iverilog verilator)"},
		{[]string{"frob"}, "frob not found in PATH (no Debian package known for frob)"},
		{[]string{"frob", "icetime"}, "frob, icetime not found in PATH (apt-get install -y fpga-icestorm; no Debian package known for frob)"},
	}
	for _, c := range cases {
		if got := missingMessage(c.missing); got != c.want {
			t.Errorf("missingMessage(%q)\n got %s\nwant %s", c.missing, got, c.want)
		}
	}
}

// recorder is a testing.TB whose Skip and Fatal record their message and
// end the goroutine, as testing's do.
type recorder struct {
	testing.TB
	skipped, failed string
}

func (r *recorder) Helper()           {}
func (r *recorder) Skip(args ...any)  { r.skipped = fmt.Sprint(args...); runtime.Goexit() }
func (r *recorder) Fatal(args ...any) { r.failed = fmt.Sprint(args...); runtime.Goexit() }

// require runs Require on a recorder in a goroutine of its own.
func require(tools ...string) *recorder {
	r := new(recorder)
	done := make(chan struct{})
	go func() {
		defer close(done)
		Require(r, tools...)
	}()
	<-done
	return r
}

// TestRequire runs Require with a PATH holding one fake tool: a present
// tool passes; a missing one skips, or fails with SNNC_REQUIRE_EDA=1.
func TestRequire(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "yosys"), []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir)
	const msg = "vvp, snnc-no-such-tool not found in PATH (apt-get install -y iverilog; no Debian package known for snnc-no-such-tool)"
	for _, tc := range []struct {
		env, skipped, failed string
	}{
		{"", msg + "; set SNNC_REQUIRE_EDA=1 to make this a failure", ""},
		{"0", msg + "; set SNNC_REQUIRE_EDA=1 to make this a failure", ""},
		{"1", "", msg + " (SNNC_REQUIRE_EDA=1: a missing tool is a failure)"},
	} {
		t.Setenv("SNNC_REQUIRE_EDA", tc.env)
		present := require("yosys")
		if present.skipped != "" || present.failed != "" {
			t.Errorf("SNNC_REQUIRE_EDA=%q, yosys present: skipped %q, failed %q", tc.env, present.skipped, present.failed)
		}
		r := require("vvp", "yosys", "snnc-no-such-tool")
		if r.skipped != tc.skipped || r.failed != tc.failed {
			t.Errorf("SNNC_REQUIRE_EDA=%q, vvp and snnc-no-such-tool missing:\n skipped %q\n failed  %q\nwant\n skipped %q\n failed  %q",
				tc.env, r.skipped, r.failed, tc.skipped, tc.failed)
		}
	}
}
