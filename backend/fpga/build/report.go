package build

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/snnc/snnc/backend/fpga"
	"github.com/snnc/snnc/compiler"
)

// Report is what snnc compile --target fpga made, for people (WriteText)
// and tools (WriteJSON), from the same data: the board and its core, the
// network's share of the core, the cycles a step takes, the bitstream's
// resources and timing, and the compiler's report of the network. It holds
// no times or cache state, so the same input gives the same report.
type Report struct {
	Source      string   `json:"source"`
	Board       string   `json:"board"`
	Description string   `json:"board_description"`
	Device      string   `json:"device"`
	Package     string   `json:"package"`
	Parameters  []string `json:"core_parameters"`
	CoreMHz     float64  `json:"core_mhz"`
	// UARTBaud is the link's UART rate the bitstream is built for.
	UARTBaud int `json:"uart_baud"`
	// ClockMHz is the core clock the PLL makes (it can differ from CoreMHz
	// by the PLL's step).
	ClockMHz float64 `json:"core_clock_mhz"`
	// BuildHash is identity's build_hash of the bitstream (BuildHash), 16
	// hex digits, byte 0 first as on the wire.
	BuildHash string     `json:"build_hash"`
	PLL       *PLLReport `json:"pll,omitempty"`
	Capacity  []Share    `json:"capacity"`
	Cycles    Cycles     `json:"cycles_per_step"`
	// Bitstream is nil when the flow did not run; Skipped says why.
	Bitstream *FlowReport      `json:"bitstream"`
	Skipped   string           `json:"bitstream_skipped,omitempty"`
	Network   *compiler.Report `json:"network"`
}

// PLLReport is the PLL setting of the top level.
type PLLReport struct {
	Primitive   string  `json:"primitive"`
	InMHz       float64 `json:"in_mhz"`
	OutMHz      float64 `json:"out_mhz"`
	DIVR        int     `json:"divr"`
	DIVF        int     `json:"divf"`
	DIVQ        int     `json:"divq"`
	FilterRange int     `json:"filter_range"`
}

// Share is one figure of the network against the core's limit.
type Share struct {
	Name  string `json:"name"`
	Used  int    `json:"used"`
	Limit int    `json:"limit"`
}

// Cycles are the core clock cycles of one step (fpga.Image.QuietStepCycles, BusiestStepCycles):
// with no spike at all, and with every source spiking every step (every
// group delivered, every synapse an event).
type Cycles struct {
	Quiet         int     `json:"quiet"`
	Busiest       int     `json:"busiest"`
	BusiestGroups int     `json:"busiest_groups"`
	BusiestEvents int     `json:"busiest_events"`
	QuietMicros   float64 `json:"quiet_us"`
	BusiestMicros float64 `json:"busiest_us"`
	BusiestPerSec float64 `json:"busiest_steps_per_second"`
}

// NewReport starts the report of image im, compiled for the board of src
// (its clock and build hash) from the network whose compiler report is net; maxDelay is the network's longest
// delay after delay legalisation. The caller adds the bitstream.
func NewReport(src *Sources, im *fpga.Image, net *compiler.Report, maxDelay int) *Report {
	b, clock := src.Board, src.Clock
	c := b.Core
	r := &Report{
		Source: net.Source, Board: b.Name, Description: b.Description, Device: b.Device.Name, Package: b.Package,
		Parameters: c.Verilog(), CoreMHz: b.CoreMHz, UARTBaud: b.UARTBaud, ClockMHz: round3(clock.CoreHz / 1e6),
		BuildHash: hex.EncodeToString(src.BuildHash[:]), Network: net,
	}
	if clock.Primitive != "" {
		p := clock.PLL
		r.PLL = &PLLReport{Primitive: clock.Primitive, InMHz: float64(p.InHz) / 1e6, OutMHz: round3(p.AchievedHz / 1e6),
			DIVR: p.DIVR, DIVF: p.DIVF, DIVQ: p.DIVQ, FilterRange: p.FilterRange}
	}
	st := im.Stats
	r.Capacity = []Share{
		{"slots (LIF neurons + input axons)", im.SlotCount, c.Slots()},
		{"LIF neurons", im.NeuronCount, c.Slots()},
		{"input axons", im.SlotCount - im.NeuronCount, c.Slots()},
		{"synapses", st.Synapses, c.Synapses()},
		{"synapse groups (source, delay)", st.Groups, c.Slots() * c.Delays()},
		{"neuron parameter profiles", st.Profiles, c.Profiles()},
		{"weight classes", st.Classes, fpga.Classes},
		{"longest delay (steps)", maxDelay, c.Delays()},
	}
	r.Cycles = Cycles{Quiet: im.QuietStepCycles(), Busiest: im.BusiestStepCycles(),
		BusiestGroups: st.Groups, BusiestEvents: st.Synapses}
	if clock.CoreHz > 0 {
		r.Cycles.QuietMicros = round3(float64(r.Cycles.Quiet) / clock.CoreHz * 1e6)
		r.Cycles.BusiestMicros = round3(float64(r.Cycles.Busiest) / clock.CoreHz * 1e6)
		if r.Cycles.Busiest > 0 {
			r.Cycles.BusiestPerSec = float64(int64(clock.CoreHz) / int64(r.Cycles.Busiest))
		}
	}
	return r
}

func round3(x float64) float64 { return float64(int64(x*1000+0.5)) / 1000 }

// WriteJSON writes the report as indented JSON.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// WriteText writes the report for people.
func (r *Report) WriteText(w io.Writer) error {
	fmt.Fprintf(w, "snnc FPGA build of %s for board %s\n", r.Source, r.Board)
	fmt.Fprintf(w, "%s; device %s, package %s\n\n", r.Description, r.Device, r.Package)
	fmt.Fprintf(w, "core: %s\n", strings.Join(r.Parameters, " "))
	fmt.Fprintf(w, "link: UART at %d baud, protocol version 1; build hash %s\n", r.UARTBaud, r.BuildHash)
	if p := r.PLL; p != nil {
		fmt.Fprintf(w, "clock: %g MHz oscillator -> %s (DIVR %d, DIVF %d, DIVQ %d, FILTER_RANGE %d) -> %.3f MHz (%g MHz asked)\n\n",
			p.InMHz, p.Primitive, p.DIVR, p.DIVF, p.DIVQ, p.FilterRange, p.OutMHz, r.CoreMHz)
	} else {
		fmt.Fprintf(w, "clock: %g MHz, straight from the oscillator\n\n", r.ClockMHz)
	}

	fmt.Fprintln(w, "the network's share of the core:")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  figure\tused\tlimit\tshare")
	for _, s := range r.Capacity {
		fmt.Fprintf(tw, "  %s\t%d\t%d\t%s\n", s.Name, s.Used, s.Limit, percent(s.Used, s.Limit))
	}
	tw.Flush()
	c := r.Cycles
	fmt.Fprintf(w, "\ncycles per step (docs/fpga-core.md, Timing), at %.3f MHz:\n", r.ClockMHz)
	fmt.Fprintf(w, "  quiet step (no spikes): %d cycles, %.3f us\n", c.Quiet, c.QuietMicros)
	fmt.Fprintf(w, "  busiest step (every source spiking: %d groups, %d events): %d cycles, %.3f us, %.0f steps/s\n\n",
		c.BusiestGroups, c.BusiestEvents, c.Busiest, c.BusiestMicros, c.BusiestPerSec)

	if b := r.Bitstream; b != nil {
		fmt.Fprintf(w, "bitstream (nextpnr seed %d):\n", b.Seed)
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "  resource\tused\tavailable\tshare")
		for _, res := range b.Resources {
			fmt.Fprintf(tw, "  %s\t%d\t%d\t%s\n", res.Name, res.Used, res.Available, percent(res.Used, res.Available))
		}
		tw.Flush()
		verdict := "met"
		if !b.TimingMet {
			verdict = "NOT MET"
		}
		fmt.Fprintf(w, "  timing: nextpnr %.2f MHz, icetime %.2f MHz (%.2f ns), core clock %g MHz: %s\n", b.FmaxMHz, b.IcetimeMHz, b.IcetimeNs, b.TargetMHz, verdict)
		for _, ck := range b.Clocks {
			fmt.Fprintf(w, "    clock %s: %.2f MHz (constraint %.2f MHz)\n", ck.Clock, ck.AchievedMHz, ck.ConstraintMHz)
		}
		for _, t := range b.Tools {
			fmt.Fprintf(w, "  %s: %s\n", t.Name, t.Version)
		}
		fmt.Fprintf(w, "  cache key %s\n\n", b.Key)
	} else {
		fmt.Fprintf(w, "bitstream: not built (%s)\n\n", r.Skipped)
	}
	return r.Network.WriteText(w)
}

func percent(used, limit int) string {
	if limit <= 0 {
		return "-"
	}
	return fmt.Sprintf("%.1f%%", 100*float64(used)/float64(limit))
}
