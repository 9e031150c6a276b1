package main

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	loihisim "github.com/snnc/snnc/backend/loihi-sim"
	"github.com/snnc/snnc/compiler"
	"github.com/snnc/snnc/energy"
	"github.com/snnc/snnc/ir"
	"github.com/snnc/snnc/spikes"
)

type reportEnergyFlags struct {
	reportRunFlags
	tech string
	bits int
	fifo int
}

// Bounds of --bits and --fifo.
const (
	maxEnergyBits = 64
	defaultBits   = 32
	defaultFIFO   = 64
)

func newReportEnergyCommand() *cobra.Command {
	var fl reportEnergyFlags
	cmd := &cobra.Command{
		Use:   "energy NET.yaml --steps N [--input IN.csv] [--tech NAME|FILE] [--json FILE]",
		Short: "Estimate the energy of the network, spiking and as a conventional network",
		Long: `energy simulates the network for N steps (as snnc simulate does), counts
per projection the spikes into it and out of its target and the synaptic
events they cause, and applies the analytical energy model of Lemaire et
al. (ICONIP 2022) to those counts: the energy of the spiking network over
the N steps, and of the same network run once as a conventional
(non-spiking) network, term by term (operations, addressing, weights,
bias, potentials, input/output) in pJ, per projection and in total, with
the ratio of the two totals. docs/energy.md gives the formulas.

A population with several incoming projections counts its neuron terms
(biases, potentials, output spikes) once per projection, as the model's
layers do.

--tech names the energies of the operations: a shipped technology
(45nm-int32, the default, or 45nm-int8) or a YAML tech file of your own.
--bits is the width of every memory word, --fifo the depth of the
input/output FIFO.

The report goes to standard output as text; --json FILE writes it as JSON
as well (--json - writes the JSON to standard output instead of the text).
The same network and input give the same bytes.`,
		Example: `  snnc report energy examples/recurrent/net.yaml --steps 200 --input examples/recurrent/input.csv
  snnc report energy examples/hello/net.yaml --steps 20 --input examples/hello/input.csv --json energy.json
  snnc report energy examples/hello/net.yaml --steps 20 --input examples/hello/input.csv --tech 45nm-int8 --bits 8
  snnc report energy examples/recurrent/net.yaml --steps 200 --input examples/recurrent/input.csv --json -`,
		Args: oneNetwork,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := fl.check(cmd); err != nil {
				return err
			}
			if fl.bits < 1 || fl.bits > maxEnergyBits {
				return usagef("--bits %d is out of range (allowed: 1..%d)", fl.bits, maxEnergyBits)
			}
			if fl.fifo < 1 {
				return usagef("--fifo %d is out of range (allowed: 1 or more entries)", fl.fifo)
			}
			return reportEnergy(cmd, args[0], fl)
		},
	}
	fl.reportRunFlags.add(cmd)
	f := cmd.Flags()
	f.StringVar(&fl.tech, "tech", energy.DefaultTech, "energies of the operations: a shipped technology (45nm-int32, 45nm-int8) or a tech file")
	f.IntVar(&fl.bits, "bits", defaultBits, "bits of a word in every memory (1..64)")
	f.IntVar(&fl.fifo, "fifo", defaultFIFO, "entries of the input/output FIFO (1 or more)")
	return cmd
}

// energyDoc is the JSON document of snnc report energy.
type energyDoc struct {
	Network string `json:"network"`
	Steps   int    `json:"steps"`
	Bits    int    `json:"bits"`
	FIFO    int    `json:"fifo"`
	*energy.Report
}

func reportEnergy(cmd *cobra.Command, path string, fl reportEnergyFlags) error {
	tech, err := energy.Open(fl.tech)
	if err != nil {
		return err
	}
	quant, err := fl.quant.options()
	if err != nil {
		return err
	}
	net, err := compiler.ParseFile(path)
	if err != nil {
		return err
	}
	if _, err := compiler.Compile(net, compiler.Options{Quantize: quant}); err != nil {
		return err
	}
	var input spikes.Train
	if fl.input != "" {
		if input, err = spikes.ReadInputFile(fl.input, net); err != nil {
			return err
		}
	}
	if err := checkMemory(path, net, loihisim.Options{}); err != nil {
		return err
	}
	sim, err := loihisim.New(net, loihisim.Options{})
	if err != nil {
		return err
	}
	defer sim.Close()
	// The simulator has its own copy of the synapses; of the IR's, the
	// counts need only each projection's number of synapses and its row
	// starts (the fan-out of each source neuron).
	synapses := make([]int64, len(net.Projections))
	for i := range net.Projections {
		syn := &net.Projections[i].Syn
		synapses[i] = int64(syn.Len())
		*syn = ir.Synapses{Start: syn.Start}
	}

	fired := countSpikes(cmd, sim, net.Neurons(), input, fl)
	doc := energyDoc{
		Network: path, Steps: fl.steps, Bits: fl.bits, FIFO: fl.fifo,
		Report: energy.Estimate(projectionCounts(net, fired, synapses, fl), tech),
	}
	warnUndelivered(cmd, input, fl.steps, fl.quiet)
	return writeReport(cmd, fl.json, doc, func(w io.Writer) error { return writeEnergyText(w, doc) })
}

// countSpikes runs the simulation for fl.steps steps and returns the
// spikes of each of the network's neurons (by global index), those of
// input neurons being the input spikes delivered in steps 0..steps-1.
func countSpikes(cmd *cobra.Command, sim *loihisim.Sim, neurons int, input spikes.Train, fl reportEnergyFlags) []int64 {
	counts := make([]int64, neurons)
	bar := newProgress(cmd.ErrOrStderr(), fl.steps, fl.quiet)
	stepper := spikes.NewStepper(input)
	for t := range fl.steps {
		in := stepper.At(t)
		for _, g := range in {
			counts[g]++
		}
		for _, g := range sim.Step(in) {
			counts[g]++
		}
		if bar != nil && t%64 == 63 {
			bar.Set(t + 1)
		}
	}
	if bar != nil {
		bar.Finish()
	}
	return counts
}

// projectionCounts gathers the counts of the energy model for each
// projection from the spikes of every neuron; synapses holds each
// projection's number of synapses, and the projections still hold their
// row starts.
func projectionCounts(net *ir.Network, fired []int64, synapses []int64, fl reportEnergyFlags) []energy.Projection {
	offs := net.Offsets()
	popSpikes := make([]int64, len(net.Populations))
	for k := range net.Populations {
		for _, c := range fired[offs[k]:offs[k+1]] {
			popSpikes[k] += c
		}
	}
	out := make([]energy.Projection, len(net.Projections))
	for i := range net.Projections {
		pr := &net.Projections[i]
		from, to := &net.Populations[pr.From], &net.Populations[pr.To]
		// A spike crosses every synapse of its neuron's row: its fan-out,
		// counted when it is emitted.
		var events int64
		start := pr.Syn.Start
		for s, c := range fired[offs[pr.From]:offs[pr.From+1]] {
			events += c * (start[s+1] - start[s])
		}
		out[i] = energy.Projection{
			Name: pr.Name, From: from.Name, To: to.Name,
			Counts: energy.Counts{
				Sources: int64(from.Size), Targets: int64(to.Size), Synapses: synapses[i],
				Steps: int64(fl.steps), InputSpikes: popSpikes[pr.From], OutputSpikes: popSpikes[pr.To],
				SynapticEvents: events, Leaks: leaks(to),
				Bits: fl.bits, FIFO: int64(fl.fifo),
			},
		}
	}
	return out
}

// leaks reports whether neurons of p decay, which costs a
// multiply-accumulate per neuron and step: unless du = 4095 (u cleared)
// and dv = 0 (v kept) for every neuron.
func leaks(p *ir.Population) bool {
	if p.LIF == nil {
		return false
	}
	for _, du := range p.LIF.Du {
		if du != ir.DecayMax {
			return true
		}
	}
	for _, dv := range p.LIF.Dv {
		if dv != 0 {
			return true
		}
	}
	return false
}

// writeEnergyText writes the report for people: per projection its counts
// and the two breakdowns, then the totals, the ratio and the technology.
func writeEnergyText(w io.Writer, doc energyDoc) error {
	r := doc.Report
	fmt.Fprintf(w, "energy of %s over %d steps: %d-bit words, a FIFO of %d entries\n", doc.Network, doc.Steps, doc.Bits, doc.FIFO)
	for _, p := range r.Projections {
		leak := "neurons leak: a multiply-accumulate per neuron and step"
		if !p.Leaks {
			leak = "neurons do not leak"
		}
		fmt.Fprintf(w, "\nprojection %s: %s (%d neurons) -> %s (%d neurons); %s\n", p.Name, p.From, p.Sources, p.To, p.Targets, leak)
		adds, macs := energy.SpikingOps(p.Counts)
		writeRows(w, [][2]any{
			{"synapses", p.Synapses},
			{"input spikes", p.InputSpikes},
			{"output spikes", p.OutputSpikes},
			{"synaptic events", p.SynapticEvents},
			{"spiking additions", adds},
			{"spiking multiply-accumulates", macs},
		})
		writeBreakdowns(w, p.Spiking, p.Conventional)
	}
	t := r.Total
	fmt.Fprintf(w, "\ntotal of %d projections (a population's neuron terms count once per projection into it)\n", len(r.Projections))
	writeRows(w, [][2]any{
		{"synapses", t.Synapses},
		{"input spikes", t.InputSpikes},
		{"output spikes", t.OutputSpikes},
		{"synaptic events", t.SynapticEvents},
	})
	writeBreakdowns(w, t.Spiking, t.Conventional)
	if t.Ratio != nil {
		fmt.Fprintf(w, "\nconventional / spiking: %.4g (one conventional inference against %d spiking steps)\n", *t.Ratio, doc.Steps)
	} else {
		fmt.Fprintf(w, "\nconventional / spiking: undefined (the spiking network spent nothing)\n")
	}
	tech := r.Tech
	_, err := fmt.Fprintf(w, "tech %s (%s): SRAM access %g + %g*words*bits pJ, add %g pJ, multiply %g pJ\n",
		tech.Name, tech.File, tech.RAMBasePJ, tech.RAMPerBitPJ, tech.AddPJ, tech.MulPJ)
	return err
}

// writeRows writes counts as an indented two-column table.
func writeRows(w io.Writer, rows [][2]any) {
	table := make([][]string, len(rows))
	for i, r := range rows {
		table[i] = []string{r[0].(string), fmt.Sprint(r[1])}
	}
	writeTable(w, table)
}

// writeBreakdowns writes the spiking and conventional energies side by
// side, term by term, in pJ.
func writeBreakdowns(w io.Writer, snn, fnn energy.Breakdown) {
	table := [][]string{{"pJ", "spiking", "conventional"}}
	for _, row := range []struct {
		name     string
		snn, fnn float64
	}{
		{"ops", snn.Ops, fnn.Ops},
		{"addressing", snn.Addressing, fnn.Addressing},
		{"weights", snn.Weights, fnn.Weights},
		{"bias", snn.Bias, fnn.Bias},
		{"potentials", snn.Potentials, fnn.Potentials},
		{"io", snn.IO, fnn.IO},
		{"total", snn.Total, fnn.Total},
	} {
		table = append(table, []string{row.name, fmt.Sprintf("%.2f", row.snn), fmt.Sprintf("%.2f", row.fnn)})
	}
	writeTable(w, table)
}

// writeTable writes rows indented (by the padding of the first column), the first column aligned left and the
// others right.
func writeTable(w io.Writer, rows [][]string) {
	width := 0
	for _, r := range rows {
		width = max(width, len(r[0]))
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	for _, r := range rows {
		fmt.Fprintf(tw, "%-*s\t%s\t\n", width, r[0], strings.Join(r[1:], "\t"))
	}
	tw.Flush()
}
