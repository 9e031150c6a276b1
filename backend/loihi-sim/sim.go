package loihisim

import (
	"fmt"
	"math/bits"
	"slices"

	"github.com/snnc/snnc/ir"
)

// Sim simulates a network step by step, without any core limits.
//
// Synapses are event driven: when a neuron spikes at step t, each of its
// synapses adds its increment to its target's input for step t+d. Inputs
// for the next R steps live in a ring of R dense accumulators (R a power of
// two, at most RingBytes of memory); a synapse with a longer delay sends an
// event into a calendar queue indexed by arrival step instead. Memory thus
// grows with the number of long-delay events in flight, never with the
// longest delay times the number of neurons.
type Sim struct {
	net  *ir.Network
	step int

	neurons []Neuron
	config  []NeuronConfig
	lif     []span // global index ranges of LIF populations
	isInput []bool
	pop     []int32 // population of each neuron

	out outgoing

	ring     [][]int32 // ring[t & ringMask][neuron]: input arriving at step t
	ringMask int
	far      [][]farEvent // far[t & farMask]: events arriving at step t
	farMask  int

	spikes []int32
	stats  Stats
}

type span struct{ lo, hi int }

// outgoing holds every neuron's synapses, all projections merged, sorted by
// source, then delay, then target: the synapses of source s with one delay
// form a group, delivered into one slot of the ring.
type outgoing struct {
	groupStart []int64 // groups of source s: group[groupStart[s]:groupStart[s+1]]
	group      []synGroup
	target     []int32 // global neuron index
	increment  []int32 // Increment(PrepareWeight(w)), per synapse
}

type synGroup struct {
	delay int64
	end   int64 // synapses of the group end here; they start where the previous group ended
}

type farEvent struct{ target, increment int32 }

// Stats counts what happened in a simulation.
type Stats struct {
	Steps int
	// SynapticEvents counts synapses that carried a spike (delivered or in flight).
	SynapticEvents int64
	// Spikes counts spikes per population, input populations included.
	Spikes []int64
}

// Options tune the simulator's memory; the zero value is a good default.
type Options struct {
	// RingBytes bounds the dense input ring (default 64 MiB). Delays the
	// ring cannot hold go through the calendar queue; results do not change.
	RingBytes int
}

const defaultRingBytes = 64 << 20

// New prepares a simulation of net at step 0. net must be valid.
func New(net *ir.Network, opt Options) (*Sim, error) {
	if err := net.Validate(); err != nil {
		return nil, fmt.Errorf("loihisim: invalid network: %w", err)
	}
	n := net.Neurons()
	s := &Sim{
		net:     net,
		neurons: make([]Neuron, n),
		config:  make([]NeuronConfig, n),
		isInput: make([]bool, n),
		pop:     make([]int32, n),
	}
	s.stats.Spikes = make([]int64, len(net.Populations))
	for k, p := range net.Populations {
		off := net.Offset(k)
		for i := range p.Size {
			s.pop[off+i] = int32(k)
		}
		if p.Model == ir.ModelInput {
			for i := range p.Size {
				s.isInput[off+i] = true
			}
			continue
		}
		s.lif = append(s.lif, span{off, off + p.Size})
		lp := p.LIF
		for i := range p.Size {
			s.config[off+i] = Configure(lp.Du.At(i), lp.Dv.At(i), lp.Vth.At(i), lp.BiasMant.At(i), lp.BiasExp.At(i), lp.Refractory.At(i))
			s.neurons[off+i] = Neuron{U: lp.U.At(i), V: lp.V.At(i)}
		}
	}
	s.out = buildOutgoing(net)

	maxDelay := 1
	for i := range net.Projections {
		maxDelay = max(maxDelay, net.Projections[i].Syn.MaxDelay())
	}
	budget := opt.RingBytes
	if budget == 0 {
		budget = defaultRingBytes
	}
	slots := ceilPow2(maxDelay)
	for slots > 1 && slots*max(n, 1)*4 > budget {
		slots /= 2
	}
	s.ring = make([][]int32, slots)
	for i := range s.ring {
		s.ring[i] = make([]int32, n)
	}
	s.ringMask = slots - 1
	if maxDelay > slots {
		s.far = make([][]farEvent, ceilPow2(maxDelay+1))
		s.farMask = len(s.far) - 1
	}
	return s, nil
}

func ceilPow2(x int) int { return 1 << bits.Len(uint(x-1)) }

func buildOutgoing(net *ir.Network) outgoing {
	n := net.Neurons()
	total := net.Synapses()
	o := outgoing{
		groupStart: make([]int64, n+1),
		target:     make([]int32, 0, total),
		increment:  make([]int32, 0, total),
	}
	var row, sorted []syn
	var count []int
	for k, p := range net.Populations {
		off := net.Offset(k)
		var projs []*ir.Projection
		for i := range net.Projections {
			if pr := &net.Projections[i]; pr.From == k {
				projs = append(projs, pr)
			}
		}
		for src := range p.Size {
			row = row[:0]
			for _, pr := range projs {
				toOff := int32(net.Offset(pr.To))
				lo, hi := pr.Syn.Row(src)
				for i := lo; i < hi; i++ {
					w := PrepareWeight(int32(pr.Syn.Weight[i]), pr.SignMode, pr.WeightBits)
					row = append(row, syn{pr.Syn.Delay[i], toOff + pr.Syn.Target[i], Increment(w, pr.WeightExp)})
				}
			}
			row, sorted, count = sortByDelay(row, sorted, count)
			for i, e := range row {
				if i > 0 && row[i-1].delay != e.delay {
					o.group = append(o.group, synGroup{int64(row[i-1].delay), int64(len(o.target))})
				}
				o.target = append(o.target, e.target)
				o.increment = append(o.increment, e.increment)
			}
			if len(row) > 0 {
				o.group = append(o.group, synGroup{int64(row[len(row)-1].delay), int64(len(o.target))})
			}
			o.groupStart[off+src+1] = int64(len(o.group))
		}
	}
	return o
}

type syn struct {
	delay     uint16
	target    int32
	increment int32
}

// sortByDelay sorts a source's synapses by delay, keeping the order of
// equal delays (a counting sort when the delays span a small range). It
// returns the sorted row and the buffers for reuse.
func sortByDelay(row, buf []syn, count []int) (sorted, spare []syn, counts []int) {
	if len(row) < 2 {
		return row, buf, count
	}
	lo, hi := row[0].delay, row[0].delay
	for _, e := range row[1:] {
		lo, hi = min(lo, e.delay), max(hi, e.delay)
	}
	span := int(hi-lo) + 1
	if span == 1 {
		return row, buf, count
	}
	if span > 4*len(row)+64 {
		slices.SortStableFunc(row, func(a, b syn) int { return int(a.delay) - int(b.delay) })
		return row, buf, count
	}
	count = append(count[:0], make([]int, span+1)...)
	for _, e := range row {
		count[int(e.delay-lo)+1]++
	}
	for i := 1; i <= span; i++ {
		count[i] += count[i-1]
	}
	buf = append(buf[:0], row...)
	for _, e := range row {
		k := int(e.delay - lo)
		buf[count[k]] = e
		count[k]++
	}
	return buf, row, count
}

// Step runs one step. inputs lists the input-population neurons (global
// indices) that spike at this step. It returns the LIF neurons that spiked,
// in increasing global index, valid until the next call.
func (s *Sim) Step(inputs []int32) []int32 {
	t := s.step
	acc := s.ring[t&s.ringMask]
	if s.far != nil {
		bucket := s.far[t&s.farMask]
		for _, e := range bucket {
			acc[e.target] += e.increment
		}
		s.far[t&s.farMask] = bucket[:0]
	}

	s.spikes = s.spikes[:0]
	for _, r := range s.lif {
		for i := r.lo; i < r.hi; i++ {
			if s.config[i].Update(&s.neurons[i], acc[i]) {
				s.spikes = append(s.spikes, int32(i))
			}
		}
	}
	clear(acc)

	for _, src := range inputs {
		if int(src) >= len(s.isInput) || !s.isInput[src] {
			panic(fmt.Sprintf("loihisim: input spike for neuron %d, which is not an input neuron", src))
		}
		s.deliver(int(src), t)
	}
	for _, src := range s.spikes {
		s.deliver(int(src), t)
	}
	s.step++
	s.stats.Steps++
	return s.spikes
}

// deliver sends a spike of neuron src at step t through its synapses.
func (s *Sim) deliver(src, t int) {
	s.stats.Spikes[s.pop[src]]++
	o := &s.out
	lo := o.groupStart[src]
	hi := o.groupStart[src+1]
	if lo == hi {
		return
	}
	begin := int64(0)
	if lo > 0 {
		begin = o.group[lo-1].end
	}
	slots := int64(len(s.ring))
	for _, g := range o.group[lo:hi] {
		tgt := o.target[begin:g.end]
		inc := o.increment[begin:g.end]
		s.stats.SynapticEvents += g.end - begin
		if g.delay <= slots {
			acc := s.ring[(int64(t)+g.delay)&int64(s.ringMask)]
			for i, n := range tgt {
				acc[n] += inc[i]
			}
		} else {
			slot := (int64(t) + g.delay) & int64(s.farMask)
			bucket := s.far[slot]
			for i, n := range tgt {
				bucket = append(bucket, farEvent{n, inc[i]})
			}
			s.far[slot] = bucket
		}
		begin = g.end
	}
}

// T returns the number of steps run so far: the next step's index.
func (s *Sim) T() int { return s.step }

// State returns neuron i's current, voltage and remaining refractory steps
// (all zero for input neurons).
func (s *Sim) State(i int) Neuron { return s.neurons[i] }

// Stats returns the counters so far.
func (s *Sim) Stats() Stats {
	st := s.stats
	st.Spikes = slices.Clone(st.Spikes)
	return st
}

// Network returns the simulated network.
func (s *Sim) Network() *ir.Network { return s.net }

// Population returns the population of global neuron i.
func (s *Sim) Population(i int) int { return int(s.pop[i]) }
