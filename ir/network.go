// Package ir defines snnc's network IR: populations of neurons and the
// projections of synapses between them, as every later stage sees them.
//
// The frontend (package compiler) builds a Network from net.yaml; passes
// transform it; backends (loihi-sim, fpga) consume it. What backends see
// holds only integers: the meaning of every number is the neuron model of
// docs/neuron-model.md, implemented once in Go by backend/loihi-sim. A
// description may also give float cuba_lif populations (docs/float-model.md):
// they are the input of the quantise pass, which lowers them to lif, and of
// backend/floatsim, their float64 reference.
//
// Synapses are stored per projection as a struct of arrays in CSR order by
// source neuron (see Synapses), eight bytes per synapse, so that 10^8
// synapses take about 800 MB.
package ir

import (
	"fmt"
	"math"
)

// FormatVersion is the net.yaml version this IR describes.
const FormatVersion = 1

// Pos is a position in a source file, for error messages of later stages.
// The zero Pos means "no position known".
type Pos struct {
	File      string
	Line, Col int
}

func (p Pos) String() string {
	switch {
	case p.File == "" && p.Line == 0:
		return ""
	case p.Line == 0:
		return p.File
	}
	return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Col)
}

// Network is a spiking neural network: populations and the projections
// between them. Neurons have global indices: population k occupies
// [Offset(k), Offset(k)+Size) in declaration order.
type Network struct {
	// Source names the description the network came from (for dumps).
	Source string
	// Timestep is the duration of one step in seconds, 0 when not given.
	// It only gives meaning to time units; the arithmetic is in steps.
	Timestep    float64
	Populations []Population
	Projections []Projection
}

// Model names a neuron model.
type Model uint8

const (
	// ModelInput is a spike source: its neurons spike when the stimulus says so.
	ModelInput Model = iota + 1
	// ModelLIF is the integer CUBA LIF of docs/neuron-model.md.
	ModelLIF
	// ModelCUBALIF is the float CUBA LIF of docs/float-model.md, with
	// float weights on the synapses into it; the quantise pass lowers it
	// to ModelLIF.
	ModelCUBALIF
)

// Models lists the model names accepted in net.yaml, in documentation order.
var Models = []Model{ModelInput, ModelLIF, ModelCUBALIF}

func (m Model) String() string {
	switch m {
	case ModelInput:
		return "input"
	case ModelLIF:
		return "lif"
	case ModelCUBALIF:
		return "cuba_lif"
	}
	return fmt.Sprintf("Model(%d)", uint8(m))
}

// ParseModel returns the model named s.
func ParseModel(s string) (Model, bool) {
	for _, m := range Models {
		if m.String() == s {
			return m, true
		}
	}
	return 0, false
}

// Population is a group of neurons of one model.
type Population struct {
	Name  string
	Size  int
	Model Model
	// LIF holds the parameters of a ModelLIF population; nil otherwise.
	LIF *LIFParams
	// CUBA holds the parameters of a ModelCUBALIF population; nil otherwise.
	CUBA *CUBAParams
	// Relay marks relay neurons that the compiler added to carry delays
	// longer than a target holds; their spikes are not outputs.
	Relay bool
	Pos   Pos
}

// Param is one parameter of a population: a single value shared by every
// neuron, or one value per neuron.
type Param []int32

// At returns the parameter of neuron i.
func (p Param) At(i int) int32 {
	if len(p) == 1 {
		return p[0]
	}
	return p[i]
}

// Uniform reports whether every neuron has the same value.
func (p Param) Uniform() bool {
	for _, x := range p {
		if x != p[0] {
			return false
		}
	}
	return true
}

// LIFParams are the parameters of the integer CUBA LIF neuron
// (docs/neuron-model.md gives their meaning). U and V are initial state.
// Reset is one mode for the whole population.
type LIFParams struct {
	Du, Dv, Vth, BiasMant, BiasExp, Refractory, U, V Param
	Reset                                            Reset
}

// Reset is what a spike does to the voltage.
type Reset uint8

const (
	// ResetZero sets v to 0 (Loihi's and Lava's reset).
	ResetZero Reset = iota
	// ResetSubtract subtracts the threshold (vth<<6) from v, keeping what
	// lay above it: the neuron then counts its input without loss, a
	// uniform quantiser of its integral.
	ResetSubtract
)

// Resets lists the reset modes accepted in net.yaml.
var Resets = []Reset{ResetZero, ResetSubtract}

func (r Reset) String() string {
	switch r {
	case ResetZero:
		return "zero"
	case ResetSubtract:
		return "subtract"
	}
	return fmt.Sprintf("Reset(%d)", uint8(r))
}

// ParseReset returns the reset mode named s.
func ParseReset(s string) (Reset, bool) {
	for _, r := range Resets {
		if r.String() == s {
			return r, true
		}
	}
	return 0, false
}

// CUBAParams are the parameters of the float CUBA LIF neuron
// (docs/float-model.md): time constants in steps, >= 0 (+Inf: no decay;
// TauSyn 0: the current lasts one step; TauMem 0: the voltage keeps
// nothing, v = i + bias, a coincidence or linear-threshold unit),
// threshold and bias in the units of the weights. Bias has one value, or
// one per neuron.
type CUBAParams struct {
	TauSyn, TauMem float64
	VTh            float64
	Bias           []float64
	Reset          Reset
}

// Decays returns the decay factors per step, α_syn = exp(-1/TauSyn) and
// α_mem = exp(-1/TauMem) (tau 0: exactly 0; +Inf: exactly 1). The float simulator and the
// quantise pass both take them from here.
func (c *CUBAParams) Decays() (alphaSyn, alphaMem float64) {
	return decayPerStep(c.TauSyn), decayPerStep(c.TauMem)
}

func decayPerStep(tau float64) float64 {
	switch {
	case tau == 0:
		return 0
	case math.IsInf(tau, 1):
		return 1
	}
	return math.Exp(-1 / tau)
}

// BiasAt returns the bias of neuron i.
func (c *CUBAParams) BiasAt(i int) float64 {
	if len(c.Bias) == 1 {
		return c.Bias[0]
	}
	return c.Bias[i]
}

// LIFParam describes one LIF parameter: its net.yaml name, where it lives
// and its allowed range. The table is the single source of those ranges.
type LIFParam struct {
	Name     string
	Min, Max int64
	Default  int64
	Required bool
	Doc      string
	Field    func(*LIFParams) *Param
}

// Limits of the neuron model (docs/neuron-model.md).
const (
	DecayMax    = 4095
	VthMax      = 1<<17 - 1
	BiasMantMin = -(1 << 12)
	BiasMantMax = 1<<12 - 1
	BiasExpMax  = 7
	StateMin    = -(1 << 23) // u and v are 24-bit two's complement
	StateMax    = 1<<23 - 1
	// RefractoryMax bounds the refractory period; targets may allow less.
	RefractoryMax = 65535
)

// LIFParamTable lists the LIF parameters in net.yaml order.
var LIFParamTable = []LIFParam{
	{Name: "du", Min: 0, Max: DecayMax, Doc: "current decay: u loses (du+1)/4096 per step", Field: func(p *LIFParams) *Param { return &p.Du }},
	{Name: "dv", Min: 0, Max: DecayMax, Doc: "voltage decay: v loses dv/4096 per step", Field: func(p *LIFParams) *Param { return &p.Dv }},
	{Name: "vth", Min: 0, Max: VthMax, Required: true, Doc: "threshold mantissa: spike when v > vth<<6", Field: func(p *LIFParams) *Param { return &p.Vth }},
	{Name: "bias_mant", Min: BiasMantMin, Max: BiasMantMax, Doc: "bias mantissa (13-bit signed)", Field: func(p *LIFParams) *Param { return &p.BiasMant }},
	{Name: "bias_exp", Min: 0, Max: BiasExpMax, Doc: "bias exponent: bias = bias_mant << bias_exp", Field: func(p *LIFParams) *Param { return &p.BiasExp }},
	{Name: "refractory", Min: 0, Max: RefractoryMax, Doc: "steps after a spike during which v is held at the value the reset left", Field: func(p *LIFParams) *Param { return &p.Refractory }},
	{Name: "u", Min: StateMin, Max: StateMax, Doc: "initial current", Field: func(p *LIFParams) *Param { return &p.U }},
	{Name: "v", Min: StateMin, Max: StateMax, Doc: "initial voltage", Field: func(p *LIFParams) *Param { return &p.V }},
}

// SignMode is Lava's weight sign mode: it decides how weights are clipped
// and truncated (docs/neuron-model.md, weight preparation).
type SignMode uint8

const (
	SignMixed SignMode = iota + 1
	SignExcitatory
	SignInhibitory
)

var signModeNames = map[SignMode]string{SignMixed: "mixed", SignExcitatory: "excitatory", SignInhibitory: "inhibitory"}

func (s SignMode) String() string {
	if n, ok := signModeNames[s]; ok {
		return n
	}
	return fmt.Sprintf("SignMode(%d)", uint8(s))
}

// ParseSignMode returns the sign mode named s.
func ParseSignMode(s string) (SignMode, bool) {
	for m, n := range signModeNames {
		if n == s {
			return m, true
		}
	}
	return 0, false
}

// DeriveSignMode returns the sign mode Lava derives from weights: all >= 0
// (also all zero, or none) is excitatory, all <= 0 inhibitory, else mixed.
func DeriveSignMode(weights []int16) SignMode {
	var neg, pos bool
	for _, w := range weights {
		neg = neg || w < 0
		pos = pos || w > 0
	}
	switch {
	case !neg:
		return SignExcitatory
	case !pos:
		return SignInhibitory
	}
	return SignMixed
}

// Limits of projections.
const (
	WeightExpMin = -8
	WeightExpMax = 7
	// WeightMin and WeightMax bound weights in the description; weight
	// preparation clips them further to 8 bits.
	WeightMin = -32768
	WeightMax = 32767
	// DefaultWeightBits is Lava's num_weight_bits default.
	DefaultWeightBits = 8
	// MaxDelay is the longest delay the format describes, in steps.
	// Hardware limits belong to target profiles, not to the description.
	MaxDelay = 65535
)

// Projection is a set of synapses from one population to another (or to
// itself). Weight preparation parameters apply to the whole projection.
type Projection struct {
	// Name identifies the projection in messages; "from->to" by default.
	Name       string
	From, To   int // population indices
	WeightExp  int
	WeightBits int
	SignMode   SignMode
	// SignModeDerived records that SignMode was derived from the weights.
	SignModeDerived bool
	Syn             Synapses
	Pos             Pos
}

// Synapses is a projection's synapses in CSR order by source neuron: the
// synapses of source s (an index within the From population) are
// Target[Start[s]:Start[s+1]] and likewise Weight and Delay, with targets
// (indices within the To population) strictly increasing. A (source,
// target) pair has at most one synapse per projection.
//
// Projections into a cuba_lif population carry their weights in
// FloatWeight, and Weight is zero until the quantise pass fills it.
type Synapses struct {
	Start  []int64
	Target []int32
	Weight []int16 // as described, before weight preparation
	Delay  []uint16
	// FloatWeight holds the float weights of a projection into a cuba_lif
	// population; nil otherwise.
	FloatWeight []float64
}

// Len returns the number of synapses.
func (s *Synapses) Len() int { return len(s.Target) }

// Sources returns the number of source neurons.
func (s *Synapses) Sources() int { return max(len(s.Start)-1, 0) }

// Row returns the index range of source src's synapses.
func (s *Synapses) Row(src int) (lo, hi int) { return int(s.Start[src]), int(s.Start[src+1]) }

// MaxDelay returns the longest delay, 0 for no synapses.
func (s *Synapses) MaxDelay() int {
	m := uint16(0)
	for _, d := range s.Delay {
		m = max(m, d)
	}
	return int(m)
}

// Offset returns the global index of population k's first neuron. It is
// O(k): loops over populations use Offsets.
func (n *Network) Offset(k int) int {
	off := 0
	for _, p := range n.Populations[:k] {
		off += p.Size
	}
	return off
}

// Offsets returns every population's first global index, and the number of
// neurons as a last element.
func (n *Network) Offsets() []int {
	offs := make([]int, len(n.Populations)+1)
	for k, p := range n.Populations {
		offs[k+1] = offs[k] + p.Size
	}
	return offs
}

// Outgoing returns, for each population, the projections leaving it, in
// the order of the projection list.
func (n *Network) Outgoing() [][]*Projection {
	out := make([][]*Projection, len(n.Populations))
	for i := range n.Projections {
		pr := &n.Projections[i]
		out[pr.From] = append(out[pr.From], pr)
	}
	return out
}

// Neurons returns the number of neurons in all populations.
func (n *Network) Neurons() int { return n.Offset(len(n.Populations)) }

// Synapses returns the number of synapses in all projections.
func (n *Network) Synapses() int64 {
	var s int64
	for i := range n.Projections {
		s += int64(n.Projections[i].Syn.Len())
	}
	return s
}

// Population returns the index of the population called name, or -1.
func (n *Network) Population(name string) int {
	for i, p := range n.Populations {
		if p.Name == name {
			return i
		}
	}
	return -1
}
