package rtl

import (
	"fmt"
	"testing"

	"github.com/snnc/snnc/backend/fpga"
	"github.com/snnc/snnc/ir"
)

// denseNet has inputs input neurons, each with groups delay groups
// (delays 1..groups) of perGroup synapses into a LIF population of
// groups·perGroup neurons: source s reaches target j with delay
// 1 + j/perGroup. Weights are inhibitory, so the LIF neurons never spike
// and every event comes from the inputs, which the test drives.
func denseNet(inputs, groups, perGroup int) *ir.Network {
	lif := groups * perGroup
	b := ir.NewRowBuilder(inputs, inputs*lif)
	for s := range inputs {
		for j := range lif {
			b.Add(s, j, -1-int16((s+j)%200), uint16(1+j/perGroup))
		}
	}
	one := func(x int32) ir.Param { return ir.Param{x} }
	return &ir.Network{
		Source: fmt.Sprintf("dense %d inputs × %d groups × %d", inputs, groups, perGroup),
		Populations: []ir.Population{
			{Name: "in", Size: inputs, Model: ir.ModelInput},
			{Name: "lif", Size: lif, Model: ir.ModelLIF, LIF: &ir.LIFParams{
				Du: one(100), Dv: one(50), Vth: one(10), BiasMant: one(0), BiasExp: one(0),
				Refractory: one(0), U: one(0), V: one(0),
			}},
		},
		Projections: []ir.Projection{{
			Name: "in-lif", From: 0, To: 1, WeightExp: 0, WeightBits: 8,
			SignMode: ir.SignInhibitory, Syn: b.Finish(),
		}},
	}
}

// TestCyclesOneEventPerClock checks the core's throughput on dense loads:
// the deliver phase streams one synaptic event per clock whenever the
// scanner has found one, so a step takes the scan model's cycles (below)
// plus the update phase (slot_count) plus a constant pipeline latency. The
// cycles are the core's own count (ctrl word 24, the D line), in
// simulation: exact and repeatable, not a wall-clock time.
//
// The scan model is the one of hdl/core_deliver.v: the scanner reads the
// history of slots 0..slot_count-1 in order, one clock per slot without a
// set bit and one clock per set bit (group) otherwise; the streamer
// delivers one event per clock. The deliver phase ends when both are done:
// max(scan cycles, max over groups g of (when the scanner finds g +
// events of g and of every later group) + streamLatency). When the scanner is never the
// bottleneck this is max(slot_count + groups, events) of
// docs/fpga-core.md; in general it is at least that.
func TestCyclesOneEventPerClock(t *testing.T) {
	t.Parallel()
	c := icebreaker(t)
	m := model(t, Verilator, c, false)
	for _, sc := range []struct {
		name                   string
		inputs, groups, perGrp int
		rate                   float64 // share of inputs spiking per step
	}{
		{"events dominate", 64, 16, 16, 1},  // 16384 events, 1024 groups, 320 slots
		{"groups dominate", 128, 16, 1, 1},  // 2048 events, 2048 groups, 144 slots
		{"half the inputs", 96, 16, 8, 0.5}, // about 6000 events, 750 groups
	} {
		t.Run(sc.name, func(t *testing.T) {
			t.Parallel()
			const steps = 40
			net := denseNet(sc.inputs, sc.groups, sc.perGrp)
			orig := denseNet(sc.inputs, sc.groups, sc.perGrp)
			inputs := make([][]int32, steps)
			for step := range inputs {
				for i := range sc.inputs {
					if float64((i*7+step*3)%100) < sc.rate*100 {
						inputs[step] = append(inputs[step], int32(i))
					}
				}
			}
			tc, err := prepare(sc.name, orig, net, c, inputs, steps)
			if err != nil {
				t.Fatal(err)
			}
			tr, err := runCase(m, tc)
			if err != nil {
				t.Fatal(err)
			}
			model := coreModel(t, tc)
			lo, hi := 1<<30, -1<<30
			for step := range steps {
				st := model.step(inputs[step])
				r := tr.Cycles[step] - st.Cycles
				lo, hi = min(lo, r), max(hi, r)
				if step < 2 || step == steps/2 {
					t.Logf("step %d: %d cycles, model %d (%d events in %d groups, %d slots, scan %d cycles)",
						step, tr.Cycles[step], st.Cycles, st.Events, st.Groups, tc.im.SlotCount, st.Scan)
				}
			}
			t.Logf("RTL cycles beyond the model: %d..%d", lo, hi)
			if lo < 0 || hi > maxExcess || hi-lo > maxExcessSpread {
				t.Errorf("a step takes %d..%d cycles more than the model; want 0..%d, varying by at most %d (one event per clock, a constant pipeline latency)", lo, hi, maxExcess, maxExcessSpread)
			}
		})
	}
}

// The cycle model is backend/fpga's (timing.go): fpga.CoreSim reports
// each step's modelled cycles. On dense loads the RTL takes exactly the
// model's cycles; the bounds leave a little slack for a retimed pipeline.
const (
	maxExcess       = 4
	maxExcessSpread = 2
)

// stepModel runs a case's image in fpga.CoreSim, the core's semantics
// with its cycle model, one step at a time.
type stepModel struct {
	sim *fpga.CoreSim
	tc  *netCase
}

func coreModel(t *testing.T, tc *netCase) *stepModel {
	t.Helper()
	sim, err := fpga.NewCoreSim(tc.im)
	if err != nil {
		t.Fatal(err)
	}
	return &stepModel{sim: sim, tc: tc}
}

func (m *stepModel) step(inputs []int32) fpga.StepStats {
	m.sim.Step(inputs)
	return m.sim.LastStep()
}

// checkCycles bounds every step's cycles on any network. The model
// assumes the scanner never waits; in the core it waits while its 4-entry
// group-pointer queue is full, that is, while the streamer is busy, which
// can only lengthen the step. So a step takes at least the model's cycles
// and, since in no cycle both the scanner and the streamer wait for
// nothing, at most a serial scan then stream: the model's cycles plus one
// per event. The core's event count must equal the model's.
func checkCycles(tc *netCase, tr *Trace) error {
	sim, err := fpga.NewCoreSim(tc.im)
	if err != nil {
		return err
	}
	for step := range tc.steps {
		sim.Step(at(tc.inputs, step))
		st := sim.LastStep()
		if tr.Events[step] != st.Events {
			return fmt.Errorf("%s: step %d: the core delivered %d events, fpga.CoreSim %d", tc.name, step, tr.Events[step], st.Events)
		}
		lo, hi := st.Cycles, st.Cycles+st.Events+maxExcess
		if c := tr.Cycles[step]; c < lo || c > hi {
			return fmt.Errorf("%s: step %d: %d cycles, want %d..%d: the model's %d (scan %d cycles, %d events in %d groups, %d slots), up to one more per event", tc.name, step, c, lo, hi, st.Cycles, st.Scan, st.Events, st.Groups, tc.im.SlotCount)
		}
	}
	return nil
}
