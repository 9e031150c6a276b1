package loihisim

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/snnc/snnc/ir"
)

// benchNetwork is a random recurrent network: neurons LIF neurons, each
// projecting to fanout distinct random targets with mixed-sign 8-bit weights
// (slightly inhibitory on average) and delays 1..16, driven by an input
// population of 1% of the size through excitatory synapses. With the inputs
// of benchmarkSimulate the LIF neurons fire about 2-3% of steps.
func benchNetwork(neurons, fanout int, seed uint64) *ir.Network {
	r := rand.New(rand.NewPCG(seed, 3))
	inputs := max(neurons/100, 1)
	net := &ir.Network{Source: "benchmark", Populations: []ir.Population{
		inputPop("in", inputs),
		{Name: "exc", Size: neurons, Model: ir.ModelLIF, LIF: &ir.LIFParams{
			Du: ir.Param{410}, Dv: ir.Param{205}, Vth: ir.Param{200}, BiasMant: ir.Param{0}, BiasExp: ir.Param{2},
			Refractory: ir.Param{2}, U: ir.Param{0}, V: ir.Param{0},
		}},
	}}
	build := func(from, sources int, wmin, wmax int) ir.Projection {
		b := ir.NewRowBuilder(sources, sources*fanout)
		seen := make(map[int32]bool, fanout)
		targets := make([]int32, 0, fanout)
		for src := range sources {
			clear(seen)
			targets = targets[:0]
			for len(targets) < fanout {
				t := int32(r.IntN(neurons))
				if !seen[t] {
					seen[t] = true
					targets = append(targets, t)
				}
			}
			sortInt32(targets)
			for _, t := range targets {
				b.Add(src, int(t), int16(wmin+r.IntN(wmax-wmin+1)), uint16(1+r.IntN(16)))
			}
		}
		syn := b.Finish()
		return ir.Projection{Name: "p", From: from, To: 1, WeightExp: 0, WeightBits: 8, SignMode: ir.DeriveSignMode(syn.Weight), Syn: syn}
	}
	net.Projections = []ir.Projection{build(0, inputs, 0, 100), build(1, neurons, -22, 17)}
	return net
}

func sortInt32(s []int32) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

// BenchmarkSimulate100k runs 1000 steps of a 100k-neuron, 10M-synapse
// random network. docs/benchmarks.md records its results and memory.
func BenchmarkSimulate100k(b *testing.B) {
	benchmarkSimulate(b, 100_000, 100, 1000)
}

// BenchmarkSimulate10k is the same at a tenth of the size, for quick runs.
func BenchmarkSimulate10k(b *testing.B) {
	benchmarkSimulate(b, 10_000, 100, 1000)
}

func benchmarkSimulate(b *testing.B, neurons, fanout, steps int) {
	net := benchNetwork(neurons, fanout, 1)
	in := make([][]int32, steps)
	r := rand.New(rand.NewPCG(2, 2))
	for t := range in {
		for i := range net.Populations[0].Size {
			if r.IntN(20) == 0 {
				in[t] = append(in[t], int32(i))
			}
		}
	}
	benchmarkThreads(b, net, in)
}

// benchmarkThreads runs the steps of in on one thread and on two; the time
// covers the steps, not New.
func benchmarkThreads(b *testing.B, net *ir.Network, in [][]int32) {
	lif := 0
	for _, p := range net.Populations {
		if p.LIF != nil {
			lif += p.Size
		}
	}
	for _, threads := range []int{1, 2} {
		b.Run(fmt.Sprintf("threads=%d", threads), func(b *testing.B) {
			var st Stats
			for range b.N {
				b.StopTimer()
				s, err := New(net, Options{Threads: threads})
				if err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				for _, x := range in {
					s.Step(x)
				}
				b.StopTimer()
				st = s.Stats()
				s.Close()
			}
			sec := b.Elapsed().Seconds() / float64(b.N)
			var spikes int64
			for k, n := range st.Spikes {
				if net.Populations[k].LIF != nil {
					spikes += n
				}
			}
			b.ReportMetric(float64(st.SynapticEvents)/sec, "events/s")
			b.ReportMetric(float64(st.SynapticEvents), "events")
			b.ReportMetric(float64(spikes)/float64(lif)/float64(len(in)), "spikes/neuron/step")
			b.ReportMetric(sec*1e9/float64(lif)/float64(len(in)), "ns/neuron-step")
		})
	}
}

// BenchmarkCUBA is bench/peer's CUBA workload built in Go: Brian2's CUBA
// example as the integer model (80% excitatory, fan-out 80, delay 1,
// dt = 0.1 ms), 10,000 steps, at 4,000 and 64,000 neurons. Neuron updates
// dominate: about 0.5 synaptic events a neuron and step.
func BenchmarkCUBA(b *testing.B) {
	for _, n := range []int{4000, 64000} {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			benchmarkThreads(b, cubaNetwork(n), make([][]int32, 10_000))
		})
	}
}

// cubaNetwork is the network of bench/peer/workload.go (which documents
// the parameters) with its own seeds.
func cubaNetwork(n int) *ir.Network {
	r := rand.New(rand.NewPCG(1, 6))
	ne := n * 4 / 5
	pop := func(name string, size int) ir.Population {
		v := make(ir.Param, size)
		for i := range v {
			v[i] = int32(r.IntN(1000 << 6))
		}
		return ir.Population{Name: name, Size: size, Model: ir.ModelLIF, LIF: &ir.LIFParams{
			Du: ir.Param{81}, Dv: ir.Param{20}, Vth: ir.Param{1000}, BiasMant: ir.Param{352}, BiasExp: ir.Param{0},
			Refractory: ir.Param{50}, U: ir.Param{0}, V: v,
		}}
	}
	net := &ir.Network{Source: "cuba", Populations: []ir.Population{pop("exc", ne), pop("inh", n-ne)}}
	for from, w := range []struct{ weight, exp int }{{52, -6}, {-144, -4}} {
		for to, fanout := range []int{64, 16} {
			sources, targets := net.Populations[from].Size, net.Populations[to].Size
			bld := ir.NewRowBuilder(sources, sources*fanout)
			for src := range sources {
				picked := map[int]bool{}
				for len(picked) < fanout {
					picked[r.IntN(targets)] = true
				}
				ts := slices.Sorted(maps.Keys(picked))
				for _, t := range ts {
					bld.Add(src, t, int16(w.weight), 1)
				}
			}
			syn := bld.Finish()
			net.Projections = append(net.Projections, ir.Projection{Name: "p", From: from, To: to, WeightExp: w.exp,
				WeightBits: 8, SignMode: ir.DeriveSignMode(syn.Weight), Syn: syn})
		}
	}
	return net
}
