// Package randnet makes seeded random networks and inputs for equivalence
// tests: every stage of snnc (mapping, the RTL, the board) is checked
// against the reference simulator on networks from here.
package randnet

import (
	"fmt"
	"math/rand/v2"
	"slices"

	"github.com/snnc/snnc/ir"
)

// Options shape the networks; zero fields take the defaults noted.
type Options struct {
	MaxDelay   int // longest delay, default 8
	MaxInputs  int // input populations 1..MaxInputs, default 2
	MaxLIF     int // LIF populations 1..MaxLIF, default 3
	MaxSize    int // neurons per population 1..MaxSize, default 24
	Density    float64
	Refractory bool // draw refractory periods 0..3 (Lava has none)
	// Reset gives each LIF population reset: subtract with probability
	// 1/2 (Lava has no such reset). The modes come from a stream of their
	// own, so the rest of the network is the same with and without it.
	Reset bool
}

func (o *Options) defaults() {
	if o.MaxDelay == 0 {
		o.MaxDelay = 8
	}
	if o.MaxInputs == 0 {
		o.MaxInputs = 2
	}
	if o.MaxLIF == 0 {
		o.MaxLIF = 3
	}
	if o.MaxSize == 0 {
		o.MaxSize = 24
	}
	if o.Density == 0 {
		o.Density = 0.4
	}
}

// Network returns a seeded random network with everything the model has:
// input and LIF populations, recurrent and feed-forward projections, mixed
// and single-sign weights, every weight_bits and weight_exp, delays,
// biases, initial state and, if asked, refractory periods and resets by
// subtraction. The same seed and options give the same network.
func Network(seed uint64, o Options) *ir.Network {
	o.defaults()
	r := rand.New(rand.NewPCG(seed, 0x5eed))
	resets := rand.New(rand.NewPCG(seed, 0x2e5e7))
	net := &ir.Network{Source: fmt.Sprintf("randnet seed %d", seed)}
	nIn, nLIF := 1+r.IntN(o.MaxInputs), 1+r.IntN(o.MaxLIF)
	for k := range nIn {
		net.Populations = append(net.Populations, ir.Population{Name: fmt.Sprintf("in%d", k), Size: 1 + r.IntN(o.MaxSize), Model: ir.ModelInput})
	}
	param := func(size int, lo, hi int32) ir.Param {
		if r.IntN(2) == 0 {
			return ir.Param{lo + r.Int32N(hi-lo+1)}
		}
		p := make(ir.Param, size)
		for i := range p {
			p[i] = lo + r.Int32N(hi-lo+1)
		}
		return p
	}
	for k := range nLIF {
		size := 1 + r.IntN(o.MaxSize)
		refr := param(size, 0, 0)
		if o.Refractory {
			refr = param(size, 0, 3)
		}
		lp := &ir.LIFParams{
			Du: param(size, 0, 4095), Dv: param(size, 0, 4095), Vth: param(size, 0, 400),
			BiasMant: param(size, -60, 60), BiasExp: param(size, 0, 3), Refractory: refr,
			U: param(size, -5000, 5000), V: param(size, -5000, 5000),
		}
		if o.Reset && resets.IntN(2) == 0 {
			lp.Reset = ir.ResetSubtract
		}
		net.Populations = append(net.Populations, ir.Population{Name: fmt.Sprintf("lif%d", k), Size: size, Model: ir.ModelLIF, LIF: lp})
	}
	for p := range 2 + r.IntN(6) {
		from := r.IntN(len(net.Populations))
		to := nIn + r.IntN(nLIF)
		fromSize, toSize := net.Populations[from].Size, net.Populations[to].Size
		sign := r.IntN(3) // 0 mixed, 1 excitatory, 2 inhibitory
		b := ir.NewRowBuilder(fromSize, 0)
		var weights []int16
		for s := range fromSize {
			for d := range toSize {
				if r.Float64() >= o.Density {
					continue
				}
				w := int16(r.IntN(601) - 300)
				if sign == 1 {
					w = int16(r.IntN(300))
				} else if sign == 2 {
					w = -int16(r.IntN(300))
				}
				weights = append(weights, w)
				b.Add(s, d, w, uint16(1+r.IntN(o.MaxDelay)))
			}
		}
		pr := ir.Projection{
			Name: fmt.Sprintf("p%d", p), From: from, To: to,
			WeightExp: r.IntN(ir.WeightExpMax-ir.WeightExpMin+1) + ir.WeightExpMin, WeightBits: 1 + r.IntN(8),
			SignMode: ir.DeriveSignMode(weights), SignModeDerived: true, Syn: b.Finish(),
		}
		if r.IntN(3) == 0 { // an explicit mode, possibly unlike the weights
			pr.SignMode, pr.SignModeDerived = ir.SignMode(1+r.IntN(3)), false
		}
		net.Projections = append(net.Projections, pr)
	}
	return net
}

// Inputs draws spikes of net's input neurons for steps steps: each input
// neuron spikes at each step with probability rate. Spikes of a step are
// global neuron indices in increasing order.
func Inputs(net *ir.Network, seed uint64, steps int, rate float64) [][]int32 {
	r := rand.New(rand.NewPCG(seed, 0x1a9075))
	in := make([][]int32, steps)
	offs := net.Offsets()
	for k, p := range net.Populations {
		if p.Model != ir.ModelInput {
			continue
		}
		for step := range in {
			for i := range p.Size {
				if r.Float64() < rate {
					in[step] = append(in[step], int32(offs[k]+i))
				}
			}
		}
	}
	for _, s := range in {
		slices.Sort(s)
	}
	return in
}
