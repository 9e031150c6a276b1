// Package loihisim is snnc's reference: a bit-accurate simulator of the
// integer CUBA LIF neuron of Intel Loihi as Lava's bit-accurate models
// compute it (docs/neuron-model.md). Every other stage of snnc — mapping,
// the Verilog core, the board — is checked spike for spike against it.
//
// model.go holds the arithmetic, once: the neuron update, weight
// preparation and synaptic scaling. sim.go drives it over a network with
// event-driven synapses.
package loihisim

import "github.com/snnc/snnc/ir"

// Fixed-point constants of the model (Lava's decay_shift, decay_unity,
// ds_offset, vth_shift and act_shift).
const (
	decayShift = 12
	decayUnity = 1 << decayShift
	vthShift   = 6
	actShift   = 6
)

// Neuron is the state of one LIF neuron.
type Neuron struct {
	U, V int32
	// Refractory counts the steps left during which v is held at 0.
	Refractory int32
}

// NeuronConfig is a LIF neuron's parameters, pre-computed for the update.
type NeuronConfig struct {
	DecayU     int32 // 4096 - du - 1
	DecayV     int32 // 4096 - dv
	Bias       int32 // bias_mant << bias_exp
	Threshold  int32 // vth << 6
	Refractory int32 // steps v is held at 0 after a spike
}

// Configure pre-computes a neuron's update constants from its parameters.
func Configure(du, dv, vth, biasMant, biasExp, refractory int32) NeuronConfig {
	return NeuronConfig{
		DecayU:     decayUnity - du - 1,
		DecayV:     decayUnity - dv,
		Bias:       biasMant << biasExp,
		Threshold:  vth << vthShift,
		Refractory: refractory,
	}
}

// Update advances neuron n by one step with synaptic input in, the sum of
// the increments arriving this step accumulated modulo 2^24 (or 2^32: only
// the low 24 bits matter). It reports whether the neuron spiked.
func (c *NeuronConfig) Update(n *Neuron, in int32) bool {
	n.U = wrap24(decay(n.U, c.DecayU) + in)
	if n.Refractory > 0 {
		n.Refractory--
		n.V = 0
		return false
	}
	v := decay(n.V, c.DecayV) + n.U + c.Bias
	if v > c.Threshold {
		n.V = 0
		n.Refractory = c.Refractory
		return true
	}
	n.V = min(max(v, ir.StateMin+1), ir.StateMax)
	return false
}

// decay returns x·factor/4096 rounded toward zero; the product needs 64 bits.
func decay(x, factor int32) int32 {
	p := int64(x) * int64(factor)
	if p < 0 {
		return -int32(-p >> decayShift)
	}
	return int32(p >> decayShift)
}

// wrap24 keeps the low 24 bits of x as a two's complement number.
func wrap24(x int32) int32 { return x << 8 >> 8 }

// PrepareWeight applies Lava's weight preparation to one weight of a
// projection: clip to the sign mode's 8-bit range, then drop the low bits
// that weightBits (1..8) does not keep — on the signed value for mixed and
// excitatory projections, on the magnitude for inhibitory ones.
func PrepareWeight(w int32, mode ir.SignMode, weightBits int) int32 {
	k := 8 - weightBits
	switch mode {
	case ir.SignMixed:
		k++
		w = min(max(w, -256), 255)
		return w >> k << k
	case ir.SignExcitatory:
		w = min(max(w, 0), 255)
		return w >> k << k
	case ir.SignInhibitory:
		m := -min(max(w, -255), 0)
		return -(m >> k << k)
	}
	panic("loihisim: unknown sign mode " + mode.String())
}

// Increment is what one spike through a synapse of prepared weight w adds
// to its target's input: w·2^(6+weightExp). Below weightExp = -6 the
// scaling rounds toward minus infinity, per synapse, as Loihi does.
func Increment(w int32, weightExp int) int32 {
	if s := actShift + weightExp; s >= 0 {
		return w << s
	} else {
		return w >> -s
	}
}
