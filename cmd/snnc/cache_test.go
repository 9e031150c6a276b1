package main

import (
	"fmt"
	"os"
	"testing"
)

// TestMain gives the package's tests one bitstream cache, so that the
// FPGA flow of a board runs once per test binary (the --help examples and
// TestFPGAFlow compile the same board), and never in the user's own cache.
// It also removes the examples' networks that generatedExamples made.
func TestMain(m *testing.M) {
	var cache string
	if os.Getenv("SNNC_CACHE_DIR") == "" {
		var err error
		if cache, err = os.MkdirTemp("", "snnc-cmd-cache"); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Setenv("SNNC_CACHE_DIR", cache)
	}
	code := m.Run()
	for _, dir := range []string{cache, generated.dir} {
		if dir != "" {
			os.RemoveAll(dir)
		}
	}
	os.Exit(code)
}
