package compiler

import (
	"fmt"

	"github.com/snnc/snnc/ir"
)

// Relay neurons carry a spike one hop further along a delay chain. With
// du = dv = 4095 and threshold 0, a relay spikes on exactly the step its
// input arrives (v = 0 + 128·64 > 0) and holds nothing over: u is cleared
// every step and v is 0 after the spike. relayWeight survives weight
// preparation at any weight_bits (128 is bit 7).
const relayWeight = 128

func relayParams() *ir.LIFParams {
	return &ir.LIFParams{
		Du: ir.Param{ir.DecayMax}, Dv: ir.Param{ir.DecayMax}, Vth: ir.Param{0},
		BiasMant: ir.Param{0}, BiasExp: ir.Param{0}, Refractory: ir.Param{0},
		U: ir.Param{0}, V: ir.Param{0},
	}
}

// LegaliseDelays rewrites every synapse whose delay exceeds maxDelay as a
// chain of relay neurons. A source neuron whose longest delay D needs j =
// ceil(D/maxDelay)-1 relays gets one chain, shared by all its long
// synapses in every projection: relay 1 fires maxDelay steps after the
// source, relay i+1 maxDelay steps after relay i, and a synapse of delay D
// leaves relay j = ceil(D/maxDelay)-1 with the rest, D - j·maxDelay, in
// 1..maxDelay. Spike times of the original neurons do not change.
//
// Relay populations are appended after the description's populations, one
// per source population and chain depth ("exc.relay1", "exc.relay2", ...),
// holding the sources that need that depth, in source order. It returns
// the number of relay neurons added.
func LegaliseDelays(net *ir.Network, maxDelay int) int {
	nPops := len(net.Populations)
	nProj := len(net.Projections)
	added := 0
	for k := range nPops {
		depth := chainDepths(net, k, nProj, maxDelay)
		if depth == nil {
			continue
		}
		added += addChains(net, k, nProj, maxDelay, depth)
	}
	return added
}

// chainDepths returns, for each neuron of population k, the number of
// relays its longest synapse needs; nil when no synapse needs any.
func chainDepths(net *ir.Network, k, nProj, maxDelay int) []int32 {
	var depth []int32
	for i := range nProj {
		pr := &net.Projections[i]
		if pr.From != k {
			continue
		}
		for src := range pr.Syn.Sources() {
			lo, hi := pr.Syn.Row(src)
			for s := lo; s < hi; s++ {
				if d := int(pr.Syn.Delay[s]); d > maxDelay {
					if depth == nil {
						depth = make([]int32, net.Populations[k].Size)
					}
					depth[src] = max(depth[src], int32(relaysFor(d, maxDelay)))
				}
			}
		}
	}
	return depth
}

// relaysFor is the number of relays a synapse of delay d needs.
func relaysFor(d, maxDelay int) int { return (d+maxDelay-1)/maxDelay - 1 }

func addChains(net *ir.Network, k, nProj, maxDelay int, depth []int32) int {
	src := net.Populations[k]
	maxDepth := int32(0)
	for _, d := range depth {
		maxDepth = max(maxDepth, d)
	}
	// index[j-1][s] is source s's relay in population relay j, or -1.
	index := make([][]int32, maxDepth)
	relayPop := make([]int, maxDepth)
	added := 0
	for j := range maxDepth {
		index[j] = make([]int32, len(depth))
		n := int32(0)
		for s, d := range depth {
			index[j][s] = -1
			if d > j {
				index[j][s] = n
				n++
			}
		}
		relayPop[j] = len(net.Populations)
		net.Populations = append(net.Populations, ir.Population{
			Name: fmt.Sprintf("%s.relay%d", src.Name, j+1), Size: int(n), Model: ir.ModelLIF,
			LIF: relayParams(), Relay: true, Pos: src.Pos,
		})
		added += int(n)
	}
	// The chain links: source -> relay 1 -> relay 2 -> ...
	for j := range maxDepth {
		from, sources := k, len(depth)
		if j > 0 {
			from, sources = relayPop[j-1], net.Populations[relayPop[j-1]].Size
		}
		b := ir.NewRowBuilder(sources, net.Populations[relayPop[j]].Size)
		for s, d := range depth {
			if d > j {
				row := s
				if j > 0 {
					row = int(index[j-1][s])
				}
				b.Add(row, int(index[j][s]), relayWeight, uint16(maxDelay))
			}
		}
		net.Projections = append(net.Projections, ir.Projection{
			Name: fmt.Sprintf("%s->%s", net.Populations[from].Name, net.Populations[relayPop[j]].Name),
			From: from, To: relayPop[j], WeightExp: 0, WeightBits: 8, SignMode: ir.SignExcitatory,
			Syn: b.Finish(), Pos: src.Pos,
		})
	}
	// Move each long synapse to the relay it leaves from.
	for i := range nProj {
		if net.Projections[i].From == k {
			moveLongSynapses(net, i, maxDelay, index, relayPop)
		}
	}
	return added
}

// moveLongSynapses splits projection i: synapses within maxDelay stay, the
// others go to one new projection per relay depth, from that depth's relay
// population, with the projection's weight preparation unchanged.
func moveLongSynapses(net *ir.Network, i, maxDelay int, index [][]int32, relayPop []int) {
	pr := net.Projections[i]
	keep := ir.NewRowBuilder(pr.Syn.Sources(), pr.Syn.Len())
	moved := make([]*ir.RowBuilder, len(index))
	for src := range pr.Syn.Sources() {
		lo, hi := pr.Syn.Row(src)
		for s := lo; s < hi; s++ {
			d := int(pr.Syn.Delay[s])
			if d <= maxDelay {
				keep.Add(src, int(pr.Syn.Target[s]), pr.Syn.Weight[s], uint16(d))
				continue
			}
			j := relaysFor(d, maxDelay)
			if moved[j-1] == nil {
				moved[j-1] = ir.NewRowBuilder(net.Populations[relayPop[j-1]].Size, 0)
			}
			moved[j-1].Add(int(index[j-1][src]), int(pr.Syn.Target[s]), pr.Syn.Weight[s], uint16(d-j*maxDelay))
		}
	}
	net.Projections[i].Syn = keep.Finish()
	for j, b := range moved {
		if b == nil {
			continue
		}
		p := pr
		p.Name = fmt.Sprintf("%s.relay%d", pr.Name, j+1)
		p.From = relayPop[j]
		p.Syn = b.Finish()
		net.Projections = append(net.Projections, p)
	}
}
