package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/snnc/snnc/backend/floatsim"
	loihisim "github.com/snnc/snnc/backend/loihi-sim"
	"github.com/snnc/snnc/compiler"
	"github.com/snnc/snnc/internal/bufferedfile"
	"github.com/snnc/snnc/internal/sysmem"
	"github.com/snnc/snnc/ir"
	"github.com/snnc/snnc/spikes"
	"github.com/spf13/cobra"
	"golang.org/x/term"
)

type simulateFlags struct {
	steps   int
	input   string
	output  string
	trace   string
	quiet   bool
	target  targetFlags
	traffic string
	threads int
	float   bool
	quant   quantFlags
}

// stepper is a simulation the command drives: the reference simulator, the
// core-by-core simulation of the network mapped onto a target, or the
// float simulator.
type stepper interface {
	Step(inputs []int32) []int32
	Stats() loihisim.Stats
}

func newSimulateCommand() *cobra.Command {
	var fl simulateFlags
	cmd := &cobra.Command{
		Use:   "simulate NET.yaml --steps N [--input IN.csv] [--output OUT.csv] [--trace TRACE.csv] [--float]",
		Short: "Simulate a network bit-accurately, without hardware limits or mapped onto a target",
		Long: `simulate runs the reference simulation of the integer CUBA LIF model
(docs/neuron-model.md) for N steps, numbered 0..N-1. Input spikes come from
--input; an input spike at step t through a synapse of delay d arrives at t+d.

Spike files are CSV with the header step,population,index (0-based, sorted by
step, then population in file order, then index). --output holds the spikes
of every non-input population; without it they go to standard output.
--trace writes step,population,index,u,v for every non-input neuron and step,
the state after that step's update (v after reset). A summary (spikes per
population, synaptic events, wall time) goes to standard error.

With --target (or --target-file) the network is compiled for the target
(relays, cores, placement, as snnc compile --target does) and simulated
core by core with the target's limits enforced. The spikes are the same as
without a target, step for step; the summary adds the spike messages,
hops and link loads measured on the mesh; --traffic writes them per core
and per link as JSON.

--threads 2 updates the neurons and delivers the spikes on two goroutines
(without a target); the results are the same as on one. It pays on a
machine whose second core is idle, for networks of a few thousand LIF
neurons or more (docs/benchmarks.md). Each thread takes at least 1024 LIF
neurons: smaller networks use fewer threads than asked for.

A float network (cuba_lif populations, docs/float-model.md) is quantised to
the integer model first, as snnc compile does (--weight-bits and
--clip-percentile choose how; docs/quantization.md), and simulated as above.
--float simulates it as described instead, in float64 (backend/floatsim, the
reference of the float model): the same spike files and summary; --trace
writes step,population,index,i,v with the current and voltage in the
shortest decimal form that reads back to the same float64. --float takes no
target and one thread, and only float networks. snnc report quantization
compares the two simulations.`,
		Example: `  snnc simulate examples/hello/net.yaml --steps 20 --input examples/hello/input.csv
  snnc simulate examples/hello/net.yaml --steps 20 --input examples/hello/input.csv --output out.csv --trace trace.csv
  snnc simulate examples/recurrent/net.yaml --steps 200 --input examples/recurrent/input.csv --target loihi1 -o out.csv
  snnc simulate examples/recurrent/net.yaml --steps 200 --input examples/recurrent/input.csv --threads 2 -o out.csv
  snnc simulate examples/float/net.yaml --steps 200 --input examples/float/input.csv --float -o out.csv --trace trace.csv
  snnc simulate examples/float/net.yaml --steps 200 --input examples/float/input.csv --weight-bits 4 -o out4.csv`,
		Args: oneNetwork,
		RunE: func(cmd *cobra.Command, args []string) error {
			if !cmd.Flags().Changed("steps") {
				return usagef("--steps is required (allowed: 0..%d)", maxSteps)
			}
			if fl.steps < 0 || fl.steps > maxSteps {
				return usagef("--steps %d is out of range (allowed: 0..%d)", fl.steps, maxSteps)
			}
			if fl.traffic != "" && fl.target == (targetFlags{}) {
				return usagef("--traffic needs a target (--target or --target-file)")
			}
			if fl.threads < 1 || fl.threads > maxThreads {
				return usagef("--threads %d is out of range (allowed: 1..%d)", fl.threads, maxThreads)
			}
			if fl.threads > 1 && fl.target != (targetFlags{}) {
				return usagef("--threads %d: the simulation mapped onto a target runs on one thread (allowed with --target: 1)", fl.threads)
			}
			if fl.float && fl.target != (targetFlags{}) {
				return usagef("--float simulates the float model, which no target runs (allowed: --float without --target and --target-file)")
			}
			if fl.float && fl.threads > 1 {
				return usagef("--threads %d: the float simulation runs on one thread (allowed with --float: 1)", fl.threads)
			}
			return simulate(cmd, args[0], fl)
		},
	}
	f := cmd.Flags()
	f.IntVarP(&fl.steps, "steps", "n", 0, "number of steps to simulate (required)")
	f.StringVarP(&fl.input, "input", "i", "", "input spikes, CSV step,population,index")
	f.StringVarP(&fl.output, "output", "o", "", "write output spikes here instead of standard output")
	f.StringVar(&fl.trace, "trace", "", "write every neuron's u and v after every step here (CSV)")
	f.BoolVarP(&fl.quiet, "quiet", "q", false, "no summary on standard error")
	fl.target.add(cmd)
	fl.quant.add(cmd)
	f.StringVar(&fl.traffic, "traffic", "", "with a target: write the measured traffic here as JSON (per core and per link)")
	f.IntVar(&fl.threads, "threads", 1, "goroutines that update neurons and deliver spikes, same results for any number (without a target)")
	f.BoolVar(&fl.float, "float", false, "simulate a float (cuba_lif) network in float64 as described, not quantised (docs/float-model.md)")
	return cmd
}

// maxThreads bounds --threads: the simulator uses at most GOMAXPROCS of
// them, and more parts than cores only wait for each other.
var maxThreads = runtime.NumCPU()

// maxSteps keeps step numbers within the int32 range of spike files and boards.
const maxSteps = 1<<31 - 1

func simulate(cmd *cobra.Command, path string, fl simulateFlags) error {
	stderr := cmd.ErrOrStderr()
	target, err := fl.target.load()
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
	if fl.float && !compiler.HasFloat(net) {
		return usagef("--float simulates float networks, and %s has no cuba_lif population (allowed: --float with a float network; simulate this one without --float)", path)
	}
	// The description's neurons come first; relays the compiler adds for a
	// target follow them and are not outputs.
	described := net.Neurons()
	describedPops := len(net.Populations)
	var res *compiler.Result
	if !fl.float {
		if res, err = compiler.Compile(net, compiler.Options{Target: target, Quantize: quant}); err != nil {
			return mapErrorIn(path, err)
		}
	}
	var input spikes.Train
	if fl.input != "" {
		if input, err = spikes.ReadInputFile(fl.input, net); err != nil {
			return err
		}
	}
	var sim stepper
	var mapped *loihisim.MappedSim
	// For the trace: the float simulator, or the integer state of a neuron.
	var floatSim *floatsim.Sim
	var intState func(g int) loihisim.Neuron
	switch {
	case fl.float:
		if err := checkMemoryBytes(path, net, floatsim.EstimateBytes(net, floatsim.Options{})); err != nil {
			return err
		}
		if floatSim, err = floatsim.New(net, floatsim.Options{}); err != nil {
			return err
		}
		sim = floatSim
	case target != nil:
		if err := checkMemory(path, net, loihisim.Options{}); err != nil {
			return err
		}
		if mapped, err = loihisim.NewMapped(res.Mapped, target); err != nil {
			return err
		}
		sim = mapped
		intState = mapped.State
	default:
		if err := checkMemory(path, net, loihisim.Options{}); err != nil {
			return err
		}
		s, err := loihisim.New(net, loihisim.Options{Threads: fl.threads})
		if err != nil {
			return err
		}
		defer s.Close()
		sim = s
		intState = s.State
	}
	// The simulator has its own copy of every synapse (grouped by delay,
	// weights prepared); from here on only net's populations are read (the
	// output writers, the summary). Drop the IR's synapse arrays and hand
	// their memory back to the system (8 bytes a synapse: 800 MB at 10^8),
	// rather than keep both copies for the whole simulation.
	synapses := net.Synapses()
	for i := range net.Projections {
		net.Projections[i].Syn = ir.Synapses{}
	}
	if synapses >= 1<<20 {
		debug.FreeOSMemory()
	}
	offs := net.Offsets()[:describedPops+1]

	out, closeOut, err := create(fl.output, cmd.OutOrStdout())
	if err != nil {
		return err
	}
	defer closeOut()
	spikeW := spikes.NewWriter(out, net)
	if err := spikeW.WriteHeader(spikes.Header); err != nil {
		return err
	}
	// trace writes the row of neuron g, of population k, after step t.
	var trace func(t, k, g int) error
	var flushTrace func() error
	if fl.trace != "" {
		tf, closeTrace, err := create(fl.trace, nil)
		if err != nil {
			return err
		}
		defer closeTrace()
		if floatSim != nil {
			w, err := newFloatTraceWriter(tf, net)
			if err != nil {
				return err
			}
			trace = func(t, k, g int) error {
				n := floatSim.State(g)
				return w.write(t, k, g-offs[k], n.I, n.V)
			}
			flushTrace = w.w.Flush
		} else {
			w := spikes.NewWriter(tf, net)
			if err := w.WriteHeader(spikes.TraceHeader); err != nil {
				return err
			}
			trace = func(t, _, g int) error {
				n := intState(g)
				return w.WriteState(t, int32(g), n.U, n.V)
			}
			flushTrace = w.Flush
		}
	}

	bar := newProgress(stderr, fl.steps, fl.quiet)
	stepper := spikes.NewStepper(input)
	start := time.Now()
	for t := range fl.steps {
		fired := sim.Step(stepper.At(t))
		for len(fired) > 0 && int(fired[len(fired)-1]) >= described {
			fired = fired[:len(fired)-1] // relays
		}
		if err := spikeW.WriteSpikes(t, fired); err != nil {
			return err
		}
		if trace != nil {
			if err := writeTrace(trace, net, offs, t); err != nil {
				return err
			}
		}
		if bar != nil && t%64 == 63 {
			bar.Set(t + 1)
		}
	}
	elapsed := time.Since(start)
	if bar != nil {
		bar.Finish()
	}
	if err := spikeW.Flush(); err != nil {
		return err
	}
	if trace != nil {
		if err := flushTrace(); err != nil {
			return err
		}
	}
	if mapped != nil && fl.traffic != "" {
		if err := bufferedfile.Write(fl.traffic, func(w io.Writer) error {
			enc := json.NewEncoder(w)
			enc.SetIndent("", "  ")
			return enc.Encode(mapped.Traffic())
		}); err != nil {
			return err
		}
	}
	if fl.quiet {
		return nil
	}
	if n := input.Beyond(fl.steps); n > 0 {
		fmt.Fprintf(stderr, "snnc: warning: %d input spikes at steps >= %d were not delivered (raise --steps)\n", n, fl.steps)
	}
	if res != nil {
		for _, p := range res.Report.Projections {
			if p.WeightsChanged > 0 {
				fmt.Fprintf(stderr, "snnc: note: weight preparation changed %d weights of %s (see snnc compile --emit weight-changes)\n", p.WeightsChanged, p.Name)
			}
		}
	}
	writeSummary(stderr, path, net, sim.Stats(), elapsed)
	if s, ok := sim.(*loihisim.Sim); ok && fl.threads > 1 {
		fmt.Fprintf(stderr, "threads: %d of the %d asked for (one per 1024 LIF neurons at most)\n", s.Threads(), fl.threads)
	}
	if mapped != nil {
		writeTraffic(stderr, res.Report.Mapping, mapped.Traffic())
	}
	return nil
}

// writeTraffic writes what the mapped simulation sent over the mesh.
func writeTraffic(w io.Writer, m *compiler.MappingReport, tr loihisim.Traffic) {
	c := m.Chosen
	fmt.Fprintf(w, "mapped onto %s: cores %d, chips %d, relay neurons %d\n", m.Target, c.Cores, c.Chips, m.RelayNeurons)
	perHop := 0.0
	if tr.Messages > 0 {
		perHop = float64(tr.Hops) / float64(tr.Messages)
	}
	fmt.Fprintf(w, "spike messages: %d between cores (%.2f hops each), %d within cores, %d from the host, %d between chips; busiest link %d\n",
		tr.Messages, perHop, tr.LocalMessages, tr.HostMessages, tr.ChipMessages, tr.MaxLinkLoad)
	fmt.Fprintf(w, "hop-weighted messages: %d measured, %d predicted per step were every neuron to spike\n", tr.Hops, c.HopWeighted)
}

// create opens path for writing, or returns def when path is empty.
func create(path string, def io.Writer) (io.Writer, func(), error) {
	if path == "" {
		return def, func() {}, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, nil, err
	}
	return f, func() { f.Close() }, nil
}

// writeTrace writes the state after step t of every non-input neuron of
// the populations offs covers (the description's: not relays), offs being
// the start of net.Offsets().
func writeTrace(trace func(t, k, g int) error, net *ir.Network, offs []int, t int) error {
	for k, p := range net.Populations[:len(offs)-1] {
		if p.Model == ir.ModelInput {
			continue
		}
		for g := offs[k]; g < offs[k+1]; g++ {
			if err := trace(t, k, g); err != nil {
				return err
			}
		}
	}
	return nil
}

// floatTraceHeader is the first line of a trace of the float model: the
// current i and the voltage v in place of u and v.
const floatTraceHeader = "step,population,index,i,v"

// floatTraceWriter writes the rows of a float trace, the floats in the
// shortest form that parses back to the same bits (strconv 'g', -1), so
// that traces compare exactly. (It belongs next to spikes.Writer.)
type floatTraceWriter struct {
	w     *bufio.Writer
	names [][]byte // ","+name+"," of each population
	line  []byte
}

func newFloatTraceWriter(w io.Writer, net *ir.Network) (*floatTraceWriter, error) {
	fw := &floatTraceWriter{w: bufio.NewWriterSize(w, 1<<16)}
	for _, p := range net.Populations {
		fw.names = append(fw.names, []byte(","+p.Name+","))
	}
	_, err := fw.w.WriteString(floatTraceHeader + "\n")
	return fw, err
}

// write writes the row of neuron index of population k after step t.
func (fw *floatTraceWriter) write(t, k, index int, i, v float64) error {
	fw.line = strconv.AppendInt(fw.line[:0], int64(t), 10)
	fw.line = append(fw.line, fw.names[k]...)
	fw.line = strconv.AppendInt(fw.line, int64(index), 10)
	fw.line = strconv.AppendFloat(append(fw.line, ','), i, 'g', -1, 64)
	fw.line = strconv.AppendFloat(append(fw.line, ','), v, 'g', -1, 64)
	_, err := fw.w.Write(append(fw.line, '\n'))
	return err
}

// checkMemory fails, as a user error, when simulating net would need more
// memory than the machine has available: one line instead of the Go
// runtime's out-of-memory trace halfway through building the simulator.
func checkMemory(path string, net *ir.Network, opt loihisim.Options) error {
	return checkMemoryBytes(path, net, loihisim.EstimateBytes(net, opt))
}

// checkMemoryBytes is checkMemory for a simulator that needs need bytes.
func checkMemoryBytes(path string, net *ir.Network, need int64) error {
	avail, ok := memAvailable()
	if !ok {
		return nil
	}
	if need <= avail {
		return nil
	}
	return &userError{fmt.Sprintf("%s: simulating this network needs about %s, more than the %s available (neurons: %d, synapses: %d)",
		path, sysmem.Format(float64(need)), sysmem.Format(float64(avail)), net.Neurons(), net.Synapses())}
}

// memAvailable is sysmem.Available; tests replace it.
var memAvailable = sysmem.Available

// newProgress returns a progress bar for a run on a terminal, or nil. The
// bar stays invisible for the first second, so short runs print nothing.
func newProgress(stderr io.Writer, steps int, quiet bool) *progressbar.ProgressBar {
	f, ok := stderr.(*os.File)
	if quiet || !ok || !term.IsTerminal(int(f.Fd())) {
		return nil
	}
	return progressbar.NewOptions(steps,
		progressbar.OptionSetWriter(&laterWriter{w: stderr, from: time.Now().Add(time.Second)}),
		progressbar.OptionSetDescription("simulating"),
		progressbar.OptionShowCount(),
		progressbar.OptionSetItsString("steps"),
		progressbar.OptionShowIts(),
		progressbar.OptionThrottle(200*time.Millisecond),
		progressbar.OptionClearOnFinish(),
	)
}

// laterWriter drops what is written to it before a time.
type laterWriter struct {
	w    io.Writer
	from time.Time
}

func (l *laterWriter) Write(p []byte) (int, error) {
	if time.Now().Before(l.from) {
		return len(p), nil
	}
	return l.w.Write(p)
}

func writeSummary(w io.Writer, path string, net *ir.Network, st loihisim.Stats, elapsed time.Duration) {
	sec := elapsed.Seconds()
	fmt.Fprintf(w, "snnc: simulated %d steps of %s in %s\n", st.Steps, path, elapsed.Round(time.Microsecond))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "population\tmodel\tneurons\tspikes\tspikes/neuron/step\t")
	for k, p := range net.Populations {
		rate := 0.0
		if st.Steps > 0 {
			rate = float64(st.Spikes[k]) / float64(p.Size) / float64(st.Steps)
		}
		model := p.Model.String()
		if p.Relay {
			model = "relay"
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%.4f\t\n", p.Name, model, p.Size, st.Spikes[k], rate)
	}
	tw.Flush()
	perSec := 0.0
	if sec > 0 {
		perSec = float64(st.SynapticEvents) / sec
	}
	fmt.Fprintf(w, "synaptic events: %d (%.3g per second)\n", st.SynapticEvents, perSec)
}
