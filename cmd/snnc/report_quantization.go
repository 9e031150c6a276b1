package main

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/snnc/snnc/backend/floatsim"
	loihisim "github.com/snnc/snnc/backend/loihi-sim"
	"github.com/snnc/snnc/compiler"
	"github.com/snnc/snnc/ir"
	"github.com/snnc/snnc/spikes"
)

func init() { reportCommands = append(reportCommands, newReportQuantizationCommand) }

type reportQuantFlags struct {
	reportRunFlags
	tolerance int
}

// maxTolerance bounds --tolerance: beyond a few steps spikes of
// different events match and the figure says little.
const maxTolerance = 1000

func newReportQuantizationCommand() *cobra.Command {
	var fl reportQuantFlags
	cmd := &cobra.Command{
		Use:   "quantization NET.yaml --steps N [--input IN.csv] [--tolerance T] [--json FILE]",
		Short: "Compare a float network with its quantised form: weight error and spike agreement",
		Long: `quantization quantises a float network (cuba_lif populations,
docs/float-model.md) as every command does, then simulates it twice on the
same input for N steps: as described, in float64 (snnc simulate --float),
and as the integer network the hardware runs (snnc simulate). It reports

  per projection: the weight format chosen (sign mode, bits, weight_exp,
    step, clip value), the weights clipped and those that became zero,
    and the weights' SQNR in dB, 10·log10(Σw² / Σ(w-ŵ)²), ŵ the weight the
    integer synapse stands for;
  per population: the scale, the integer parameters beside the float
    values they stand for, and the spike counts of the float and the
    integer run and their difference;
  spike-train agreement: a float spike is matched by an integer spike of
    the same neuron at most T steps (--tolerance, default 1) before or
    after it, each integer spike matching one float spike at most.
    recall = matched / float spikes, precision = matched / integer spikes,
    agreement = 2·matched / (float + integer spikes), 1 when both runs
    agree spike for spike.

--weight-bits and --clip-percentile choose the quantisation, as for
snnc compile. docs/quantization.md explains the report on an example.

The report goes to standard output as text; --json FILE writes it as JSON
as well (--json - writes the JSON to standard output instead of the text).
The same network and input give the same bytes.`,
		Example: `  snnc report quantization examples/float/net.yaml --steps 200 --input examples/float/input.csv
  snnc report quantization examples/float/net.yaml --steps 200 --input examples/float/input.csv --weight-bits 4
  snnc report quantization examples/float/net.yaml --steps 200 --input examples/float/input.csv --tolerance 0 --json quant.json`,
		Args: oneNetwork,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := fl.check(cmd); err != nil {
				return err
			}
			if fl.tolerance < 0 || fl.tolerance > maxTolerance {
				return usagef("--tolerance %d is out of range (allowed: 0..%d steps)", fl.tolerance, maxTolerance)
			}
			return reportQuantization(cmd, args[0], fl)
		},
	}
	fl.reportRunFlags.add(cmd)
	cmd.Flags().IntVar(&fl.tolerance, "tolerance", 1, "steps by which an integer spike may miss the float spike it matches")
	return cmd
}

// quantDoc is the JSON document of snnc report quantization.
type quantDoc struct {
	Network      string                `json:"network"`
	Steps        int                   `json:"steps"`
	Tolerance    int                   `json:"tolerance"`
	Quantization *compiler.QuantReport `json:"quantization"`
	Populations  []spikeAgreement      `json:"populations"`
	Total        spikeAgreement        `json:"total"`
}

// spikeAgreement compares one population's spikes (or all of them) in
// the float and the integer run.
type spikeAgreement struct {
	Name         string  `json:"name,omitempty"`
	FloatSpikes  int     `json:"float_spikes"`
	IntSpikes    int     `json:"integer_spikes"`
	Difference   int     `json:"difference"`
	Matched      int     `json:"matched"`
	Recall       float64 `json:"recall"`
	Precision    float64 `json:"precision"`
	Agreement    float64 `json:"agreement"`
	RelativeDiff float64 `json:"relative_difference"`
}

func newSpikeAgreement(name string, m spikes.Match) spikeAgreement {
	a := spikeAgreement{Name: name, FloatSpikes: m.A, IntSpikes: m.B, Difference: m.B - m.A, Matched: m.Matched,
		Recall: m.Recall(), Precision: m.Precision(), Agreement: m.Dice()}
	if m.A > 0 {
		a.RelativeDiff = float64(m.B-m.A) / float64(m.A)
	}
	return a
}

func reportQuantization(cmd *cobra.Command, path string, fl reportQuantFlags) error {
	quant, err := fl.quant.options()
	if err != nil {
		return err
	}
	// Two parses: the quantise pass lowers the network in place.
	floatNet, err := compiler.ParseFile(path)
	if err != nil {
		return err
	}
	if !compiler.HasFloat(floatNet) {
		return usagef("%s has no cuba_lif population: report quantization compares a float network with its quantised form (allowed: a float network, docs/float-model.md)", path)
	}
	intNet, err := compiler.ParseFile(path)
	if err != nil {
		return err
	}
	res, err := compiler.Compile(intNet, compiler.Options{Quantize: quant})
	if err != nil {
		return err
	}
	var input spikes.Train
	if fl.input != "" {
		if input, err = spikes.ReadInputFile(fl.input, floatNet); err != nil {
			return err
		}
	}
	need := floatsim.EstimateBytes(floatNet, floatsim.Options{}) + loihisim.EstimateBytes(intNet, loihisim.Options{})
	if err := checkMemoryBytes(path, floatNet, need); err != nil {
		return err
	}
	fsim, err := floatsim.New(floatNet, floatsim.Options{})
	if err != nil {
		return err
	}
	isim, err := loihisim.New(intNet, loihisim.Options{})
	if err != nil {
		return err
	}
	defer isim.Close()

	var floatSpikes, intSpikes spikes.Train
	bar := newProgress(cmd.ErrOrStderr(), fl.steps, fl.quiet)
	stepper := spikes.NewStepper(input)
	for t := range fl.steps {
		in := stepper.At(t)
		for _, g := range fsim.Step(in) {
			floatSpikes = append(floatSpikes, spikes.Spike{Step: int32(t), Neuron: g})
		}
		for _, g := range isim.Step(in) {
			intSpikes = append(intSpikes, spikes.Spike{Step: int32(t), Neuron: g})
		}
		if bar != nil && t%64 == 63 {
			bar.Set(t + 1)
		}
	}
	if bar != nil {
		bar.Finish()
	}

	// Spikes match within a neuron, so the total is the populations' sum.
	matches := spikes.AgreementIn(floatSpikes, intSpikes, fl.tolerance, floatNet.Offsets())
	doc := quantDoc{Network: path, Steps: fl.steps, Tolerance: fl.tolerance, Quantization: res.Report.Quantization}
	var total spikes.Match
	for k, p := range floatNet.Populations {
		if p.Model == ir.ModelInput {
			continue
		}
		doc.Populations = append(doc.Populations, newSpikeAgreement(p.Name, matches[k]))
		total = spikes.Match{A: total.A + matches[k].A, B: total.B + matches[k].B, Matched: total.Matched + matches[k].Matched}
	}
	doc.Total = newSpikeAgreement("", total)
	warnUndelivered(cmd, input, fl.steps, fl.quiet)
	return writeReport(cmd, fl.json, doc, func(w io.Writer) error { return writeQuantText(w, doc) })
}

// writeQuantText writes the quantisation the pass chose, then the spikes
// of the two runs side by side.
func writeQuantText(w io.Writer, doc quantDoc) error {
	fmt.Fprintf(w, "quantisation of %s, float and integer runs over %d steps\n\n", doc.Network, doc.Steps)
	doc.Quantization.WriteText(w)
	fmt.Fprintf(w, "\nspikes, float run against integer run (matched: within ±%d steps, same neuron):\n", doc.Tolerance)
	rows := [][]string{{"population", "float", "integer", "difference", "matched", "recall", "precision", "agreement"}}
	row := func(name string, a spikeAgreement) {
		diff := fmt.Sprintf("%+d", a.Difference)
		if a.FloatSpikes > 0 {
			diff += fmt.Sprintf(" (%+.1f%%)", 100*a.RelativeDiff)
		}
		rows = append(rows, []string{name, fmt.Sprint(a.FloatSpikes), fmt.Sprint(a.IntSpikes), diff, fmt.Sprint(a.Matched),
			fmt.Sprintf("%.4f", a.Recall), fmt.Sprintf("%.4f", a.Precision), fmt.Sprintf("%.4f", a.Agreement)})
	}
	for _, p := range doc.Populations {
		row(p.Name, p)
	}
	row("total", doc.Total)
	writeTable(w, rows)
	_, err := fmt.Fprintln(w, "recall = matched/float, precision = matched/integer, agreement = 2·matched/(float+integer)")
	return err
}
