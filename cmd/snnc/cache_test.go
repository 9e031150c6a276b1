package main

import (
	"fmt"
	"os"
	"testing"
)

// TestMain gives the package's tests one bitstream cache, so that the
// FPGA flow of a board runs once per test binary (the --help examples and
// TestFPGAFlow compile the same board), and never in the user's own cache.
func TestMain(m *testing.M) {
	if os.Getenv("SNNC_CACHE_DIR") == "" {
		dir, err := os.MkdirTemp("", "snnc-cmd-cache")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Setenv("SNNC_CACHE_DIR", dir)
		code := m.Run()
		os.RemoveAll(dir)
		os.Exit(code)
	}
	os.Exit(m.Run())
}
