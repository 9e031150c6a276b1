package loihisim

import (
	"slices"
	"testing"

	"github.com/snnc/snnc/ir"
)

// Lava's test of PyLifModelBitAcc: one input spike of weight 128 into a
// neuron with du=0, dv=2048 and a high threshold; v on the step the spike
// arrives and the seven after it.
func TestGoldenLavaVoltageTrace(t *testing.T) {
	net := &ir.Network{Populations: []ir.Population{inputPop("in", 1), lifPop("n", 1, 0, 2048, ir.VthMax, 0, 0, 0)}}
	net.Projections = []ir.Projection{projection(t, 0, 1, 1, 0, 8, []ir.Synapse{{Source: 0, Target: 0, Weight: 128, Delay: 1}})}
	s := newSim(t, net, Options{})
	s.Step([]int32{0})
	var got []int32
	for range 8 {
		s.Step(nil)
		got = append(got, s.State(1).V)
	}
	want := []int32{8192, 12286, 14331, 15351, 15859, 16111, 16235, 16295}
	if !slices.Equal(got, want) {
		t.Errorf("v = %v, want %v", got, want)
	}
}

// Lava's weight preparation: mixed weights [300, -300, 39] with 8 bits and
// weight_exp 1 arrive as 254, -256, 38 times 2^7.
func TestGoldenMixedWeights(t *testing.T) {
	var got []int32
	for _, w := range []int32{300, -300, 39} {
		got = append(got, Increment(PrepareWeight(w, ir.DeriveSignMode([]int16{300, -300, 39}), 8), 1))
	}
	want := []int32{254 << 7, -256 << 7, 38 << 7}
	if !slices.Equal(got, want) {
		t.Errorf("increments = %v, want %v", got, want)
	}
}

func TestPrepareWeight(t *testing.T) {
	tests := []struct {
		w    int32
		mode ir.SignMode
		bits int
		want int32
	}{
		{-77, ir.SignMixed, 8, -78},
		{39, ir.SignMixed, 8, 38},
		{-77, ir.SignInhibitory, 6, -76},
		{77, ir.SignExcitatory, 6, 76},
		{-5, ir.SignExcitatory, 8, 0},
		{5, ir.SignInhibitory, 8, 0},
		{-1000, ir.SignInhibitory, 8, -255},
		{1000, ir.SignExcitatory, 8, 255},
		{1000, ir.SignMixed, 8, 254},
		{-1000, ir.SignMixed, 8, -256},
		{255, ir.SignExcitatory, 1, 128},
		{127, ir.SignExcitatory, 1, 0},
		{-255, ir.SignInhibitory, 1, -128},
		{-1, ir.SignMixed, 1, -256},
		{255, ir.SignMixed, 1, 0},
	}
	for _, tt := range tests {
		if got := PrepareWeight(tt.w, tt.mode, tt.bits); got != tt.want {
			t.Errorf("PrepareWeight(%d, %v, %d) = %d, want %d", tt.w, tt.mode, tt.bits, got, tt.want)
		}
	}
}

func TestIncrement(t *testing.T) {
	tests := []struct{ w, exp, want int32 }{
		{1, 0, 64}, {255, 7, 255 << 13}, {-256, 7, -256 << 13}, {3, -6, 3}, {3, -7, 1}, {-3, -7, -2}, {-1, -8, -1}, {5, -8, 1},
	}
	for _, tt := range tests {
		if got := Increment(tt.w, int(tt.exp)); got != tt.want {
			t.Errorf("Increment(%d, %d) = %d, want %d", tt.w, tt.exp, got, tt.want)
		}
	}
}

func TestNeuronUpdateEdges(t *testing.T) {
	// du = 4095 clears u; du = 0 still decays by 1/4096, rounding toward zero.
	c := Configure(4095, 0, ir.VthMax, 0, 0, 0, ir.ResetZero)
	n := Neuron{U: 1 << 20}
	c.Update(&n, 0)
	if n.U != 0 {
		t.Errorf("du=4095: u = %d, want 0", n.U)
	}
	c = Configure(0, 0, ir.VthMax, 0, 0, 0, ir.ResetZero)
	n = Neuron{U: -4097}
	c.Update(&n, 0)
	if n.U != -4095 { // -4097·4095/4096 = -4095.9998
		t.Errorf("du=0: u = %d, want -4095", n.U)
	}
	// u wraps at 24 bits: 8388607 decays to 8386559, +4096 passes 2^23.
	n = Neuron{U: ir.StateMax}
	c.Update(&n, 4096)
	if want := int32(8386559 + 4096 - 1<<24); n.U != want {
		t.Errorf("wrap: u = %d, want %d", n.U, want)
	}
	// v saturates at ±(2^23-1).
	c = Configure(4095, 0, ir.VthMax, 0, 0, 0, ir.ResetZero)
	n = Neuron{V: -ir.StateMax}
	c.Update(&n, -1<<22)
	if n.V != ir.StateMin+1 {
		t.Errorf("clip: v = %d, want %d", n.V, ir.StateMin+1)
	}
	// Strict threshold: v == vth<<6 does not spike, one more does.
	c = Configure(4095, 4095, 10, 0, 0, 0, ir.ResetZero)
	n = Neuron{}
	if c.Update(&n, 640) {
		t.Error("spiked at v == vth<<6")
	}
	n = Neuron{}
	if !c.Update(&n, 641) || n.V != 0 {
		t.Errorf("no spike or no reset at v = vth<<6 + 1: v = %d", n.V)
	}
	// Bias is bias_mant << bias_exp.
	c = Configure(0, 4095, ir.VthMax, -3, 7, 0, ir.ResetZero)
	n = Neuron{}
	c.Update(&n, 0)
	if n.V != -384 {
		t.Errorf("bias: v = %d, want -384", n.V)
	}
}

// A refractory neuron is held at v = 0 for r steps after a spike while u
// keeps integrating; then it spikes again at once under a constant drive.
func TestRefractory(t *testing.T) {
	c := Configure(4095, 4095, 0, 1, 0, 3, ir.ResetZero) // bias 1 > threshold 0: spikes whenever allowed
	n := Neuron{}
	var spikes []int
	for step := range 12 {
		if c.Update(&n, 0) {
			spikes = append(spikes, step)
		}
		if n.Refractory > 0 && n.V != 0 {
			t.Fatalf("step %d: v = %d during refractory period", step, n.V)
		}
	}
	if want := []int{0, 4, 8}; !slices.Equal(spikes, want) {
		t.Errorf("spikes at %v, want %v", spikes, want)
	}
}

// Reset by subtraction keeps what lay above the threshold, and a
// refractory neuron holds that residue. A neuron with no voltage leak
// (dv = 0) and u cleared each step (du = 4095) whose v gains a constant
// x > 0 per step fires min(T, ⌈T·x/θ⌉ − 1) times in T steps, θ = vth·64,
// with the strict threshold: after T steps v = T·x − N·θ, which the reset
// keeps in (0, θ] while x <= θ. The spiking neuron is then a uniform
// quantiser of its input's integral.
func TestResetSubtractCountsInput(t *testing.T) {
	ceilDiv := func(a, b int64) int64 { return (a + b - 1) / b }
	for _, vth := range []int32{1, 3, 100, 1000} {
		theta := int64(vth) << 6
		for _, x := range []int64{1, 7, 63, 64, 65, theta / 3, theta / 2, theta - 1, theta, theta + 1, 2*theta + 5} {
			if x <= 0 || x > 4095<<7 {
				continue
			}
			// x enters once as bias and once as synaptic input: both paths.
			for _, viaInput := range []bool{false, true} {
				mant, exp := int32(x), int32(0)
				for mant > ir.BiasMantMax {
					mant, exp = mant>>1, exp+1
				}
				if int64(mant)<<exp != x {
					continue
				}
				c := Configure(4095, 0, vth, mant, exp, 0, ir.ResetSubtract)
				in := int32(0)
				if viaInput {
					c = Configure(4095, 0, vth, 0, 0, 0, ir.ResetSubtract)
					in = int32(x)
				}
				n := Neuron{}
				var count int64
				for step := int64(1); step <= 500; step++ {
					if c.Update(&n, in) {
						count++
					}
					if want := min(step, ceilDiv(step*x, theta)-1); count != want {
						t.Fatalf("vth %d, x %d (input %v): %d spikes after %d steps, want %d", vth, x, viaInput, count, step, want)
					}
				}
			}
		}
	}
}

func TestResetSubtractResidueAndRefractoryHold(t *testing.T) {
	c := Configure(4095, 0, 10, 0, 0, 2, ir.ResetSubtract) // θ = 640
	n := Neuron{V: 600}
	if !c.Update(&n, 100) || n.V != 60 { // 700 > 640: keeps 60
		t.Fatalf("spike with residue: v = %d, want 60", n.V)
	}
	for step := range 2 { // held at 60 whatever the input
		if c.Update(&n, 5000) || n.V != 60 {
			t.Fatalf("refractory step %d: v = %d, want 60 held", step, n.V)
		}
	}
	if !c.Update(&n, 5000) || n.V != 60+5000-640 {
		t.Errorf("after the period: v = %d, want %d", n.V, 60+5000-640)
	}
	// At the clamp: v - θ stays in range.
	n = Neuron{V: ir.StateMax}
	if !c.Update(&n, 1<<22) || n.V != ir.StateMax-640 {
		t.Errorf("at the clamp: v = %d, want %d", n.V, ir.StateMax-640)
	}
}
