// Command fpgacycles runs networks on the FPGA core's RTL (Verilator, the
// board's core parameters) and prints the clock cycles per step the core
// itself counts, next to backend/fpga's cycle model: the figures of
// docs/benchmarks.md ("FPGA core").
//
//	go run ./bench/fpgacycles -board icebreaker examples/hello examples/coincidence examples/recurrent
//
// Each argument is an example directory holding net.yaml and input.csv;
// the step count comes from the "--steps N" of net.yaml's comments, or -steps.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"

	"github.com/snnc/snnc/backend/fpga"
	"github.com/snnc/snnc/compiler"
	"github.com/snnc/snnc/spikes"
	"github.com/snnc/snnc/testbench/rtl"
)

func main() {
	board := flag.String("board", "icebreaker", "board whose core to simulate")
	stepsFlag := flag.Int("steps", 0, "steps to run (0: the example's own --steps N)")
	flag.Parse()
	if flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "usage: fpgacycles [-board NAME] [-steps N] EXAMPLE_DIR...")
		os.Exit(2)
	}
	b, err := fpga.LoadBoard(*board)
	check(err)
	model, err := rtl.Build(rtl.Verilator, b.Core, "")
	check(err)
	fmt.Printf("board %s, core %v, %.0f MHz\n\n", b.Name, b.Core.Verilog(), b.CoreMHz)
	fmt.Println("| example | slots | synapses | steps | events/step (mean, max) | cycles/step RTL (min, mean, max) | model mean | µs/step mean | steps/s |")
	fmt.Println("|---|---|---|---|---|---|---|---|---|")
	for _, dir := range flag.Args() {
		run(dir, b, model, *stepsFlag)
	}
}

var stepsComment = regexp.MustCompile(`--steps (\d+)`)

func run(dir string, b *fpga.Board, model *rtl.Model, steps int) {
	path := filepath.Join(dir, "net.yaml")
	src, err := os.ReadFile(path)
	check(err)
	if steps == 0 {
		m := stepsComment.FindSubmatch(src)
		if m == nil {
			check(fmt.Errorf("%s: no --steps N in its comments; give -steps", path))
		}
		steps, _ = strconv.Atoi(string(m[1]))
	}
	net, err := compiler.ParseFile(path)
	check(err)
	train, err := spikes.ReadInputFile(filepath.Join(dir, "input.csv"), net)
	check(err)
	res, err := compiler.Compile(net, compiler.Options{Target: b.Core.Target()})
	check(err)
	im, err := fpga.Build(res.Net, b.Core)
	check(err)
	st := spikes.NewStepper(train)
	inputs := make([][]int32, steps)
	for t := range inputs {
		inputs[t] = slices.Clone(st.At(t))
	}
	tr, err := model.Run(im, inputs, steps, rtl.RunOptions{})
	check(err)
	sim, err := fpga.NewCoreSim(im)
	check(err)
	var cyc, ev, mod int
	lo, hi, evMax := tr.Cycles[0], tr.Cycles[0], 0
	for t := range steps {
		sim.Step(inputs[t])
		mod += sim.LastStep().Cycles
		cyc += tr.Cycles[t]
		ev += tr.Events[t]
		lo, hi, evMax = min(lo, tr.Cycles[t]), max(hi, tr.Cycles[t]), max(evMax, tr.Events[t])
	}
	mean := float64(cyc) / float64(steps)
	us := mean / b.CoreMHz
	fmt.Printf("| %s | %d | %d | %d | %.1f, %d | %d, %.1f, %d | %.1f | %.2f | %.0f |\n",
		filepath.Base(dir), im.SlotCount, im.Stats.Synapses, steps, float64(ev)/float64(steps), evMax,
		lo, mean, hi, float64(mod)/float64(steps), us, 1e6/us)
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "fpgacycles:", err)
		os.Exit(1)
	}
}
