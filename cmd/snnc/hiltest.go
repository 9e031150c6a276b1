package main

// snnc test DIR: hardware in the loop. The same stimulus goes through
// loihi-sim, run on DIR's copy of the network (network.yaml), and through
// the board loaded with DIR's configuration; the spikes must agree step
// for step. It checks the whole chain at once — the compiler's relays and
// weight preparation, the configuration image, the RTL core, the link and
// the driver — against the one reference model, on the virtual board by
// default and unchanged on a real one.

import (
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	loihisim "github.com/snnc/snnc/backend/loihi-sim"
	"github.com/snnc/snnc/compiler"
	"github.com/snnc/snnc/ir"
	"github.com/snnc/snnc/spikes"
	"github.com/snnc/snnc/testbench/randnet"
	"github.com/spf13/cobra"
)

type hilFlags struct {
	port  string
	baud  int
	steps int
	input string
	seed  uint64
	rate  float64
	quiet bool
}

// Defaults of snnc test's random stimulus.
const (
	hilSteps = 100
	hilRate  = 0.1
)

func newTestCommand() *cobra.Command {
	var fl hilFlags
	cmd := &cobra.Command{
		Use:   "test DIR [--port PORT] [--steps N] [--input IN.csv | --seed S --rate P]",
		Short: "Check a board against the reference simulation, spike for spike (hardware in the loop)",
		Long: `test runs the network of DIR, written by
  snnc compile NET --target fpga --board B -o DIR
on a board (as snnc run does) and in loihi-sim (DIR/network.yaml, as snnc
simulate does) with the same stimulus, and compares the output spikes step
for step. The stimulus is --input, or a random one: each input neuron spikes
at each step with probability --rate, drawn from --seed, so a failure can be
run again exactly.

It prints PASS with the counts, or FAIL with the first step that differs:
the neuron, which side spiked, and that step's spikes on both sides; the
exit status is then 1. The board is the virtual board of DIR's board unless
--port names another (a serial port, auto, spi:..., vboard-spi): the same
test runs unchanged on a real board once snnc flash DIR has written it:
  snnc flash build/recurrent
  snnc test build/recurrent --port /dev/ttyUSB1 --steps 10000`,
		Example: `  snnc compile examples/recurrent/net.yaml --target fpga --board icebreaker --no-bitstream -o build/recurrent
  snnc test build/recurrent
  snnc test build/recurrent --port vboard-spi --steps 300 --seed 7 --rate 0.3
  snnc test build/recurrent --steps 200 --input examples/recurrent/input.csv`,
		Args: oneBuildDir,
		RunE: func(cmd *cobra.Command, args []string) error {
			if fl.steps < 0 || fl.steps > maxSteps {
				return usagef("--steps %d is out of range (allowed: 0..%d)", fl.steps, maxSteps)
			}
			if fl.input != "" {
				for _, name := range []string{"seed", "rate"} {
					if cmd.Flags().Changed(name) {
						return usagef("--%s shapes the random stimulus and does not apply with --input", name)
					}
				}
			}
			if !(fl.rate >= 0 && fl.rate <= 1) {
				return usagef("--rate %g is out of range (allowed: 0..1, the probability that an input neuron spikes at a step)", fl.rate)
			}
			if err := checkPortFlags(cmd, fl.port, fl.baud); err != nil {
				return err
			}
			return hilTest(cmd, args[0], fl)
		},
	}
	f := cmd.Flags()
	addPortFlags(cmd, &fl.port, &fl.baud)
	f.Lookup("port").DefValue = portVboard
	fl.port = portVboard
	f.IntVarP(&fl.steps, "steps", "n", hilSteps, "number of steps")
	f.StringVarP(&fl.input, "input", "i", "", "input spikes, CSV step,population,index (default: a random stimulus)")
	f.Uint64Var(&fl.seed, "seed", 1, "seed of the random stimulus")
	f.Float64Var(&fl.rate, "rate", hilRate, "probability that an input neuron spikes at a step, in the random stimulus")
	f.BoolVarP(&fl.quiet, "quiet", "q", false, "no progress and no summary on standard error")
	return cmd
}

// hilDiff is what the comparison found.
type hilDiff struct {
	steps, spikes int // steps that differ, spikes that differ
	first         int // the first step that differs
	want, got     []int32
}

func hilTest(cmd *cobra.Command, dir string, fl hilFlags) error {
	stdout, stderr := cmd.OutOrStdout(), cmd.ErrOrStderr()
	bd, err := openBuildDir(dir)
	if err != nil {
		return err
	}
	var inputs [][]int32
	var beyond int
	stimulus := fmt.Sprintf("a random stimulus (--seed %d --rate %g)", fl.seed, fl.rate)
	if fl.input != "" {
		tr, err := spikes.ReadInputFile(fl.input, bd.net)
		if err != nil {
			return err
		}
		inputs, beyond, stimulus = trainSteps(tr, fl.steps), tr.Beyond(fl.steps), fl.input
	} else {
		inputs = randnet.Inputs(bd.net, fl.seed, fl.steps, fl.rate)
	}

	// The reference: the network as snnc simulate runs it. A parse of its
	// own, since compiling prepares the weights in place.
	ref, err := compiler.ParseFile(bd.netPath)
	if err != nil {
		return err
	}
	// A float network is quantised as snnc compile quantised it.
	var quant compiler.QuantizeOptions
	if q := bd.man.Quantize; q != nil {
		quant = *q
	}
	if _, err := compiler.Compile(ref, compiler.Options{Quantize: quant}); err != nil {
		return err
	}
	if err := checkMemory(bd.netPath, ref, loihisim.Options{}); err != nil {
		return err
	}
	sim, err := loihisim.New(ref, loihisim.Options{})
	if err != nil {
		return err
	}

	ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	log := stderr
	if fl.quiet {
		log = io.Discard
	}
	link, err := connect(ctx, bd, fl.port, fl.baud, log)
	if err != nil {
		return err
	}
	defer link.close()
	d := hilDiff{first: -1}
	st, err := link.stream(ctx, inputs, fl.steps, stderr, fl.quiet, func(t int, fired []int32) {
		var in []int32
		if t < len(inputs) {
			in = inputs[t]
		}
		want := sim.Step(in)
		if n := countDiff(want, fired); n > 0 {
			d.steps++
			d.spikes += n
			if d.first < 0 {
				d.first, d.want, d.got = t, append([]int32(nil), want...), append([]int32(nil), fired...)
			}
		}
	})
	if err != nil {
		return err
	}
	vst, err := link.close()
	if err != nil {
		return err
	}
	if !fl.quiet {
		if beyond > 0 {
			fmt.Fprintf(stderr, "snnc: warning: %d input spikes at steps >= %d were not sent (raise --steps)\n", beyond, fl.steps)
		}
		link.writeSummary(stderr, st, vst)
	}
	if d.first < 0 {
		fmt.Fprintf(stdout, "PASS: %s on %s: %d steps, %d input spikes from %s, %d output spikes, identical to loihi-sim\n",
			dir, link.label, st.steps, st.inputSpikes, stimulus, st.outSpikes)
		return nil
	}
	fmt.Fprintf(stdout, "FAIL: %s on %s: %d of %d steps differ from loihi-sim, by %s in all; input spikes from %s\n", dir, link.label, d.steps, st.steps, plural(d.spikes, "spike"), stimulus)
	g, wantSpikes := firstDiff(d.want, d.got)
	side := "loihi-sim spikes, the board does not"
	if !wantSpikes {
		side = "the board spikes, loihi-sim does not"
	}
	fmt.Fprintf(stdout, "first difference: step %d, neuron %s: %s\n", d.first, neuronName(bd.net, g), side)
	fmt.Fprintf(stdout, "  loihi-sim: %s\n", spikeList(bd.net, d.want))
	fmt.Fprintf(stdout, "  board:     %s\n", spikeList(bd.net, d.got))
	return fmt.Errorf("hardware-in-the-loop test failed: %s on %s differs from loihi-sim at step %d, neuron %s (%d of %d steps differ)",
		dir, link.label, d.first, neuronName(bd.net, g), d.steps, st.steps)
}

// countDiff counts the neurons in one of two increasing lists and not the
// other.
func countDiff(a, b []int32) int {
	n, i, j := 0, 0, 0
	for i < len(a) || j < len(b) {
		switch {
		case j == len(b) || i < len(a) && a[i] < b[j]:
			n++
			i++
		case i == len(a) || b[j] < a[i]:
			n++
			j++
		default:
			i++
			j++
		}
	}
	return n
}

// firstDiff returns the lowest neuron in one of two increasing lists and
// not the other, and whether it is in the first. The lists must differ.
func firstDiff(a, b []int32) (int32, bool) {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	switch {
	case i == len(b):
		return a[i], true
	case i == len(a):
		return b[i], false
	case a[i] < b[i]:
		return a[i], true
	}
	return b[i], false
}

// neuronName names global neuron g as spike files do: population[index].
func neuronName(net *ir.Network, g int32) string {
	offs := net.Offsets()
	for k, p := range net.Populations {
		if int(g) < offs[k+1] {
			return fmt.Sprintf("%s[%d]", p.Name, int(g)-offs[k])
		}
	}
	return fmt.Sprintf("#%d", g)
}

// plural is "1 spike", "2 spikes".
func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

// maxListed bounds the spikes a FAIL report lists per side.
const maxListed = 24

// spikeList lists a step's spikes by name, the first maxListed of them.
func spikeList(net *ir.Network, s []int32) string {
	if len(s) == 0 {
		return "(none)"
	}
	var names []string
	for _, g := range s[:min(len(s), maxListed)] {
		names = append(names, neuronName(net, g))
	}
	if len(s) > maxListed {
		names = append(names, fmt.Sprintf("… and %d more", len(s)-maxListed))
	}
	return strings.Join(names, " ")
}
