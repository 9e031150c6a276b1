package rtl

import (
	"testing"

	"github.com/snnc/snnc/backend/fpga"
	loihisim "github.com/snnc/snnc/backend/loihi-sim"
	"github.com/snnc/snnc/ir"
)

// resetCase is one neuron of resetNet: its parameters and what its v must
// be after given steps, worked out by hand.
type resetCase struct {
	name                      string
	vth, biasMant, biasExp, r int32
	v0                        int32
	driven                    bool          // input every step, u = 6400 from step 1
	want                      map[int]after // by step
}

// after is a neuron's v after a step and whether it spiked.
type after struct {
	v     int32
	spike bool
}

// The hand-worked neurons. All have du = 4095 (u is the step's input
// I(t)) and dv = 0 (v does not decay), so a step is
// x = v + I(t) + bias, clipped to ±(2^23-1), compared with thr = vth·64.
const vmax = 1<<23 - 1

var resetCases = []resetCase{
	// 1000 a step against thr 6400: spikes at 7000, keeping 600; then
	// 600 + 6·1000 = 6600 keeps 200.
	{name: "residue", vth: 100, biasMant: 1000, want: map[int]after{
		5: {6000, false}, 6: {600, true}, 7: {1600, false}, 12: {200, true}}},
	// The same with refractory 3: the 600 is held for three steps, then
	// 600 + 6·1000 keeps 200, held again.
	{name: "residue, refractory 3", vth: 100, biasMant: 1000, r: 3, want: map[int]after{
		6: {600, true}, 7: {600, false}, 9: {600, false}, 10: {1600, false},
		15: {200, true}, 18: {200, false}, 19: {1200, false}}},
	// At the clamp: x > 2^23-1 is clipped before the subtraction, so v
	// keeps (2^23-1) - 64 step after step.
	{name: "clamp, vth 1", vth: 1, biasMant: 4095, biasExp: 7, v0: vmax - 10, want: map[int]after{
		0: {vmax - 64, true}, 1: {vmax - 64, true}, 20: {vmax - 64, true}}},
	// The largest threshold, 8388544: the clipped x keeps 63, held for
	// two steps; then 63 + k·524160 climbs until it clips again at k = 17.
	{name: "clamp, vth max, refractory 2", vth: ir.VthMax, biasMant: 4095, biasExp: 7, r: 2, v0: vmax, want: map[int]after{
		0: {63, true}, 2: {63, false}, 3: {63 + 524160, false},
		18: {63 + 16*524160, false}, 19: {63, true}, 21: {63, false}}},
	// Half the range: the clamp keeps 2^22-1, held for 15 steps; the next
	// spike is below the clamp and keeps 4194303 + 524160 - 4194304.
	{name: "clamp, vth 2^16, refractory 15", vth: 1 << 16, biasMant: 4095, biasExp: 7, r: 15, v0: vmax, want: map[int]after{
		0: {1<<22 - 1, true}, 15: {1<<22 - 1, false}, 16: {524159, true}}},
	// Synaptic input while refractory: u keeps coming (6400 a step), v is
	// held, and the residue adds up: 3200, held, held, 6400, ...
	{name: "driven, refractory 2", vth: 50, r: 2, driven: true, want: map[int]after{
		0: {0, false}, 1: {3200, true}, 3: {3200, false}, 4: {6400, true},
		6: {6400, false}, 7: {9600, true}}},
}

// resetNet has one input neuron and two populations of the cases, the
// first with reset: subtract, the second with reset: zero.
func resetNet() *ir.Network {
	pop := func(name string, reset ir.Reset) ir.Population {
		lp := &ir.LIFParams{Du: ir.Param{ir.DecayMax}, Dv: ir.Param{0}, Reset: reset}
		for _, c := range resetCases {
			lp.Vth = append(lp.Vth, c.vth)
			lp.BiasMant = append(lp.BiasMant, c.biasMant)
			lp.BiasExp = append(lp.BiasExp, c.biasExp)
			lp.Refractory = append(lp.Refractory, c.r)
			lp.U = append(lp.U, 0)
			lp.V = append(lp.V, c.v0)
		}
		return ir.Population{Name: name, Size: len(resetCases), Model: ir.ModelLIF, LIF: lp}
	}
	var driven []ir.Synapse
	for i, c := range resetCases {
		if c.driven {
			driven = append(driven, ir.Synapse{Source: 0, Target: int32(i), Weight: 100, Delay: 1})
		}
	}
	proj := func(to int) ir.Projection {
		syn, err := ir.FromList(1, driven)
		if err != nil {
			panic(err)
		}
		return ir.Projection{Name: "drive", From: 0, To: to, WeightBits: 8, SignMode: ir.SignExcitatory, Syn: syn}
	}
	p1, p2 := proj(1), proj(2)
	p2.Name = "drive zero"
	return &ir.Network{Source: "reset cases", Populations: []ir.Population{
		{Name: "in", Size: 1, Model: ir.ModelInput}, pop("subtract", ir.ResetSubtract), pop("zero", ir.ResetZero)},
		Projections: []ir.Projection{p1, p2}}
}

// handStep is one step of a resetCase neuron (du = 4095, dv = 0) as the
// comment above resetCases states it: the expected trace, written without
// loihisim.
func handStep(c resetCase, subtract bool, in int32, v, r *int32) bool {
	x := int64(*v) + int64(in) + int64(c.biasMant)<<c.biasExp
	x = min(max(x, -vmax), vmax)
	thr := int64(c.vth) << 6
	switch {
	case *r > 0:
		*r--
		return false
	case x > thr:
		*v, *r = 0, c.r
		if subtract {
			*v = int32(x - thr)
		}
		return true
	}
	*v = int32(x)
	return false
}

// TestRTLResetSubtract runs neurons with reset: subtract whose v crosses
// the threshold by known residues — below the clamp, at it (v near
// 2^23-1, the largest threshold), with refractory periods that hold the
// residue, and under synaptic input while refractory — beside the same
// neurons with reset: zero, in Verilator, Icarus and (without -short) on
// the gate-level netlist. Spikes, u and v every step equal loihisim's
// (runCase) and the hand-worked values.
func TestRTLResetSubtract(t *testing.T) {
	t.Parallel()
	const steps = 40
	inputs := make([][]int32, steps)
	for s := range inputs {
		inputs[s] = []int32{0}
	}
	for _, sim := range []struct {
		name string
		sim  Simulator
		core func(t *testing.T) fpga.CoreParams
		gate bool
	}{
		{"verilator", Verilator, func(t *testing.T) fpga.CoreParams { return icebreaker(t) }, false},
		{"icarus", Icarus, func(t *testing.T) fpga.CoreParams { return icebreaker(t) }, false},
		{"gate level", Icarus, func(*testing.T) fpga.CoreParams { return smallCore }, true},
	} {
		t.Run(sim.name, func(t *testing.T) {
			t.Parallel()
			if sim.gate && testing.Short() {
				t.Skip("gate-level simulation is slow; skipped with -short")
			}
			c := sim.core(t)
			m := model(t, sim.sim, c, sim.gate)
			tc, err := prepare("reset cases", resetNet(), resetNet(), c, inputs, steps)
			if err != nil {
				t.Fatal(err)
			}
			tr, err := runCase(m, tc)
			if err != nil {
				t.Fatal(err)
			}
			checkResetTrace(t, tr)
		})
	}
}

// checkResetTrace holds the trace to handStep and to the hand-worked
// values of resetCases. Neuron 0 is the input; the subtract population
// follows, then the zero one.
func checkResetTrace(t *testing.T, tr *Trace) {
	n := int32(len(resetCases))
	for pi, subtract := range []bool{true, false} {
		for i, c := range resetCases {
			g := 1 + int32(pi)*n + int32(i)
			k := -1
			for j, x := range tr.LIF {
				if x == g {
					k = j
				}
			}
			if k < 0 {
				t.Fatalf("neuron %d is not in the trace", g)
			}
			v, r := c.v0, int32(0)
			for step := range tr.V {
				in := int32(0)
				if c.driven && step > 0 {
					in = 6400
				}
				spiked := handStep(c, subtract, in, &v, &r)
				gotSpike := false
				for _, s := range tr.Spikes[step] {
					gotSpike = gotSpike || s == g
				}
				if tr.V[step][k] != v || gotSpike != spiked || tr.U[step][k] != in {
					t.Fatalf("%s (subtract %v), step %d: v %d, u %d, spike %v; by hand v %d, u %d, spike %v",
						c.name, subtract, step, tr.V[step][k], tr.U[step][k], gotSpike, v, in, spiked)
				}
				if w, ok := c.want[step]; ok && subtract && (tr.V[step][k] != w.v || gotSpike != w.spike) {
					t.Errorf("%s, step %d: v %d, spike %v; worked out: v %d, spike %v", c.name, step, tr.V[step][k], gotSpike, w.v, w.spike)
				}
			}
		}
	}
}

// TestResetCasesByHand needs no simulator: loihisim's trace of resetNet
// meets the hand-worked values, so TestRTLResetSubtract checks what its
// comments say.
func TestResetCasesByHand(t *testing.T) {
	const steps = 40
	net := resetNet()
	sim, err := loihisim.New(net, loihisim.Options{})
	if err != nil {
		t.Fatal(err)
	}
	tr := &Trace{}
	for g := range int32(net.Neurons()) {
		if g > 0 {
			tr.LIF = append(tr.LIF, g)
		}
	}
	for range steps {
		tr.Spikes = append(tr.Spikes, append([]int32(nil), sim.Step([]int32{0})...))
		var u, v []int32
		for _, g := range tr.LIF {
			st := sim.State(int(g))
			u, v = append(u, st.U), append(v, st.V)
		}
		tr.U, tr.V = append(tr.U, u), append(tr.V, v)
	}
	checkResetTrace(t, tr)
}
