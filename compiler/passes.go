package compiler

import (
	"fmt"
	"io"
	"runtime"
	"strings"
	"time"

	loihisim "github.com/snnc/snnc/backend/loihi-sim"
	"github.com/snnc/snnc/ir"
)

// A Pass is one named step of the compiler over the network IR. Passes run
// in the order of the Passes table; reading the table tells the whole
// pipeline.
type Pass struct {
	Name string
	Doc  string
	// Target passes run only when the compilation has a target.
	Target bool
	// Float passes run only on networks with cuba_lif populations.
	Float bool
	Run   func(*State) error
	// Dump writes what the pass made, for --dump-after; nil: the network IR.
	Dump func(*State, io.Writer) error
}

// Passes is the pipeline, in order.
var Passes = []Pass{
	{Name: "quantize", Float: true, Run: quantize,
		Doc: "lower cuba_lif populations and their float weights to the integer lif model: decays from time constants, a scale per population, a weight exponent per projection (docs/quantization.md)"},
	{Name: "prepare-weights", Run: prepareWeights,
		Doc: "apply Lava's weight preparation (clip to the sign mode's range, drop the bits weight_bits does not keep) and report every weight it changes"},
	{Name: "legalise-delays", Target: true, Run: legaliseDelays,
		Doc: "turn every delay longer than the target's core.max_delay into a chain of relay neurons, exact in timing"},
	{Name: "partition", Target: true, Run: func(st *State) error { return st.mapper.partition() }, Dump: dumpPartition,
		Doc: "cut the neurons into cores under every core limit: greedy compact regions (and the sequential fill, the baseline)"},
	{Name: "place", Target: true, Run: func(st *State) error { return st.mapper.place() }, Dump: dumpPlacement,
		Doc: "put the cores on the chips' meshes, shortening hop-weighted traffic by a seeded local search"},
	{Name: "route", Target: true, Run: routePass, Dump: dumpTraffic,
		Doc: "route spike messages XY over the mesh, predict the traffic of the mapping and the baseline, check every limit"},
}

// State is what passes work on: the network, the report they add to, the
// options of the compilation and, with a target, the mapping under way.
type State struct {
	Net    *ir.Network
	Report *Report
	Opt    Options
	mapper *mapper
}

// Options control a compilation.
type Options struct {
	// Target, when set, maps the network onto the target's cores.
	Target *loihisim.Profile
	// Map chooses the mapping strategies; the report compares the result
	// with Baseline.
	Map MapOptions
	// WeightChanges, when set, receives every weight weight preparation
	// changes, as CSV (WeightChangesHeader, then one row per change).
	WeightChanges io.Writer
	// DumpAfter names a pass after which what it made is written to Dump.
	DumpAfter string
	Dump      io.Writer
	// CheckIR validates the IR after every pass (tests turn it on).
	CheckIR bool
	// Quantize chooses the bits of the quantise pass (float networks).
	Quantize QuantizeOptions
}

// Result is what a compilation makes.
type Result struct {
	// Net is the compiled network (with relays, given a target).
	Net    *ir.Network
	Report *Report
	// Mapped is the network on the target's cores; nil without a target.
	Mapped *ir.Mapped
}

// Check reports options that cannot work, as an *Error: a DumpAfter that
// names no pass, or a mapping pass without a target. Compile calls it; a
// command line can call it before reading a network.
func (opt Options) Check() error {
	if opt.DumpAfter == "" {
		return nil
	}
	p := PassByName(opt.DumpAfter)
	if p == nil {
		return &Error{Field: "--dump-after", Msg: fmt.Sprintf("%q is not a pass (allowed: %s)", opt.DumpAfter, strings.Join(PassNames(), ", "))}
	}
	if p.Target && opt.Target == nil {
		return &Error{Field: "--dump-after", Msg: fmt.Sprintf("pass %q runs only with a target (allowed without --target: quantize, prepare-weights)", opt.DumpAfter)}
	}
	return nil
}

// Compile runs the pipeline over net, which it changes in place.
func Compile(net *ir.Network, opt Options) (*Result, error) {
	if err := opt.Check(); err != nil {
		return nil, err
	}
	if err := opt.Quantize.Check(); err != nil {
		return nil, err
	}
	float := HasFloat(net)
	st := &State{Net: net, Report: newReport(net), Opt: opt}
	if opt.Target != nil {
		var err error
		if st.mapper, err = newMapper(net, opt.Target, []MapOptions{opt.Map, Baseline}); err != nil {
			return nil, err
		}
		st.Report.Mapping = &MappingReport{Target: opt.Target.Name, MaxDelay: opt.Target.Core.MaxDelay}
	}
	for _, p := range Passes {
		if p.Target && opt.Target == nil || p.Float && !float {
			continue
		}
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		start := time.Now()
		if err := p.Run(st); err != nil {
			return nil, err
		}
		runtime.ReadMemStats(&after)
		st.Report.Passes = append(st.Report.Passes, PassTime{Name: p.Name, Seconds: time.Since(start).Seconds(), AllocBytes: after.TotalAlloc - before.TotalAlloc})
		if opt.CheckIR {
			if err := net.Validate(); err != nil {
				return nil, fmt.Errorf("after pass %s: invalid IR: %w", p.Name, err)
			}
		}
		if opt.DumpAfter == p.Name {
			dump := p.Dump
			if dump == nil {
				dump = func(st *State, w io.Writer) error { return ir.WriteText(w, st.Net) }
			}
			if err := dump(st, opt.Dump); err != nil {
				return nil, err
			}
		}
	}
	res := &Result{Net: net, Report: st.Report}
	if st.mapper != nil {
		res.Mapped = st.mapper.mapped[0]
		st.Report.Steps = st.mapper.times
	}
	return res, nil
}

// legaliseDelays runs LegaliseDelays for the target and reports the relays.
func legaliseDelays(st *State) error {
	first := len(st.Net.Populations)
	mr := st.Report.Mapping
	mr.RelayNeurons = LegaliseDelays(st.Net, st.Opt.Target.Core.MaxDelay)
	for _, p := range st.Net.Populations[first:] {
		mr.RelayPopulations = append(mr.RelayPopulations, p.Name)
	}
	return nil
}

// routePass predicts the traffic of the mapping and of the baseline.
func routePass(st *State) error {
	if err := st.mapper.route(); err != nil {
		return err
	}
	st.Report.Mapping.Chosen, st.Report.Mapping.Baseline = st.mapper.traffic[0], st.mapper.traffic[1]
	return nil
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
