package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/snnc/snnc/compiler"
	"github.com/snnc/snnc/internal/bufferedfile"
	"github.com/snnc/snnc/ir"
	"github.com/spf13/cobra"
)

// Artefacts of snnc compile, by --emit name and file name in the output
// directory. With a target, the mapped network replaces the IR dumps,
// which at 10^8 synapses would take gigabytes (--emit still prints them).
// weight-changes.csv has no write function: the pass streams it.
var artefacts = []struct {
	emit, file, doc string
	when            artefactWhen
	write           func(*compiler.Result, io.Writer) error
}{
	{"ir", "network.ir", "the checked IR, readable: populations, projections, one line per synapse", withoutTarget,
		func(r *compiler.Result, w io.Writer) error { return ir.WriteText(w, r.Net) }},
	{"json", "network.json", "the same IR as JSON, synapses as CSR arrays", withoutTarget,
		func(r *compiler.Result, w io.Writer) error { return ir.WriteJSON(w, r.Net) }},
	{"", "network.snncmap", "with --target: the mapped network (docs/mapped-format.md)", withTarget,
		func(r *compiler.Result, w io.Writer) error { return ir.WriteMapped(w, r.Mapped) }},
	{"report", "report.txt", "the summary: sizes, delays, weight preparation; with --target the mapping", always,
		func(r *compiler.Result, w io.Writer) error { return r.Report.WriteText(w) }},
	{"report-json", "report.json", "the summary as JSON", always,
		func(r *compiler.Result, w io.Writer) error { return r.Report.WriteJSON(w) }},
	{"weight-changes", "weight-changes.csv", "every weight that weight preparation changed", always, nil},
}

type artefactWhen int

const (
	always artefactWhen = iota
	withTarget
	withoutTarget
)

func (w artefactWhen) holds(target bool) bool {
	return w == always || (w == withTarget) == target
}

func newCompileCommand() *cobra.Command {
	var (
		outDir     string
		emit       string
		dumpAfter  string
		timePasses bool
		tf         targetFlags
		ff         fpgaFlags
		mapOpt     compiler.MapOptions
		qf         quantFlags
	)
	var emitNames, fileList []string
	for _, a := range artefacts {
		if a.emit != "" {
			emitNames = append(emitNames, a.emit)
		}
		fileList = append(fileList, fmt.Sprintf("  %-19s %s", a.file, a.doc))
	}
	cmd := &cobra.Command{
		Use:   "compile NET.yaml [-o DIR]",
		Short: "Check a network, run the compiler passes and write the IR and a report",
		Long: `compile reads a network description, runs the compiler passes and writes
into the output directory:

` + strings.Join(fileList, "\n") + `

The passes, in order (` + "`snnc compile --dump-after PASS`" + ` shows what one made):
` + passList() + `

With --target (a built-in profile: snnc targets) or --target-file, the
network is mapped onto the target's cores: delays beyond its slots become
relay chains, neurons are cut into cores under every limit and placed on
the chips' meshes, and the report compares the predicted traffic with a
sequential baseline. A network that cannot fit gets an error naming the
limit. The same input gives byte-identical files. --emit prints one
artefact to standard output instead (and writes no files unless -o is
given too).

With --target fpga the network is compiled for the FPGA core of a board
(--board, default ` + defaultBoard + `; or --board-file) and the output directory holds
rtl/ (the Verilog, snnc_top.v, the pin constraints, the yosys script),
mem/ (the configuration image: one .hex per memory and config.bin),
snnc.bin and snnc.asc (the bitstream), logs/ (one log per tool),
network.yaml (a copy of the input, for snnc run and snnc test DIR),
report.txt, report.json and manifest.json with the bitstream's build
hash (docs/fpga-flow.md). The
bitstream depends on the board only, not on the network, so it is cached
(in $SNNC_CACHE_DIR or the user's cache directory) and a new network
compiles in milliseconds; --rebuild ignores the cache. Without yosys,
nextpnr-ice40, icepack or icetime the RTL and the images are still
written, with a warning; --no-bitstream skips the flow on purpose. A bitstream that misses
the core clock is written, and snnc exits with status 1.`,
		Example: `  snnc compile examples/hello/net.yaml -o build
  snnc compile examples/hello/net.yaml --emit ir
  snnc compile examples/recurrent/net.yaml --target loihi1 -o build/recurrent
  snnc compile examples/recurrent/net.yaml --target loihi1 --emit report --time-passes
  snnc compile examples/hello/net.yaml --emit report-json | jq .synapses
  snnc compile examples/float/net.yaml --emit report --weight-bits 6
  snnc compile examples/hello/net.yaml --target fpga --board icebreaker -o build/hello-fpga
  snnc compile examples/coincidence/net.yaml --target fpga --board ice40-hx8k --no-bitstream -o build/coincidence-fpga`,
		Args: oneNetwork,
		RunE: func(cmd *cobra.Command, args []string) error {
			if emit != "" && !slices.Contains(emitNames, emit) {
				return usagef("--emit %q is not an artefact (allowed: %s)", emit, strings.Join(emitNames, ", "))
			}
			onFPGA := tf.name == fpgaTarget
			if err := ff.check(cmd, onFPGA, tf); err != nil {
				return err
			}
			quant, err := qf.options()
			if err != nil {
				return err
			}
			if onFPGA {
				opt := compiler.Options{DumpAfter: dumpAfter, Dump: cmd.ErrOrStderr(), Quantize: quant}
				return compileFPGA(cmd, args[0], outDir, opt, ff, timePasses)
			}
			target, err := tf.load()
			if err != nil {
				return err
			}
			if err := mapOpt.Check(); err != nil {
				return usagef("%v", err)
			}
			opt := compiler.Options{Target: target, Map: mapOpt, DumpAfter: dumpAfter, Dump: cmd.ErrOrStderr(), Quantize: quant}
			// Before reading the network, which can take seconds.
			if err := opt.Check(); err != nil {
				return usagef("%v", err)
			}
			writeFiles := emit == "" || cmd.Flags().Changed("output")
			return compile(cmd, args[0], outDir, writeFiles, emit, opt, timePasses)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&outDir, "output", "o", "build", "output directory")
	f.StringVar(&emit, "emit", "", "print one artefact to standard output: "+strings.Join(emitNames, ", "))
	f.StringVar(&dumpAfter, "dump-after", "", "print the IR after the named pass to standard error")
	f.BoolVar(&timePasses, "time-passes", false, "print each pass's time and allocated memory to standard error")
	tf.add(cmd)
	ff.add(cmd)
	f.StringVar(&mapOpt.Partition, "partition", compiler.PartitionGreedy, "with a target: how to cut neurons into cores: greedy or sequential")
	f.StringVar(&mapOpt.Place, "place", compiler.PlaceOptimised, "with a target: how to place cores on the mesh: optimised or sequential")
	qf.add(cmd)
	return cmd
}

// passList describes the passes for --help.
func passList() string {
	var b strings.Builder
	for _, p := range compiler.Passes {
		when := ""
		switch {
		case p.Target:
			when = " (with a target)"
		case p.Float:
			when = " (float networks)"
		}
		fmt.Fprintf(&b, "  %-16s %s%s\n", p.Name, p.Doc, when)
	}
	return strings.TrimRight(b.String(), "\n")
}

func compile(cmd *cobra.Command, path, outDir string, writeFiles bool, emit string, opt compiler.Options, timePasses bool) error {
	stdout, stderr := cmd.OutOrStdout(), cmd.ErrOrStderr()
	net, err := compiler.ParseFile(path)
	if err != nil {
		return err
	}
	if writeFiles {
		if err := os.MkdirAll(outDir, 0o755); err != nil {
			return err
		}
	}
	// Weight changes stream out as the pass finds them: there may be 10^8.
	var changeSinks []io.Writer
	if emit == "weight-changes" {
		changeSinks = append(changeSinks, stdout)
	}
	if writeFiles {
		f, err := os.Create(filepath.Join(outDir, "weight-changes.csv"))
		if err != nil {
			return err
		}
		defer f.Close()
		changeSinks = append(changeSinks, f)
	}
	changes := bufio.NewWriterSize(io.MultiWriter(changeSinks...), 1<<20)
	if len(changeSinks) > 0 {
		opt.WeightChanges = changes
	}
	res, err := compiler.Compile(net, opt)
	if err != nil {
		return mapErrorIn(path, err)
	}
	report := res.Report
	if err := changes.Flush(); err != nil {
		return err
	}
	if timePasses {
		report.WriteTimes(stderr)
	}
	target := opt.Target != nil
	for _, a := range artefacts {
		if emit != "" && a.emit == emit && a.write != nil {
			if err := a.write(res, stdout); err != nil {
				return err
			}
		}
	}
	if !writeFiles {
		return nil
	}
	var wrote []string
	for _, a := range artefacts {
		if !a.when.holds(target) {
			continue
		}
		wrote = append(wrote, a.file)
		if a.write == nil {
			continue
		}
		if err := bufferedfile.Write(filepath.Join(outDir, a.file), func(w io.Writer) error { return a.write(res, w) }); err != nil {
			return err
		}
	}
	fmt.Fprintf(stderr, "snnc: compiled %s: %d neurons, %d synapses", path, report.Neurons, report.Synapses)
	if m := report.Mapping; m != nil {
		fmt.Fprintf(stderr, "; %d cores on %d chips of %s, %d relay neurons", m.Chosen.Cores, m.Chosen.Chips, m.Target, m.RelayNeurons)
	}
	fmt.Fprintf(stderr, "; wrote %s (%s)\n", outDir, strings.Join(wrote, ", "))
	return nil
}
