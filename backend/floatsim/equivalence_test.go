package floatsim

import (
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"

	loihisim "github.com/snnc/snnc/backend/loihi-sim"
	"github.com/snnc/snnc/ir"
	"github.com/snnc/snnc/testbench/randnet"
)

// With reset by subtraction, tau_syn 0 (no input: i stays 0), tau_mem
// +Inf and a constant bias x a step, a neuron of threshold θ is a uniform
// quantiser of its integral t·x. For 0 < x <= θ, after every step t >= 1
// 0 < v_t <= θ and v_t = t·x - k_t·θ (k_t spikes so far): true at t = 1
// (v = x, no spike: x is not above θ), and from v in (0, θ] one step
// gives v + x in (0, 2θ], which spikes (leaving (0, θ]) exactly when
// above θ. So k_t·θ < t·x <= (k_t+1)·θ, that is k_t = ⌈t·x/θ⌉ - 1: with
// the strict threshold a t·x that reaches a multiple of θ exactly has not
// fired for it yet. For x > θ, v + x > θ at every step (v >= 0): k_t = t,
// and ⌈t·x/θ⌉ - 1 >= t. For x <= 0 there is no spike. Together:
//
//	k_t = max(0, min(t, ⌈t·x/θ⌉ - 1)).
//
// x = p/16 and θ = q/16 are dyadic and small, so every sum is exact and
// the float simulation must match the formula at every step.
func TestSubtractResetQuantises(t *testing.T) {
	const steps = 300
	var bias []float64
	var ps []int
	for p := -3; p <= 60; p++ {
		ps = append(ps, p)
		bias = append(bias, float64(p)/16)
	}
	for _, q := range []int{1, 16, 24, 40} {
		theta := float64(q) / 16
		net := &ir.Network{Populations: []ir.Population{cubaPop("a", len(bias), 0, inf, theta, ir.ResetSubtract, bias...)}}
		s := newSim(t, net, Options{})
		count := make([]int, len(bias))
		for step := 1; step <= steps; step++ {
			for _, g := range s.Step(nil) {
				count[g]++
			}
			for j, p := range ps {
				want := 0
				if tp := step * p; tp > 0 {
					want = min(step, (tp+q-1)/q-1)
				}
				if count[j] != want {
					t.Fatalf("x = %d/16, θ = %d/16: %d spikes after %d steps, want %d", p, q, count[j], step, want)
				}
			}
		}
	}
}

// randomFloat makes a float network from a random integer one (randnet):
// each lif population becomes cuba_lif with random time constants (0 and
// +Inf among them), threshold and biases, and each weight a random float
// of a wide range of magnitudes, so that the order of additions shows in
// the bits.
func randomFloat(seed uint64) *ir.Network {
	net := randnet.Network(seed, randnet.Options{MaxDelay: 12})
	r := rand.New(rand.NewPCG(seed, 0xf10a7))
	taus := []float64{0, 0.5, 1, 3, 10, 40, math.Inf(1)}
	for k := range net.Populations {
		p := &net.Populations[k]
		if p.Model != ir.ModelLIF {
			continue
		}
		bias := make([]float64, 1+(p.Size-1)*r.IntN(2))
		for j := range bias {
			bias[j] = r.NormFloat64() * 0.05
		}
		p.Model, p.LIF = ir.ModelCUBALIF, nil
		p.CUBA = &ir.CUBAParams{TauSyn: taus[r.IntN(len(taus))], TauMem: taus[1+r.IntN(len(taus)-1)],
			VTh: 0.5 + r.Float64(), Bias: bias, Reset: ir.Reset(r.IntN(2))}
	}
	for k := range net.Projections {
		syn := &net.Projections[k].Syn
		syn.FloatWeight = make([]float64, syn.Len())
		for j := range syn.FloatWeight {
			syn.FloatWeight[j] = r.NormFloat64() * math.Ldexp(1, r.IntN(12)-8)
		}
		clear(syn.Weight)
	}
	return net
}

// record steps s through the inputs and returns its spikes and every
// neuron's state after every step.
func record(s *Sim, inputs [][]int32, neurons int) (spikes [][]int32, states []Neuron) {
	for _, in := range inputs {
		spikes = append(spikes, slices.Clone(s.Step(in)))
		for g := range neurons {
			states = append(states, s.State(g))
		}
	}
	return spikes, states
}

// Two runs give the same bits, and the calendar path gives the ring's.
func TestDeterministicRingCalendar(t *testing.T) {
	spiking := 0
	for seed := range uint64(40) {
		net := randomFloat(seed)
		inputs := randnet.Inputs(net, seed, 150, 0.2)
		n := net.Neurons()
		ring1, states1 := record(newSim(t, net, Options{}), inputs, n)
		for _, opt := range []Options{{}, {RingBytes: 1}} {
			s := newSim(t, net, opt)
			ring2, states2 := record(s, inputs, n)
			if !slices.EqualFunc(ring1, ring2, slices.Equal) {
				t.Fatalf("seed %d, ring bytes %d: spikes differ between runs", seed, opt.RingBytes)
			}
			for j := range states1 {
				a, b := states1[j], states2[j]
				if math.Float64bits(a.I) != math.Float64bits(b.I) || math.Float64bits(a.V) != math.Float64bits(b.V) {
					t.Fatalf("seed %d, ring bytes %d: step %d, neuron %d: %+v then %+v", seed, opt.RingBytes, j/n, j%n, a, b)
				}
			}
		}
		for _, sp := range ring1 {
			spiking += len(sp)
		}
	}
	if spiking < 1000 {
		t.Errorf("only %d spikes in all runs: the networks test little", spiking)
	}
}

// On a network whose floats are integers the integer model computes
// exactly, loihisim and floatsim agree spike for spike and state for
// state: du = 4095 (u is the step's input: tau_syn 0), dv = 0 (v does not
// decay: tau_mem +Inf), v_th = vth·64, bias = bias_mant·2^bias_exp, and
// each float weight the increment loihisim derives from the integer one
// (weight preparation, then scaling by 2^(6+weight_exp)). Weight
// exponents of -8..-6 keep v far from the 24-bit limits in 200 steps.
// This pins the two definitions of the model to each other.
func TestAgreesWithInteger(t *testing.T) {
	const steps = 200
	total := 0
	for seed := range uint64(40) {
		intNet := randnet.Network(seed, randnet.Options{MaxDelay: 6})
		r := rand.New(rand.NewPCG(seed, 1))
		floatNet := &ir.Network{Populations: slices.Clone(intNet.Populations)}
		for k := range intNet.Populations {
			p := &intNet.Populations[k]
			if p.Model != ir.ModelLIF {
				continue
			}
			lp := *p.LIF
			lp.Du, lp.Dv, lp.Refractory, lp.U, lp.V = ir.Param{4095}, ir.Param{0}, ir.Param{0}, ir.Param{0}, ir.Param{0}
			lp.Vth = ir.Param{max(1, lp.Vth[0])}
			lp.Reset = ir.Reset(r.IntN(2))
			p.LIF = &lp
			bias := make([]float64, p.Size)
			for j := range bias {
				bias[j] = float64(lp.BiasMant.At(j) << lp.BiasExp.At(j))
			}
			floatNet.Populations[k] = ir.Population{Name: p.Name, Size: p.Size, Model: ir.ModelCUBALIF, CUBA: &ir.CUBAParams{
				TauSyn: 0, TauMem: math.Inf(1), VTh: float64(lp.Vth[0] << 6), Bias: bias, Reset: lp.Reset}}
		}
		for k := range intNet.Projections {
			pr := &intNet.Projections[k]
			pr.WeightExp = -8 + r.IntN(3)
			fp := *pr
			fp.Syn.Weight = make([]int16, pr.Syn.Len())
			fp.Syn.FloatWeight = make([]float64, pr.Syn.Len())
			for j, w := range pr.Syn.Weight {
				inc := loihisim.Increment(loihisim.PrepareWeight(int32(w), pr.SignMode, pr.WeightBits), pr.WeightExp)
				fp.Syn.FloatWeight[j] = float64(inc)
			}
			floatNet.Projections = append(floatNet.Projections, fp)
		}
		is, err := loihisim.New(intNet, loihisim.Options{})
		if err != nil {
			t.Fatal(err)
		}
		fs := newSim(t, floatNet, Options{})
		inputs := randnet.Inputs(intNet, seed, steps, 0.2)
		for step, in := range inputs {
			a, b := is.Step(in), fs.Step(in)
			if !slices.Equal(a, b) {
				t.Fatalf("seed %d, step %d: loihisim spikes %v, floatsim %v", seed, step, a, b)
			}
			total += len(a)
			for g := range intNet.Neurons() {
				x, y := is.State(g), fs.State(g)
				if float64(x.U) != y.I || float64(x.V) != y.V {
					t.Fatalf("seed %d, step %d, neuron %d: loihisim u %d v %d, floatsim i %v v %v", seed, step, g, x.U, x.V, y.I, y.V)
				}
				if x.V > 1<<22 || x.V < -1<<22 {
					t.Fatalf("seed %d, step %d, neuron %d: v = %d nears the 24-bit limit: the test network must stay below", seed, step, g, x.V)
				}
			}
		}
		if a, b := is.Stats(), fs.Stats(); !reflect.DeepEqual(a, b) {
			t.Fatalf("seed %d: loihisim stats %+v, floatsim %+v", seed, a, b)
		}
	}
	if total < 1000 {
		t.Errorf("only %d spikes in all runs: the networks test little", total)
	}
}
