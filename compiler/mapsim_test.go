package compiler

import (
	"fmt"
	"slices"
	"testing"

	loihisim "github.com/snnc/snnc/backend/loihi-sim"
	"github.com/snnc/snnc/testbench/randnet"
)

// small is a test target whose cores hold 8 neurons and delays up to 4, on
// chips of 2 x 2 cores: random test networks need several cores, several
// chips and relay chains.
func small(t testing.TB) *loihisim.Profile {
	t.Helper()
	p, err := loihisim.ParseProfile("small.yaml", []byte(`name: small
core: {neurons: 8, input_axons: 96, output_axons: 96, synapse_memory_bits: 100000, synapse_bits: 24, input_axon_bits: 32, max_delay: 4, weight_bits: 8}
chip: {mesh_width: 2, mesh_height: 2, chip_hop_cost: 3, max_chips: 0}
`))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// The whole pipeline keeps what the network computes: the network compiled
// for a target and simulated core by core spikes exactly as the reference
// simulation of the description, every original neuron on every step, for
// seeded random networks with delays up to 4x the target's, recurrence,
// refractory periods, and sizes that need several cores and chips. Both
// mapping strategies are checked, and every mapping against every limit.
func TestCompiledMappingSimulatesExactly(t *testing.T) {
	p := small(t)
	var cores, chips, relays int
	for seed := range uint64(30) {
		for _, opt := range []MapOptions{{}, Baseline} {
			desc := randnet.Network(seed, randnet.Options{MaxDelay: 16, Refractory: true})
			net := cloneNet(desc)
			res, err := Compile(net, Options{Target: p, Map: opt, CheckIR: true})
			if err != nil {
				t.Fatalf("seed %d %+v: %v", seed, opt, err)
			}
			if err := p.Check(res.Mapped); err != nil {
				t.Fatalf("seed %d %+v: %v", seed, opt, err)
			}
			mapped, err := loihisim.NewMapped(res.Mapped, p)
			if err != nil {
				t.Fatal(err)
			}
			ref, err := loihisim.New(desc, loihisim.Options{})
			if err != nil {
				t.Fatal(err)
			}
			n := desc.Neurons()
			for step, in := range randnet.Inputs(desc, seed, 100, 0.25) {
				want := slices.Clone(ref.Step(in))
				got := slices.DeleteFunc(slices.Clone(mapped.Step(in)), func(g int32) bool { return int(g) >= n })
				if !slices.Equal(got, want) {
					t.Fatalf("seed %d %+v step %d: spikes %v, want %v", seed, opt, step, got, want)
				}
				for g := range n {
					if mapped.State(g) != ref.State(g) {
						t.Fatalf("seed %d %+v step %d: neuron %d state %v, want %v", seed, opt, step, g, mapped.State(g), ref.State(g))
					}
				}
			}
			tr := res.Report.Mapping.Chosen
			cores, chips, relays = max(cores, tr.Cores), max(chips, tr.Chips), relays+res.Report.Mapping.RelayNeurons
		}
	}
	t.Logf("largest mapping: %d cores on %d chips; %d relay neurons in all", cores, chips, relays)
	if cores < 4 || chips < 2 || relays == 0 {
		t.Errorf("the random networks needed at most %d cores on %d chips and %d relays: the test proves too little", cores, chips, relays)
	}
}

// Compiling twice gives identical mappings and reports.
func TestCompileDeterministic(t *testing.T) {
	p := small(t)
	var first string
	for i := range 3 {
		net := randnet.Network(7, randnet.Options{MaxDelay: 12})
		res, err := Compile(net, Options{Target: p})
		if err != nil {
			t.Fatal(err)
		}
		got := fmt.Sprintf("%v %v %+v %+v", res.Mapped.CoreOf, res.Mapped.Cores, *res.Report.Mapping.Chosen, *res.Report.Mapping.Baseline)
		if i == 0 {
			first = got
		} else if got != first {
			t.Fatalf("compilation %d differs", i)
		}
	}
}
