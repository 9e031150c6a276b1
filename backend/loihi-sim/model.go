// Package loihisim is snnc's reference: a bit-accurate simulator of the
// integer CUBA LIF neuron of Intel Loihi as Lava's bit-accurate models
// compute it (docs/neuron-model.md). Every other stage of snnc — mapping,
// the Verilog core, the board — is checked spike for spike against it.
//
// model.go holds the arithmetic, once: the neuron update (integrate and
// fire, used by Update and updateNeurons),
// weight preparation and synaptic scaling. update_amd64.s is the neuron
// update again, 8 neurons at a time with AVX2, for populations that share
// one configuration; tests hold it equal to updateNeurons. sim.go drives
// them over a network with event-driven synapses, on one goroutine or a
// team of them (team.go).
package loihisim

import "github.com/snnc/snnc/ir"

// Fixed-point constants of the model (Lava's decay_shift, decay_unity,
// ds_offset, vth_shift and act_shift).
const (
	decayShift = 12
	decayUnity = 1 << decayShift
	vthShift   = 6
	actShift   = 6

	// v's range after an update (u's is 24 bits by wrapping).
	stateLowest  = ir.StateMin + 1
	stateHighest = ir.StateMax
)

// Neuron is the state of one LIF neuron.
type Neuron struct {
	U, V int32
	// Refractory counts the steps left during which v is held.
	Refractory int32
}

// NeuronConfig is a LIF neuron's parameters, pre-computed for the update.
type NeuronConfig struct {
	DecayU     int32 // 4096 - du - 1
	DecayV     int32 // 4096 - dv
	Bias       int32 // bias_mant << bias_exp
	Threshold  int32 // vth << 6
	Refractory int32 // steps v is held after a spike
	// ResetKeep is what a spike keeps of v - Threshold, as a mask: 0 for
	// reset to zero, -1 for reset by subtraction.
	ResetKeep int32
}

// Configure pre-computes a neuron's update constants from its parameters.
func Configure(du, dv, vth, biasMant, biasExp, refractory int32, reset ir.Reset) NeuronConfig {
	c := NeuronConfig{
		DecayU:     decayUnity - du - 1,
		DecayV:     decayUnity - dv,
		Bias:       biasMant << biasExp,
		Threshold:  vth << vthShift,
		Refractory: refractory,
	}
	if reset == ir.ResetSubtract {
		c.ResetKeep = -1
	}
	return c
}

// Update advances neuron n by one step with synaptic input in, the sum of
// the increments arriving this step accumulated modulo 2^24 (or 2^32: only
// the low 24 bits matter). It reports whether the neuron spiked.
func (c *NeuronConfig) Update(n *Neuron, in int32) bool {
	var v int32
	n.U, v = c.integrate(n.U, n.V, in)
	var spiked bool
	n.Refractory, n.V, spiked = c.fire(n.Refractory, n.V, v)
	return spiked
}

// integrate decays u and adds the input, then decays v and adds u and the
// bias. It returns the new u and the candidate v, which fire settles.
//
// v is clamped before the comparison with the threshold: the threshold
// (at most (2^17-1)·64) lies below the clamp's upper bound, so whether a
// neuron spikes does not change, and the clamp needs no branch.
func (c *NeuronConfig) integrate(u, v, in int32) (int32, int32) {
	u = wrap24(decay(u, c.DecayU) + in)
	return u, min(max(decay(v, c.DecayV)+u+c.Bias, stateLowest), stateHighest)
}

// fire applies the refractory period and the threshold to a candidate v:
// it returns the new refractory count and v, and whether the neuron spiked.
// While refractory, v holds what the reset left: its value from before
// the step after a reset by subtraction, 0 after a reset to zero (which
// is also its value before the step, since the reset set it). A spike
// leaves v - Threshold (reset by subtraction) or 0: the candidate is
// clamped, so v > Threshold and the difference is in range.
func (c *NeuronConfig) fire(refractory, before, v int32) (int32, int32, bool) {
	switch {
	case refractory > 0:
		return refractory - 1, before & c.ResetKeep, false
	case v > c.Threshold:
		return c.Refractory, (v - c.Threshold) & c.ResetKeep, true
	}
	return refractory, v, false
}

// updateNeurons is Update for the neurons of one run, in the shape the
// simulator needs to be fast: separate arrays of u, v, refractory counts
// and inputs. cfg is one configuration for every neuron (length 1) or one
// per neuron. Each input is cleared once read. The indices of the neurons
// that spike, plus base, are appended to spikes.
func updateNeurons(cfg []NeuronConfig, u, v, refractory, in []int32, base int32, spikes []int32) []int32 {
	n := len(u)
	v, refractory, in = v[:n], refractory[:n], in[:n]
	perNeuron := 0 // index mask into cfg: 0 for a shared configuration
	if len(cfg) > 1 {
		cfg = cfg[:n]
		perNeuron = -1
	}
	for i := range n {
		c := &cfg[i&perNeuron]
		x, y := c.integrate(u[i], v[i], in[i])
		r, y, spiked := c.fire(refractory[i], v[i], y)
		u[i], v[i], refractory[i], in[i] = x, y, r, 0
		if spiked {
			spikes = appendSpike(spikes, base+int32(i))
		}
	}
	return spikes
}

// appendSpike is append, kept out of updateNeurons's loop: inlined there,
// the growing of the slice takes registers the loop needs.
//
//go:noinline
func appendSpike(spikes []int32, i int32) []int32 { return append(spikes, i) }

// decay returns x·factor/4096 rounded toward zero; the product needs 64
// bits. A negative product is rounded up by adding 4095 before the
// arithmetic shift, without a branch: the sign of u and v changes from
// step to step, and a mispredicted branch costs more than the update.
func decay(x, factor int32) int32 {
	p := int64(x) * int64(factor)
	return int32((p + (p>>63)&(decayUnity-1)) >> decayShift)
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
