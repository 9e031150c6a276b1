package loihisim

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"

	"github.com/snnc/snnc/ir"
	"github.com/snnc/snnc/testbench/randnet"
)

// One spike through a synapse of delay d arrives exactly d steps later, for
// every d up to 1024: one source with 1024 delay groups, delivered from the
// ring and from the calendar (a small ring defers all but the shortest).
func TestDelayArrivesExactly(t *testing.T) {
	const maxD = 1024
	var syns []ir.Synapse
	for d := 1; d <= maxD; d++ {
		syns = append(syns, ir.Synapse{Source: 0, Target: int32(d - 1), Weight: 100, Delay: uint16(d)})
	}
	// du = dv = 4095: u is only this step's input and v keeps v/4096 (6400 leaves 1),
	// so each neuron spikes once, when its spike arrives: 100·64 > vth<<6 = 64.
	net := &ir.Network{Populations: []ir.Population{inputPop("in", 1), lifPop("n", maxD, 4095, 4095, 1, 0, 0, 0)}}
	net.Projections = []ir.Projection{projection(t, 0, 1, 1, 0, 8, syns)}
	for _, start := range []int{0, 5, 2000} { // calendar positions differ
		for _, ringBytes := range []int{0, 4 * (maxD + 1) * 4} {
			s := newSim(t, net, Options{RingBytes: ringBytes})
			spikedAt := make([]int, maxD)
			for step := 0; step <= start+maxD+2; step++ {
				var in []int32
				if step == start {
					in = []int32{0}
				}
				for _, g := range s.Step(in) {
					if spikedAt[g-1] != 0 {
						t.Fatalf("neuron %d spiked twice", g-1)
					}
					spikedAt[g-1] = step
				}
			}
			for i, at := range spikedAt {
				if at != start+i+1 {
					t.Fatalf("spike at %d, ring of %d bytes: delay %d arrived at step %d, want %d", start, ringBytes, i+1, at, start+i+1)
				}
			}
		}
	}
}

// A neuron exciting itself through a delay-1 synapse, traced by hand:
// du=2048 (u keeps 2047/4096), dv=1024 (v keeps 3/4), threshold 100<<6 = 6400;
// an input spike of weight 120 (7680) at step 0, self weight 40 (2560).
func TestRecurrentSelfExcitation(t *testing.T) {
	net := &ir.Network{Populations: []ir.Population{inputPop("in", 1), lifPop("n", 1, 2048, 1024, 100, 0, 0, 0)}}
	net.Projections = []ir.Projection{
		projection(t, 0, 1, 1, 0, 8, []ir.Synapse{{Source: 0, Target: 0, Weight: 120, Delay: 1}}),
		projection(t, 1, 1, 1, 0, 8, []ir.Synapse{{Source: 0, Target: 0, Weight: 40, Delay: 1}}),
	}
	type state struct {
		u, v  int32
		spike bool
	}
	want := []state{
		{0, 0, false},       // t=0: the input spike leaves
		{7680, 0, true},     // t=1: v = 7680 > 6400, reset
		{6398, 6398, false}, // t=2: u = 7680·2047/4096 = 3838 (+2560 from the self spike); v = 0 + 6398
		{3197, 0, true},     // t=3: u = 6398·2047/4096 = 3197; v = 6398·3/4 = 4798 + 3197 = 7995 > 6400
		{4157, 4157, false}, // t=4: u = 1597 + 2560
		{2077, 5194, false}, // t=5: v = 3117 + 2077
		{1037, 4932, false}, // t=6: v = 3895 + 1037
		{518, 4217, false},  // t=7: v = 3699 + 518
	}
	s := newSim(t, net, Options{})
	for step, w := range want {
		var in []int32
		if step == 0 {
			in = []int32{0}
		}
		spiked := len(s.Step(in)) > 0
		got := state{s.State(1).U, s.State(1).V, spiked}
		if got != w {
			t.Errorf("step %d: (u, v, spike) = %v, want %v", step, got, w)
		}
	}
}

// trace is every neuron's (u, v) and the spikes, step by step.
type trace struct {
	spikes [][]int32
	u, v   [][]int32
}

func runSim(t testing.TB, net *ir.Network, in [][]int32, opt Options) trace {
	s := newSim(t, net, opt)
	var tr trace
	for _, x := range in {
		tr.spikes = append(tr.spikes, slices.Clone(s.Step(x)))
		u, v := make([]int32, net.Neurons()), make([]int32, net.Neurons())
		for i := range u {
			u[i], v[i] = s.State(i).U, s.State(i).V
		}
		tr.u, tr.v = append(tr.u, u), append(tr.v, v)
	}
	return tr
}

// denseReference simulates net the plain way: a full spike history and, per
// step, a sum over every synapse of every projection. The arithmetic is
// written out again from docs/neuron-model.md, not borrowed from model.go.
func denseReference(net *ir.Network, in [][]int32) trace {
	n := net.Neurons()
	steps := len(in)
	spiked := make([][]bool, steps)
	u, v, refr := make([]int64, n), make([]int64, n), make([]int64, n)
	lif := make([]*ir.LIFParams, n)
	local := make([]int, n)
	for k, p := range net.Populations {
		for i := range p.Size {
			g := net.Offset(k) + i
			lif[g], local[g] = p.LIF, i
			if p.LIF != nil {
				u[g], v[g] = int64(p.LIF.U.At(i)), int64(p.LIF.V.At(i))
			}
		}
	}
	prepare := func(w int64, mode ir.SignMode, bits int) int64 {
		drop := int64(1) << (8 - bits)
		switch mode {
		case ir.SignMixed:
			drop *= 2
			w = min(max(w, -256), 255)
		case ir.SignExcitatory:
			w = min(max(w, 0), 255)
		case ir.SignInhibitory:
			w = min(max(w, -255), 0)
			return -((-w) / drop * drop)
		}
		q := w / drop
		if w%drop != 0 && w < 0 {
			q-- // floor
		}
		return q * drop
	}
	scale := func(w int64, exp int) int64 {
		x := w * 256 // w·2^(6+exp) = w·2^8·2^(exp-2), floored
		e := exp - 2
		if e >= 0 {
			return x << e
		}
		d := int64(1) << -e
		q := x / d
		if x%d != 0 && x < 0 {
			q--
		}
		return q
	}
	wrap := func(x int64) int64 { return ((x+1<<23)%(1<<24)+(1<<24))%(1<<24) - 1<<23 }
	var tr trace
	for t := range steps {
		input := make([]int64, n)
		for _, pr := range net.Projections {
			fromOff, toOff := net.Offset(pr.From), net.Offset(pr.To)
			for src := range pr.Syn.Sources() {
				lo, hi := pr.Syn.Row(src)
				for i := lo; i < hi; i++ {
					if at := t - int(pr.Syn.Delay[i]); at >= 0 && spiked[at][fromOff+src] {
						input[toOff+int(pr.Syn.Target[i])] += scale(prepare(int64(pr.Syn.Weight[i]), pr.SignMode, pr.WeightBits), pr.WeightExp)
					}
				}
			}
		}
		spiked[t] = make([]bool, n)
		var out []int32
		for _, g := range in[t] {
			spiked[t][g] = true
		}
		for g := range n {
			p := lif[g]
			if p == nil {
				continue
			}
			i := local[g]
			u[g] = wrap(u[g]*int64(4095-p.Du.At(i))/4096 + input[g])
			if refr[g] > 0 { // v holds what the reset left
				refr[g]--
				continue
			}
			v[g] = v[g]*int64(4096-p.Dv.At(i))/4096 + u[g] + int64(p.BiasMant.At(i))<<p.BiasExp.At(i)
			v[g] = min(max(v[g], -(1<<23-1)), 1<<23-1)
			if theta := int64(p.Vth.At(i)) * 64; v[g] > theta {
				if p.Reset == ir.ResetSubtract {
					v[g] -= theta
				} else {
					v[g] = 0
				}
				refr[g] = int64(p.Refractory.At(i))
				spiked[t][g] = true
				out = append(out, int32(g))
			}
		}
		tr.spikes = append(tr.spikes, out)
		uu, vv := make([]int32, n), make([]int32, n)
		for g := range n {
			uu[g], vv[g] = int32(u[g]), int32(v[g])
		}
		tr.u, tr.v = append(tr.u, uu), append(tr.v, vv)
	}
	return tr
}

func compareTraces(t *testing.T, what string, got, want trace) {
	t.Helper()
	for step := range want.spikes {
		if !slices.Equal(got.spikes[step], want.spikes[step]) {
			t.Fatalf("%s: step %d: spikes %v, want %v", what, step, got.spikes[step], want.spikes[step])
		}
		if !slices.Equal(got.u[step], want.u[step]) || !slices.Equal(got.v[step], want.v[step]) {
			t.Fatalf("%s: step %d: state differs\n u %v\nwant %v\n v %v\nwant %v", what, step, got.u[step], want.u[step], got.v[step], want.v[step])
		}
	}
}

// The event-driven simulator equals the dense reference, spike for spike
// and state for state, on seeded random networks, with the default ring and
// with a ring so small that most delays are deferred, on one goroutine and
// cut into 2 or 3 parts, the synapses sorted on up to 4 goroutines.
func TestMatchesDenseReference(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(4)) // parts need no free cores to be correct
	defer func(n int, m int64) { minPartNeurons, minBuildSynapses = n, m }(minPartNeurons, minBuildSynapses)
	minPartNeurons, minBuildSynapses = 1, 1
	total := 0
	for seed := range uint64(60) {
		net := randnet.Network(seed, randnet.Options{MaxDelay: 1 + int(seed%40), Refractory: true, Reset: true})
		in := randnet.Inputs(net, seed, 120, 0.2)
		want := denseReference(net, in)
		for _, spikes := range want.spikes {
			total += len(spikes)
		}
		threads := 2 + int(seed%2)
		compareTraces(t, fmt.Sprintf("seed %d", seed), runSim(t, net, in, Options{}), want)
		compareTraces(t, fmt.Sprintf("seed %d, ring of 2 steps", seed), runSim(t, net, in, Options{RingBytes: 4 * net.Neurons() * 2}), want)
		compareTraces(t, fmt.Sprintf("seed %d, %d threads", seed, threads), runSim(t, net, in, Options{Threads: threads}), want)
		compareTraces(t, fmt.Sprintf("seed %d, ring of 2 steps, %d threads", seed, threads), runSim(t, net, in, Options{RingBytes: 4 * net.Neurons() * 2, Threads: threads}), want)
	}
	if total < 1000 {
		t.Errorf("random networks spiked only %d times: the comparison proves little", total)
	}
}

// Populations with one configuration for all their neurons take the vector
// kernel where the CPU has one (blocks of 8, the rest through
// updateNeurons): the same comparison on random networks whose parameters
// are made uniform, with populations up to 60 neurons.
func TestUniformPopulationsMatchDenseReference(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(4))
	defer func(n int) { minPartNeurons = n }(minPartNeurons)
	minPartNeurons = 1
	total := 0
	for seed := range uint64(40) {
		net := randnet.Network(seed, randnet.Options{MaxDelay: 1 + int(seed%20), Refractory: true, Reset: true, MaxSize: 60})
		for _, p := range net.Populations {
			if lp := p.LIF; lp != nil {
				for _, x := range []*ir.Param{&lp.Du, &lp.Dv, &lp.Vth, &lp.BiasMant, &lp.BiasExp, &lp.Refractory} {
					*x = ir.Param{(*x)[0]}
				}
			}
		}
		in := randnet.Inputs(net, seed, 120, 0.2)
		want := denseReference(net, in)
		for _, spikes := range want.spikes {
			total += len(spikes)
		}
		compareTraces(t, fmt.Sprintf("seed %d", seed), runSim(t, net, in, Options{}), want)
		compareTraces(t, fmt.Sprintf("seed %d, 2 threads", seed), runSim(t, net, in, Options{Threads: 2}), want)
	}
	if total < 1000 {
		t.Errorf("random networks spiked only %d times: the comparison proves little", total)
	}
}

// The same network and inputs give the same output, run after run.
func TestDeterministic(t *testing.T) {
	for seed := range uint64(10) {
		net := randnet.Network(100+seed, randnet.Options{MaxDelay: 30, Refractory: true, Reset: true})
		in := randnet.Inputs(net, seed, 200, 0.3)
		compareTraces(t, fmt.Sprintf("seed %d", seed), runSim(t, net, in, Options{}), runSim(t, net, in, Options{}))
	}
}

func TestInputSpikeIntoLIFPanics(t *testing.T) {
	net := &ir.Network{Populations: []ir.Population{inputPop("in", 1), lifPop("n", 1, 0, 0, 1, 0, 0, 0)}}
	s := newSim(t, net, Options{})
	defer func() {
		if recover() == nil {
			t.Error("no panic for an input spike into a LIF neuron")
		}
	}()
	s.Step([]int32{1})
}

// sortByDelay equals a stable sort by delay, for narrow and wide delay spans.
func TestSortByDelay(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 9))
	var buf []synapse
	var count []int
	for range 500 {
		n := r.IntN(40)
		maxD := 1 + r.IntN(3000)
		row := make([]synapse, n)
		for i := range row {
			row[i] = synapse{delay: uint16(1 + r.IntN(maxD)), target: int32(i), increment: r.Int32()}
		}
		want := slices.Clone(row)
		slices.SortStableFunc(want, func(a, b synapse) int { return int(a.delay) - int(b.delay) })
		var got []synapse
		got, buf, count = sortByDelay(row, buf, count)
		if !slices.Equal(got, want) {
			t.Fatalf("sortByDelay(%v) = %v, want %v", row, got, want)
		}
	}
}

// EstimateBytes is within 15% of what New allocates.
func TestEstimateBytes(t *testing.T) {
	net := benchNetwork(20_000, 50, 4)
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	s := newSim(t, net, Options{})
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(s)
	got := float64(after.TotalAlloc - before.TotalAlloc)
	est := float64(EstimateBytes(net, Options{}))
	if est < 0.85*got || est > 1.15*got {
		t.Errorf("EstimateBytes = %.0f, New allocated %.0f", est, got)
	}
}

// A Sim closed halfway runs its remaining steps on the caller alone, with
// the same results.
func TestStepsAfterClose(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(4))
	defer func(n int) { minPartNeurons = n }(minPartNeurons)
	minPartNeurons = 1
	net := randnet.Network(7, randnet.Options{MaxDelay: 8, Refractory: true, MaxSize: 40})
	in := randnet.Inputs(net, 7, 100, 0.2)
	want := denseReference(net, in)
	s := newSim(t, net, Options{Threads: 3})
	if s.Threads() < 2 {
		t.Fatalf("%d threads: the test needs parts", s.Threads())
	}
	for step, x := range in {
		if step == len(in)/2 {
			s.Close()
		}
		if got := s.Step(x); !slices.Equal(got, want.spikes[step]) {
			t.Fatalf("step %d: spikes %v, want %v", step, got, want.spikes[step])
		}
	}
}
