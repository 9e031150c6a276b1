package randnet

import (
	"reflect"
	"testing"

	"github.com/snnc/snnc/ir"
)

// Reset changes nothing but the reset modes: its draws come from a stream
// of their own, so tests that pick seeds for their content keep it. About
// half of the LIF populations reset by subtraction, and the networks are
// valid.
func TestResetOption(t *testing.T) {
	pops, subtract := 0, 0
	for seed := range uint64(50) {
		o := Options{MaxDelay: 12, Refractory: true}
		plain := Network(seed, o)
		o.Reset = true
		net := Network(seed, o)
		if err := net.Validate(); err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		if !reflect.DeepEqual(net, Network(seed, o)) {
			t.Fatalf("seed %d: two networks from one seed differ", seed)
		}
		for k := range net.Populations {
			lp := net.Populations[k].LIF
			if lp == nil {
				continue
			}
			pops++
			if lp.Reset == ir.ResetSubtract {
				subtract++
			}
			if plain.Populations[k].LIF.Reset != ir.ResetZero {
				t.Fatalf("seed %d: population %d resets by subtraction without the option", seed, k)
			}
			lp.Reset = ir.ResetZero
		}
		if !reflect.DeepEqual(net, plain) {
			t.Errorf("seed %d: the option changed more than the reset modes", seed)
		}
	}
	if subtract < pops/4 || subtract > pops*3/4 {
		t.Errorf("%d of %d populations reset by subtraction, want about half", subtract, pops)
	}
}
