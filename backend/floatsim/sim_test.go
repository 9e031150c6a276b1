package floatsim

import (
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/snnc/snnc/ir"
)

func inputPop(name string, size int) ir.Population {
	return ir.Population{Name: name, Size: size, Model: ir.ModelInput}
}

func cubaPop(name string, size int, tauSyn, tauMem, vth float64, reset ir.Reset, bias ...float64) ir.Population {
	if len(bias) == 0 {
		bias = []float64{0}
	}
	return ir.Population{Name: name, Size: size, Model: ir.ModelCUBALIF, CUBA: &ir.CUBAParams{
		TauSyn: tauSyn, TauMem: tauMem, VTh: vth, Bias: bias, Reset: reset}}
}

// syn is one float synapse in coordinate form.
type syn struct {
	src, tgt int
	w        float64
	d        uint16
}

// floatProjection builds a projection into a cuba_lif population from
// synapses sorted by source, then target.
func floatProjection(from, to, sources int, syns ...syn) ir.Projection {
	b := ir.NewRowBuilder(sources, len(syns))
	for _, s := range syns {
		b.AddFloat(s.src, s.tgt, s.w, s.d)
	}
	return ir.Projection{Name: "p", From: from, To: to, WeightBits: 8, Syn: b.Finish()}
}

func newSim(t testing.TB, net *ir.Network, opt Options) *Sim {
	t.Helper()
	s, err := New(net, opt)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

var inf = math.Inf(1)

// A hand-computed trace: input in[0] spikes at step 0 into a[0] (0.5) and
// a[1] (1.25), both with delay 1; a[1] excites a[0] (0.5, delay 2). a has
// tau_syn 2, tau_mem 4, v_th 1, reset to zero; a[0] has bias 0.25.
func TestHandTrace(t *testing.T) {
	net := &ir.Network{Populations: []ir.Population{inputPop("in", 1), cubaPop("a", 2, 2, 4, 1, ir.ResetZero, 0.25, 0)}}
	net.Projections = []ir.Projection{
		floatProjection(0, 1, 1, syn{0, 0, 0.5, 1}, syn{0, 1, 1.25, 1}),
		floatProjection(1, 1, 2, syn{1, 0, 0.5, 2}),
	}
	aS, aM := math.Exp(-1.0/2), math.Exp(-1.0/4) // 0.6065, 0.7788
	// float64(x*y) rounds the product alone, as the simulator does: Go
	// may fuse x*y + z into one rounding otherwise (on arm64, say).
	type state struct {
		i0, v0, i1, v1 float64
		spikes         []int32 // global indices: a[0] is 1, a[1] is 2
	}
	var want []state
	// step 0: the input spike leaves; a[0] integrates its bias.
	want = append(want, state{0, 0.25, 0, 0, nil})
	// step 1: both inputs arrive. v0 = aM·0.25 + 0.5 + 0.25 = 0.9447;
	// v1 = 1.25 > 1: a[1] spikes (arrives at a[0] at step 3).
	want = append(want, state{0.5, float64(aM*0.25) + 0.5 + 0.25, 1.25, 0, []int32{2}})
	// step 2: v0 = aM·0.9447 + aS·0.5 + 0.25 = 1.289: a[0] spikes; v1 = aS·1.25 = 0.758.
	i0, i1 := aS*0.5, aS*1.25
	want = append(want, state{i0, 0, i1, i1, []int32{1}})
	// step 3: a[1]'s spike arrives: i0 = aS·0.3033 + 0.5 = 0.684, v0 = 0.934;
	// i1 = 0.460, v1 = aM·0.758 + 0.460 = 1.050: a[1] spikes (arrives at step 5).
	i0, i1 = float64(aS*i0)+0.5, aS*i1
	want = append(want, state{i0, i0 + 0.25, i1, 0, []int32{2}})
	v0 := i0 + 0.25
	// step 4: i0 = 0.415, v0 = aM·0.934 + 0.415 + 0.25 = 1.392: a[0] spikes; v1 = i1 = 0.279.
	i0, i1 = aS*i0, aS*i1
	want = append(want, state{i0, 0, i1, i1, []int32{1}})
	v1 := i1
	// step 5: i0 = aS·0.415 + 0.5 = 0.752, v0 = 0.752 + 0.25 = 1.0016: a[0] spikes;
	// v1 = aM·0.279 + 0.169 = 0.386.
	i0, i1 = float64(aS*i0)+0.5, aS*i1
	v1 = float64(aM*v1) + i1
	want = append(want, state{i0, 0, i1, v1, []int32{1}})
	// step 6: v0 = 0.456 + 0.25 = 0.706; v1 = 0.404.
	i0, i1 = aS*i0, aS*i1
	v0, v1 = i0+0.25, float64(aM*v1)+i1
	want = append(want, state{i0, v0, i1, v1, nil})
	// step 7: v0 = aM·0.706 + 0.277 + 0.25 = 1.076: a[0] spikes; v1 = 0.376.
	i0, i1 = aS*i0, aS*i1
	v1 = float64(aM*v1) + i1
	want = append(want, state{i0, 0, i1, v1, []int32{1}})

	for _, opt := range []Options{{}, {RingBytes: 1}} {
		s := newSim(t, net, opt)
		for step, w := range want {
			var in []int32
			if step == 0 {
				in = []int32{0}
			}
			got := s.Step(in)
			a0, a1 := s.State(1), s.State(2)
			if !slices.Equal(got, w.spikes) || a0 != (Neuron{w.i0, w.v0}) || a1 != (Neuron{w.i1, w.v1}) {
				t.Fatalf("ring bytes %d, step %d: spikes %v, a[0] %+v, a[1] %+v; want %v, {%v %v}, {%v %v}",
					opt.RingBytes, step, got, a0, a1, w.spikes, w.i0, w.v0, w.i1, w.v1)
			}
		}
	}
}

// Reset to zero and by subtraction, with the strict threshold: bias 0.75
// a step, v_th 1, tau_syn 0, tau_mem +Inf.
func TestResets(t *testing.T) {
	for _, tc := range []struct {
		reset ir.Reset
		v     []float64
		spike []bool
	}{
		{ir.ResetZero, []float64{0.75, 0, 0.75, 0, 0.75}, []bool{false, true, false, true, false}},
		// 1.5 → 0.5, 1.25 → 0.25, then 1.0 is not above 1, then 1.75 → 0.75.
		{ir.ResetSubtract, []float64{0.75, 0.5, 0.25, 1, 0.75, 0.5}, []bool{false, true, true, false, true, true}},
	} {
		net := &ir.Network{Populations: []ir.Population{cubaPop("a", 1, 0, inf, 1, tc.reset, 0.75)}}
		s := newSim(t, net, Options{})
		for step, v := range tc.v {
			spiked := len(s.Step(nil)) == 1
			if got := s.State(0); got != (Neuron{0, v}) || spiked != tc.spike[step] {
				t.Errorf("reset %v, step %d: state %+v, spiked %v; want v %v, spiked %v", tc.reset, step, got, spiked, v, tc.spike[step])
			}
		}
	}
}

// tau_syn 0: a spike's current lasts the one step it arrives; tau_mem
// +Inf: v keeps what it integrated.
func TestNoDecay(t *testing.T) {
	net := &ir.Network{Populations: []ir.Population{inputPop("in", 1), cubaPop("a", 1, 0, inf, 10, ir.ResetZero)}}
	net.Projections = []ir.Projection{floatProjection(0, 1, 1, syn{0, 0, 0.5, 1})}
	s := newSim(t, net, Options{})
	want := []Neuron{{0, 0}, {0.5, 0.5}, {0, 0.5}, {0.5, 1}, {0, 1}, {0, 1}}
	for step, w := range want {
		var in []int32
		if step == 0 || step == 2 {
			in = []int32{0}
		}
		s.Step(in)
		if got := s.State(1); got != w {
			t.Errorf("step %d: %+v, want %+v", step, got, w)
		}
	}
}

// One spike through a synapse of delay d arrives exactly d steps later,
// for every d up to 300, on the ring and on the calendar, from several
// starting steps (calendar buckets wrap differently).
func TestDelayArrivesExactly(t *testing.T) {
	const maxD = 300
	var syns []syn
	for d := 1; d <= maxD; d++ {
		syns = append(syns, syn{0, d - 1, 2, uint16(d)})
	}
	// tau_syn 0, v_th 1, reset to zero, no bias: a neuron spikes once,
	// when its spike arrives, and stays at 0.
	net := &ir.Network{Populations: []ir.Population{inputPop("in", 1), cubaPop("n", maxD, 0, 3, 1, ir.ResetZero)}}
	net.Projections = []ir.Projection{floatProjection(0, 1, 1, syns...)}
	for _, start := range []int{0, 5, 700} {
		for _, opt := range []Options{{}, {RingBytes: 1}} {
			s := newSim(t, net, opt)
			if (s.ring == nil) != (opt.RingBytes == 1) {
				t.Fatalf("ring bytes %d: ring %v", opt.RingBytes, s.ring != nil)
			}
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
					t.Fatalf("start %d, ring bytes %d: delay %d arrived at step %d, want %d", start, opt.RingBytes, i+1, at, start+i+1)
				}
			}
		}
	}
}

// The input of a step is summed in the order the events were sent:
// emission step, then source, then synapse order. With 2^53, 1 and -2^53
// the order shows: A (step 0, source 2, 2^53, delay 3), then B (step 1,
// source 0, 1, delay 2), then C (step 1, source 1, -2^53, delay 2) sum to
// (2^53 + 1) - 2^53 = 0, as 2^53 + 1 rounds to 2^53; by source (B, C, A)
// they would sum to 1.
func TestSummationOrder(t *testing.T) {
	const big = 1 << 53
	net := &ir.Network{Populations: []ir.Population{inputPop("in", 3), cubaPop("a", 1, 0, inf, big, ir.ResetZero)}}
	net.Projections = []ir.Projection{floatProjection(0, 1, 3, syn{0, 0, 1, 2}, syn{1, 0, -big, 2}, syn{2, 0, big, 3})}
	for _, opt := range []Options{{}, {RingBytes: 1}} {
		s := newSim(t, net, opt)
		s.Step([]int32{2})
		s.Step([]int32{1, 0}) // unsorted inputs are sent in order of index
		s.Step(nil)
		if got := s.Step(nil); len(got) != 0 || s.State(3).I != 0 {
			t.Errorf("ring bytes %d: I(3) = %v, want 0", opt.RingBytes, s.State(3).I)
		}
	}
}

// The same across the chunks of a calendar bucket: 1100 sources spiking at
// once, 2^53 first, then ones (each lost to rounding), -2^53 last, sum to 0.
func TestSummationOrderManyEvents(t *testing.T) {
	const n, big = 1100, 1 << 53
	syns := []syn{{0, 0, big, 3}}
	for src := 1; src < n-1; src++ {
		syns = append(syns, syn{src, 0, 1, 3})
	}
	syns = append(syns, syn{n - 1, 0, -big, 3})
	net := &ir.Network{Populations: []ir.Population{inputPop("in", n), cubaPop("a", 1, 0, inf, big, ir.ResetZero)}}
	net.Projections = []ir.Projection{floatProjection(0, 1, n, syns...)}
	all := make([]int32, n)
	for i := range all {
		all[i] = int32(i)
	}
	for _, opt := range []Options{{}, {RingBytes: 1}} {
		s := newSim(t, net, opt)
		for step := range 4 {
			if step == 0 {
				s.Step(all)
			} else {
				s.Step(nil)
			}
		}
		if got := s.State(n).I; got != 0 {
			t.Errorf("ring bytes %d: I(3) = %v, want 0", opt.RingBytes, got)
		}
	}
}

// Stats counts every spike sent, inputs included, and the synapses it
// goes through.
func TestStats(t *testing.T) {
	net := &ir.Network{Populations: []ir.Population{inputPop("in", 2), cubaPop("a", 2, 1, 5, 0.5, ir.ResetSubtract)}}
	net.Projections = []ir.Projection{
		floatProjection(0, 1, 2, syn{0, 0, 1, 1}, syn{0, 1, 1, 1}, syn{1, 1, 1, 4}),
		floatProjection(1, 1, 2, syn{0, 1, 0.25, 2}),
	}
	s := newSim(t, net, Options{})
	s.Step([]int32{0, 1})     // 3 events
	got := s.Step([]int32{1}) // 1 event; a[0] and a[1] spike: 1 event
	if !slices.Equal(got, []int32{2, 3}) {
		t.Fatalf("step 1: spikes %v, want [2 3]", got)
	}
	st := s.Stats()
	if st.Steps != 2 || st.SynapticEvents != 5 || !slices.Equal(st.Spikes, []int64{3, 2}) {
		t.Errorf("stats %+v, want 2 steps, 5 events, spikes [3 2]", st)
	}
	st.Spikes[0] = 99
	if s.Stats().Spikes[0] != 3 {
		t.Error("Stats shares its slice with the simulator")
	}
}

func TestRefuses(t *testing.T) {
	lif := &ir.Network{Populations: []ir.Population{{Name: "n", Size: 1, Model: ir.ModelLIF, LIF: &ir.LIFParams{
		Du: ir.Param{0}, Dv: ir.Param{0}, Vth: ir.Param{1}, BiasMant: ir.Param{0}, BiasExp: ir.Param{0},
		Refractory: ir.Param{0}, U: ir.Param{0}, V: ir.Param{0}}}}}
	bad := &ir.Network{Populations: []ir.Population{cubaPop("a", 1, 1, 1, -1, ir.ResetZero)}}
	for _, tc := range []struct {
		net  *ir.Network
		want string
	}{
		{lif, `population "n" has model lif`},
		{bad, "invalid network"},
	} {
		if _, err := New(tc.net, Options{}); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("New: %v, want an error containing %q", err, tc.want)
		}
	}
	s := newSim(t, &ir.Network{Populations: []ir.Population{inputPop("in", 1), cubaPop("a", 1, 1, 1, 1, ir.ResetZero)}}, Options{})
	defer func() {
		if r := recover(); r == nil || !strings.Contains(r.(string), "not an input neuron") {
			t.Errorf("Step with a non-input neuron: %v", r)
		}
	}()
	s.Step([]int32{1})
}
