package fpga

import (
	"fmt"

	loihisim "github.com/snnc/snnc/backend/loihi-sim"
)

// CoreSim runs snn_core's step semantics (docs/fpga-core.md, "What one
// step computes") on an image: it decodes the regions exactly as the core
// reads them and knows nothing of the network they came from. Equal
// spikes from CoreSim and loihisim therefore show that the image encodes
// the network; equal spikes from CoreSim and the RTL show that the core
// decodes it. The neuron arithmetic is loihisim's, the one Go definition;
// synaptic increments come from the weight classes (WeightClass.Increment).
type CoreSim struct {
	im       *Image
	d        int
	classes  [Classes]WeightClass
	config   []loihisim.NeuronConfig // per neuron slot
	neurons  []loihisim.Neuron
	accum    []int32 // 24-bit, sign-extended
	history  []uint64
	pending  []bool
	groupPtr []uint64
	synapses []uint64
	spikes   []int32
	last     StepStats
}

// StepStats are the counters of one step, as ctrl words 24..26 report them.
// Cycles and Scan come from the cycle model (timing.go), not from the
// core: the step's cycles and the scanner's share of them.
type StepStats struct {
	Groups, Events, Spikes, Cycles, Scan int
}

// NewCoreSim decodes an image; it fails on an image whose regions do not
// have the shape of the memory map.
func NewCoreSim(im *Image) (*CoreSim, error) {
	if err := im.check(); err != nil {
		return nil, err
	}
	s := &CoreSim{
		im:      im,
		d:       im.Core.Delays(),
		neurons: make([]loihisim.Neuron, im.NeuronCount),
		config:  make([]loihisim.NeuronConfig, im.NeuronCount),
		accum:   make([]int32, im.SlotCount),
		history: make([]uint64, im.SlotCount),
		pending: make([]bool, im.SlotCount),
	}
	words := im.regionWords
	ctrl := words(RegionCtrl, ctrlWords)
	for i := range s.classes {
		s.classes[i] = DecodeClass(ctrl[CtrlClass0+i])
	}
	profiles := words(RegionProfile, im.Core.Profiles())
	slotProfile := words(RegionSlotProfile, im.SlotCount)
	stateUV := words(RegionStateUV, im.SlotCount)
	for n := range im.NeuronCount {
		p := decodeProfile(profiles[slotProfile[n]])
		s.config[n] = loihisim.Configure(p.du, p.dv, p.vth, p.biasMant, p.biasExp, p.refractory, p.reset)
		s.neurons[n] = loihisim.Neuron{U: int32(uint32(stateUV[n])<<8) >> 8, V: int32(uint32(stateUV[n]>>24)<<8) >> 8}
	}
	s.groupPtr = words(RegionGroupPtr, im.SlotCount*s.d)
	s.synapses = words(RegionSynapse, im.Core.SynWords)
	return s, nil
}

// Step runs one step with the given input spikes (global indices of input
// neurons) and returns the global indices of the LIF neurons that spiked,
// in increasing order, valid until the next call. An input neuron spikes
// at most once per step: the core keeps one pending bit per input slot, so
// an index listed twice in one step panics (loihisim.Sim.Step would send
// its synapses twice), and so does an index that is not an input neuron,
// as in loihisim.Sim.Step. A step that panics leaves the state unchanged.
func (s *CoreSim) Step(inputs []int32) []int32 {
	im := s.im
	for i, g := range inputs {
		if g < 0 || int(g) >= len(im.SlotOf) || int(im.SlotOf[g]) < im.NeuronCount {
			s.clearPending(inputs[:i])
			panic(fmt.Sprintf("fpga: input spike for neuron %d, which is not an input neuron", g))
		}
		if s.pending[im.SlotOf[g]] {
			s.clearPending(inputs[:i])
			panic(fmt.Sprintf("fpga: input spike for neuron %d twice in one step (an input neuron spikes at most once per step)", g))
		}
		s.pending[im.SlotOf[g]] = true
	}
	st := StepStats{}
	// Deliver: the groups of sources that spiked d steps ago.
	clock := newStepClock()
	for src := range im.SlotCount {
		h := s.history[src]
		if h == 0 {
			clock.quietSlot()
		}
		for d := 1; h != 0 && d <= s.d; d++ {
			if h>>(d-1)&1 == 0 {
				continue
			}
			p := s.groupPtr[src*s.d+d-1]
			if p&groupNotEmpty == 0 {
				clock.group(0)
				continue
			}
			st.Groups++
			events := st.Events
			for i := int(p & groupIndexMask); i < 2*len(s.synapses); i++ {
				syn := s.synapses[i/2] >> (SynapseBits * uint(i%2)) & synMask
				t := syn & (1<<TargetBits - 1)
				inc := s.classes[syn>>synClassShift&(Classes-1)].Increment(uint8(syn >> synWeightShift))
				if int(t) < im.SlotCount {
					s.accum[t] = (s.accum[t] + inc) << 8 >> 8
				}
				st.Events++
				if syn&synLast != 0 {
					break
				}
			}
			clock.group(st.Events - events)
		}
	}
	// Update: every slot in order.
	mask := uint64(1)<<s.d - 1
	if s.d == 64 {
		mask = ^uint64(0)
	}
	s.spikes = s.spikes[:0]
	for n := range im.SlotCount {
		var spike bool
		if n < im.NeuronCount {
			spike = s.config[n].Update(&s.neurons[n], s.accum[n])
			if spike {
				s.spikes = append(s.spikes, im.NeuronOf[n])
			}
		} else {
			spike, s.pending[n] = s.pending[n], false
		}
		b := uint64(0)
		if spike {
			b = 1
		}
		s.history[n] = (s.history[n]<<1 | b) & mask
		s.accum[n] = 0
	}
	st.Spikes = len(s.spikes)
	st.Cycles, st.Scan = clock.cycles(im.SlotCount), clock.scan
	s.last = st
	return s.spikes
}

// clearPending undoes the pending bits of inputs, which Step has set.
func (s *CoreSim) clearPending(inputs []int32) {
	for _, g := range inputs {
		s.pending[s.im.SlotOf[g]] = false
	}
}

// regionWords returns words 0..n-1 of region id as the core holds them
// after a load: the image's words, 0 where the image writes none.
func (im *Image) regionWords(id int, n int) []uint64 {
	w := make([]uint64, n)
	if r := im.Region(id); r != nil {
		copy(w[min(r.Base, n):], r.Words)
	}
	return w
}

// countStats counts what the image's regions hold, as the core reads
// them: the distinct profiles of the LIF slots, the non-empty groups of
// the slots, their synapses (each group from its first synapse to the one
// with the last bit) and the distinct weight classes of those synapses.
// For an image from Build it equals Stats.
func (im *Image) countStats() ImageStats {
	var st ImageStats
	profiles := map[uint64]bool{}
	for _, p := range im.regionWords(RegionSlotProfile, im.NeuronCount) {
		profiles[p] = true
	}
	st.Profiles = len(profiles)
	d := im.Core.Delays()
	synapses := im.regionWords(RegionSynapse, im.Core.SynWords)
	var classes [Classes]bool
	for _, p := range im.regionWords(RegionGroupPtr, im.SlotCount*d) {
		if p&groupNotEmpty == 0 {
			continue
		}
		st.Groups++
		for i := int(p & groupIndexMask); i < 2*len(synapses); i++ {
			syn := synapses[i/2] >> (SynapseBits * uint(i%2)) & synMask
			classes[syn>>synClassShift&(Classes-1)] = true
			st.Synapses++
			if syn&synLast != 0 {
				break
			}
		}
	}
	for _, used := range classes {
		if used {
			st.Classes++
		}
	}
	return st
}

// LastStep returns the counters of the last step.
func (s *CoreSim) LastStep() StepStats { return s.last }

// State returns the state of the LIF neuron with global index g.
func (s *CoreSim) State(g int) loihisim.Neuron { return s.neurons[s.im.SlotOf[g]] }

// Simulate runs the core's semantics on the image for steps steps, with
// inputs[t] the input spikes of step t (global indices of input neurons;
// missing steps have none), and returns per step the global indices of
// the LIF neurons that spiked. The image must come from Build or
// ReadBinary, which check its shape; any other image that does not decode
// panics.
func (im *Image) Simulate(inputs [][]int32, steps int) [][]int32 {
	s, err := NewCoreSim(im)
	if err != nil {
		panic("fpga: Simulate: " + err.Error())
	}
	out := make([][]int32, steps)
	for t := range steps {
		var in []int32
		if t < len(inputs) {
			in = inputs[t]
		}
		out[t] = append([]int32(nil), s.Step(in)...)
	}
	return out
}

// check reports an image whose parts do not have the shape of the core's
// memory map: the checks ReadBinary relies on.
func (im *Image) check() error {
	c := im.Core
	if err := c.Check(); err != nil {
		return err
	}
	bad := func(format string, args ...any) error {
		return fmt.Errorf("fpga image: "+format, args...)
	}
	if im.NeuronCount < 0 || im.SlotCount < im.NeuronCount || im.SlotCount > c.Slots() {
		return bad("neuron_count %d, slot_count %d (allowed: 0 <= neuron_count <= slot_count <= %d)", im.NeuronCount, im.SlotCount, c.Slots())
	}
	if len(im.NeuronOf) != im.SlotCount || len(im.SlotOf) != im.SlotCount {
		return bad("%d slots, %d and %d entries in the slot maps (allowed: equal)", im.SlotCount, len(im.NeuronOf), len(im.SlotOf))
	}
	for slot, g := range im.NeuronOf {
		if g < 0 || int(g) >= len(im.SlotOf) || im.SlotOf[g] != int32(slot) {
			return bad("slot %d maps to neuron %d, which does not map back", slot, g)
		}
	}
	var record [regionCount]int // 1 + the index of each region's record
	for i, r := range im.Regions {
		if r.ID < 0 || r.ID >= regionCount {
			return bad("region %d (allowed: 0..%d)", r.ID, regionCount-1)
		}
		// The core simulation reads a region's first record, the driver
		// writes them all: two records of one region would make them differ.
		if record[r.ID] != 0 {
			return bad("region %s appears twice, records %d and %d (allowed: each region once)", RegionName(r.ID), record[r.ID]-1, i)
		}
		record[r.ID] = i + 1
		if r.Bits != RegionBits(r.ID, c) {
			return bad("region %s has %d-bit words (allowed: %d)", RegionName(r.ID), r.Bits, RegionBits(r.ID, c))
		}
		if depth := RegionDepth(r.ID, c); r.Base < 0 || r.Base+len(r.Words) > depth {
			return bad("region %s holds words %d..%d (allowed: 0..%d)", RegionName(r.ID), r.Base, r.Base+len(r.Words)-1, depth-1)
		}
		for i, w := range r.Words {
			if r.Bits < 64 && w>>r.Bits != 0 {
				return bad("region %s word %d = %#x has bits above its %d", RegionName(r.ID), r.Base+i, w, r.Bits)
			}
		}
	}
	// The counts the core reads from ctrl must be the image's.
	if r := im.Region(RegionCtrl); r != nil {
		for _, w := range []struct {
			name       string
			word, want int
		}{{"neuron_count", CtrlNeuronCount, im.NeuronCount}, {"slot_count", CtrlSlotCount, im.SlotCount}} {
			if i := w.word - r.Base; i >= 0 && i < len(r.Words) && r.Words[i] != uint64(w.want) {
				return bad("ctrl word %d (%s) is %d, the image's %s is %d (allowed: equal)", w.word, w.name, r.Words[i], w.name, w.want)
			}
		}
	}
	return nil
}
