// Package energy estimates the energy a network's inference takes with the
// analytical model of Lemaire et al. ("An Analytical Estimation of Spiking
// Neural Networks Energy Efficiency", ICONIP 2022), layer by layer, for
// the network run as a spiking network and as a conventional (non-spiking)
// one of the same shape. docs/energy.md gives the model and its limits.
//
// Three things meet here:
//   - Counts: what happened on one projection (synapses, spikes in and
//     out, synaptic events, steps) and the word width and FIFO depth of
//     the memories. The counts come from elsewhere, usually a simulation;
//     this package simulates nothing.
//   - Tech: the energy of one addition, one multiplication and one access
//     to an SRAM of n words of b bits, in pJ. The figures are data files
//     (tech/*.yaml), replaceable by a user's own.
//   - Breakdown: the energy of one projection or of a whole network in
//     six terms (operations, addressing, weights, bias, potentials, input
//     and output) and their total.
//
// Every function is pure: the same counts and tech give the same figures.
package energy

// Counts are what the model needs to know of one projection, a layer in
// Lemaire et al.'s terms: from a population of Sources neurons into one of
// Targets neurons.
type Counts struct {
	Sources        int64 `json:"n_in"`            // N_in: neurons of the source population
	Targets        int64 `json:"n_out"`           // N_out: neurons of the target population
	Synapses       int64 `json:"synapses"`        // W: synapses of the projection
	Steps          int64 `json:"steps"`           // T: steps the spiking network ran
	InputSpikes    int64 `json:"input_spikes"`    // S_in: spikes of the source population over the T steps
	OutputSpikes   int64 `json:"output_spikes"`   // S_out: spikes of the target population over the T steps
	SynapticEvents int64 `json:"synaptic_events"` // SE: the sum over input spikes of their fan-out in this projection
	// Leaks tells whether the target neurons decay (a multiply-accumulate
	// per neuron and step).
	Leaks bool  `json:"leaks"`
	Bits  int   `json:"bits"` // b: bits of a word in every memory
	FIFO  int64 `json:"fifo"` // F: entries of the input/output FIFO
}

// Breakdown is an energy in pJ, term by term.
type Breakdown struct {
	Ops        float64 `json:"ops"`        // additions and multiply-accumulates
	Addressing float64 `json:"addressing"` // an addition per synapse read, to find it
	Weights    float64 `json:"weights"`    // reading the weights
	Bias       float64 `json:"bias"`       // reading the biases
	Potentials float64 `json:"potentials"` // reading and writing membrane potentials
	IO         float64 `json:"io"`         // the input and output FIFO (spiking) or activations (conventional)
	Total      float64 `json:"total"`
}

// sum sets Total to the sum of the six terms.
func (b Breakdown) sum() Breakdown {
	b.Total = b.Ops + b.Addressing + b.Weights + b.Bias + b.Potentials + b.IO
	return b
}

// Add returns the term-by-term sum of b and o.
func (b Breakdown) Add(o Breakdown) Breakdown {
	return Breakdown{
		Ops:        b.Ops + o.Ops,
		Addressing: b.Addressing + o.Addressing,
		Weights:    b.Weights + o.Weights,
		Bias:       b.Bias + o.Bias,
		Potentials: b.Potentials + o.Potentials,
		IO:         b.IO + o.IO,
		Total:      b.Total + o.Total,
	}
}

// SpikingOps returns the operations of the spiking projection: additions
// (one per synaptic event, a bias addition per neuron and step, a reset per
// output spike) and multiply-accumulates (the leak, one per neuron and step
// when the neurons decay).
func SpikingOps(c Counts) (adds, macs int64) {
	neuronSteps := c.Steps * c.Targets
	adds = c.SynapticEvents + neuronSteps + c.OutputSpikes
	if c.Leaks {
		macs = neuronSteps
	}
	return adds, macs
}

// Spiking returns the energy of the projection run as a spiking network
// for c.Steps steps.
func Spiking(c Counts, t *Tech) Breakdown {
	adds, macs := SpikingOps(c)
	se := float64(c.SynapticEvents)
	neuronSteps := float64(c.Steps) * float64(c.Targets)
	potential := t.RAM(c.Targets, c.Bits)
	return Breakdown{
		Ops:        float64(adds)*t.AddPJ + float64(macs)*(t.MulPJ+t.AddPJ),
		Addressing: se * t.AddPJ,
		Weights:    se * t.RAM(c.Synapses, c.Bits),
		Bias:       neuronSteps * potential,
		Potentials: 2 * (se + neuronSteps) * potential,
		IO:         float64(c.InputSpikes+c.OutputSpikes) * t.RAM(c.FIFO, c.Bits),
	}.sum()
}

// Conventional returns the energy of one inference of the projection run
// as a conventional network: a multiply-accumulate per synapse, a bias
// addition per target neuron, every input and output activation read or
// written once, and no membrane potentials.
func Conventional(c Counts, t *Tech) Breakdown {
	w := float64(c.Synapses)
	nOut := float64(c.Targets)
	return Breakdown{
		Ops:        w*(t.MulPJ+t.AddPJ) + nOut*t.AddPJ,
		Addressing: w * t.AddPJ,
		Weights:    w * t.RAM(c.Synapses, c.Bits),
		Bias:       nOut * t.RAM(c.Targets, c.Bits),
		IO:         float64(c.Sources)*t.RAM(c.Sources, c.Bits) + nOut*t.RAM(c.Targets, c.Bits),
	}.sum()
}
