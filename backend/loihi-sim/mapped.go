package loihisim

import (
	"fmt"
	"slices"

	"github.com/snnc/snnc/ir"
)

// CoreUsage is what one core of a mapping uses of each limit.
type CoreUsage struct {
	Neurons     int   `json:"neurons"`
	InputAxons  int   `json:"input_axons"`
	OutputAxons int   `json:"output_axons"`
	Synapses    int64 `json:"synapses"`
	SynapseBits int64 `json:"synapse_bits"`
}

// Usage computes from scratch what every core of m uses. An input axon of
// core c is a source neuron with synapses into c; an output axon of core c
// is a (neuron on c, destination core) pair: the two are the same pairs
// seen from either end.
func Usage(m *ir.Mapped, p *Profile) []CoreUsage {
	use := make([]CoreUsage, len(m.Cores))
	net := m.Net
	offs := net.Offsets()
	for _, c := range m.CoreOf {
		if c >= 0 {
			use[c].Neurons++
		}
	}
	stamp := make([]int32, len(m.Cores)) // last source (+1) that reached each core
	outgoing := net.Outgoing()
	for k, pop := range net.Populations {
		projs := outgoing[k]
		for s := range pop.Size {
			src := offs[k] + s
			for _, pr := range projs {
				lo, hi := pr.Syn.Row(s)
				for i := lo; i < hi; i++ {
					ct := m.CoreOf[offs[pr.To]+int(pr.Syn.Target[i])]
					use[ct].Synapses++
					if stamp[ct] != int32(src+1) {
						stamp[ct] = int32(src + 1)
						use[ct].InputAxons++
						if cs := m.CoreOf[src]; cs >= 0 {
							use[cs].OutputAxons++
						}
					}
				}
			}
		}
	}
	for c := range use {
		use[c].SynapseBits = use[c].Synapses*int64(p.Core.SynapseBits) + int64(use[c].InputAxons)*int64(p.Core.InputAxonBits)
	}
	return use
}

// LimitError is a mapping that breaks a limit of its target.
type LimitError struct {
	Target string
	Core   int
	Limit  string // the profile field, as "core.input_axons"
	Value  int64
	Max    int64
}

func (e *LimitError) Error() string {
	return fmt.Sprintf("core %d uses %d of %s, more than the %d a %s core holds", e.Core, e.Value, e.Limit, e.Max, e.Target)
}

// Check verifies every limit of p on m from scratch: structure, neurons,
// input and output axons, synapse memory, delays, weight bits and chips.
func (p *Profile) Check(m *ir.Mapped) error {
	if err := m.Validate(); err != nil {
		return err
	}
	if m.Target != p.Name {
		return fmt.Errorf("a mapping for target %q checked against %q", m.Target, p.Name)
	}
	for i := range m.Net.Projections {
		pr := &m.Net.Projections[i]
		if d := pr.Syn.MaxDelay(); d > p.Core.MaxDelay {
			return fmt.Errorf("projection %q has delay %d; a %s core holds delays up to %d (core.max_delay)", pr.Name, d, p.Name, p.Core.MaxDelay)
		}
		if pr.WeightBits > p.Core.WeightBits {
			return fmt.Errorf("projection %q has weight_bits %d; a %s core holds %d (core.weight_bits)", pr.Name, pr.WeightBits, p.Name, p.Core.WeightBits)
		}
	}
	chips := 0
	for i, c := range m.Cores {
		if c.X < 0 || c.X >= p.Chip.MeshWidth || c.Y < 0 || c.Y >= p.Chip.MeshHeight || c.Chip < 0 {
			return fmt.Errorf("core %d at chip %d (%d, %d) is off the %d x %d mesh", i, c.Chip, c.X, c.Y, p.Chip.MeshWidth, p.Chip.MeshHeight)
		}
		chips = max(chips, c.Chip+1)
	}
	if p.Chip.MaxChips > 0 && chips > p.Chip.MaxChips {
		return fmt.Errorf("the mapping uses %d chips; the %s target has %d (chip.max_chips)", chips, p.Name, p.Chip.MaxChips)
	}
	seen := map[ir.Core]int{}
	for i, c := range m.Cores {
		if j, dup := seen[c]; dup {
			return fmt.Errorf("cores %d and %d share chip %d (%d, %d)", j, i, c.Chip, c.X, c.Y)
		}
		seen[c] = i
	}
	for c, u := range Usage(m, p) {
		for _, l := range []struct {
			name       string
			value, max int64
		}{
			{"core.neurons", int64(u.Neurons), int64(p.Core.Neurons)},
			{"core.input_axons", int64(u.InputAxons), int64(p.Core.InputAxons)},
			{"core.output_axons", int64(u.OutputAxons), int64(p.Core.OutputAxons)},
			{"core.synapse_memory_bits", u.SynapseBits, p.Core.SynapseMemoryBits},
		} {
			if l.value > l.max {
				return &LimitError{Target: p.Name, Core: c, Limit: l.name, Value: l.value, Max: l.max}
			}
		}
	}
	return nil
}

// MappedSim runs a mapped network core by core, as the chip would: each
// core updates its own neurons from its own delay ring; a spike leaves its
// core once per output axon as a message routed XY over the mesh to the
// destination core, whose input axon fans it out to that core's synapses.
// It computes exactly what Sim computes (tests hold it to that) and counts
// the traffic.
type MappedSim struct {
	m    *ir.Mapped
	mesh *Mesh
	step int

	neurons []Neuron // by global index; a core touches only its own
	config  []NeuronConfig
	cores   []simCore
	// out[outStart[g]:outStart[g+1]] are neuron g's output axons.
	outStart []int32
	out      []outAxon
	isInput  []bool

	spikes  []int32
	traffic Traffic
	pop     []int32 // population of each neuron
	stats   Stats
}

type simCore struct {
	neurons   []int32   // global indices, increasing
	ring      [][]int32 // ring[t & mask][local neuron]: input at step t
	axonStart []int32   // synapses of input axon a: syn[axonStart[a]:axonStart[a+1]]
	syn       []coreSynapse
}

type coreSynapse struct {
	local     int32 // target's index on the core
	increment int32
	delay     uint16
}

type outAxon struct {
	core, axon int32
}

// Traffic counts what a mapped simulation sent over the mesh.
type Traffic struct {
	Steps int `json:"steps"`
	// Messages counts spike messages between cores; LocalMessages those
	// that stay on their core; HostMessages the input spikes the host
	// injects (one per input neuron and destination core).
	Messages      int64 `json:"messages"`
	LocalMessages int64 `json:"local_messages"`
	HostMessages  int64 `json:"host_messages"`
	// Hops is the hop-weighted traffic: messages times their hops.
	Hops         int64 `json:"hops"`
	ChipMessages int64 `json:"chip_messages"` // messages that cross chips
	// PerCore counts messages each core sent and received.
	Sent     []int64 `json:"sent_per_core"`
	Received []int64 `json:"received_per_core"`
	// MaxLinkLoad is the most messages any one directed link carried;
	// Links lists every link that carried any, ordered by position.
	MaxLinkLoad int64      `json:"max_link_load"`
	Links       []LinkLoad `json:"links"`
	// links[((y*width)+x)*4+d] counts messages leaving the core at (x, y)
	// in linkDirections[d].
	links []int64
	width int
}

// linkDirections are the directions of links, in the order Links lists them.
var linkDirections = [4]string{"+x", "+y", "-x", "-y"}

// LinkLoad is the messages one directed link of the global mesh carried:
// from the core at (X, Y) one step in Direction ("+x", "-x", "+y", "-y").
type LinkLoad struct {
	X         int    `json:"x"`
	Y         int    `json:"y"`
	Direction string `json:"direction"`
	Messages  int64  `json:"messages"`
}

// NewMapped prepares a core-by-core simulation of m on target p after
// checking every limit.
func NewMapped(m *ir.Mapped, p *Profile) (*MappedSim, error) {
	if err := p.Check(m); err != nil {
		return nil, err
	}
	net := m.Net
	n := net.Neurons()
	s := &MappedSim{
		m: m, mesh: NewMesh(m, p),
		neurons: make([]Neuron, n), config: make([]NeuronConfig, n), isInput: make([]bool, n),
		cores:    make([]simCore, len(m.Cores)),
		outStart: make([]int32, n+1),
	}
	s.traffic.Sent = make([]int64, len(m.Cores))
	s.traffic.Received = make([]int64, len(m.Cores))
	// XY paths stay within the box their ends span: the box of all cores.
	w, h := 0, 0
	for c := range m.Cores {
		gx, gy := s.mesh.Global(c)
		w, h = max(w, gx+1), max(h, gy+1)
	}
	s.traffic.links, s.traffic.width = make([]int64, w*h*4), w
	s.pop = make([]int32, n)
	s.stats.Spikes = make([]int64, len(net.Populations))
	offs := net.Offsets()
	local := make([]int32, n)
	for k, pop := range net.Populations {
		for i := range pop.Size {
			g := offs[k] + i
			s.pop[g] = int32(k)
			if pop.Model == ir.ModelInput {
				s.isInput[g] = true
				continue
			}
			lp := pop.LIF
			s.config[g] = Configure(lp.Du.At(i), lp.Dv.At(i), lp.Vth.At(i), lp.BiasMant.At(i), lp.BiasExp.At(i), lp.Refractory.At(i), lp.Reset)
			s.neurons[g] = Neuron{U: lp.U.At(i), V: lp.V.At(i)}
			c := &s.cores[m.CoreOf[g]]
			local[g] = int32(len(c.neurons))
			c.neurons = append(c.neurons, int32(g))
		}
	}
	slots := ceilPow2(p.Core.MaxDelay + 1)
	for i := range s.cores {
		c := &s.cores[i]
		c.ring = make([][]int32, slots)
		for j := range c.ring {
			c.ring[j] = make([]int32, len(c.neurons))
		}
		c.axonStart = []int32{0}
	}
	// Each source's synapses, grouped by destination core, become one
	// output axon of the source and one input axon of the destination.
	type hit struct {
		core int32
		syn  coreSynapse
	}
	var row []hit
	outgoing := net.Outgoing()
	for k, pop := range net.Populations {
		projs := outgoing[k]
		for si := range pop.Size {
			g := offs[k] + si
			row = row[:0]
			for _, pr := range projs {
				lo, hi := pr.Syn.Row(si)
				for i := lo; i < hi; i++ {
					t := offs[pr.To] + int(pr.Syn.Target[i])
					w := PrepareWeight(int32(pr.Syn.Weight[i]), pr.SignMode, pr.WeightBits)
					row = append(row, hit{m.CoreOf[t], coreSynapse{local[t], Increment(w, pr.WeightExp), pr.Syn.Delay[i]}})
				}
			}
			slices.SortStableFunc(row, func(a, b hit) int { return int(a.core - b.core) })
			for i, h := range row {
				c := &s.cores[h.core]
				if i == 0 || row[i-1].core != h.core {
					s.out = append(s.out, outAxon{h.core, int32(len(c.axonStart) - 1)})
					c.axonStart = append(c.axonStart, int32(len(c.syn)))
				}
				c.syn = append(c.syn, h.syn)
				c.axonStart[len(c.axonStart)-1] = int32(len(c.syn))
			}
			s.outStart[g+1] = int32(len(s.out))
		}
	}
	return s, nil
}

// Step runs one step on every core. inputs are the input neurons spiking
// at this step; it returns the LIF neurons that spiked, in increasing
// global index (relays included), valid until the next call.
func (s *MappedSim) Step(inputs []int32) []int32 {
	t := s.step
	s.spikes = s.spikes[:0]
	for ci := range s.cores {
		c := &s.cores[ci]
		acc := c.ring[t&(len(c.ring)-1)]
		for l, g := range c.neurons {
			if s.config[g].Update(&s.neurons[g], acc[l]) {
				s.spikes = append(s.spikes, g)
			}
		}
		clear(acc)
	}
	slices.Sort(s.spikes)
	for _, g := range inputs {
		if !s.isInput[g] {
			panic(fmt.Sprintf("loihisim: input spike for neuron %d, which is not an input neuron", g))
		}
		s.stats.Spikes[s.pop[g]]++
		for _, a := range s.out[s.outStart[g]:s.outStart[g+1]] {
			s.traffic.HostMessages++
			s.deliver(a, t)
		}
	}
	for _, g := range s.spikes {
		s.stats.Spikes[s.pop[g]]++
		from := int(s.m.CoreOf[g])
		for _, a := range s.out[s.outStart[g]:s.outStart[g+1]] {
			s.route(from, int(a.core))
			s.deliver(a, t)
		}
	}
	s.step++
	s.traffic.Steps++
	s.stats.Steps++
	return s.spikes
}

// deliver fans a message out to the synapses of its input axon.
func (s *MappedSim) deliver(a outAxon, t int) {
	c := &s.cores[a.core]
	mask := len(c.ring) - 1
	syns := c.syn[c.axonStart[a.axon]:c.axonStart[a.axon+1]]
	s.stats.SynapticEvents += int64(len(syns))
	for _, syn := range syns {
		c.ring[(t+int(syn.delay))&mask][syn.local] += syn.increment
	}
}

// route counts a message from core a to core b along its XY path.
func (s *MappedSim) route(a, b int) {
	tr := &s.traffic
	if a == b {
		tr.LocalMessages++
		return
	}
	tr.Messages++
	tr.Sent[a]++
	tr.Received[b]++
	tr.Hops += int64(s.mesh.Hops(a, b))
	if s.mesh.ChipOf(a) != s.mesh.ChipOf(b) {
		tr.ChipMessages++
	}
	x, y := s.mesh.Global(a)
	bx, by := s.mesh.Global(b)
	step := func(d, dx, dy int) {
		i := (y*tr.width+x)*4 + d
		tr.links[i]++
		tr.MaxLinkLoad = max(tr.MaxLinkLoad, tr.links[i])
		x, y = x+dx, y+dy
	}
	for x < bx {
		step(0, 1, 0)
	}
	for x > bx {
		step(2, -1, 0)
	}
	for y < by {
		step(1, 0, 1)
	}
	for y > by {
		step(3, 0, -1)
	}
}

// State returns neuron g's state.
func (s *MappedSim) State(g int) Neuron { return s.neurons[g] }

// Stats returns the counters so far, as Sim counts them.
func (s *MappedSim) Stats() Stats {
	st := s.stats
	st.Spikes = slices.Clone(st.Spikes)
	return st
}

// Traffic returns the traffic counted so far.
func (s *MappedSim) Traffic() Traffic {
	tr := s.traffic
	tr.Sent = slices.Clone(tr.Sent)
	tr.Received = slices.Clone(tr.Received)
	tr.Links = []LinkLoad{}
	for i, n := range tr.links {
		if n > 0 {
			cell := i / 4
			tr.Links = append(tr.Links, LinkLoad{X: cell % tr.width, Y: cell / tr.width, Direction: linkDirections[i%4], Messages: n})
		}
	}
	tr.links = nil
	return tr
}
