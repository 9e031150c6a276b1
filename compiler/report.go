package compiler

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/snnc/snnc/internal/sysmem"
	"github.com/snnc/snnc/ir"
)

// maxExamples bounds the changed weights a report lists per projection;
// every change goes to Options.WeightChanges.
const maxExamples = 10

// Report is what a compilation found and did, for people (WriteText) and
// tools (WriteJSON), from the same data.
type Report struct {
	Source      string             `json:"source"`
	Neurons     int                `json:"neurons"`
	Synapses    int64              `json:"synapses"`
	MaxDelay    int                `json:"max_delay"`
	IRBytes     int64              `json:"ir_synapse_bytes"`
	Populations []PopulationReport `json:"populations"`
	Projections []ProjectionReport `json:"projections"`
	// Quantization is what the quantise pass chose for a float network;
	// nil for an integer one.
	Quantization *QuantReport `json:"quantization,omitempty"`
	// Mapping is the mapping onto a target's cores; nil without a target.
	Mapping *MappingReport `json:"mapping,omitempty"`
	// Passes and Steps (the mapping's steps within its passes) are timings;
	// they vary from run to run, so they stay out of the report files,
	// which must be byte-identical for one input.
	Passes []PassTime `json:"-"`
	Steps  []PassTime `json:"-"`
}

// MappingReport is the mapping onto a target: the relays delay
// legalisation added, and the predicted traffic and core use of the chosen
// mapping and of the baseline (sequential fill, sequential placement).
type MappingReport struct {
	Target           string   `json:"target"`
	MaxDelay         int      `json:"max_delay"`
	RelayNeurons     int      `json:"relay_neurons"`
	RelayPopulations []string `json:"relay_populations"`
	Chosen           *Traffic `json:"chosen"`
	Baseline         *Traffic `json:"baseline"`
}

// PopulationReport summarises one population.
type PopulationReport struct {
	Name  string `json:"name"`
	Model string `json:"model"`
	Size  int    `json:"size"`
}

// ProjectionReport summarises one projection and its weight preparation.
type ProjectionReport struct {
	Name            string         `json:"name"`
	From            string         `json:"from"`
	To              string         `json:"to"`
	Synapses        int            `json:"synapses"`
	WeightExp       int            `json:"weight_exp"`
	WeightBits      int            `json:"weight_bits"`
	SignMode        string         `json:"sign_mode"`
	SignModeDerived bool           `json:"sign_mode_derived"`
	MinDelay        int            `json:"min_delay"`
	MaxDelay        int            `json:"max_delay"`
	WeightsChanged  int64          `json:"weights_changed"`
	ChangedExamples []WeightChange `json:"changed_examples"`
}

// PassTime is how long a pass took and what it allocated.
type PassTime struct {
	Name       string  `json:"name"`
	Seconds    float64 `json:"seconds"`
	AllocBytes uint64  `json:"alloc_bytes"`
}

// newReport starts the report of a description, before any pass.
func newReport(net *ir.Network) *Report {
	r := &Report{Source: net.Source, Neurons: net.Neurons(), Synapses: net.Synapses()}
	for _, p := range net.Populations {
		r.Populations = append(r.Populations, PopulationReport{Name: p.Name, Model: p.Model.String(), Size: p.Size})
	}
	for i := range net.Projections {
		pr := &net.Projections[i]
		minD, maxD := 0, 0
		for k, d := range pr.Syn.Delay {
			if k == 0 || int(d) < minD {
				minD = int(d)
			}
			maxD = max(maxD, int(d))
		}
		r.Projections = append(r.Projections, ProjectionReport{
			Name: pr.Name, From: net.Populations[pr.From].Name, To: net.Populations[pr.To].Name,
			Synapses: pr.Syn.Len(), WeightExp: pr.WeightExp, WeightBits: pr.WeightBits,
			SignMode: pr.SignMode.String(), SignModeDerived: pr.SignModeDerived,
			MinDelay: minD, MaxDelay: maxD, ChangedExamples: []WeightChange{},
		})
		s := &pr.Syn
		r.MaxDelay = max(r.MaxDelay, maxD)
		r.IRBytes += int64(len(s.Start))*8 + int64(len(s.Target))*4 + int64(len(s.Weight))*2 + int64(len(s.Delay))*2
	}
	return r
}

// WriteText writes the report for people.
func (r *Report) WriteText(w io.Writer) error {
	fmt.Fprintf(w, "snnc compile report for %s\n\n", r.Source)
	fmt.Fprintf(w, "neurons %d, synapses %d, longest delay %d steps, synapse storage %s\n\n", r.Neurons, r.Synapses, r.MaxDelay, sysmem.Format(float64(r.IRBytes)))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "population\tmodel\tsize")
	for _, p := range r.Populations {
		fmt.Fprintf(tw, "%s\t%s\t%d\n", p.Name, p.Model, p.Size)
	}
	tw.Flush()
	if len(r.Projections) > 0 {
		fmt.Fprintln(w)
		tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "projection\tfrom\tto\tsynapses\tsign mode\tweight bits\tweight exp\tdelays\tweights changed")
		for _, p := range r.Projections {
			mode := p.SignMode
			if p.SignModeDerived {
				mode += " (derived)"
			}
			delays := fmt.Sprintf("%d..%d", p.MinDelay, p.MaxDelay)
			if p.Synapses == 0 {
				delays = "-"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%d\t%d\t%s\t%d\n", p.Name, p.From, p.To, p.Synapses, mode, p.WeightBits, p.WeightExp, delays, p.WeightsChanged)
		}
		tw.Flush()
	}
	for _, p := range r.Projections {
		if p.WeightsChanged == 0 {
			continue
		}
		fmt.Fprintf(w, "\nweight preparation changed %d weights of %s (%s, %d bits)", p.WeightsChanged, p.Name, p.SignMode, p.WeightBits)
		if int64(len(p.ChangedExamples)) < p.WeightsChanged {
			fmt.Fprintf(w, "; the first %d", len(p.ChangedExamples))
		}
		fmt.Fprintln(w, ":")
		for _, c := range p.ChangedExamples {
			fmt.Fprintf(w, "  %s[%d] -> %s[%d]: %d -> %d\n", p.From, c.Source, p.To, c.Target, c.Given, c.Used)
		}
	}
	if r.Quantization != nil {
		fmt.Fprintln(w)
		r.Quantization.WriteText(w)
	}
	if r.Mapping != nil {
		fmt.Fprintln(w)
		return r.Mapping.writeText(w)
	}
	return nil
}

// writeText writes the mapping: relays, the two mappings side by side,
// and the use of every limit over the chosen mapping's cores.
func (mr *MappingReport) writeText(w io.Writer) error {
	c, b := mr.Chosen, mr.Baseline
	fmt.Fprintf(w, "mapping onto %s: cores %d, chips %d (%d per row of the chip grid)\n", mr.Target, c.Cores, c.Chips, c.ChipGrid)
	if mr.RelayNeurons > 0 {
		fmt.Fprintf(w, "relays: %d relay neurons carry delays beyond %d steps (%s)\n", mr.RelayNeurons, mr.MaxDelay, strings.Join(mr.RelayPopulations, ", "))
	} else {
		fmt.Fprintf(w, "relays: none needed (every delay is at most %d steps)\n", mr.MaxDelay)
	}
	fmt.Fprintln(w, "\npredicted traffic per step, every neuron spiking once:")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "\tchosen\tbaseline\n")
	fmt.Fprintf(tw, "partition / placement\t%s / %s\t%s / %s\n", c.Partition, c.Place, b.Partition, b.Place)
	row := func(name string, x, y int64) { fmt.Fprintf(tw, "%s\t%d\t%d\n", name, x, y) }
	row("cores", int64(c.Cores), int64(b.Cores))
	row("chips", int64(c.Chips), int64(b.Chips))
	row("messages between cores", c.InterCoreMessages, b.InterCoreMessages)
	row("messages within cores", c.IntraCoreMessages, b.IntraCoreMessages)
	row("messages from the host", c.HostMessages, b.HostMessages)
	row("hop-weighted messages", c.HopWeighted, b.HopWeighted)
	row("messages between chips", c.ChipCrossingMessages, b.ChipCrossingMessages)
	row("busiest link", c.MaxLinkLoad, b.MaxLinkLoad)
	tw.Flush()
	if c.PlaceNote != "" {
		fmt.Fprintf(w, "note: %s\n", c.PlaceNote)
	}
	fmt.Fprintln(w, "\ncore use, chosen mapping (per_core in report.json has every core):")
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "limit\tmin\tmean\tmax\tof\tfullest\n")
	use := func(name string, get func(CoreUse) int64, limit int64) {
		lo, hi, sum := int64(0), int64(0), int64(0)
		for i, u := range c.PerCore {
			v := get(u)
			if i == 0 || v < lo {
				lo = v
			}
			hi = max(hi, v)
			sum += v
		}
		mean := 0.0
		if len(c.PerCore) > 0 {
			mean = float64(sum) / float64(len(c.PerCore))
		}
		fmt.Fprintf(tw, "%s\t%d\t%.1f\t%d\t%d\t%.0f%%\n", name, lo, mean, hi, limit, 100*float64(hi)/float64(max(limit, 1)))
	}
	use("neurons", func(u CoreUse) int64 { return int64(u.Neurons) }, int64(c.Limits.Neurons))
	use("input axons", func(u CoreUse) int64 { return int64(u.InputAxons) }, int64(c.Limits.InputAxons))
	use("output axons", func(u CoreUse) int64 { return int64(u.OutputAxons) }, int64(c.Limits.OutputAxons))
	use("synapse memory bits", func(u CoreUse) int64 { return u.SynapseBits }, c.Limits.SynapseBits)
	return tw.Flush()
}

// WriteTimes writes the pass timings (snnc compile --time-passes), then
// the mapping's steps within its passes.
func (r *Report) WriteTimes(w io.Writer) {
	for _, p := range r.Passes {
		fmt.Fprintf(w, "pass %-16s %9.3f ms  %s allocated\n", p.Name, p.Seconds*1e3, sysmem.Format(float64(p.AllocBytes)))
	}
	for _, p := range r.Steps {
		fmt.Fprintf(w, "  step %-32s %9.3f ms  %s allocated\n", p.Name, p.Seconds*1e3, sysmem.Format(float64(p.AllocBytes)))
	}
}

// WriteJSON writes the report for tools.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}
