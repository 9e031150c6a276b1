package loihisim

import (
	"fmt"
	"math/bits"
	"slices"
	"unsafe"

	"github.com/snnc/snnc/ir"
)

// Sim simulates a network step by step, without any core limits.
//
// Synapses are event driven. A neuron's synapses are grouped by delay.
// When it spikes at step t, its groups with short delays d are added at
// once into the input accumulator of step t+d, one of a ring of R (R a
// power of two, at most ringBudget bytes). Groups with longer delays are
// deferred: a pending entry (the neuron and its next group) waits in a
// calendar until step t+d, when the group is added into that step's
// accumulator and the entry moves on to the next group. Long delays thus
// cost one 8-byte entry per spike in flight: memory grows neither with the
// longest delay times the number of neurons nor with the synaptic events in
// flight. Short delays keep each spike's synapses in one sequential read.
type Sim struct {
	net  *ir.Network
	step int

	neurons []Neuron
	config  []NeuronConfig
	lif     []span // global index ranges of LIF populations
	isInput []bool
	pop     []int32 // population of each neuron

	out outgoing

	ring     [][]int32 // ring[t & ringMask][neuron]: input arriving at step t, modulo 2^32
	ringMask int
	calendar []*chunk // calendar[t & calMask]: long-delay groups due at step t
	calMask  int
	free     *chunk // chunks not in use

	spikes []int32
	stats  Stats
}

// pending is a spike waiting for the delivery of a group: the index of the
// group's first synapse.
type pending uint32

// chunk is a piece of a calendar bucket. Buckets are lists of chunks from
// one free list, so memory follows the entries in flight, not the sum of
// every bucket's busiest step.
type chunk struct {
	n    int
	e    [1020]pending
	next *chunk
}

type span struct{ lo, hi int }

// outgoing holds every neuron's synapses, all projections merged, sorted by
// source, then delay, then target. The synapses of one source with one
// delay form a group, delivered on one step; a spike walks its source's
// groups in order of delay, so delivery needs only a synapse index.
type outgoing struct {
	rowStart []int64 // synapses of source s: synapse[rowStart[s]:rowStart[s+1]]
	synapse  []synapse
}

// synapse is one synapse as the simulator delivers it, in 12 bytes: all a
// delivery reads sits in one place.
type synapse struct {
	target    int32 // global neuron index
	increment int32 // Increment(PrepareWeight(w))
	delay     uint16
	last      bool // the last synapse of its source
}

// Stats counts what happened in a simulation.
type Stats struct {
	Steps int
	// SynapticEvents counts spikes sent through synapses (delivered, or
	// waiting for their delay).
	SynapticEvents int64
	// Spikes counts spikes per population, input populations included.
	Spikes []int64
}

// Options tune the simulator's memory; the zero value is the default.
// No option changes results.
type Options struct {
	// RingBytes bounds the ring of input accumulators (default 64 MiB).
	RingBytes int
}

const defaultRingBytes = 64 << 20

// New prepares a simulation of net at step 0. net must be valid.
func New(net *ir.Network, opt Options) (*Sim, error) {
	if err := net.Validate(); err != nil {
		return nil, fmt.Errorf("loihisim: invalid network: %w", err)
	}
	n := net.Neurons()
	if len(net.Projections) > 0 && net.Synapses() >= 1<<32 {
		return nil, fmt.Errorf("loihisim: %d synapses; the simulator holds at most 2^32", net.Synapses())
	}
	s := &Sim{
		net:     net,
		neurons: make([]Neuron, n),
		config:  make([]NeuronConfig, n),
		isInput: make([]bool, n),
		pop:     make([]int32, n),
	}
	s.stats.Spikes = make([]int64, len(net.Populations))
	off := 0
	for k, p := range net.Populations {
		for i := range p.Size {
			s.pop[off+i] = int32(k)
		}
		if p.Model == ir.ModelInput {
			for i := range p.Size {
				s.isInput[off+i] = true
			}
		} else {
			s.lif = append(s.lif, span{off, off + p.Size})
			lp := p.LIF
			for i := range p.Size {
				s.config[off+i] = Configure(lp.Du.At(i), lp.Dv.At(i), lp.Vth.At(i), lp.BiasMant.At(i), lp.BiasExp.At(i), lp.Refractory.At(i))
				s.neurons[off+i] = Neuron{U: lp.U.At(i), V: lp.V.At(i)}
			}
		}
		off += p.Size
	}
	s.out = buildOutgoing(net)

	maxDelay := maxDelayOf(net)
	slots := ringSlots(maxDelay, n, opt)
	s.ring = make([][]int32, slots)
	for i := range s.ring {
		s.ring[i] = make([]int32, n)
	}
	s.ringMask = slots - 1
	// The groups of one neuron have distinct delays, so an entry moves at
	// most maxDelay steps ahead and never lands in the bucket being read.
	s.calendar = make([]*chunk, ceilPow2(maxDelay+1))
	s.calMask = len(s.calendar) - 1
	return s, nil
}

func ceilPow2(x int) int { return 1 << bits.Len(uint(x-1)) }

func maxDelayOf(net *ir.Network) int {
	d := 1
	for i := range net.Projections {
		d = max(d, net.Projections[i].Syn.MaxDelay())
	}
	return d
}

// ringSlots is the number of input accumulators: enough for the longest
// delay, halved until n neurons' worth fit the budget.
func ringSlots(maxDelay, n int, opt Options) int {
	budget := opt.RingBytes
	if budget == 0 {
		budget = defaultRingBytes
	}
	slots := ceilPow2(maxDelay)
	for slots > 1 && slots*max(n, 1)*4 > budget {
		slots /= 2
	}
	return slots
}

// EstimateBytes is the memory New will allocate for net, not counting the
// calendar of long-delay spikes in flight (8 bytes per spike in flight).
func EstimateBytes(net *ir.Network, opt Options) int64 {
	n := int64(net.Neurons())
	perNeuron := int64(unsafe.Sizeof(Neuron{})+unsafe.Sizeof(NeuronConfig{})) + 1 + 4 + 8 // + isInput, pop, rowStart
	ring := int64(ringSlots(maxDelayOf(net), int(n), opt)) * 4
	return n*(perNeuron+ring) + net.Synapses()*int64(unsafe.Sizeof(synapse{}))
}

func buildOutgoing(net *ir.Network) outgoing {
	n := net.Neurons()
	o := outgoing{
		rowStart: make([]int64, n+1),
		synapse:  make([]synapse, 0, net.Synapses()),
	}
	var row, spare []synapse
	var count []int
	offs := net.Offsets()
	outgoing := net.Outgoing()
	for k, p := range net.Populations {
		projs := outgoing[k]
		for src := range p.Size {
			row = row[:0]
			for _, pr := range projs {
				toOff := int32(offs[pr.To])
				lo, hi := pr.Syn.Row(src)
				for i := lo; i < hi; i++ {
					w := PrepareWeight(int32(pr.Syn.Weight[i]), pr.SignMode, pr.WeightBits)
					row = append(row, synapse{target: toOff + pr.Syn.Target[i], increment: Increment(w, pr.WeightExp), delay: pr.Syn.Delay[i]})
				}
			}
			row, spare, count = sortByDelay(row, spare, count)
			if len(row) > 0 {
				row[len(row)-1].last = true
			}
			o.synapse = append(o.synapse, row...)
			o.rowStart[offs[k]+src+1] = int64(len(o.synapse))
		}
	}
	return o
}

// sortByDelay sorts a source's synapses by delay, keeping the order of
// equal delays (a counting sort when the delays span a small range). It
// returns the sorted row and the buffers for reuse.
func sortByDelay(row, buf []synapse, count []int) (sorted, spare []synapse, counts []int) {
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
		slices.SortStableFunc(row, func(a, b synapse) int { return int(a.delay) - int(b.delay) })
		return row, buf, count
	}
	if cap(count) < span+1 {
		count = make([]int, span+1)
	}
	count = count[:span+1]
	clear(count)
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
	input := s.ring[t&s.ringMask]
	s.deliverDeferred(t, input)

	s.spikes = s.spikes[:0]
	for _, r := range s.lif {
		for i := r.lo; i < r.hi; i++ {
			if s.config[i].Update(&s.neurons[i], input[i]) {
				s.spikes = append(s.spikes, int32(i))
			}
		}
	}
	clear(input)

	for _, src := range inputs {
		if int(src) >= len(s.isInput) || !s.isInput[src] {
			panic(fmt.Sprintf("loihisim: input spike for neuron %d, which is not an input neuron", src))
		}
		s.send(src, t)
	}
	for _, src := range s.spikes {
		s.send(src, t)
	}
	s.step++
	s.stats.Steps++
	return s.spikes
}

// send delivers a spike of neuron src at step t: the groups whose delays
// the ring holds now, and the first longer group to the calendar.
func (s *Sim) send(src int32, t int) {
	s.stats.Spikes[s.pop[src]]++
	o := &s.out
	begin, end := o.rowStart[src], o.rowStart[src+1]
	slots := uint16(min(len(s.ring), 1<<16-1))
	syns := o.synapse[:end]
	for i := begin; i < end; {
		d := syns[i].delay
		if d > slots {
			s.schedule(t+int(d), pending(i))
			break
		}
		acc := s.ring[(t+int(d))&s.ringMask]
		for ; i < end && syns[i].delay == d; i++ {
			acc[syns[i].target] += syns[i].increment
		}
	}
	s.stats.SynapticEvents += end - begin
}

func (s *Sim) schedule(step int, p pending) {
	b := &s.calendar[step&s.calMask]
	c := *b
	if c == nil || c.n == len(c.e) {
		c = s.free
		if c == nil {
			c = new(chunk)
		} else {
			s.free = c.next
		}
		c.next, c.n = *b, 0
		*b = c
	}
	c.e[c.n] = p
	c.n++
}

// deliverDeferred adds the long-delay groups due at step t into input and
// schedules each spike's next group.
func (s *Sim) deliverDeferred(t int, input []int32) {
	syns := s.out.synapse
	b := &s.calendar[t&s.calMask]
	for c := *b; c != nil; {
		for _, p := range c.e[:c.n] {
			i := int(p)
			d := syns[i].delay
			for {
				input[syns[i].target] += syns[i].increment
				if syns[i].last {
					break
				}
				i++
				if syns[i].delay != d {
					s.schedule(t+int(syns[i].delay-d), pending(i))
					break
				}
			}
		}
		done := c
		c = c.next
		done.next, s.free = s.free, done
	}
	*b = nil
}

// State returns neuron i's current, voltage and remaining refractory steps
// (all zero for input neurons).
func (s *Sim) State(i int) Neuron { return s.neurons[i] }

// Stats returns the counters so far.
func (s *Sim) Stats() Stats {
	st := s.stats
	st.Spikes = slices.Clone(st.Spikes)
	return st
}
