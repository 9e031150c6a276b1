package compiler

import (
	"encoding/json"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/snnc/snnc/internal/sysmem"
	"github.com/snnc/snnc/ir"
)

// maxExamples bounds the changed weights a report lists per projection;
// every change goes to Options.OnWeightChange.
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
	// Passes are the pass timings; they vary from run to run, so they stay
	// out of the report files (which must be byte-identical for one input).
	Passes []PassTime `json:"-"`
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

func newReport(net *ir.Network) *Report {
	r := &Report{Source: net.Source}
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
	}
	return r
}

func (r *Report) summarise(net *ir.Network) {
	r.Neurons = net.Neurons()
	r.Synapses = net.Synapses()
	for i := range net.Projections {
		s := &net.Projections[i].Syn
		r.MaxDelay = max(r.MaxDelay, r.Projections[i].MaxDelay)
		r.IRBytes += int64(len(s.Start))*8 + int64(len(s.Target))*4 + int64(len(s.Weight))*2 + int64(len(s.Delay))*2
	}
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
	return nil
}

// WriteTimes writes the pass timings (snnc compile --time-passes).
func (r *Report) WriteTimes(w io.Writer) {
	for _, p := range r.Passes {
		fmt.Fprintf(w, "pass %-16s %9.3f ms  %s allocated\n", p.Name, p.Seconds*1e3, sysmem.Format(float64(p.AllocBytes)))
	}
}

// WriteJSON writes the report for tools.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}
