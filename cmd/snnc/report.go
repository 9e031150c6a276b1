package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/snnc/snnc/internal/bufferedfile"
	"github.com/snnc/snnc/spikes"
)

// reportCommands make the subcommands of snnc report, one per report, in
// the order help lists them. A report's own file may append to it from an
// init function.
var reportCommands = []func() *cobra.Command{newReportEnergyCommand}

func newReportCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "report REPORT NET.yaml ...",
		Short: "Reports on a network: what it would cost, how it was transformed",
		Example: `  snnc report energy examples/recurrent/net.yaml --steps 200 --input examples/recurrent/input.csv
  snnc report energy examples/hello/net.yaml --steps 20 --input examples/hello/input.csv --json energy.json`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return cmd.Help()
			}
			return usagef("unknown report %q (allowed: %s)", args[0], strings.Join(reportNames(cmd), ", "))
		},
	}
	var list strings.Builder
	for _, newCmd := range reportCommands {
		sub := newCmd()
		cmd.AddCommand(sub)
		fmt.Fprintf(&list, "\n  %-14s %s", sub.Name(), sub.Short)
	}
	cmd.Long = `report runs a network and reports on it, as text for people or as JSON
for tools, from the same figures. The reports:
` + list.String() + `

snnc report REPORT --help describes each.`
	return cmd
}

// reportNames lists the reports, for messages.
func reportNames(cmd *cobra.Command) []string {
	var names []string
	for _, sub := range cmd.Commands() {
		if sub.IsAvailableCommand() && sub.Name() != "help" {
			names = append(names, sub.Name())
		}
	}
	return names
}

// reportRunFlags are the flags of a report that simulates the network:
// the run, the quantisation of float networks and the output.
type reportRunFlags struct {
	steps int
	input string
	json  string
	quiet bool
	quant quantFlags
}

func (fl *reportRunFlags) add(cmd *cobra.Command) {
	f := cmd.Flags()
	f.IntVarP(&fl.steps, "steps", "n", 0, "number of steps to simulate (required)")
	f.StringVarP(&fl.input, "input", "i", "", "input spikes, CSV step,population,index")
	f.StringVar(&fl.json, "json", "", "also write the report as JSON here (- : to standard output, instead of the text)")
	f.BoolVarP(&fl.quiet, "quiet", "q", false, "no progress bar or warnings on standard error")
	fl.quant.add(cmd)
}

// check requires --steps, at least one.
func (fl *reportRunFlags) check(cmd *cobra.Command) error {
	if !cmd.Flags().Changed("steps") {
		return usagef("--steps is required (allowed: 1..%d)", maxSteps)
	}
	if fl.steps < 1 || fl.steps > maxSteps {
		return usagef("--steps %d is out of range (allowed: 1..%d)", fl.steps, maxSteps)
	}
	return nil
}

// warnUndelivered warns, unless quiet, of input spikes at or after the
// last step simulated.
func warnUndelivered(cmd *cobra.Command, input spikes.Train, steps int, quiet bool) {
	if n := input.Beyond(steps); n > 0 && !quiet {
		fmt.Fprintf(cmd.ErrOrStderr(), "snnc: warning: %d input spikes at steps >= %d were not delivered (raise --steps)\n", n, steps)
	}
}

// writeReport writes a report as its --json flag asks: the text to
// standard output and, with jsonPath, the JSON document to that file; with
// jsonPath "-", the JSON alone to standard output.
func writeReport(cmd *cobra.Command, jsonPath string, doc any, writeText func(io.Writer) error) error {
	if jsonPath == "-" {
		return writeJSONDoc(cmd.OutOrStdout(), doc)
	}
	if jsonPath != "" {
		if err := bufferedfile.Write(jsonPath, func(w io.Writer) error { return writeJSONDoc(w, doc) }); err != nil {
			return err
		}
	}
	return writeText(cmd.OutOrStdout())
}

// writeJSONDoc writes a report's JSON, indented, with names such as
// in->exc as they are.
func writeJSONDoc(w io.Writer, doc any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(doc)
}
