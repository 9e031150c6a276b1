package compiler

import (
	"fmt"
	"io"
	"runtime"
	"strings"
	"time"

	"github.com/snnc/snnc/ir"
)

// A Pass is one named transformation of the network IR. Passes run in the
// order of the Passes table; reading the table tells the whole pipeline.
type Pass struct {
	Name string
	Doc  string
	Run  func(*State) error
}

// Passes is the pipeline, in order. Mapping onto cores (legalise delays,
// partition, place, route) extends it per target.
var Passes = []Pass{
	{Name: "prepare-weights", Doc: "apply Lava's weight preparation (clip to the sign mode's range, drop the bits weight_bits does not keep) and report every weight it changes", Run: prepareWeights},
}

// State is what passes work on: the network, the report they add to and
// the options of the compilation.
type State struct {
	Net    *ir.Network
	Report *Report
	Opt    Options
}

// Options control a compilation.
type Options struct {
	// OnWeightChange receives every weight weight preparation changes.
	OnWeightChange func(WeightChange)
	// DumpAfter names a pass after which the IR is written to Dump.
	DumpAfter string
	Dump      io.Writer
	// CheckIR validates the IR after every pass (tests turn it on).
	CheckIR bool
}

// Check reports options that cannot work, as an *Error: a DumpAfter that
// names no pass. Compile calls it; a command line can call it before
// reading a network, to report a wrong flag at once.
func (opt Options) Check() error {
	if opt.DumpAfter != "" && PassByName(opt.DumpAfter) == nil {
		return &Error{Field: "--dump-after", Msg: fmt.Sprintf("%q is not a pass (allowed: %s)", opt.DumpAfter, strings.Join(PassNames(), ", "))}
	}
	return nil
}

// Compile runs the pipeline over net, which it changes in place, and
// returns the report.
func Compile(net *ir.Network, opt Options) (*Report, error) {
	if err := opt.Check(); err != nil {
		return nil, err
	}
	st := &State{Net: net, Report: newReport(net), Opt: opt}
	for _, p := range Passes {
		var before runtime.MemStats
		runtime.ReadMemStats(&before)
		start := time.Now()
		if err := p.Run(st); err != nil {
			return nil, err
		}
		var after runtime.MemStats
		runtime.ReadMemStats(&after)
		st.Report.Passes = append(st.Report.Passes, PassTime{Name: p.Name, Seconds: time.Since(start).Seconds(), AllocBytes: after.TotalAlloc - before.TotalAlloc})
		if opt.CheckIR {
			if err := net.Validate(); err != nil {
				return nil, fmt.Errorf("after pass %s: invalid IR: %w", p.Name, err)
			}
		}
		if opt.DumpAfter == p.Name {
			if err := ir.WriteText(opt.Dump, net); err != nil {
				return nil, err
			}
		}
	}
	st.Report.summarise(net)
	return st.Report, nil
}

// PassByName returns the pass called name, or nil.
func PassByName(name string) *Pass {
	for i := range Passes {
		if Passes[i].Name == name {
			return &Passes[i]
		}
	}
	return nil
}

// PassNames returns the names of the passes, in order.
func PassNames() []string {
	names := make([]string, len(Passes))
	for i, p := range Passes {
		names[i] = p.Name
	}
	return names
}
