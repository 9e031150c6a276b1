package main

import (
	"github.com/spf13/cobra"

	"github.com/snnc/snnc/compiler"
)

// quantFlags are the quantise pass's options, the same for every command
// that reads a float (cuba_lif) network: compile, simulate and the reports.
type quantFlags struct {
	bits int
	clip float64
}

func (q *quantFlags) add(cmd *cobra.Command) {
	f := cmd.Flags()
	f.IntVar(&q.bits, "weight-bits", 8, "float networks: bits of every quantised weight, with the sign for mixed-sign projections (1..8)")
	f.Float64Var(&q.clip, "clip-percentile", 100, "float networks: clip each projection's weights above this percentile of |w| (50..100; 100 clips none)")
}

// options checks the flags and returns them as the quantise pass's
// options; a value out of range is a usage error.
func (q quantFlags) options() (compiler.QuantizeOptions, error) {
	opt := compiler.QuantizeOptions{WeightBits: q.bits, ClipPercentile: q.clip}
	if q.bits == 0 {
		opt.WeightBits = -1 // 0 would mean the default: refuse it as written
	}
	if err := opt.Check(); err != nil {
		return opt, usagef("%v", err)
	}
	return opt, nil
}
