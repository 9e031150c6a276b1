package compiler

import (
	"fmt"
	"slices"
	"testing"

	loihisim "github.com/snnc/snnc/backend/loihi-sim"
	"github.com/snnc/snnc/ir"
	"github.com/snnc/snnc/testbench/randnet"
)

// cloneNet copies what passes replace (population and projection lists);
// synapse arrays are shared, since passes build new ones.
func cloneNet(n *ir.Network) *ir.Network {
	c := *n
	c.Populations = slices.Clone(n.Populations)
	c.Projections = slices.Clone(n.Projections)
	return &c
}

// simulate runs net and returns, per step, the spikes and the (u, v) of the
// first `keep` neurons.
func simulate(t *testing.T, net *ir.Network, in [][]int32, keep int) (spikes [][]int32, state [][]loihisim.Neuron) {
	t.Helper()
	s, err := loihisim.New(net, loihisim.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range in {
		var sp []int32
		for _, g := range s.Step(x) {
			if int(g) < keep {
				sp = append(sp, g)
			}
		}
		st := make([]loihisim.Neuron, keep)
		for i := range st {
			st[i] = s.State(i)
		}
		spikes, state = append(spikes, sp), append(state, st)
	}
	return spikes, state
}

// Relay chains keep every original neuron's spikes and state, step for step,
// for delays up to 4x the limit, with recurrence and refractory periods.
func TestLegaliseDelaysExact(t *testing.T) {
	relays := 0
	for seed := range uint64(40) {
		maxD := 1 + int(seed%5)
		net := randnet.Network(seed, randnet.Options{MaxDelay: 4 * maxD, Refractory: true})
		in := randnet.Inputs(net, seed, 150, 0.2)
		legal := cloneNet(net)
		relays += LegaliseDelays(legal, maxD)
		if err := legal.Validate(); err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		for _, pr := range legal.Projections {
			if d := pr.Syn.MaxDelay(); d > maxD {
				t.Fatalf("seed %d: projection %s keeps delay %d > %d", seed, pr.Name, d, maxD)
			}
		}
		n := net.Neurons()
		wantSpikes, wantState := simulate(t, net, in, n)
		gotSpikes, gotState := simulate(t, legal, in, n)
		for step := range in {
			if !slices.Equal(gotSpikes[step], wantSpikes[step]) || !slices.Equal(gotState[step], wantState[step]) {
				t.Fatalf("seed %d (max delay %d): step %d differs: spikes %v, want %v", seed, maxD, step, gotSpikes[step], wantSpikes[step])
			}
		}
	}
	if relays == 0 {
		t.Error("no relays were needed: the test proves nothing")
	}
}

// One source with synapses of delays 1..12 at max delay 4 gets one chain
// of two relays (delays 5..8 leave relay 1, 9..12 relay 2), shared by all.
func TestLegaliseDelaysSharesChains(t *testing.T) {
	var syns []ir.Synapse
	for d := 1; d <= 12; d++ {
		syns = append(syns, ir.Synapse{Source: 0, Target: int32(d - 1), Weight: 10, Delay: uint16(d)})
	}
	syn, err := ir.FromList(2, syns)
	if err != nil {
		t.Fatal(err)
	}
	net := &ir.Network{Populations: []ir.Population{
		{Name: "in", Size: 2, Model: ir.ModelInput},
		{Name: "out", Size: 12, Model: ir.ModelLIF, LIF: relayParams()},
	}, Projections: []ir.Projection{{Name: "p", From: 0, To: 1, WeightBits: 8, SignMode: ir.SignExcitatory, Syn: syn}}}
	if added := LegaliseDelays(net, 4); added != 2 {
		t.Errorf("added %d relays, want 2", added)
	}
	var got []string
	for _, pr := range net.Projections {
		got = append(got, fmt.Sprintf("%s:%d:%d", pr.Name, pr.Syn.Len(), pr.Syn.MaxDelay()))
	}
	want := []string{"p:4:4", "in->in.relay1:1:4", "in.relay1->in.relay2:1:4", "p.relay1:4:4", "p.relay2:4:4"}
	if !slices.Equal(got, want) {
		t.Errorf("projections %v, want %v", got, want)
	}
}
