package main

import (
	"os"
	"runtime/pprof"

	"github.com/spf13/cobra"
)

// addProfiling adds --cpuprofile and --memprofile, hidden: developers' tools
// for the benchmarks of docs/benchmarks.md (go tool pprof snnc FILE).
func addProfiling(root *cobra.Command) {
	var path, memPath string
	var f *os.File
	root.PersistentFlags().StringVar(&path, "cpuprofile", "", "write a CPU profile to this file")
	root.PersistentFlags().StringVar(&memPath, "memprofile", "", "write a heap profile to this file at the end")
	root.PersistentFlags().MarkHidden("cpuprofile")
	root.PersistentFlags().MarkHidden("memprofile")
	root.PersistentPreRunE = func(*cobra.Command, []string) error {
		if path == "" {
			return nil
		}
		var err error
		if f, err = os.Create(path); err != nil {
			return err
		}
		return pprof.StartCPUProfile(f)
	}
	root.PersistentPostRun = func(*cobra.Command, []string) {
		if f != nil {
			pprof.StopCPUProfile()
			f.Close()
		}
		if memPath != "" {
			if m, err := os.Create(memPath); err == nil {
				pprof.Lookup("heap").WriteTo(m, 0)
				m.Close()
			}
		}
	}
}
