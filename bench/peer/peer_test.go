package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"

	"github.com/snnc/snnc/compiler"
	"github.com/snnc/snnc/spikes"
)

// TestMain lets the test binary stand in for the harness as the launcher
// of Brian2's binary (runBrian re-executes os.Executable with -launch).
func TestMain(m *testing.M) {
	if len(os.Args) == 3 && os.Args[1] == "-launch" {
		res, err := launchProgram(os.Args[2])
		if err != nil {
			os.Stderr.WriteString(err.Error() + "\n")
			os.Exit(1)
		}
		json.NewEncoder(os.Stdout).Encode(res)
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// TestWorkloadsParseAndRun checks that every generated net.yaml parses
// into the network the workload describes and that snnc's side runs it:
// CUBA must fire (the bias alone drives the neurons over threshold) and
// ffdelay must deliver its Poisson input.
func TestWorkloadsParseAndRun(t *testing.T) {
	const steps = 300
	for _, w := range workloads(true) {
		t.Run(w.name, func(t *testing.T) {
			dir := t.TempDir()
			path, err := writeNet(w, dir)
			if err != nil {
				t.Fatal(err)
			}
			net, err := compiler.ParseFile(path)
			if err != nil {
				t.Fatalf("generated net.yaml does not parse: %v", err)
			}
			if got := net.Neurons(); got != w.lif+w.inputs {
				t.Fatalf("neurons = %d, want %d", got, w.lif+w.inputs)
			}
			if w.fanout > 0 {
				sources := w.lif // CUBA: every LIF neuron; ff: the inputs
				if w.inputs > 0 {
					sources = w.inputs
				}
				if got, want := net.Synapses(), int64(w.fanout*sources); got != want {
					t.Fatalf("synapses = %d, want %d (fan-out %d)", got, want, w.fanout)
				}
			}
			if w.maxDel > 0 {
				if got := net.Projections[0].Syn.MaxDelay(); got != w.maxDel {
					t.Fatalf("max delay = %d, want %d", got, w.maxDel)
				}
			}
			res, err := simulateSNNC(path, w.inputs, steps, "")
			if err != nil {
				t.Fatal(err)
			}
			if res.Steps != steps {
				t.Fatalf("steps = %d, want %d", res.Steps, steps)
			}
			var lif, in int64
			for k, p := range net.Populations {
				if p.LIF != nil {
					lif += res.Spikes[k]
				} else {
					in += res.Spikes[k]
				}
			}
			if w.brianWl == "cuba" && lif == 0 {
				t.Fatalf("no LIF spikes in %d steps", steps)
			}
			if w.inputs > 0 && (in == 0 || res.SynapticEvents < in*int64(w.fanout)) {
				t.Fatalf("input spikes %d, synaptic events %d: the Poisson input was not delivered", in, res.SynapticEvents)
			}
			if res.AllocsPerStep < 0 {
				t.Fatalf("allocations per step %g", res.AllocsPerStep)
			}
		})
	}
}

// TestInputCSV checks that the input file written for snnc simulate reads
// back, with snnc's own reader, as the spikes the harness feeds in.
func TestInputCSV(t *testing.T) {
	const steps = 200
	w := workloads(true)[3]
	dir := t.TempDir()
	netPath, err := writeNet(w, dir)
	if err != nil {
		t.Fatal(err)
	}
	net, err := compiler.ParseFile(netPath)
	if err != nil {
		t.Fatal(err)
	}
	in := poissonInputs(w.inputs, steps)
	path := filepath.Join(dir, "input.csv")
	if err := writeInputCSV(path, in); err != nil {
		t.Fatal(err)
	}
	tr, err := spikes.ReadInputFile(path, net)
	if err != nil {
		t.Fatal(err)
	}
	var want []spikes.Spike
	for step, xs := range in {
		for _, x := range xs {
			want = append(want, spikes.Spike{Step: int32(step), Neuron: x})
		}
	}
	if len(want) == 0 {
		t.Fatalf("no Poisson input spikes in %d steps of %d inputs", steps, w.inputs)
	}
	if !slices.Equal(tr, spikes.Train(want)) {
		t.Fatalf("input.csv reads back as %d spikes, want %d (or they differ)", len(tr), len(want))
	}
}

// TestBrianSide runs the smallest CUBA through Brian2 when Debian's
// python3-brian is installed (it compiles C++, so not in -short) and checks
// that it fires at a rate near snnc's.
func TestBrianSide(t *testing.T) {
	if testing.Short() {
		t.Skip("compiles a Brian2 C++ project")
	}
	if exec.Command("/usr/bin/python3", "-c", "import brian2").Run() != nil {
		t.Skip("python3-brian not installed")
	}
	w := workloads(true)[0]
	dir := t.TempDir()
	path, err := writeNet(w, dir)
	if err != nil {
		t.Fatal(err)
	}
	const steps = 1000
	b, err := runBrian(w, steps, dir, "/usr/bin/python3", path)
	if err != nil {
		t.Fatal(err)
	}
	s, err := simulateSNNC(path, 0, steps, "")
	if err != nil {
		t.Fatal(err)
	}
	var lif int64
	for _, n := range s.Spikes {
		lif += n
	}
	if b.maxRSS <= 0 || b.simS <= 0 {
		t.Fatalf("brian2 peak RSS %d, sim time %g: not read back", b.maxRSS, b.simS)
	}
	if b.spikes == 0 || b.spikes > 2*lif || lif > 2*b.spikes {
		t.Fatalf("spikes: brian2 %d, snnc %d: the mapped rates should agree within a factor of 2", b.spikes, lif)
	}
}
