package fpga

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// TestStepInputOncePerStep: the core holds one pending bit per input
// slot, so an input neuron listed twice in one step is a mistake that
// Step reports by panicking, as it does for a neuron that is not an
// input; the step that panics leaves the simulation as it was.
func TestStepInputOncePerStep(t *testing.T) {
	im := mustBuild(t, smallNet(t), hxCore)
	stepPanics := func(s *CoreSim, inputs []int32) (msg string) {
		t.Helper()
		defer func() {
			if r := recover(); r != nil {
				msg, _ = r.(string)
			}
		}()
		s.Step(inputs)
		t.Fatalf("Step(%v) did not panic", inputs)
		return ""
	}
	for _, tc := range []struct {
		inputs []int32
		want   string
	}{
		{[]int32{0, 1, 0}, "fpga: input spike for neuron 0 twice in one step (an input neuron spikes at most once per step)"},
		{[]int32{1, 1}, "fpga: input spike for neuron 1 twice in one step"},
		{[]int32{0, 2}, "fpga: input spike for neuron 2, which is not an input neuron"},
		{[]int32{1, 7}, "fpga: input spike for neuron 7, which is not an input neuron"},
	} {
		got, err := NewCoreSim(im)
		if err != nil {
			t.Fatal(err)
		}
		want, _ := NewCoreSim(im)
		// Neurons 0 and 1 are the inputs; their spikes reach a and b
		// after 1 and 2 steps.
		for _, in := range [][]int32{{0, 1}, {1}} {
			got.Step(in)
			want.Step(in)
		}
		if msg := stepPanics(got, tc.inputs); !strings.HasPrefix(msg, tc.want) {
			t.Errorf("Step(%v) panics with %q, want %q", tc.inputs, msg, tc.want)
		}
		for step, in := range [][]int32{nil, {0}, nil, nil, {0, 1}, nil, nil, nil, nil, nil} {
			w, g := want.Step(in), got.Step(in)
			if d := cmp.Diff(w, g, cmpopts.EquateEmpty()); d != "" {
				t.Fatalf("after Step(%v) panicked: step %d spikes differ (-untouched +after the panic):\n%s", tc.inputs, step, d)
			}
			for n := range int32(7) {
				if int(im.SlotOf[n]) < im.NeuronCount && want.State(int(n)) != got.State(int(n)) {
					t.Fatalf("after Step(%v) panicked: step %d neuron %d state %+v, want %+v", tc.inputs, step, n, got.State(int(n)), want.State(int(n)))
				}
			}
		}
	}
}
