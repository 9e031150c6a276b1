// Package floatsim simulates networks of float CUBA LIF neurons (model
// cuba_lif, docs/float-model.md) in float64, step by step: it is the
// reference of the float model, as backend/loihi-sim is the reference of
// the integer one. The quantise pass lowers a float network to lif; snnc
// report quantization runs both this simulator and loihi-sim on the same
// stimulus and compares their spikes (spikes.Agreement) to measure what
// the lowering lost.
//
// It computes in float64 rather than float32 so that its own rounding
// stays far below the quantisation error it is used to measure (float32's
// 24-bit mantissa is no finer than the 24-bit integer state it is compared
// with), and because a reference must be reproducible: every operation is
// a single float64 IEEE operation in a fixed order, with no fused
// multiply-add (an explicit float64 conversion forbids the fusion Go
// otherwise allows), so a network, a stimulus and a step give the same
// bits on every run. That is also why the synaptic input of a step is
// summed in a fixed order (see Sim), float addition not being associative.
// Across machines the one caveat is the decay factors, which
// ir.CUBAParams.Decays takes from math.Exp: Go computes it in assembly on
// some architectures (on amd64 with FMA where the CPU has it), which may
// change its last bit; given the same factors, the bits are the same
// everywhere.
package floatsim

import (
	"fmt"
	"slices"
	"unsafe"

	loihisim "github.com/snnc/snnc/backend/loihi-sim"
	"github.com/snnc/snnc/internal/calendar"
	"github.com/snnc/snnc/ir"
)

// Sim simulates a float network step by step.
//
// Synapses are event driven. Each source's synapses, all projections
// merged in projection order and CSR order within each, are sorted stably
// by delay: the synapses of one delay form a group. The input of a neuron
// at a step, I(t), is summed in the order the events were sent: emission
// step ascending, then source neuron (global index) ascending, then the
// source's synapse order. Two paths keep that order:
//
//   - the ring: when delays × neurons is small (Options.RingBytes), a ring
//     of one float64 accumulator per neuron and step in flight; a spike
//     at step t adds each synapse into the accumulator of step t+d at
//     once, so every accumulator sums its events in sending order.
//   - the calendar: otherwise, each spike puts one 4-byte entry per group
//     (distinct delay) into the list of the step its group arrives; at
//     that step the lists, appended in sending order, are summed into one
//     accumulator per neuron. Memory grows with the groups in flight, not
//     with the longest delay times the number of neurons.
//
// Both paths give the same bits (tests hold them equal).
type Sim struct {
	net  *ir.Network
	step int

	// State by global neuron index; zero for input neurons.
	i, v    []float64
	isInput []bool
	pop     []int32 // population of each neuron
	runs    []run

	rowStart []int64 // synapses of source g: synapse[rowStart[g]:rowStart[g+1]]
	synapse  []synapse

	ring     [][]float64        // ring path: ring[t % len(ring)][neuron], input arriving at step t
	acc      []float64          // calendar path: the input of the current step
	calendar *calendar.Calendar // calendar path: groups (their first synapse) arriving at each step, in sending order

	sent   []int32 // this step's spikes, inputs merged in, by global index
	inputs []int32 // sorted copy of unsorted inputs
	spikes []int32
	stats  Stats
}

// run is one cuba_lif population's neurons lo..hi-1 and their constants.
type run struct {
	lo, hi             int
	alphaSyn, alphaMem float64
	vth                float64
	bias               []float64 // one value, or one per neuron
	subtract           bool      // reset by subtraction, else to zero
}

// synapse is one synapse as the simulator delivers it.
type synapse struct {
	weight float64
	target int32 // global neuron index
	delay  uint16
	last   bool // the last synapse of its source
}

// Neuron is the state of one cuba_lif neuron: current and voltage.
type Neuron struct {
	I, V float64
}

// Stats counts what happened in a simulation, as loihisim counts it:
// steps, spikes sent through synapses and spikes per population, inputs
// included. One type lets snnc simulate summarise either simulator.
type Stats = loihisim.Stats

// Options tune the simulator's memory; the zero value is the default.
// No option changes results.
type Options struct {
	// RingBytes bounds the ring of accumulators (default 64 MiB); a
	// network whose ring would be larger takes the calendar path.
	RingBytes int
}

const defaultRingBytes = 64 << 20

// New prepares a simulation of net at step 0. It refuses an invalid
// network and one with integer (lif) populations, which loihisim
// simulates.
func New(net *ir.Network, opt Options) (*Sim, error) {
	if err := net.Validate(); err != nil {
		return nil, fmt.Errorf("floatsim: invalid network: %w", err)
	}
	for _, p := range net.Populations {
		if p.Model != ir.ModelInput && p.Model != ir.ModelCUBALIF {
			return nil, fmt.Errorf("floatsim: population %q has model %v (allowed: input and cuba_lif; loihisim simulates lif)", p.Name, p.Model)
		}
	}
	if net.Synapses() >= 1<<32 {
		return nil, fmt.Errorf("floatsim: %d synapses; the simulator holds at most 2^32", net.Synapses())
	}
	n := net.Neurons()
	s := &Sim{
		net:     net,
		i:       make([]float64, n),
		v:       make([]float64, n),
		isInput: make([]bool, n),
		pop:     make([]int32, n),
	}
	s.stats.Spikes = make([]int64, len(net.Populations))
	off := 0
	for k, p := range net.Populations {
		for j := range p.Size {
			s.pop[off+j] = int32(k)
			s.isInput[off+j] = p.Model == ir.ModelInput
		}
		if p.Model == ir.ModelCUBALIF {
			c := p.CUBA
			aSyn, aMem := c.Decays()
			s.runs = append(s.runs, run{lo: off, hi: off + p.Size, alphaSyn: aSyn, alphaMem: aMem,
				vth: c.VTh, bias: c.Bias, subtract: c.Reset == ir.ResetSubtract})
		}
		off += p.Size
	}
	s.buildOutgoing()

	maxDelay := maxDelayOf(net)
	if slots := maxDelay; useRing(slots, n, opt) {
		s.ring = make([][]float64, slots)
		for k := range s.ring {
			s.ring[k] = make([]float64, n)
		}
	} else {
		s.acc = make([]float64, n)
		// A group arrives at most maxDelay steps after it is sent, so
		// the bucket being read never receives.
		s.calendar = calendar.New(maxDelay)
	}
	return s, nil
}

// useRing reports whether a ring of slots accumulators for n neurons fits
// the budget. slots = the longest delay suffices: step t's accumulator is
// read and cleared before step t's spikes are sent, the farthest of them
// to step t+maxDelay, which shares its slot.
func useRing(slots, n int, opt Options) bool {
	budget := opt.RingBytes
	if budget == 0 {
		budget = defaultRingBytes
	}
	return int64(slots)*int64(max(n, 1))*8 <= int64(budget)
}

func maxDelayOf(net *ir.Network) int {
	d := 1
	for k := range net.Projections {
		d = max(d, net.Projections[k].Syn.MaxDelay())
	}
	return d
}

// EstimateBytes is the memory New will allocate for net, not counting the
// calendar's entries in flight (4 bytes per group of a spike in flight).
func EstimateBytes(net *ir.Network, opt Options) int64 {
	n := int64(net.Neurons())
	perNeuron := int64(8+8+1+4+8) + 8 // i, v, isInput, pop, rowStart, an accumulator
	if d := maxDelayOf(net); useRing(d, int(n), opt) {
		perNeuron += int64(d-1) * 8
	}
	return n*perNeuron + net.Synapses()*int64(unsafe.Sizeof(synapse{}))
}

// buildOutgoing merges every projection's synapses into one row per
// source, in projection order and CSR order within each, then sorts each
// row stably by delay.
func (s *Sim) buildOutgoing() {
	net := s.net
	n := len(s.isInput)
	offs := net.Offsets()
	outgoing := net.Outgoing()
	s.rowStart = make([]int64, n+1)
	for k, p := range net.Populations {
		for src := range p.Size {
			var l int64
			for _, pr := range outgoing[k] {
				lo, hi := pr.Syn.Row(src)
				l += int64(hi - lo)
			}
			s.rowStart[offs[k]+src+1] = s.rowStart[offs[k]+src] + l
		}
	}
	s.synapse = make([]synapse, s.rowStart[n])
	for k, p := range net.Populations {
		for src := range p.Size {
			g := offs[k] + src
			row := s.synapse[s.rowStart[g]:s.rowStart[g]]
			for _, pr := range outgoing[k] {
				toOff := int32(offs[pr.To])
				lo, hi := pr.Syn.Row(src)
				for j := lo; j < hi; j++ {
					row = append(row, synapse{weight: pr.Syn.FloatWeight[j], target: toOff + pr.Syn.Target[j], delay: pr.Syn.Delay[j]})
				}
			}
			slices.SortStableFunc(row, func(a, b synapse) int { return int(a.delay) - int(b.delay) })
			if len(row) > 0 {
				row[len(row)-1].last = true
			}
		}
	}
}

// Step runs one step. inputs lists the input-population neurons (global
// indices) that spike at this step. It returns the cuba_lif neurons that
// spiked, in increasing global index, valid until the next call.
func (s *Sim) Step(inputs []int32) []int32 {
	for _, src := range inputs {
		if src < 0 || int(src) >= len(s.isInput) || !s.isInput[src] {
			panic(fmt.Sprintf("floatsim: input spike for neuron %d, which is not an input neuron", src))
		}
	}
	t := s.step
	var in []float64
	if s.ring != nil {
		in = s.ring[t%len(s.ring)]
	} else {
		in = s.acc
		s.arrive(t)
	}
	s.spikes = s.spikes[:0]
	for k := range s.runs {
		s.spikes = s.runs[k].update(s.i, s.v, in, s.spikes)
	}

	if !slices.IsSorted(inputs) {
		s.inputs = append(s.inputs[:0], inputs...)
		slices.Sort(s.inputs)
		inputs = s.inputs
	}
	s.sent = merge(s.sent[:0], inputs, s.spikes)
	for _, src := range s.sent {
		s.send(src, t)
	}
	s.step++
	s.stats.Steps++
	return s.spikes
}

// update advances the run's neurons by one step with input in (the sum of
// the weights arriving, by global index), clearing what it reads, and
// appends the neurons that spike. The explicit float64 conversions keep
// every product rounded on its own (no fused multiply-add).
func (r *run) update(iState, vState, in []float64, spikes []int32) []int32 {
	perNeuron := 0 // index mask into bias: 0 for one shared value
	if len(r.bias) > 1 {
		perNeuron = -1
	}
	aSyn, aMem, vth := r.alphaSyn, r.alphaMem, r.vth
	for g := r.lo; g < r.hi; g++ {
		i := float64(aSyn*iState[g]) + in[g]
		in[g] = 0
		v := float64(aMem*vState[g]) + i + r.bias[(g-r.lo)&perNeuron]
		if v > vth {
			if r.subtract {
				v -= vth
			} else {
				v = 0
			}
			spikes = append(spikes, int32(g))
		}
		iState[g], vState[g] = i, v
	}
	return spikes
}

// merge appends the union of a and b, both increasing, to dst.
func merge(dst, a, b []int32) []int32 {
	for len(a) > 0 && len(b) > 0 {
		if a[0] < b[0] {
			dst, a = append(dst, a[0]), a[1:]
		} else {
			dst, b = append(dst, b[0]), b[1:]
		}
	}
	return append(append(dst, a...), b...)
}

// send counts a spike of neuron src at step t and sends it through its
// synapses: into the ring's accumulators, or one calendar entry a group.
func (s *Sim) send(src int32, t int) {
	s.stats.Spikes[s.pop[src]]++
	row := s.synapse[s.rowStart[src]:s.rowStart[src+1]]
	s.stats.SynapticEvents += int64(len(row))
	if s.ring != nil {
		for _, e := range row {
			s.ring[(t+int(e.delay))%len(s.ring)][e.target] += e.weight
		}
		return
	}
	for j, e := range row {
		if j == 0 || row[j-1].delay != e.delay {
			s.calendar.Add(t+int(e.delay), uint32(s.rowStart[src]+int64(j)))
		}
	}
}

// arrive sums the groups arriving at step t into s.acc, in the order they
// were scheduled.
func (s *Sim) arrive(t int) {
	for p := range s.calendar.Take(t) {
		j := int(p)
		d := s.synapse[j].delay
		for {
			e := &s.synapse[j]
			s.acc[e.target] += e.weight
			if e.last || s.synapse[j+1].delay != d {
				break
			}
			j++
		}
	}
}

// State returns neuron g's current and voltage after the last step (zero
// for input neurons).
func (s *Sim) State(g int) Neuron { return Neuron{I: s.i[g], V: s.v[g]} }

// Stats returns the counters so far.
func (s *Sim) Stats() Stats {
	st := s.stats
	st.Spikes = slices.Clone(st.Spikes)
	return st
}
