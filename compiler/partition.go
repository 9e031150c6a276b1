package compiler

import (
	"fmt"
	"math"
	"math/bits"
	"runtime"
	"slices"
	"sync"

	loihisim "github.com/snnc/snnc/backend/loihi-sim"
	"github.com/snnc/snnc/ir"
)

// Mapping a legalised network onto the cores of a target runs in three
// steps: partition (this file) puts every non-input neuron on a core under
// every limit of loihisim.CoreLimits, place (place.go) puts the cores on the
// chips' meshes, and route (route.go) predicts the spike traffic of the
// result. MapNetwork runs all three.

// Strategies of MapOptions.
const (
	// PartitionGreedy grows each core around the neurons it is most
	// connected to (the default).
	PartitionGreedy = "greedy"
	// PartitionSequential fills cores with neurons in index order (the
	// baseline).
	PartitionSequential = "sequential"
	// PlaceOptimised improves the sequential placement by a seeded local
	// search on hop-weighted traffic (the default).
	PlaceOptimised = "optimised"
	// PlaceSequential puts core i at position i, chip by chip (the baseline).
	PlaceSequential = "sequential"
)

// MapOptions choose the strategies of MapNetwork; empty fields take the
// defaults (greedy partition, optimised placement). Baseline is the
// strategy pair a report compares the chosen mapping against.
type MapOptions struct {
	Partition string // PartitionGreedy or PartitionSequential
	Place     string // PlaceOptimised or PlaceSequential
}

// Baseline is the mapping a report compares the chosen one against: cores
// filled in index order, placed in order.
var Baseline = MapOptions{Partition: PartitionSequential, Place: PlaceSequential}

func (o MapOptions) withDefaults() (MapOptions, error) {
	if o.Partition == "" {
		o.Partition = PartitionGreedy
	}
	if o.Place == "" {
		o.Place = PlaceOptimised
	}
	if o.Partition != PartitionGreedy && o.Partition != PartitionSequential {
		return o, &MapError{Msg: fmt.Sprintf("unknown partition strategy %q (allowed: %s, %s)", o.Partition, PartitionGreedy, PartitionSequential)}
	}
	if o.Place != PlaceOptimised && o.Place != PlaceSequential {
		return o, &MapError{Msg: fmt.Sprintf("unknown placement strategy %q (allowed: %s, %s)", o.Place, PlaceOptimised, PlaceSequential)}
	}
	return o, nil
}

// MapError is a network that does not fit the target: a neuron that alone
// breaks a core limit, a projection the cores cannot hold, more chips than
// the target has. It is the user's to fix (exit status 2).
type MapError struct {
	// Limit is the profile field that is exceeded ("core.input_axons"),
	// empty for a bad option.
	Limit string
	Msg   string
}

func (e *MapError) Error() string { return e.Msg }

// UserError marks the error as a fault of the input (exit status 2).
func (e *MapError) UserError() {}

// MapNetwork maps net, legalised for p (every delay within p.Core.MaxDelay,
// weights prepared), onto p's cores: it partitions, places and predicts the
// traffic of the result. The mapping shares net. Every core limit holds in
// the result; a network that cannot be mapped gives a *MapError. The output
// depends only on the inputs: the same network gives the same mapping on
// every run and machine.
//
// Cost: O(neurons + synapses) time per partition round (a few rounds when
// output axons are tight) and about 4 bytes per synapse plus 30 bytes per
// neuron of working memory, freed before placement.
func MapNetwork(net *ir.Network, p *loihisim.Profile, opt MapOptions) (*ir.Mapped, *Traffic, error) {
	opt, err := opt.withDefaults()
	if err != nil {
		return nil, nil, err
	}
	if err := checkProjections(net, p); err != nil {
		return nil, nil, err
	}
	g := newGraph(net)
	part, err := partition(g, p, opt.Partition)
	if err != nil {
		return nil, nil, err
	}
	g.dropReverse()
	if chips := ceilDiv(part.cores, p.CoresPerChip()); p.Chip.MaxChips > 0 && chips > p.Chip.MaxChips {
		return nil, nil, &MapError{Limit: "chip.max_chips", Msg: fmt.Sprintf(
			"the network needs %d cores on %d chips; a %s target has at most %d chips of %d cores (chip.max_chips)",
			part.cores, chips, p.Name, p.Chip.MaxChips, p.CoresPerChip())}
	}
	pl := place(g, part, p, opt.Place)
	m := pl.mapped(net, p, part)
	tr := PredictTraffic(m, p)
	tr.Partition, tr.Place, tr.PartitionRounds, tr.PlaceNote = opt.Partition, opt.Place, part.rounds, pl.note
	if err := tr.checkLimits(p); err != nil {
		return nil, nil, fmt.Errorf("snnc internal error (please report): the mapping breaks a limit: %w", err)
	}
	return m, tr, nil
}

// checkProjections checks what legalisation and weight preparation should
// already have made true: weights and delays within the core's limits.
func checkProjections(net *ir.Network, p *loihisim.Profile) error {
	for i := range net.Projections {
		pr := &net.Projections[i]
		if pr.WeightBits > p.Core.WeightBits {
			return &MapError{Limit: "core.weight_bits", Msg: fmt.Sprintf(
				"projection %q has weight_bits %d; a %s core holds %d-bit weights (core.weight_bits)",
				pr.Name, pr.WeightBits, p.Name, p.Core.WeightBits)}
		}
		if d := pr.Syn.MaxDelay(); d > p.Core.MaxDelay {
			return &MapError{Limit: "core.max_delay", Msg: fmt.Sprintf(
				"projection %q has a delay of %d steps; a %s core holds delays up to %d (core.max_delay): delays must be legalised before mapping",
				pr.Name, d, p.Name, p.Core.MaxDelay)}
		}
	}
	return nil
}

func ceilDiv(a, b int) int { return (a + b - 1) / b }

// graph is the network's connectivity by global neuron index: forward
// through the IR's projections (no copy), backward through a CSR by target
// built once (4 bytes per synapse).
type graph struct {
	net     *ir.Network
	n       int
	offs    []int
	popOf   []int32 // population of each neuron
	outProj [][]int // projections leaving each population
	// inStart/inSrc: the sources of target t (with one entry per synapse)
	// are inSrc[inStart[t]:inStart[t+1]].
	inStart []int64
	inSrc   []int32
}

func newGraph(net *ir.Network) *graph {
	g := newForwardGraph(net)
	g.buildReverse()
	return g
}

// newForwardGraph is the graph without the reverse CSR.
func newForwardGraph(net *ir.Network) *graph {
	g := &graph{net: net, offs: net.Offsets(), outProj: make([][]int, len(net.Populations))}
	g.n = g.offs[len(net.Populations)]
	g.popOf = make([]int32, g.n)
	for k := range net.Populations {
		for v := g.offs[k]; v < g.offs[k+1]; v++ {
			g.popOf[v] = int32(k)
		}
	}
	for i := range net.Projections {
		g.outProj[net.Projections[i].From] = append(g.outProj[net.Projections[i].From], i)
	}
	return g
}

// reverseBlock is the number of synapses of a block of targets that
// buildReverse aims to sort at once (its arrays then stay in cache).
var reverseBlock int64 = 1 << 18

// buildReverse builds the CSR by target. Writing each synapse straight to
// its target's list misses the cache on nearly every synapse at 10^8
// synapses, so it goes in passes that each stay in cache: count synapses
// per group of 256 targets; append each synapse to the stream of its block
// of 2^shift targets (256 to 65536, as many as keep blocks near
// reverseBlock synapses) with its target's place in the block beside it (2
// more bytes per synapse, freed at the end); sort each block by target,
// blocks in parallel. Within a target's list the sources are in the order
// of a walk over populations, projections and sources, however blocks fall.
func (g *graph) buildReverse() {
	net := g.net
	const groupShift = 8
	groups := make([]int64, g.n>>groupShift+1)
	for i := range net.Projections {
		pr := &net.Projections[i]
		base := g.offs[pr.To]
		for _, t := range pr.Syn.Target {
			groups[(base+int(t))>>groupShift]++
		}
	}
	shift := 16
	for ; shift > groupShift; shift-- {
		largest, sum := int64(0), int64(0)
		for j, c := range groups {
			if j&(1<<(shift-groupShift)-1) == 0 {
				sum = 0
			}
			sum += c
			largest = max(largest, sum)
		}
		if largest <= reverseBlock {
			break
		}
	}
	nb := g.n>>shift + 1
	blockStart := make([]int64, nb+1)
	for j, c := range groups {
		blockStart[j>>(shift-groupShift)+1] += c
	}
	for b := range nb {
		blockStart[b+1] += blockStart[b]
	}
	groups = nil
	cursor := slices.Clone(blockStart[:nb])
	g.inSrc = make([]int32, blockStart[nb])
	low := make([]uint16, len(g.inSrc))
	mask := 1<<shift - 1
	for k := range net.Populations {
		for _, i := range g.outProj[k] {
			pr := &net.Projections[i]
			base := g.offs[pr.To]
			for src := range pr.Syn.Sources() {
				lo, hi := pr.Syn.Row(src)
				s := int32(g.offs[k] + src)
				for _, t := range pr.Syn.Target[lo:hi] {
					tg := base + int(t)
					b := tg >> shift
					at := cursor[b]
					cursor[b]++
					g.inSrc[at] = s
					low[at] = uint16(tg & mask)
				}
			}
		}
	}
	cursor = nil
	// Sort each block by target, stably, through a buffer per worker, and
	// fill in the block's part of inStart.
	g.inStart = make([]int64, g.n+1)
	g.inStart[g.n] = blockStart[nb]
	parallel(nb, func(lo, hi int) struct{} {
		var buf []int32
		next := make([]int64, 1<<shift+1)
		for b := lo; b < hi; b++ {
			t0, t1 := min(b<<shift, g.n), min((b+1)<<shift, g.n)
			seg, lows := g.inSrc[blockStart[b]:blockStart[b+1]], low[blockStart[b]:blockStart[b+1]]
			clear(next)
			for _, l := range lows {
				next[l+1]++
			}
			for t := t0; t < t1; t++ {
				next[t-t0+1] += next[t-t0]
				g.inStart[t] = blockStart[b] + next[t-t0]
			}
			buf = append(buf[:0], seg...)
			for j, s := range buf {
				l := lows[j]
				seg[next[l]] = s
				next[l]++
			}
		}
		return struct{}{}
	})
}

// dropReverse frees the reverse CSR, which only partitioning needs.
func (g *graph) dropReverse() { g.inStart, g.inSrc = nil, nil }

func (g *graph) isInput(v int) bool {
	return g.net.Populations[g.popOf[v]].Model == ir.ModelInput
}

// name is "population "exc" neuron 17" for messages.
func (g *graph) name(v int) string {
	k := g.popOf[v]
	return fmt.Sprintf("population %q neuron %d", g.net.Populations[k].Name, v-g.offs[k])
}

// partitionResult is the core of every neuron, cores numbered in the order
// the partition opened them.
type partitionResult struct {
	coreOf []int32 // -1 for input neurons
	cores  int
	rounds int // fills until output axons settled
}

// maxRounds bounds the fills of the output-axon fixed point.
const maxRounds = 30

// partitioner fills cores under the limits. Input axons and synapse memory
// are counted exactly as neurons are added. Output axons depend on where
// the targets go, so each neuron is charged an estimate est; after a fill
// the real counts are computed and, while some core is over its limit, the
// estimates are raised to the real counts (never lowered) and the cores
// filled again.
//
// Raising alone converges slowly when cores are full to the last output
// axon (random connectivity: each fill moves every neuron, and a neuron's
// count varies by a few between fills), so from the second fill on the
// partitioner also keeps a reserve: after a fill whose estimates were
// already measured, it grows to the largest amount by which an over-limit
// core's real count exceeded the estimates it was filled with. Cores are
// then filled to OutputAxons - reserve (a lone neuron to OutputAxons). This
// settles in a few fills, at the cost of that many output axons per core.
//
// Everything a fill tests per synapse stays in cache, since a random
// access to a per-neuron array misses it on nearly every synapse at 10^8
// synapses: which neurons are assigned and which sources the open core
// already counts are bits, 3 per neuron in one cache line (marks), and
// the greedy fill's gains
// live in a hash table of the open core's neighbours.
type partitioner struct {
	g       *graph
	p       *loihisim.Profile
	coreOf  []int32 // -1 for inputs and neurons not yet assigned
	marks   marks   // assigned neurons and inputs; the open core's input axons
	est     []int32
	reserve int64
	// the open core
	cur        int32
	nNeur      int
	nSyn, nOut int64
	axonList   []int32 // the open core's input axons, to clear their marks
	newAx      int     // input axons the last call of fits added
	buf        []int32 // scratch
}

func partition(g *graph, p *loihisim.Profile, strategy string) (*partitionResult, error) {
	pt := &partitioner{g: g, p: p, coreOf: make([]int32, g.n), marks: make(marks, g.n/64+1), est: make([]int32, g.n)}
	for v := range g.n {
		if g.isInput(v) {
			continue
		}
		// A neuron with targets needs at least one output axon.
		k := g.popOf[v]
		for _, i := range g.outProj[k] {
			if lo, hi := g.net.Projections[i].Syn.Row(v - g.offs[k]); hi > lo {
				pt.est[v] = 1
				break
			}
		}
	}
	var fr *frontier
	if strategy == PartitionGreedy {
		fr = newFrontier(pt.marks)
	}
	for round := 1; round <= maxRounds; round++ {
		var err error
		if fr != nil {
			err = pt.fillGreedy(fr)
		} else {
			err = pt.fillSequential()
		}
		if err != nil {
			return nil, err
		}
		cores := int(pt.cur) + 1
		if pt.nNeur == 0 {
			cores = int(pt.cur)
		}
		over, drift := pt.raiseEstimates(cores)
		if !over {
			return &partitionResult{coreOf: pt.coreOf, cores: cores, rounds: round}, nil
		}
		if round > 1 {
			pt.reserve = max(pt.reserve, drift)
		}
	}
	return nil, &MapError{Limit: "core.output_axons", Msg: fmt.Sprintf(
		"cannot keep output axons within %d per %s core (core.output_axons): the counts did not settle after %d partitions",
		p.Core.OutputAxons, p.Name, maxRounds)}
}

// reset starts a fill: every non-input neuron unassigned, core 0 open.
func (pt *partitioner) reset() {
	for w := range pt.marks {
		pt.marks[w].done = 0
	}
	for v := range pt.g.n {
		pt.coreOf[v] = -1
		if pt.g.isInput(v) {
			pt.marks.setDone(v)
		}
	}
	pt.cur, pt.nNeur, pt.nSyn, pt.nOut = 0, 0, 0, 0
	pt.clearAxons()
}

func (pt *partitioner) clearAxons() {
	for _, s := range pt.axonList {
		pt.marks.unsetAxon(int(s))
	}
	pt.axonList = pt.axonList[:0]
}

// fits reports whether neuron v can join the open core. It adds v's new
// sources to the core's input axons, so after a false the core must be
// closed. A neuron that does not fit an empty core is an error.
func (pt *partitioner) fits(v int) (bool, error) {
	c := &pt.p.Core
	lo, hi := pt.g.inStart[v], pt.g.inStart[v+1]
	before := len(pt.axonList)
	for _, s := range pt.g.inSrc[lo:hi] {
		if !pt.marks.isAxon(int(s)) {
			pt.marks.setAxon(int(s))
			pt.axonList = append(pt.axonList, s)
		}
	}
	pt.newAx = len(pt.axonList) - before
	syn := hi - lo
	ax := len(pt.axonList)
	mem := (pt.nSyn+syn)*int64(c.SynapseBits) + int64(ax)*int64(c.InputAxonBits)
	outLimit := int64(c.OutputAxons)
	if pt.nNeur > 0 {
		outLimit -= pt.reserve
	}
	ok := ax <= c.InputAxons && pt.nNeur+1 <= c.Neurons && mem <= c.SynapseMemoryBits &&
		pt.nOut+int64(pt.est[v]) <= outLimit
	if ok || pt.nNeur > 0 {
		return ok, nil
	}
	switch {
	case ax > c.InputAxons:
		return false, &MapError{Limit: "core.input_axons", Msg: fmt.Sprintf(
			"%s has %d distinct input neurons; a %s core holds %d input axons (core.input_axons)",
			pt.g.name(v), ax, pt.p.Name, c.InputAxons)}
	case mem > c.SynapseMemoryBits:
		return false, &MapError{Limit: "core.synapse_memory_bits", Msg: fmt.Sprintf(
			"%s needs %d bits of synapse memory (%d synapses x %d bits + %d input axons x %d bits); a %s core holds %d bits (core.synapse_memory_bits)",
			pt.g.name(v), mem, syn, c.SynapseBits, ax, c.InputAxonBits, pt.p.Name, c.SynapseMemoryBits)}
	default:
		return false, &MapError{Limit: "core.output_axons", Msg: fmt.Sprintf(
			"%s sends spikes to %d cores; a %s core holds %d output axons (core.output_axons)",
			pt.g.name(v), pt.est[v], pt.p.Name, c.OutputAxons)}
	}
}

// add puts v on the open core; fits(v) must just have said yes.
func (pt *partitioner) add(v int) {
	pt.coreOf[v] = pt.cur
	pt.marks.setDone(v)
	pt.nNeur++
	pt.nSyn += pt.g.inStart[v+1] - pt.g.inStart[v]
	pt.nOut += int64(pt.est[v])
}

// next opens a new core.
func (pt *partitioner) next() {
	pt.cur++
	pt.nNeur, pt.nSyn, pt.nOut = 0, 0, 0
	pt.clearAxons()
}

// fillSequential takes neurons in index order and opens a new core when the
// next one does not fit.
func (pt *partitioner) fillSequential() error {
	pt.reset()
	for v := range pt.g.n {
		if pt.marks.isDone(v) {
			continue
		}
		ok, err := pt.fits(v)
		if err != nil {
			return err
		}
		if !ok {
			pt.next()
			if _, err := pt.fits(v); err != nil {
				return err
			}
		}
		pt.add(v)
	}
	return nil
}

// fillGreedy grows each core from the lowest-index unassigned neuron,
// adding the unassigned neuron with the most synapses to or from the core
// (lowest index on ties), or the next unassigned neuron in index order when
// none is connected, until the next addition does not fit.
func (pt *partitioner) fillGreedy(fr *frontier) error {
	pt.reset()
	g := pt.g
	scan := 0 // every neuron below scan is assigned or an input
	nextFree := func() int {
		for scan < g.n && pt.marks.isDone(scan) {
			scan++
		}
		return scan
	}
	for nextFree() < g.n {
		v := scan
		for {
			ok, err := pt.fits(v)
			if err != nil {
				return err
			}
			if !ok {
				break
			}
			pt.add(v)
			pt.grow(fr, v)
			if u, ok := fr.pop(); ok {
				v = int(u)
			} else if v = nextFree(); v == g.n {
				break
			}
		}
		fr.clear()
		if nextFree() < g.n {
			pt.next()
		}
	}
	return nil
}

// grow counts v's synapses to and from unassigned neurons in the frontier.
func (pt *partitioner) grow(fr *frontier, v int) {
	g := pt.g
	pt.bumpUnassigned(fr, g.inSrc[g.inStart[v]:g.inStart[v+1]], 0)
	k := g.popOf[v]
	for _, i := range g.outProj[k] {
		pr := &g.net.Projections[i]
		lo, hi := pr.Syn.Row(v - g.offs[k])
		pt.bumpUnassigned(fr, pr.Syn.Target[lo:hi], int32(g.offs[pr.To]))
	}
}

// bumpUnassigned bumps base+u for the neurons u not assigned yet. It picks
// them out without a branch (about half are assigned, in no order a branch
// predictor could learn) before bumping them.
func (pt *partitioner) bumpUnassigned(fr *frontier, neurons []int32, base int32) {
	if cap(pt.buf) < len(neurons) {
		pt.buf = make([]int32, 2*len(neurons))
	}
	buf := pt.buf[:len(neurons)]
	m := 0
	for _, u := range neurons {
		x := base + u
		buf[m] = x
		m += int(^pt.marks[x>>6].done >> (x & 63) & 1)
	}
	for _, x := range buf[:m] {
		fr.bump(x)
	}
}

// raiseEstimates computes every neuron's real output axons (the distinct
// cores its synapses reach) and raises its estimate to it. It reports
// whether a core is over its limit, and the largest amount by which an
// over-limit core's real count exceeds the estimates it was filled with.
// O(synapses), split over the available processors (each counts its own
// neurons).
func (pt *partitioner) raiseEstimates(cores int) (over bool, drift int64) {
	g := pt.g
	parts := parallel(g.n, func(lo, hi int) []int64 {
		stamp := make([]int32, cores)
		for i := range stamp {
			stamp[i] = -1
		}
		sums := make([]int64, 2*cores) // real, estimated per core
		var dst []int32
		for v := lo; v < hi; v++ {
			c := pt.coreOf[v]
			if c < 0 {
				continue
			}
			dst = appendTargetCores(dst[:0], g, pt.coreOf, v)
			n := int32(0)
			for _, d := range dst {
				if stamp[d] != int32(v) {
					stamp[d] = int32(v)
					n++
				}
			}
			sums[2*c] += int64(n)
			sums[2*c+1] += int64(pt.est[v])
			pt.est[v] = max(pt.est[v], n)
		}
		return sums
	})
	for c := range cores {
		var real, est int64
		for _, s := range parts {
			real, est = real+s[2*c], est+s[2*c+1]
		}
		if real > int64(pt.p.Core.OutputAxons) {
			over = true
			drift = max(drift, real-est)
		}
	}
	return over, drift
}

// appendTargetCores appends the core of each of v's synapses' targets.
// Gathering them first lets the processor overlap the cache misses, which
// a stamp test between the loads would serialise.
func appendTargetCores(dst []int32, g *graph, coreOf []int32, v int) []int32 {
	k := g.popOf[v]
	for _, i := range g.outProj[k] {
		pr := &g.net.Projections[i]
		lo, hi := pr.Syn.Row(v - g.offs[k])
		base := coreOf[g.offs[pr.To]:]
		for _, t := range pr.Syn.Target[lo:hi] {
			dst = append(dst, base[t])
		}
	}
	return dst
}

// parallel splits [0, n) into one range per processor (at most 8), runs f
// on each in its own goroutine and returns the results in range order.
// Callers combine the results so that they do not depend on the split.
func parallel[T any](n int, f func(lo, hi int) T) []T {
	w := max(min(runtime.GOMAXPROCS(0), 8, n/1024), 1)
	res := make([]T, w)
	var wg sync.WaitGroup
	for i := range w {
		wg.Go(func() { res[i] = f(n*i/w, n*(i+1)/w) })
	}
	wg.Wait()
	return res
}

// bitset is a set of neuron indices.
type bitset []uint64

func newBitset(n int) bitset    { return make(bitset, n/64+1) }
func (b bitset) has(i int) bool { return b[i>>6]&(1<<(i&63)) != 0 }
func (b bitset) set(i int)      { b[i>>6] |= 1 << (i & 63) }
func (b bitset) unset(i int)    { b[i>>6] &^= 1 << (i & 63) }

// marks are what a fill marks per neuron, for 64 neurons at a time in one
// cache line: assigned (or an input), of gain 1 in the frontier, an input
// axon of the open core. A neuron's marks are read together, so visiting
// it costs one cache miss.
type marks []mark

type mark struct{ done, ones, axon, _ uint64 }

func (m marks) isDone(i int) bool { return m[i>>6].done&(1<<(i&63)) != 0 }
func (m marks) setDone(i int)     { m[i>>6].done |= 1 << (i & 63) }
func (m marks) isOne(i int) bool  { return m[i>>6].ones&(1<<(i&63)) != 0 }
func (m marks) setOne(i int)      { m[i>>6].ones |= 1 << (i & 63) }
func (m marks) unsetOne(i int)    { m[i>>6].ones &^= 1 << (i & 63) }
func (m marks) isAxon(i int) bool { return m[i>>6].axon&(1<<(i&63)) != 0 }
func (m marks) setAxon(i int)     { m[i>>6].axon |= 1 << (i & 63) }
func (m marks) unsetAxon(i int)   { m[i>>6].axon &^= 1 << (i & 63) }

// frontier holds the unassigned neurons connected to the open core by
// their gain (synapses with the core), and gives the one of highest gain,
// lowest index first. Most neurons touch a core once, so the neurons of
// gain 1 are marked (marks.ones) with a summary bit per word of marks, so
// the least is found by two trailing-zero counts per 4096 neurons of
// summary; gains of 2 and more are in a small open-addressing hash table,
// ordered by a bucket queue: bucket g is a min-heap of the neurons whose
// gain reached g. A gain that grows leaves a stale entry in the bucket
// below, skipped when it comes up (its gain no longer matches, or it was
// assigned). Everything stays in cache; a bump is O(1) expected.
type frontier struct {
	marks   marks
	summary bitset  // bit w: marks[w].ones != 0
	onesW   []int32 // words of marks whose ones may be non-zero
	minW    int     // no summary word below minW is non-zero
	keys    []int32 // the table of gains >= 2
	gains   []int32
	gens    []uint32 // a slot holds a key only when its generation is gen
	gen     uint32
	shift   uint
	n       int // keys in the table
	buckets [][]int32
	top     int // no bucket above top holds an entry
	used    int // highest bucket used since the last clear
}

func newFrontier(m marks) *frontier {
	f := &frontier{marks: m, summary: newBitset(len(m)), minW: math.MaxInt}
	f.alloc(8)
	return f
}

func (f *frontier) alloc(bits uint) {
	f.keys, f.gains, f.gens = make([]int32, 1<<bits), make([]int32, 1<<bits), make([]uint32, 1<<bits)
	f.gen, f.shift, f.n = 1, 32-bits, 0
}

// slot returns v's slot in the table, or the empty slot where it belongs.
func (f *frontier) slot(v int32) int {
	mask := len(f.keys) - 1
	i := int((uint32(v) * 0x9e3779b1) >> f.shift)
	for f.gens[i] == f.gen && f.keys[i] != v {
		i = (i + 1) & mask
	}
	return i
}

// bump adds one synapse to the gain of v, which is unassigned.
func (f *frontier) bump(v int32) {
	if f.marks.isOne(int(v)) {
		f.dropOne(v)
		f.push(v, 2)
		return
	}
	i := f.slot(v)
	if f.gens[i] != f.gen {
		f.addOne(v)
		return
	}
	if f.gains[i] < math.MaxInt32 {
		f.gains[i]++
		f.enqueue(v, int(f.gains[i]))
	}
}

func (f *frontier) addOne(v int32) {
	w := int(v) >> 6
	if f.marks[w].ones == 0 {
		f.summary.set(w)
		f.onesW = append(f.onesW, int32(w))
		f.minW = min(f.minW, w>>6)
	}
	f.marks.setOne(int(v))
}

// dropOne takes v out of the neurons of gain 1.
func (f *frontier) dropOne(v int32) {
	f.marks.unsetOne(int(v))
	if w := int(v) >> 6; f.marks[w].ones == 0 {
		f.summary.unset(w)
	}
}

// push enters v in the table with gain g >= 2.
func (f *frontier) push(v int32, g int32) {
	if 2*(f.n+1) > len(f.keys) {
		f.growTable()
	}
	i := f.slot(v)
	f.keys[i], f.gains[i], f.gens[i] = v, g, f.gen
	f.n++
	f.enqueue(v, int(g))
}

func (f *frontier) enqueue(v int32, g int) {
	for g >= len(f.buckets) {
		f.buckets = append(f.buckets, nil)
	}
	f.buckets[g] = heapPush(f.buckets[g], v)
	f.top, f.used = max(f.top, g), max(f.used, g)
}

// growTable doubles the table.
func (f *frontier) growTable() {
	keys, gains, gens, gen := f.keys, f.gains, f.gens, f.gen
	f.alloc(33 - f.shift)
	for i, k := range keys {
		if gens[i] == gen {
			j := f.slot(k)
			f.keys[j], f.gains[j], f.gens[j] = k, gains[i], f.gen
			f.n++
		}
	}
}

// pop removes and returns the unassigned neuron of highest gain (lowest
// index on ties); false when there is none.
func (f *frontier) pop() (int32, bool) {
	for f.top > 1 {
		b := f.buckets[f.top]
		for len(b) > 0 {
			var v int32
			v, b = heapPop(b)
			if i := f.slot(v); !f.marks.isDone(int(v)) && f.gens[i] == f.gen && int(f.gains[i]) == f.top {
				f.buckets[f.top] = b
				return v, true
			}
		}
		f.buckets[f.top] = b
		f.top--
	}
	for ; f.minW < len(f.summary); f.minW++ {
		if x := f.summary[f.minW]; x != 0 {
			w := f.minW<<6 + bits.TrailingZeros64(x)
			v := int32(w<<6 + bits.TrailingZeros64(f.marks[w].ones))
			f.dropOne(v)
			return v, true
		}
	}
	return 0, false
}

// clear empties the frontier.
func (f *frontier) clear() {
	for _, w := range f.onesW {
		f.marks[w].ones = 0
		f.summary.unset(int(w))
	}
	f.onesW = f.onesW[:0]
	f.minW = math.MaxInt
	f.n = 0
	f.gen++
	if f.gen == 0 { // wrapped: old generations could match again
		clear(f.gens)
		f.gen = 1
	}
	for g := 2; g <= f.used; g++ {
		f.buckets[g] = f.buckets[g][:0]
	}
	f.top, f.used = 0, 0
}

// heapPush adds v to the min-heap h.
func heapPush(h []int32, v int32) []int32 {
	h = append(h, v)
	i := len(h) - 1
	for i > 0 {
		parent := (i - 1) / 2
		if h[parent] <= v {
			break
		}
		h[i] = h[parent]
		i = parent
	}
	h[i] = v
	return h
}

// heapPop removes the least element of the non-empty min-heap h.
func heapPop(h []int32) (int32, []int32) {
	top := h[0]
	last := h[len(h)-1]
	h = h[:len(h)-1]
	n := len(h)
	if n == 0 {
		return top, h
	}
	i := 0
	for {
		c := 2*i + 1
		if c >= n {
			break
		}
		if c+1 < n && h[c+1] < h[c] {
			c++
		}
		if h[c] >= last {
			break
		}
		h[i] = h[c]
		i = c
	}
	h[i] = last
	return top, h
}
