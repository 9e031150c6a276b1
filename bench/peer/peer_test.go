package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/snnc/snnc/compiler"
	"github.com/snnc/snnc/spikes"
	"go.yaml.in/yaml/v3"
)

// TestMain lets the test binary stand in for the harness: as the launcher
// of Brian2's binary and as the snnc child (the harness re-executes
// os.Executable with -launch or -child), and, with PEER_TEST_MAIN=1 in
// its environment, as the whole command (TestCommand).
func TestMain(m *testing.M) {
	if os.Getenv("PEER_TEST_MAIN") == "1" ||
		(len(os.Args) > 1 && (os.Args[1] == "-launch" || os.Args[1] == "-child")) {
		os.Exit(run())
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
			res, err := simulateSNNC(path, w.inputs, steps, 1, "")
			if err != nil {
				t.Fatal(err)
			}
			if res.Steps != steps {
				t.Fatalf("steps = %d, want %d", res.Steps, steps)
			}
			lif, in := splitSpikes(net, res.Spikes)
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
	s, err := simulateSNNC(path, 0, steps, 1, "")
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

func TestParseThreads(t *testing.T) {
	for _, c := range []struct {
		in   string
		max  int
		want []int
	}{
		{"1,2", 2, []int{1, 2}},
		{"2,1", 4, []int{2, 1}},
		{"1", 1, []int{1}},
		{" 1, 4 ", 4, []int{1, 4}},
	} {
		got, err := parseThreads(c.in, c.max)
		if err != nil || !slices.Equal(got, c.want) {
			t.Errorf("parseThreads(%q, %d) = %v, %v; want %v", c.in, c.max, got, err, c.want)
		}
	}
	for _, c := range []struct {
		in  string
		max int
	}{{"0", 2}, {"3", 2}, {"1,2", 1}, {"1,1", 2}, {"", 2}, {"a", 2}, {"1,", 2}, {"-1", 2}} {
		if got, err := parseThreads(c.in, c.max); err == nil {
			t.Errorf("parseThreads(%q, %d) = %v, want an error", c.in, c.max, got)
		}
	}
}

// TestSpikeHash checks that the hash tells apart what a wrong parallel
// simulator could change: an index, the order within a step, a spike moved
// to the next step, a count.
func TestSpikeHash(t *testing.T) {
	hash := func(steps [][]int32, counts []int64) uint64 {
		h := newSpikeHash()
		for i, s := range steps {
			h.step(i, s)
		}
		h.counts(counts)
		return uint64(h)
	}
	base := [][]int32{{1, 5, 9}, {}, {2}}
	counts := []int64{0, 4}
	ref := hash(base, counts)
	if got := hash([][]int32{{1, 5, 9}, {}, {2}}, []int64{0, 4}); got != ref {
		t.Fatalf("the same spikes hash to %x and %x", got, ref)
	}
	for name, c := range map[string]struct {
		steps  [][]int32
		counts []int64
	}{
		"index":          {[][]int32{{1, 5, 8}, {}, {2}}, counts},
		"order":          {[][]int32{{5, 1, 9}, {}, {2}}, counts},
		"moved a step":   {[][]int32{{1, 5, 9}, {2}, {}}, counts},
		"split steps":    {[][]int32{{1, 5}, {9}, {2}}, counts},
		"extra step":     {[][]int32{{1, 5, 9}, {}, {2}, {}}, counts},
		"count":          {base, []int64{0, 5}},
		"count high bit": {base, []int64{0, 4 + 1<<32}},
		"populations":    {base, []int64{0, 4, 0}},
	} {
		if got := hash(c.steps, c.counts); got == ref {
			t.Errorf("%s: hash %x equals the reference's", name, got)
		}
	}
}

func TestCompareThreads(t *testing.T) {
	one := threadRun{threads: 1, hash: 0xabc, spikes: []int64{3, 40}, events: 900, steps: 100}
	same := one
	same.threads = 2
	if err := compareThreads([]threadRun{one, same}); err != nil {
		t.Fatalf("identical runs: %v", err)
	}
	if err := compareThreads([]threadRun{one}); err != nil {
		t.Fatalf("one run: %v", err)
	}
	for name, change := range map[string]func(*threadRun){
		"hash":   func(r *threadRun) { r.hash = 0xabd },
		"counts": func(r *threadRun) { r.spikes = []int64{3, 41} },
		"events": func(r *threadRun) { r.events = 901 },
		"steps":  func(r *threadRun) { r.steps = 99 },
	} {
		bad := same
		bad.spikes = slices.Clone(same.spikes)
		change(&bad)
		err := compareThreads([]threadRun{one, same, bad})
		if err == nil {
			t.Errorf("%s differs: no error", name)
			continue
		}
		if msg := err.Error(); !strings.Contains(msg, "2 threads") || !strings.Contains(msg, "1 thread") {
			t.Errorf("%s differs: error %q does not name both thread counts", name, msg)
		}
	}
}

// peerCommand runs the test binary as the peer command (TestMain) with
// two processors' worth of GOMAXPROCS, whatever the machine has.
func peerCommand(t *testing.T, env []string, args ...string) (string, int) {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(append(os.Environ(), "PEER_TEST_MAIN=1", "GOMAXPROCS=2"), env...)
	out, err := cmd.CombinedOutput()
	code := 0
	if err != nil {
		ee, ok := err.(*exec.ExitError)
		if !ok {
			t.Fatal(err)
		}
		code = ee.ExitCode()
	}
	return string(out), code
}

// TestCommand runs the documented command on the small networks, snnc
// only, on one and two threads: each simulation workload must report a
// row per thread count and identical spikes, and build1M its table.
func TestCommand(t *testing.T) {
	out, code := peerCommand(t, nil, "-quick", "-steps", "300", "-threads", "1,2", "-python", "",
		"-dir", t.TempDir(), "-workloads", "cuba4k,ffdelay,build1M")
	if code != 0 {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	for _, want := range []string{"## cuba4k", "## ffdelay", "## build1M", "snnc 1t", "snnc 2t",
		"snnc total (ready to step)", "snnc parse + compile loihi1", "1010000 synapses"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if n := strings.Count(out, "spikes identical across threads: yes"); n != 2 {
		t.Errorf("%d workloads report identical spikes across threads, want 2:\n%s", n, out)
	}
}

// TestCommandThreadMismatch makes the two-thread child report a different
// spike hash: the command must say so and exit 1.
func TestCommandThreadMismatch(t *testing.T) {
	out, code := peerCommand(t, []string{"PEER_TEST_PERTURB_THREADS=2"}, "-quick", "-steps", "100",
		"-python", "", "-dir", t.TempDir(), "-workloads", "cuba4k")
	if code != 1 {
		t.Fatalf("exit %d, want 1:\n%s", code, out)
	}
	for _, want := range []string{"spikes identical across threads: NO", "peer: cuba4k: spikes differ across thread counts: 2 threads"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestCommandUsage(t *testing.T) {
	for _, args := range [][]string{
		{"-threads", "0"}, {"-threads", "3"}, {"-threads", "1,1"}, {"-workloads", "cuba4k,nope"}, {"-steps", "0"},
	} {
		out, code := peerCommand(t, nil, append([]string{"-quick", "-python", "", "-dir", t.TempDir()}, args...)...)
		if code != 2 || !strings.Contains(out, "allowed") && !strings.Contains(out, "twice") {
			t.Errorf("%v: exit %d, want 2 and a message naming what is allowed:\n%s", args, code, out)
		}
	}
}

// TestBuildSpecs checks that the construction workload's description of
// random1M.yaml and random10k.yaml (what Brian2 builds) is what the files
// say.
func TestBuildSpecs(t *testing.T) {
	type pattern struct {
		Uniform struct{ Min, Max int }
	}
	type doc struct {
		Populations []struct {
			Name, Model string
			Size        int
			Params      struct{ Du, Dv, Refractory int }
		}
		Projections []struct {
			Name, From, To string
			Connect        struct {
				Fixed_fanout struct{ N int }
			}
			Weights, Delays pattern
		}
	}
	for _, quick := range []bool{false, true} {
		s := buildSpecFor(quick)
		path, err := benchFile(filepath.Join("networks", s.file))
		if err != nil {
			t.Fatal(err)
		}
		raw, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		var d doc
		if err := yaml.Unmarshal(raw, &d); err != nil {
			t.Fatal(err)
		}
		if len(d.Populations) != 2 || len(d.Projections) != 2 {
			t.Fatalf("%s: %d populations, %d projections; the workload expects 2 and 2", s.file, len(d.Populations), len(d.Projections))
		}
		in, exc := d.Populations[0], d.Populations[1]
		if in.Model != "input" || in.Size != s.inputs || exc.Model != "lif" || exc.Size != s.neurons ||
			exc.Params.Du != s.du || exc.Params.Dv != s.dv || exc.Params.Refractory != s.refr {
			t.Errorf("%s: populations %+v; the workload says %+v", s.file, d.Populations, s)
		}
		for k, want := range []struct {
			from string
			w    [2]int
		}{{in.Name, s.driveW}, {exc.Name, s.recW}} {
			p := d.Projections[k]
			if p.From != want.from || p.To != exc.Name || p.Connect.Fixed_fanout.N != s.fanout ||
				p.Weights.Uniform.Min != want.w[0] || p.Weights.Uniform.Max != want.w[1] ||
				p.Delays.Uniform.Min != 1 || p.Delays.Uniform.Max != s.maxDelay {
				t.Errorf("%s: projection %s %+v; the workload says %+v", s.file, p.Name, p, s)
			}
		}
	}
}

func TestParseTiming(t *testing.T) {
	c, r, n, marks, err := parseTiming("11.25 0.0003 100100000\nbrian_start 0.5\nqueues 11.25\nrun 11.2503\n")
	if err != nil || c != 11.25 || r != 0.0003 || n != 100100000 ||
		!slices.Equal(marks, []phaseMark{{"brian_start", 0.5}, {"queues", 11.25}, {"run", 11.2503}}) {
		t.Fatalf("parseTiming = %g, %g, %d, %v, %v", c, r, n, marks, err)
	}
	for _, bad := range []string{"", "1 2", "1 2 x", "a 2 3", "1 2 3 4", "1 2 3\nrun", "1 2 3\nrun x", "1 2 3\nrun 1 2"} {
		if _, _, _, _, err := parseTiming(bad); err == nil {
			t.Errorf("parseTiming(%q): no error", bad)
		}
	}
}

// TestBrianBuild builds random10k's network in Brian2 when python3-brian
// is installed (it compiles C++, so not in -short): the binary must report
// its construction time and exactly fan-out × sources synapses.
func TestBrianBuild(t *testing.T) {
	if testing.Short() {
		t.Skip("compiles a Brian2 C++ project")
	}
	if exec.Command("/usr/bin/python3", "-c", "import brian2").Run() != nil {
		t.Skip("python3-brian not installed")
	}
	b, err := runBuild(buildSpecFor(true), t.TempDir(), "/usr/bin/python3", true, false)
	if err != nil {
		t.Fatal(err)
	}
	if !b.brian.ok {
		t.Fatalf("Brian2 side failed: %s", b.brian.note)
	}
	if len(b.brianPhases) != 9 || b.brianPhases[7].label != "queues" || b.brianPhases[7].at != b.brian.buildS {
		t.Errorf("brian2 phases %v: want 9 marks, the eighth the end of construction (%g s)", b.brianPhases, b.brian.buildS)
	}
	if b.brianSyn != b.spec.synapses() || b.brian.buildS <= 0 || b.brian.maxRSS <= 0 || b.brianBuildS <= 0 {
		t.Fatalf("brian2: %d synapses (want %d), construction %g s, peak %d B, codegen %g s",
			b.brianSyn, b.spec.synapses(), b.brian.buildS, b.brian.maxRSS, b.brianBuildS)
	}
	if b.snnc.Synapses != b.spec.synapses() || b.snnc.ParseS <= 0 || b.snnc.PeakBytes <= 0 {
		t.Fatalf("snnc: %+v", b.snnc)
	}
}
