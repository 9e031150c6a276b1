package loihisim

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/snnc/snnc/ir"
	"github.com/snnc/snnc/testbench/randnet"
)

// roomy is a target whose limits no small test network reaches, with a
// small mesh so that random mappings use several chips.
func roomy(t *testing.T, maxDelay int) *Profile {
	t.Helper()
	p, err := ParseProfile("roomy.yaml", []byte(fmt.Sprintf(`name: roomy
core: {neurons: 64, input_axons: 4096, output_axons: 4096, synapse_memory_bits: 10000000, synapse_bits: 24, input_axon_bits: 32, max_delay: %d, weight_bits: 8}
chip: {mesh_width: 2, mesh_height: 2, chip_hop_cost: 3, max_chips: 0}
`, maxDelay)))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// randomMapping puts every LIF neuron on a random core of cores, placed
// chip by chip, row by row.
func randomMapping(net *ir.Network, p *Profile, cores int, seed uint64) *ir.Mapped {
	r := rand.New(rand.NewPCG(seed, 7))
	m := &ir.Mapped{Net: net, Target: p.Name, CoreOf: make([]int32, net.Neurons()), ChipGrid: 2}
	per := p.CoresPerChip()
	for i := range cores {
		m.Cores = append(m.Cores, ir.Core{Chip: i / per, X: i % per % p.Chip.MeshWidth, Y: i % per / p.Chip.MeshWidth})
	}
	offs := net.Offsets()
	for k, pop := range net.Populations {
		for i := offs[k]; i < offs[k+1]; i++ {
			m.CoreOf[i] = -1
			if pop.Model != ir.ModelInput {
				m.CoreOf[i] = int32(r.IntN(cores))
			}
		}
	}
	return m
}

// The core-by-core simulation computes exactly what Sim computes, spikes
// and state every step, whatever the mapping. Every other mapping goes
// through network.snncmap first, so the file must carry every parameter
// (the reset mode included) that the simulation uses.
func TestMappedEqualsUnmapped(t *testing.T) {
	messages := int64(0)
	subtract := 0
	for seed := range uint64(30) {
		net := randnet.Network(seed, randnet.Options{MaxDelay: 12, Refractory: true, Reset: true})
		for _, pop := range net.Populations {
			if pop.LIF != nil && pop.LIF.Reset == ir.ResetSubtract {
				subtract++
			}
		}
		p := roomy(t, 12)
		m := randomMapping(net, p, 1+int(seed%9), seed)
		if seed%2 == 1 {
			var file bytes.Buffer
			if err := ir.WriteMapped(&file, m); err != nil {
				t.Fatalf("seed %d: %v", seed, err)
			}
			var err error
			if m, err = ir.ReadMapped(&file); err != nil {
				t.Fatalf("seed %d: %v", seed, err)
			}
		}
		ms, err := NewMapped(m, p)
		if err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		ref := newSim(t, net, Options{})
		for step, in := range randnet.Inputs(net, seed, 120, 0.2) {
			want := slices.Clone(ref.Step(in))
			got := ms.Step(in)
			if !slices.Equal(got, want) {
				t.Fatalf("seed %d step %d: spikes %v, want %v", seed, step, got, want)
			}
			for g := range net.Neurons() {
				if ms.State(g) != ref.State(g) {
					t.Fatalf("seed %d step %d: neuron %d state %v, want %v", seed, step, g, ms.State(g), ref.State(g))
				}
			}
		}
		tr := ms.Traffic()
		messages += tr.Messages
		var sent, received int64
		for c := range tr.Sent {
			sent, received = sent+tr.Sent[c], received+tr.Received[c]
		}
		if sent != tr.Messages || received != tr.Messages || tr.Hops < tr.Messages {
			t.Fatalf("seed %d: inconsistent traffic %+v", seed, tr)
		}
	}
	if messages == 0 {
		t.Error("no messages between cores: the test proves nothing")
	}
	if subtract == 0 {
		t.Error("no population with reset: subtract")
	}
}

// Hand-counted traffic: one neuron on core 0 of chip 0 with targets on core
// 1 (same chip, 1 hop) and on core 4 (the next chip, 2 core hops of which
// one crosses chips: 1 + 3 = 4 hops); each spike sends two messages.
func TestMappedTrafficByHand(t *testing.T) {
	p := roomy(t, 4)
	syn, err := ir.FromList(1, []ir.Synapse{{Source: 0, Target: 0, Weight: 100, Delay: 1}, {Source: 0, Target: 1, Weight: 100, Delay: 1}, {Source: 0, Target: 2, Weight: 100, Delay: 2}})
	if err != nil {
		t.Fatal(err)
	}
	lif := func(name string, size int) ir.Population {
		return ir.Population{Name: name, Size: size, Model: ir.ModelLIF, LIF: &ir.LIFParams{
			Du: ir.Param{4095}, Dv: ir.Param{4095}, Vth: ir.Param{0}, BiasMant: ir.Param{1}, BiasExp: ir.Param{0},
			Refractory: ir.Param{0}, U: ir.Param{0}, V: ir.Param{0}}}
	}
	net := &ir.Network{Populations: []ir.Population{lif("src", 1), lif("dst", 3)}, Projections: []ir.Projection{
		{Name: "p", From: 0, To: 1, WeightBits: 8, SignMode: ir.SignExcitatory, Syn: syn}}}
	// src on core 0 (chip 0, (0,0)); dst[0], dst[1] on core 1 (chip 0, (1,0)); dst[2] on core 2 (chip 1, (0,0)).
	m := &ir.Mapped{Net: net, Target: "roomy", CoreOf: []int32{0, 1, 1, 2}, ChipGrid: 2,
		Cores: []ir.Core{{Chip: 0, X: 0, Y: 0}, {Chip: 0, X: 1, Y: 0}, {Chip: 1, X: 0, Y: 0}}}
	ms, err := NewMapped(m, p)
	if err != nil {
		t.Fatal(err)
	}
	for range 3 { // the bias makes every neuron spike every step
		ms.Step(nil)
	}
	tr := ms.Traffic()
	if tr.Messages != 6 || tr.Hops != 3*(1+4) || tr.ChipMessages != 3 || tr.MaxLinkLoad != 6 {
		t.Errorf("traffic %+v, want 6 messages, 15 hops, 3 across chips, busiest link 6", tr)
	}
	// (0,0)->(1,0) carries all six; (1,0)->(2,0) the three to chip 1.
	if want := []LinkLoad{{0, 0, "+x", 6}, {1, 0, "+x", 3}}; !slices.Equal(tr.Links, want) {
		t.Errorf("links %v, want %v", tr.Links, want)
	}
	use := Usage(m, p)
	if use[1].InputAxons != 1 || use[1].Synapses != 2 || use[0].OutputAxons != 2 || use[2].Neurons != 1 {
		t.Errorf("usage %+v", use)
	}
}

// Every limit, exceeded, is reported by Check.
func TestCheckLimits(t *testing.T) {
	net := randnet.Network(3, randnet.Options{MaxDelay: 4, MaxSize: 20})
	for _, tt := range []struct{ field, value, want string }{
		{"neurons: 64", "neurons: 2", "of core.neurons"},
		{"input_axons: 4096", "input_axons: 1", "of core.input_axons"},
		{"output_axons: 4096", "output_axons: 1", "of core.output_axons"},
		{"synapse_memory_bits: 10000000", "synapse_memory_bits: 10", "of core.synapse_memory_bits"},
		{"max_delay: 4", "max_delay: 3", "(core.max_delay)"},
		{"weight_bits: 8", "weight_bits: 1", "(core.weight_bits)"},
		{"max_chips: 0", "max_chips: 1", "(chip.max_chips)"},
	} {
		src := strings.Replace(`name: t
core: {neurons: 64, input_axons: 4096, output_axons: 4096, synapse_memory_bits: 10000000, synapse_bits: 24, input_axon_bits: 32, max_delay: 4, weight_bits: 8}
chip: {mesh_width: 2, mesh_height: 2, chip_hop_cost: 3, max_chips: 0}
`, tt.field, tt.value, 1)
		p, err := ParseProfile("t.yaml", []byte(src))
		if err != nil {
			t.Fatal(err)
		}
		m := randomMapping(net, p, 6, 1)
		if tt.field == "weight_bits: 8" {
			m.Net.Projections[0].WeightBits = 2
		}
		err = p.Check(m)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: Check() = %v, want %q", tt.value, err, tt.want)
		}
	}
}

// MappedSim counts spikes and synaptic events as Sim does.
func TestMappedStats(t *testing.T) {
	net := randnet.Network(5, randnet.Options{MaxDelay: 6})
	p := roomy(t, 6)
	ms, err := NewMapped(randomMapping(net, p, 5, 5), p)
	if err != nil {
		t.Fatal(err)
	}
	ref := newSim(t, net, Options{})
	for _, in := range randnet.Inputs(net, 5, 60, 0.3) {
		ms.Step(in)
		ref.Step(in)
	}
	got, want := ms.Stats(), ref.Stats()
	if !slices.Equal(got.Spikes, want.Spikes) || got.Steps != want.Steps || got.SynapticEvents != want.SynapticEvents || got.SynapticEvents == 0 {
		t.Errorf("stats %+v, Sim %+v", got, want)
	}
}
