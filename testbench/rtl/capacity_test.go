package rtl

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/snnc/snnc/backend/fpga"
	"github.com/snnc/snnc/ir"
	"github.com/snnc/snnc/testbench/randnet"
)

// fullCoreNet fills the iCEBreaker's core: 1000 LIF neurons and 24 inputs
// (all 1024 slots), 32,768 synapses (all of them) with delays over the
// whole range 1..16, recurrent and mixed in sign, so that every slot,
// every synapse word and the highest group pointers are used.
func fullCoreNet(seed uint64) *ir.Network {
	const inputs, lif, perInput = 24, 1000, 64
	r := rand.New(rand.NewPCG(seed, 0xf111))
	in := ir.NewRowBuilder(inputs, inputs*perInput)
	for s := range inputs {
		for k, tgt := range targets(r, lif, perInput) {
			in.Add(s, tgt, int16(60+r.IntN(190)), uint16(1+k%16))
		}
	}
	recurrent := 32768 - inputs*perInput
	rec := ir.NewRowBuilder(lif, recurrent)
	for s := range lif {
		n := recurrent / lif
		if s < recurrent%lif {
			n++
		}
		for k, tgt := range targets(r, lif, n) {
			rec.Add(s, tgt, int16(r.IntN(241)-120), uint16(1+(s+k)%16))
		}
	}
	one := func(x int32) ir.Param { return ir.Param{x} }
	return &ir.Network{
		Source: "full iCEBreaker core",
		Populations: []ir.Population{
			{Name: "in", Size: inputs, Model: ir.ModelInput},
			{Name: "lif", Size: lif, Model: ir.ModelLIF, LIF: &ir.LIFParams{
				Du: one(600), Dv: one(300), Vth: one(120), BiasMant: one(3), BiasExp: one(2),
				Refractory: one(1), U: one(0), V: one(0),
			}},
		},
		Projections: []ir.Projection{
			{Name: "drive", From: 0, To: 1, WeightBits: 8, SignMode: ir.SignExcitatory, Syn: in.Finish()},
			{Name: "recurrent", From: 1, To: 1, WeightBits: 8, SignMode: ir.SignMixed, Syn: rec.Finish()},
		},
	}
}

// targets draws n distinct targets below size, in increasing order (as
// ir.RowBuilder takes a row).
func targets(r *rand.Rand, size, n int) []int {
	t := r.Perm(size)[:n]
	slices.Sort(t)
	return t
}

// TestRTLFullCore runs a network that fills the iCEBreaker's core —
// 1024 slots, 32,768 synapses, delays 1..16 — on the RTL: spikes, u and v
// every step equal loihisim's, and the step's cycles stay within the
// model's bounds.
func TestRTLFullCore(t *testing.T) {
	t.Parallel()
	c := icebreaker(t)
	m := model(t, Verilator, c, false)
	const steps = 40
	net, orig := fullCoreNet(1), fullCoreNet(1)
	inputs := make([][]int32, steps)
	r := rand.New(rand.NewPCG(2, 0))
	for t := range inputs {
		for i := range 24 {
			if r.IntN(3) == 0 {
				inputs[t] = append(inputs[t], int32(i))
			}
		}
	}
	tc, err := prepare("full core", orig, net, c, inputs, steps)
	if err != nil {
		t.Fatal(err)
	}
	if tc.im.SlotCount != c.Slots() || tc.im.Stats.Synapses != c.Synapses() {
		t.Fatalf("the network uses %d slots and %d synapses, want the core's %d and %d", tc.im.SlotCount, tc.im.Stats.Synapses, c.Slots(), c.Synapses())
	}
	tr, err := runCase(m, tc)
	if err != nil {
		t.Fatal(err)
	}
	if err := checkCycles(tc, tr); err != nil {
		t.Error(err)
	}
	spikes, events, cycles := 0, 0, 0
	for step := range steps {
		spikes += len(tr.Spikes[step])
		events += tr.Events[step]
		cycles += tr.Cycles[step]
	}
	t.Logf("%d steps: %d spikes, %d synaptic events, %d cycles (%.2f events per cycle)", steps, spikes, events, cycles, float64(events)/float64(cycles))
	if spikes == 0 || events < steps*1000 {
		t.Errorf("the network is too quiet to test anything: %d spikes, %d events in %d steps", spikes, events, steps)
	}
}

// TestRTLEqualsSimHX8K runs random networks on the iCE40-HX8K's core,
// whose group pointers and synapses are in block RAM (USE_SPRAM=0) and
// whose delays stop at 8, so longer ones become relay chains.
func TestRTLEqualsSimHX8K(t *testing.T) {
	t.Parallel()
	b, err := fpga.LoadBoard("ice40-hx8k")
	if err != nil {
		t.Fatal(err)
	}
	c := b.Core
	m := model(t, Verilator, c, false)
	n := 40
	if testing.Short() {
		n = 8
	}
	for _, tc := range randomCases(t, n, 20001, c, randnet.Options{MaxDelay: 20, Refractory: true, Reset: true, MaxSize: 16}, false, 60) {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tr, err := runCase(m, tc)
			if err != nil {
				t.Fatal(err)
			}
			if err := checkCycles(tc, tr); err != nil {
				t.Error(err)
			}
		})
	}
}
