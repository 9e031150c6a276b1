package rtl

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/snnc/snnc/backend/fpga"
	"github.com/snnc/snnc/ir"
)

// pick returns one of xs at random.
func pick[T any](r *rand.Rand, xs ...T) T { return xs[r.IntN(len(xs))] }

// extremeNet has nLIF neurons whose parameters and initial state sit at
// the edges of their ranges (du, dv 0 and 4095, vth 0 and 2^17-1, the
// largest biases, refractory 15, u and v at ±2^23), driven by 6 inputs
// and recurrent projections with weight_exp -8 and 7, weight_bits 1 and
// 8, every sign mode and delays up to 16: the corners randnet's ranges do
// not reach, where products, wraps and clips overflow if a width is wrong.
// Odd seeds reset by subtraction, so residues at the clamp are held
// through refractory periods up to 15.
func extremeNet(seed uint64, nLIF int) *ir.Network {
	r := rand.New(rand.NewPCG(seed, 99))
	const nIn = 6
	lp := &ir.LIFParams{Reset: []ir.Reset{ir.ResetZero, ir.ResetSubtract}[seed%2]}
	for range nLIF {
		lp.Du = append(lp.Du, pick[int32](r, 0, 1, 2048, 4094, 4095))
		lp.Dv = append(lp.Dv, pick[int32](r, 0, 1, 4094, 4095))
		lp.Vth = append(lp.Vth, pick[int32](r, 0, 1, 1<<16, 1<<17-1))
		lp.BiasMant = append(lp.BiasMant, pick[int32](r, -4096, -1, 0, 4095))
		lp.BiasExp = append(lp.BiasExp, pick[int32](r, 0, 7))
		lp.Refractory = append(lp.Refractory, pick[int32](r, 0, 1, 15))
		lp.U = append(lp.U, pick[int32](r, -(1<<23), -(1<<23)+1, 0, 1<<23-1))
		lp.V = append(lp.V, pick[int32](r, -(1<<23), -(1<<23)+1, 0, 1<<23-1))
	}
	var projs []ir.Projection
	add := func(name string, from, to, fromN, toN int, mode ir.SignMode, bits, exp int, p float64) {
		b := ir.NewRowBuilder(fromN, 0)
		for s := range fromN {
			for d := range toN {
				if r.Float64() >= p {
					continue
				}
				var w int16
				switch mode {
				case ir.SignMixed:
					w = pick(r, -256, 255, -1, 1, int16(r.IntN(511)-256))
				case ir.SignExcitatory:
					w = pick(r, 255, 1, 0, int16(r.IntN(256)))
				default:
					w = pick(r, -255, -1, 0, -int16(r.IntN(256)))
				}
				b.Add(s, d, w, uint16(pick(r, 1, 16, 1+r.IntN(16))))
			}
		}
		projs = append(projs, ir.Projection{Name: name, From: from, To: to, WeightBits: bits, WeightExp: exp, SignMode: mode, Syn: b.Finish()})
	}
	add("in_mix", 0, 1, nIn, nLIF, ir.SignMixed, 8, 7, 0.3)
	add("in_exc", 0, 1, nIn, nLIF, ir.SignExcitatory, 8, 7, 0.3)
	add("in_neg", 0, 1, nIn, nLIF, ir.SignInhibitory, 8, -8, 0.3)
	add("rec_inh", 1, 1, nLIF, nLIF, ir.SignInhibitory, 8, 7, 0.05)
	add("rec_exc", 1, 1, nLIF, nLIF, ir.SignExcitatory, 1, 7, 0.05)
	add("rec_mix", 1, 1, nLIF, nLIF, ir.SignMixed, 1, -8, 0.05)
	return &ir.Network{
		Source: fmt.Sprintf("extreme %d", seed),
		Populations: []ir.Population{
			{Name: "in", Size: nIn, Model: ir.ModelInput},
			{Name: "lif", Size: nLIF, Model: ir.ModelLIF, LIF: lp},
		},
		Projections: projs,
	}
}

// runExtreme runs extreme networks seeds 1..n of nLIF neurons on m.
func runExtreme(t *testing.T, m *Model, c fpga.CoreParams, n, nLIF, steps int) {
	t.Helper()
	for seed := uint64(1); seed <= uint64(n); seed++ {
		r := rand.New(rand.NewPCG(seed, 7))
		inputs := make([][]int32, steps)
		for s := range inputs {
			for i := range 6 {
				if r.IntN(3) == 0 {
					inputs[s] = append(inputs[s], int32(i))
				}
			}
		}
		tc, err := prepare(fmt.Sprintf("extreme %d", seed), extremeNet(seed, nLIF), extremeNet(seed, nLIF), c, inputs, steps)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := runCase(m, tc); err != nil {
			t.Fatal(err)
		}
	}
}

// TestRTLExtremeValues runs the extreme networks on both boards' cores
// in Verilator and on the gate-level netlist (SB_MAC16 with operands at
// their limits): spikes, u and v every step equal loihisim's.
func TestRTLExtremeValues(t *testing.T) {
	t.Parallel()
	hx, err := fpga.LoadBoard("ice40-hx8k")
	if err != nil {
		t.Fatal(err)
	}
	t.Run("icebreaker", func(t *testing.T) {
		t.Parallel()
		c := icebreaker(t)
		runExtreme(t, model(t, Verilator, c, false), c, 12, 120, 60)
	})
	t.Run("ice40-hx8k", func(t *testing.T) {
		t.Parallel()
		runExtreme(t, model(t, Verilator, hx.Core, false), hx.Core, 12, 40, 60)
	})
	t.Run("gate level", func(t *testing.T) {
		t.Parallel()
		if testing.Short() {
			t.Skip("a gate-level run takes about 20 s a network")
		}
		runExtreme(t, model(t, Icarus, smallCore, true), smallCore, 1, 14, 30)
	})
}

// TestRTLWeightClasses drives every (sign mode, weight_bits, weight_exp),
// 384 in all, through the core: each projection feeds its own neuron with
// du = 4095, so that neuron's u is exactly its input I(t) every step.
func TestRTLWeightClasses(t *testing.T) {
	t.Parallel()
	c := icebreaker(t)
	m := model(t, Verilator, c, false)
	type class struct {
		mode      ir.SignMode
		bits, exp int
	}
	var all []class
	for _, mode := range []ir.SignMode{ir.SignMixed, ir.SignExcitatory, ir.SignInhibitory} {
		for bits := 1; bits <= 8; bits++ {
			for exp := ir.WeightExpMin; exp <= ir.WeightExpMax; exp++ {
				all = append(all, class{mode, bits, exp})
			}
		}
	}
	const nIn, steps = 8, 40
	one := func(x int32) ir.Param { return ir.Param{x} }
	r := rand.New(rand.NewPCG(5, 5))
	for start := 0; start < len(all); start += fpga.Classes {
		group := all[start:min(start+fpga.Classes, len(all))]
		net := func() *ir.Network {
			rr := rand.New(rand.NewPCG(uint64(start), 1))
			var projs []ir.Projection
			for k, g := range group {
				b := ir.NewRowBuilder(nIn, 0)
				for s := range nIn {
					w := int16(rr.IntN(601) - 300)
					if g.mode == ir.SignExcitatory {
						w = int16(rr.IntN(300))
					} else if g.mode == ir.SignInhibitory {
						w = -int16(rr.IntN(300))
					}
					b.Add(s, k, w, uint16(1+rr.IntN(16)))
				}
				projs = append(projs, ir.Projection{Name: fmt.Sprintf("p%d", k), From: 0, To: 1, WeightBits: g.bits, WeightExp: g.exp, SignMode: g.mode, Syn: b.Finish()})
			}
			return &ir.Network{Source: "classes", Populations: []ir.Population{
				{Name: "in", Size: nIn, Model: ir.ModelInput},
				{Name: "lif", Size: len(group), Model: ir.ModelLIF, LIF: &ir.LIFParams{Du: one(4095), Dv: one(4095), Vth: one(1<<17 - 1),
					BiasMant: one(0), BiasExp: one(0), Refractory: one(0), U: one(0), V: one(0)}},
			}, Projections: projs}
		}
		inputs := make([][]int32, steps)
		for s := range inputs {
			for i := range nIn {
				if r.IntN(2) == 0 {
					inputs[s] = append(inputs[s], int32(i))
				}
			}
		}
		tc, err := prepare(fmt.Sprintf("classes %d..%d", start, start+len(group)-1), net(), net(), c, inputs, steps)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := runCase(m, tc); err != nil {
			t.Fatal(err)
		}
	}
}

// TestRTLDegenerate runs networks at the edges of the image's shape: only
// inputs (no LIF neuron at all), only LIF neurons without synapses, and a
// recurrent ring without inputs whose every delay is the longest, 16.
func TestRTLDegenerate(t *testing.T) {
	t.Parallel()
	c := icebreaker(t)
	m := model(t, Verilator, c, false)
	one := func(x int32) ir.Param { return ir.Param{x} }
	lif := func(n int) ir.Population {
		return ir.Population{Name: "lif", Size: n, Model: ir.ModelLIF, LIF: &ir.LIFParams{Du: one(0), Dv: one(0), Vth: one(0),
			BiasMant: one(4095), BiasExp: one(7), Refractory: one(15), U: one(0), V: one(0)}}
	}
	ring := ir.NewRowBuilder(5, 0)
	for s := range 5 {
		ring.Add(s, (s+1)%5, 255, 16)
	}
	for _, tt := range []struct {
		name   string
		net    func() *ir.Network
		inputs [][]int32
	}{
		{"only inputs", func() *ir.Network {
			return &ir.Network{Source: "only inputs", Populations: []ir.Population{{Name: "in", Size: 3, Model: ir.ModelInput}}}
		}, [][]int32{{0, 1}, {2}, {}}},
		{"only lif", func() *ir.Network {
			return &ir.Network{Source: "only lif", Populations: []ir.Population{lif(5)}}
		}, nil},
		{"ring without inputs", func() *ir.Network {
			return &ir.Network{Source: "ring", Populations: []ir.Population{lif(5)}, Projections: []ir.Projection{
				{Name: "r", From: 0, To: 0, WeightBits: 8, WeightExp: 7, SignMode: ir.SignExcitatory, Syn: ring.Finish()}}}
		}, nil},
	} {
		tc, err := prepare(tt.name, tt.net(), tt.net(), c, tt.inputs, 40)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := runCase(m, tc); err != nil {
			t.Fatal(err)
		}
	}
}

// TestRunRejectsDuplicateInputs: an input neuron spikes at most once a
// step (the core keeps one pending bit; loihisim would count it twice).
func TestRunRejectsDuplicateInputs(t *testing.T) {
	c := icebreaker(t)
	m := model(t, Verilator, c, false)
	net := &ir.Network{Source: "dup", Populations: []ir.Population{{Name: "in", Size: 2, Model: ir.ModelInput}}}
	tc, err := prepare("dup", net, net, c, nil, 1)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Run(tc.im, [][]int32{{1, 1}}, 1, RunOptions{}); err == nil {
		t.Error("an input listed twice in one step was accepted")
	}
}
