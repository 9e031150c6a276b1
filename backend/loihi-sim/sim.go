package loihisim

import (
	"cmp"
	"encoding/binary"
	"fmt"
	"math/bits"
	"runtime"
	"slices"
	"sync"
	"unsafe"

	"github.com/snnc/snnc/internal/calendar"
	"github.com/snnc/snnc/ir"
)

// Sim simulates a network step by step, without any core limits.
//
// Synapses are event driven. A neuron's synapses are grouped by delay.
// When it spikes at step t, its groups with short delays d are added
// into the input accumulator of step t+d, one of a ring of R (R a power of
// two, at most ringBudget bytes). Groups with longer delays are deferred: a
// pending entry (the neuron and its next group) waits in a calendar until
// step t+d, when the group is added into that step's accumulator and the
// entry moves on to the next group. Long delays thus cost one 8-byte entry
// per spike in flight: memory grows neither with the longest delay times
// the number of neurons nor with the synaptic events in flight. Short
// delays keep each spike's synapses in one sequential read.
//
// The neurons' state is a struct of arrays (u, v, refractory counts), and
// populations whose parameters are uniform share one configuration: the
// update loop (updateNeurons) then streams 16 bytes a neuron. With
// Options.Threads > 1 the neurons are cut into contiguous parts, one per
// goroutine of a team. Each part updates its own neurons and adds every
// spike's synapses that target its own neurons (a group's synapses are
// sorted by target, so a part's share is one run of it). No two
// parts write the same accumulator, and additions modulo 2^32 commute, so
// the results do not depend on the number of parts. A step is one phase
// of the team: the short-delay delivery of the previous step's spikes,
// then the update; the rest (counting, the calendar) is serial and small.
type Sim struct {
	net  *ir.Network
	step int

	// State by global neuron index; zero for input neurons.
	u, v, refractory []int32
	isInput          []bool
	pop              []int32 // population of each neuron

	out outgoing

	ring      [][]int32 // ring[t & ringMask][neuron]: input arriving at step t, modulo 2^32
	ringMask  int
	ringDelay uint16             // the longest delay delivered straight into the ring
	calendar  *calendar.Calendar // long-delay groups (their first synapse) due at each step

	parts   []part
	team    *team // nil with one part
	phaseFn func(part int)
	sent    []int32 // the previous step's spikes, inputs first, delivered in this step's phase
	spikes  []int32
	stats   Stats
}

// run is a range of LIF neurons updated by one call of updateNeurons: cfg
// holds one configuration shared by all, or one per neuron.
type run struct {
	lo, hi int
	cfg    []NeuronConfig
}

// part is one piece of a step's work, run by one goroutine of the team at
// a time: the neurons lo..hi-1, as targets of synapses and, where they are
// LIF neurons, to update.
type part struct {
	lo, hi int
	runs   []run
	spikes []int32
	masks  []uint8  // spiking lanes of the vector kernel, a byte per 8 neurons
	_      [64]byte // parts are written at once by different goroutines
}

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
	// Threads is how many goroutines update neurons and deliver spikes
	// (0 or 1: the caller's alone). Spikes, states and counts are the same
	// for every value.
	Threads int
}

const defaultRingBytes = 64 << 20

// New prepares a simulation of net at step 0. net must be valid. A Sim
// with Options.Threads > 1 runs goroutines until Close.
func New(net *ir.Network, opt Options) (*Sim, error) {
	if err := net.Validate(); err != nil {
		return nil, fmt.Errorf("loihisim: invalid network: %w", err)
	}
	for _, p := range net.Populations {
		if p.Model == ir.ModelCUBALIF {
			return nil, fmt.Errorf("loihisim: population %q is float (cuba_lif): the quantise pass (compiler.Compile) lowers it to lif first", p.Name)
		}
	}
	n := net.Neurons()
	if len(net.Projections) > 0 && net.Synapses() >= 1<<32 {
		return nil, fmt.Errorf("loihisim: %d synapses; the simulator holds at most 2^32", net.Synapses())
	}
	s := &Sim{
		net:        net,
		u:          make([]int32, n),
		v:          make([]int32, n),
		refractory: make([]int32, n),
		isInput:    make([]bool, n),
		pop:        make([]int32, n),
	}
	s.stats.Spikes = make([]int64, len(net.Populations))
	var runs []run
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
			runs = append(runs, run{off, off + p.Size, configure(p.LIF, p.Size)})
			for i := range p.Size {
				s.u[off+i], s.v[off+i] = p.LIF.U.At(i), p.LIF.V.At(i)
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
	s.ringDelay = uint16(min(slots, 1<<16-1))
	// The groups of one neuron have distinct delays, so an entry moves at
	// most maxDelay steps ahead and never lands in the bucket being read.
	s.calendar = calendar.New(maxDelay)

	lif := 0
	for _, r := range runs {
		lif += r.hi - r.lo
	}
	// One goroutine per minPartNeurons LIF neurons at most, and no more
	// than can run at once: a member waiting for a processor stalls a step.
	threads := max(1, min(opt.Threads, runtime.GOMAXPROCS(0), lif/minPartNeurons))
	s.parts = cutParts(runs, lif, n, threads)
	s.phaseFn = s.phase
	if len(s.parts) > 1 {
		s.team = newTeam(len(s.parts), len(s.parts))
	}
	return s, nil
}

// minPartNeurons is the fewest LIF neurons worth a goroutine: below it
// the handshake of a step costs more than the update saves. (A variable
// so that tests can cut small networks into parts.)
var minPartNeurons = 1024

// configure returns a population's configuration: one if every neuron has
// the same parameters, else one per neuron.
func configure(lp *ir.LIFParams, size int) []NeuronConfig {
	uniform := true
	for _, p := range []ir.Param{lp.Du, lp.Dv, lp.Vth, lp.BiasMant, lp.BiasExp, lp.Refractory} {
		uniform = uniform && p.Uniform()
	}
	if uniform {
		size = min(size, 1)
	}
	cfg := make([]NeuronConfig, size)
	for i := range cfg {
		cfg[i] = Configure(lp.Du.At(i), lp.Dv.At(i), lp.Vth.At(i), lp.BiasMant.At(i), lp.BiasExp.At(i), lp.Refractory.At(i), lp.Reset)
	}
	return cfg
}

// cutParts cuts the n neurons into k contiguous parts holding about the
// same number of the runs' lif LIF neurons.
func cutParts(runs []run, lif, n, k int) []part {
	parts := make([]part, k)
	j, taken := 0, 0 // the part being filled, and the LIF neurons placed so far
	for _, r := range runs {
		for lo := r.lo; lo < r.hi; {
			quota := (j+1)*lif/k - taken // this part's share, rounded so the shares add up
			hi := min(r.hi, lo+quota)
			piece := r
			piece.lo, piece.hi = lo, hi
			if len(r.cfg) > 1 {
				piece.cfg = r.cfg[lo-r.lo : hi-r.lo]
			}
			parts[j].runs = append(parts[j].runs, piece)
			taken += hi - lo
			lo = hi
			if taken == (j+1)*lif/k && j < k-1 {
				j++
				parts[j].lo = hi
			}
		}
	}
	for j := range k - 1 {
		parts[j].hi = parts[j+1].lo
	}
	parts[k-1].hi = n
	for j := range parts {
		longest := 0
		for _, r := range parts[j].runs {
			longest = max(longest, r.hi-r.lo)
		}
		parts[j].masks = make([]uint8, longest/8)
	}
	return parts
}

// Threads is the number of goroutines that run the steps: Options.Threads,
// at most GOMAXPROCS and one per minPartNeurons LIF neurons.
func (s *Sim) Threads() int { return len(s.parts) }

// Close stops the goroutines of a Sim made with Options.Threads > 1; its
// later steps, if any, run on the caller alone.
func (s *Sim) Close() {
	if s.team != nil {
		s.team.close()
		s.team = nil
	}
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

// buildOutgoing merges every projection's synapses into rows by source,
// each sorted by delay, then target. The rows are independent: sources
// are cut into ranges of about the same number of synapses, built on up
// to GOMAXPROCS goroutines straight into their place (10^8 synapses take
// seconds on one core).
func buildOutgoing(net *ir.Network) outgoing {
	n := net.Neurons()
	o := outgoing{rowStart: make([]int64, n+1)}
	offs := net.Offsets()
	outgoing := net.Outgoing()
	for k, p := range net.Populations {
		for src := range p.Size {
			var l int64
			for _, pr := range outgoing[k] {
				lo, hi := pr.Syn.Row(src)
				l += int64(hi - lo)
			}
			o.rowStart[offs[k]+src+1] = l
		}
	}
	for g := range n {
		o.rowStart[g+1] += o.rowStart[g]
	}
	total := o.rowStart[n]
	o.synapse = make([]synapse, total)

	workers := max(1, min(runtime.GOMAXPROCS(0), int(total/minBuildSynapses)))
	var wg sync.WaitGroup
	begin := 0
	for w := range workers {
		// The first source whose row starts at or after this worker's share.
		end := n
		if w < workers-1 {
			share := total * int64(w+1) / int64(workers)
			end, _ = slices.BinarySearch(o.rowStart[:n], share)
		}
		from := begin
		wg.Go(func() { o.fillRows(net, offs, outgoing, from, end) })
		begin = end
	}
	wg.Wait()
	return o
}

// minBuildSynapses is the fewest synapses worth a goroutine of
// buildOutgoing (a variable so that tests can build small networks with
// several).
var minBuildSynapses int64 = 1 << 20

// fillRows builds the rows of the global sources begin..end-1.
func (o *outgoing) fillRows(net *ir.Network, offs []int, outgoing [][]*ir.Projection, begin, end int) {
	var row, spare []synapse
	var count []int
	for k, p := range net.Populations {
		lo, hi := max(begin, offs[k]), min(end, offs[k]+p.Size)
		for g := lo; g < hi; g++ {
			src := g - offs[k]
			row = row[:0]
			for _, pr := range outgoing[k] {
				toOff := int32(offs[pr.To])
				a, b := pr.Syn.Row(src)
				for i := a; i < b; i++ {
					w := PrepareWeight(int32(pr.Syn.Weight[i]), pr.SignMode, pr.WeightBits)
					row = append(row, synapse{target: toOff + pr.Syn.Target[i], increment: Increment(w, pr.WeightExp), delay: pr.Syn.Delay[i]})
				}
			}
			row, spare, count = sortByDelay(row, spare, count)
			sortGroupsByTarget(row)
			if len(row) > 0 {
				row[len(row)-1].last = true
			}
			copy(o.synapse[o.rowStart[g]:o.rowStart[g+1]], row)
		}
	}
}

// sortGroupsByTarget sorts each group of a row sorted by delay by target,
// so that a part of the neurons finds its share as one run. One
// projection's rows are sorted already; rows merged from several may not be.
func sortGroupsByTarget(row []synapse) {
	for i := 0; i < len(row); {
		j := i + 1
		for j < len(row) && row[j].delay == row[i].delay {
			j++
		}
		g := row[i:j]
		byTarget := func(a, b synapse) int { return cmp.Compare(a.target, b.target) }
		if !slices.IsSortedFunc(g, byTarget) {
			slices.SortFunc(g, byTarget)
		}
		i = j
	}
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
	for _, src := range inputs {
		if int(src) >= len(s.isInput) || !s.isInput[src] {
			panic(fmt.Sprintf("loihisim: input spike for neuron %d, which is not an input neuron", src))
		}
	}
	t := s.step
	s.deliverDeferred(t, s.ring[t&s.ringMask])
	if s.team != nil {
		s.team.run(s.phaseFn)
	} else {
		for k := range s.parts {
			s.phase(k)
		}
	}

	s.spikes = s.spikes[:0]
	for i := range s.parts {
		s.spikes = append(s.spikes, s.parts[i].spikes...)
	}
	s.sent = append(append(s.sent[:0], inputs...), s.spikes...)
	for _, src := range s.sent {
		s.count(src, t)
	}
	s.step++
	s.stats.Steps++
	return s.spikes
}

// phase is one part's share of a step: add the previous step's spikes
// into its neurons' accumulators, then update its neurons.
func (s *Sim) phase(k int) {
	p := &s.parts[k]
	t := s.step
	if t > 0 {
		s.deliver(p, t-1)
	}
	input := s.ring[t&s.ringMask]
	p.spikes = p.spikes[:0]
	for _, r := range p.runs {
		u, v, refr, in := s.u[r.lo:r.hi], s.v[r.lo:r.hi], s.refractory[r.lo:r.hi], input[r.lo:r.hi]
		done := 0
		if len(r.cfg) == 1 {
			done = updateBlocks(&r.cfg[0], u, v, refr, in, p.masks)
			p.spikes = appendMasked(p.spikes, p.masks[:done/8], r.lo)

		}
		p.spikes = updateNeurons(r.cfg, u[done:], v[done:], refr[done:], in[done:], int32(r.lo+done), p.spikes)
	}
}

// appendMasked appends base+i for every bit i set in masks, a byte per 8
// neurons, in increasing order. Spikes are rare: it looks at 8 bytes at a
// time.
func appendMasked(spikes []int32, masks []uint8, base int) []int32 {
	for i := 0; i < len(masks); i += 8 {
		var w uint64
		if i+8 <= len(masks) {
			w = binary.LittleEndian.Uint64(masks[i:])
		} else {
			for j, m := range masks[i:] {
				w |= uint64(m) << (8 * j)
			}
		}
		for ; w != 0; w &= w - 1 {
			spikes = append(spikes, int32(base+8*i+bits.TrailingZeros64(w)))
		}
	}
	return spikes
}

// deliver adds the groups of the spikes sent at step t whose delays the
// ring holds, to the targets of part p. With several parts, each reads the
// whole group but adds only its own targets: a group is sorted by target,
// so that is one run in the middle, found in the same pass (groups are
// short, and a binary search's unpredictable branches cost more).
func (s *Sim) deliver(p *part, t int) {
	o := &s.out
	whole := len(s.parts) == 1
	lo, hi := int32(p.lo), int32(p.hi)
	for _, src := range s.sent {
		row := o.synapse[o.rowStart[src]:o.rowStart[src+1]]
		for i := 0; i < len(row); {
			d := row[i].delay
			if d > s.ringDelay {
				break
			}
			acc := s.ring[(t+int(d))&s.ringMask]
			if whole {
				for ; i < len(row) && row[i].delay == d; i++ {
					acc[row[i].target] += row[i].increment
				}
				continue
			}
			for i < len(row) && row[i].delay == d && row[i].target < lo {
				i++
			}
			for ; i < len(row) && row[i].delay == d && row[i].target < hi; i++ {
				acc[row[i].target] += row[i].increment
			}
			for i < len(row) && row[i].delay == d {
				i++
			}
		}
	}
}

// lowerBound is the first synapse of row, sorted by delay and target, at
// or after (d, target).
func lowerBound(row []synapse, d uint16, target int32) int {
	lo, hi := 0, len(row)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if e := row[m]; e.delay < d || e.delay == d && e.target < target {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}

// count counts a spike of neuron src at step t and hands its first group
// too long for the ring to the calendar.
func (s *Sim) count(src int32, t int) {
	s.stats.Spikes[s.pop[src]]++
	begin, end := s.out.rowStart[src], s.out.rowStart[src+1]
	s.stats.SynapticEvents += end - begin
	if begin == end || s.out.synapse[end-1].delay <= s.ringDelay {
		return
	}
	row := s.out.synapse[begin:end]
	i := lowerBound(row, s.ringDelay+1, 0)
	s.calendar.Add(t+int(row[i].delay), uint32(begin+int64(i)))
}

// deliverDeferred adds the long-delay groups due at step t into input and
// schedules each spike's next group.
func (s *Sim) deliverDeferred(t int, input []int32) {
	syns := s.out.synapse
	for p := range s.calendar.Take(t) {
		i := int(p)
		d := syns[i].delay
		for {
			input[syns[i].target] += syns[i].increment
			if syns[i].last {
				break
			}
			i++
			if syns[i].delay != d {
				s.calendar.Add(t+int(syns[i].delay-d), uint32(i))
				break
			}
		}
	}
}

// State returns neuron i's current, voltage and remaining refractory steps
// (all zero for input neurons).
func (s *Sim) State(i int) Neuron {
	return Neuron{U: s.u[i], V: s.v[i], Refractory: s.refractory[i]}
}

// Stats returns the counters so far.
func (s *Sim) Stats() Stats {
	st := s.stats
	st.Spikes = slices.Clone(st.Spikes)
	return st
}
