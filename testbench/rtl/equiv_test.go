package rtl

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"sync"
	"testing"

	"github.com/snnc/snnc/backend/fpga"
	loihisim "github.com/snnc/snnc/backend/loihi-sim"
	"github.com/snnc/snnc/compiler"
	"github.com/snnc/snnc/internal/edatest"
	"github.com/snnc/snnc/ir"
	"github.com/snnc/snnc/spikes"
	"github.com/snnc/snnc/testbench/randnet"
)

var (
	cacheFlag = flag.String("rtl.cache", "", "build cache of the RTL models (default: rtl.CacheDir())")
	keepFlag  = flag.String("rtl.keep", "", "keep the command file of every failing run in this directory, to replay it by hand")
)

// needTools skips t when a tool is missing, unless SNNC_REQUIRE_EDA=1 (as
// in CI): there a missing tool fails.
func needTools(t testing.TB, sim Simulator, gate bool) {
	t.Helper()
	if err := Available(sim, gate); err != nil {
		edatest.Unavailable(t, err.Error())
	}
}

type modelKey struct {
	sim  Simulator
	core fpga.CoreParams
	gate bool
}

type modelOnce struct {
	once sync.Once
	m    *Model
	err  error
}

var models sync.Map // modelKey → *modelOnce

// model builds (or finds in the cache) a model once per test binary.
func model(t testing.TB, sim Simulator, c fpga.CoreParams, gate bool) *Model {
	t.Helper()
	needTools(t, sim, gate)
	v, _ := models.LoadOrStore(modelKey{sim, c, gate}, new(modelOnce))
	mo := v.(*modelOnce)
	mo.once.Do(func() {
		if gate {
			mo.m, mo.err = GateLevel(c, *cacheFlag)
		} else {
			mo.m, mo.err = Build(sim, c, *cacheFlag)
		}
	})
	if mo.err != nil {
		t.Fatal(mo.err)
	}
	return mo.m
}

func icebreaker(t testing.TB) fpga.CoreParams {
	t.Helper()
	b, err := fpga.LoadBoard("icebreaker")
	if err != nil {
		t.Fatal(err)
	}
	return b.Core
}

// smallCore is the configuration simulated at gate level: small enough
// for a netlist simulation, with SPRAM (and so -dsp) as on the UP5K.
var smallCore = fpga.CoreParams{SlotBits: 6, DelayBits: 3, SynWords: 256, ProfileBits: 4, UseSPRAM: true}

// netCase is one network to run on the RTL and in loihisim.
type netCase struct {
	name   string
	net    *ir.Network // compiled for the core: delays ≤ D, with relays
	orig   *ir.Network // as described, before compilation
	im     *fpga.Image
	inputs [][]int32
	steps  int
}

// prepare compiles net for core c (the description stays in orig) and
// builds its image. A *fpga.CapacityError means it does not fit.
func prepare(name string, orig, net *ir.Network, c fpga.CoreParams, inputs [][]int32, steps int) (*netCase, error) {
	res, err := compiler.Compile(net, compiler.Options{Target: c.Target(), CheckIR: true})
	if err != nil {
		return nil, fmt.Errorf("%s: compile: %w", name, err)
	}
	im, err := fpga.Build(res.Net, c)
	if err != nil {
		return nil, fmt.Errorf("%s: image: %w", name, err)
	}
	return &netCase{name: name, net: res.Net, orig: orig, im: im, inputs: inputs, steps: steps}, nil
}

// randomCase is randnet's network for seed with delays up to 40 (relay
// chains on a 16-delay core) and refractory periods; collapse makes the
// parameters uniform per population, for cores with few profiles.
func randomCase(seed uint64, c fpga.CoreParams, o randnet.Options, collapse bool, steps int) (*netCase, error) {
	gen := func() *ir.Network {
		net := randnet.Network(seed, o)
		if collapse {
			for i := range net.Populations {
				if lp := net.Populations[i].LIF; lp != nil {
					for _, p := range []*ir.Param{&lp.Du, &lp.Dv, &lp.Vth, &lp.BiasMant, &lp.BiasExp, &lp.Refractory} {
						*p = (*p)[:1]
					}
				}
			}
		}
		return net
	}
	orig := gen()
	inputs := randnet.Inputs(orig, seed, steps, 0.2)
	return prepare(fmt.Sprintf("seed %d", seed), orig, gen(), c, inputs, steps)
}

// randomCases returns n random networks that fit c, from seed first on.
// A network may be refused only for the core's capacity; the refusals
// are logged and must stay a minority, or the test would check less than
// it says.
func randomCases(t *testing.T, n int, first uint64, c fpga.CoreParams, o randnet.Options, collapse bool, steps int) []*netCase {
	t.Helper()
	var cases []*netCase
	refused := 0
	for seed := first; len(cases) < n; seed++ {
		tc, err := randomCase(seed, c, o, collapse, steps)
		var ce *fpga.CapacityError
		switch {
		case errors.As(err, &ce):
			refused++
			t.Logf("seed %d does not fit %v: %v", seed, c, err)
			if refused > n/4+2 {
				t.Fatalf("%d of %d random networks do not fit %v; the test would check too few", refused, refused+len(cases), c)
			}
			continue
		case err != nil:
			t.Fatal(err)
		}
		cases = append(cases, tc)
	}
	return cases
}

// runCase runs tc on m and compares it with loihisim: spikes, u and v of
// every LIF neuron (relays included) every step, the events the core
// counts, and the spikes of the described neurons against loihisim on
// the network before compilation. It returns the first difference.
func runCase(m *Model, tc *netCase) (*Trace, error) {
	opt := RunOptions{State: true}
	if *keepFlag != "" {
		opt.CommandFile = filepath.Join(*keepFlag, regexp.MustCompile(`\W+`).ReplaceAllString(tc.name, "_")+".cmds")
	}
	tr, err := m.Run(tc.im, tc.inputs, tc.steps, opt)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", tc.name, err)
	}
	if err := compareTrace(tc, tr); err != nil {
		if opt.CommandFile != "" {
			err = fmt.Errorf("%w (command file: %s)", err, opt.CommandFile)
		}
		return tr, err
	}
	if opt.CommandFile != "" {
		os.Remove(opt.CommandFile)
	}
	return tr, nil
}

func compareTrace(tc *netCase, tr *Trace) error {
	ref, err := loihisim.New(tc.net, loihisim.Options{})
	if err != nil {
		return err
	}
	orig, err := loihisim.New(tc.orig, loihisim.Options{})
	if err != nil {
		return err
	}
	if len(tr.Spikes) != tc.steps || len(tr.U) != tc.steps {
		return fmt.Errorf("%s: the trace has %d steps of spikes and %d of state, want %d", tc.name, len(tr.Spikes), len(tr.U), tc.steps)
	}
	ev := newEventCounter(tc.net)
	described := int32(tc.orig.Neurons())
	for step := range tc.steps {
		in := at(tc.inputs, step)
		want := ref.Step(in)
		got := tr.Spikes[step]
		if !slices.Equal(got, want) {
			spiked := func(s []int32, g int32) bool { _, ok := slices.BinarySearch(s, g); return ok }
			for _, g := range tr.LIF {
				if a, b := spiked(got, g), spiked(want, g); a != b {
					return fmt.Errorf("%s: step %d: neuron %d (%s): spike: RTL %v, loihisim %v", tc.name, step, g, neuronName(tc.net, g), a, b)
				}
			}
			return fmt.Errorf("%s: step %d: spikes: RTL %v, loihisim %v", tc.name, step, got, want)
		}
		for k, g := range tr.LIF {
			st := ref.State(int(g))
			if tr.U[step][k] != st.U || tr.V[step][k] != st.V {
				what, a, b := "u", tr.U[step][k], st.U
				if a == b {
					what, a, b = "v", tr.V[step][k], st.V
				}
				return fmt.Errorf("%s: step %d: neuron %d (%s): %s: RTL %d, loihisim %d", tc.name, step, g, neuronName(tc.net, g), what, a, b)
			}
		}
		events := eventsOf(ev.step(in, want))
		if tr.Events[step] != events {
			return fmt.Errorf("%s: step %d: synaptic events: RTL %d, expected %d", tc.name, step, tr.Events[step], events)
		}
		wantOrig := orig.Step(in)
		var gotOrig []int32
		for _, g := range got {
			if g < described {
				gotOrig = append(gotOrig, g)
			}
		}
		if !slices.Equal(gotOrig, wantOrig) {
			return fmt.Errorf("%s: step %d: spikes of the described neurons: RTL (with relays) %v, loihisim on the description %v", tc.name, step, gotOrig, wantOrig)
		}
	}
	return nil
}

func at(inputs [][]int32, step int) []int32 {
	if step < len(inputs) {
		return inputs[step]
	}
	return nil
}

func neuronName(net *ir.Network, g int32) string {
	for _, p := range net.Populations {
		if int(g) < p.Size {
			return fmt.Sprintf("%s[%d]", p.Name, g)
		}
		g -= int32(p.Size)
	}
	return "?"
}

// eventCounter predicts the deliver phase of each step from the spikes:
// the synapses of the groups (s, d) whose source s spiked d steps ago.
type eventCounter struct {
	groups  [][]group // per source neuron: synapses per delay
	history [][]int32 // history[t % len]: the neurons that spiked at step t
	t       int
}

type group struct{ delay, size int }

func newEventCounter(net *ir.Network) *eventCounter {
	n := net.Neurons()
	count := make([]map[int]int, n)
	maxDelay := 1
	offs := net.Offsets()
	for _, pr := range net.Projections {
		for src := range pr.Syn.Sources() {
			lo, hi := pr.Syn.Row(src)
			g := offs[pr.From] + src
			for i := lo; i < hi; i++ {
				if count[g] == nil {
					count[g] = map[int]int{}
				}
				d := int(pr.Syn.Delay[i])
				count[g][d]++
				maxDelay = max(maxDelay, d)
			}
		}
	}
	ec := &eventCounter{groups: make([][]group, n), history: make([][]int32, maxDelay+1)}
	for g, m := range count {
		for d, k := range m {
			ec.groups[g] = append(ec.groups[g], group{d, k})
		}
	}
	return ec
}

// step returns the non-empty groups delivered at this step, as (source
// neuron, delay, synapses), then records the step's spikes (inputs and LIF
// neurons).
func (ec *eventCounter) step(inputs, lif []int32) []activeGroup {
	t := ec.t
	var active []activeGroup
	for ago := 1; ago < len(ec.history) && ago <= t; ago++ {
		for _, n := range ec.history[(t-ago)%len(ec.history)] {
			for _, g := range ec.groups[n] {
				if g.delay == ago {
					active = append(active, activeGroup{n, g.delay, g.size})
				}
			}
		}
	}
	h := &ec.history[t%len(ec.history)]
	*h = append(append((*h)[:0], inputs...), lif...)
	ec.t++
	return active
}

// activeGroup is a group (source, delay) delivered at a step.
type activeGroup struct {
	source      int32
	delay, size int
}

func eventsOf(groups []activeGroup) int {
	n := 0
	for _, g := range groups {
		n += g.size
	}
	return n
}

// TestRTLEqualsSimRandom runs 200 seeded random networks on the
// iCEBreaker's core in Verilator: spikes, u and v every step equal
// loihisim's, and every step's cycles are within the bounds of checkCycles.
func TestRTLEqualsSimRandom(t *testing.T) {
	t.Parallel()
	c := icebreaker(t)
	m := model(t, Verilator, c, false)
	small, large := 150, 50
	if testing.Short() {
		small, large = 30, 10
	}
	cases := randomCases(t, small, 1, c, randnet.Options{MaxDelay: 40, Refractory: true, Reset: true}, false, 100)
	// Larger networks: up to 4 LIF populations of 48, so hundreds of
	// slots, profiles and thousands of synapses.
	cases = append(cases, randomCases(t, large, 10001, c, randnet.Options{MaxDelay: 40, Refractory: true, Reset: true, MaxSize: 48, MaxLIF: 4, MaxInputs: 3, Density: 0.25}, false, 100)...)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tr, err := runCase(m, tc)
			if err != nil {
				t.Fatal(err)
			}
			if err := checkCycles(tc, tr); err != nil {
				t.Error(err)
			}
		})
	}
}

// TestRTLEqualsSimIcarus runs a few of the same networks in Icarus, which
// starts memories as X: a read of anything the image and state_clear do
// not set shows up there.
func TestRTLEqualsSimIcarus(t *testing.T) {
	t.Parallel()
	c := icebreaker(t)
	m := model(t, Icarus, c, false)
	cases := randomCases(t, 10, 1, c, randnet.Options{MaxDelay: 40, Refractory: true, Reset: true}, false, 48)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if _, err := runCase(m, tc); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestGateLevelEqualsSim runs three small networks on yosys' iCE40
// netlist of a small core (SPRAM and SB_MAC16 included).
func TestGateLevelEqualsSim(t *testing.T) {
	if testing.Short() {
		t.Skip("gate-level simulation is slow; skipped with -short")
	}
	t.Parallel()
	m := model(t, Icarus, smallCore, true)
	// Seeds chosen for their content: 7 or 8 weight classes, relay chains
	// (delays up to 12 on an 8-delay core), 20 to 37 slots, 60 to 140
	// synapses.
	for _, seed := range []uint64{1001, 1003, 1005} {
		tc, err := randomCase(seed, smallCore, randnet.Options{MaxDelay: 12, MaxSize: 8, MaxInputs: 2, MaxLIF: 2, Refractory: true, Reset: true}, true, 32)
		if err != nil {
			t.Fatal(err)
		}
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if _, err := runCase(m, tc); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// stepsFromComment finds the step count an example's description shows
// in its "snnc simulate ... --steps N" comment.
var stepsFromComment = regexp.MustCompile(`--steps (\d+)`)

// TestRTLEqualsSimExamples runs every example with its input spikes.
func TestRTLEqualsSimExamples(t *testing.T) {
	t.Parallel()
	c := icebreaker(t)
	m := model(t, Verilator, c, false)
	paths, err := filepath.Glob("../../examples/*/net.yaml")
	if err != nil || len(paths) == 0 {
		t.Fatalf("no examples found: %v", err)
	}
	for _, path := range paths {
		name := filepath.Base(filepath.Dir(path))
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			src, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			mm := stepsFromComment.FindSubmatch(src)
			if mm == nil {
				t.Fatalf("%s: no \"--steps N\" in its comments, so the test does not know how long to run it", path)
			}
			steps, _ := strconv.Atoi(string(mm[1]))
			orig, err := compiler.ParseFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if compiler.HasFloat(orig) {
				// loihisim runs the description as the quantise pass
				// lowers it, without a target's relays.
				res, err := compiler.Compile(orig, compiler.Options{CheckIR: true})
				if err != nil {
					t.Fatal(err)
				}
				orig = res.Net
			}
			net, err := compiler.ParseFile(path)
			if err != nil {
				t.Fatal(err)
			}
			train, err := spikes.ReadInputFile(filepath.Join(filepath.Dir(path), "input.csv"), orig)
			if err != nil {
				t.Fatal(err)
			}
			st := spikes.NewStepper(train)
			inputs := make([][]int32, steps)
			for i := range inputs {
				inputs[i] = slices.Clone(st.At(i))
			}
			tc, err := prepare("example "+name, orig, net, c, inputs, steps)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := runCase(m, tc); err != nil {
				t.Fatal(err)
			}
		})
	}
}
