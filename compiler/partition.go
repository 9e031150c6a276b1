package compiler

import (
	"fmt"
	"math"
	"math/bits"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

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

// Check reports an unknown strategy.
func (o MapOptions) Check() error {
	_, err := o.withDefaults()
	return err
}

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
// every run and machine, whatever its number of processors.
//
// Cost: O(neurons + synapses) time per partition fill (one, or up to five
// when output axons bind and the first fill's bounds were loose), the
// placement's fixed budget, and O(neurons + synapses + mesh) for the
// traffic; the fills and the traffic use every processor. Working memory
// is about 6 bytes per synapse while the reverse adjacency is built, 4
// while partitioning, and about 50 bytes per neuron; the per-synapse part
// is freed before placement. 10^6 neurons with 10^8 random synapses map
// onto loihi1 in about 10 s on 2 cores, with 0.75 GB beside the network.
func MapNetwork(net *ir.Network, p *loihisim.Profile, opt MapOptions) (*ir.Mapped, *Traffic, error) {
	ms, trs, err := MapNetworks(net, p, opt)
	if err != nil {
		return nil, nil, err
	}
	return ms[0], trs[0], nil
}

// MapNetworks maps net once per option set, sharing the work they have in
// common (the reverse adjacency, a partition two sets both use): a report
// that compares the chosen mapping with Baseline costs less than two calls
// of MapNetwork. Results are in the order of opts.
func MapNetworks(net *ir.Network, p *loihisim.Profile, opts ...MapOptions) ([]*ir.Mapped, []*Traffic, error) {
	mp, err := newMapper(net, p, opts)
	if err != nil {
		return nil, nil, err
	}
	for _, stage := range []func() error{mp.partition, mp.place, mp.route} {
		if err := stage(); err != nil {
			return nil, nil, err
		}
	}
	return mp.mapped, mp.traffic, nil
}

// mapper carries a mapping through its stages, which the pass table runs
// as the passes partition, place and route: one mapping per option set.
type mapper struct {
	net     *ir.Network
	p       *loihisim.Profile
	opts    []MapOptions
	g       *graph
	parts   map[string]*partitionResult // by partition strategy
	places  []*placement                // by option set
	mapped  []*ir.Mapped
	traffic []*Traffic
	times   []PassTime // of the shared and per-option steps, for --time-passes
}

func newMapper(net *ir.Network, p *loihisim.Profile, opts []MapOptions) (*mapper, error) {
	opts = slices.Clone(opts)
	for i := range opts {
		var err error
		if opts[i], err = opts[i].withDefaults(); err != nil {
			return nil, err
		}
	}
	return &mapper{net: net, p: p, opts: opts, parts: map[string]*partitionResult{}}, nil
}

// timed runs f and records how long it took and what it allocated.
func (mp *mapper) timed(name string, f func()) {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	start := time.Now()
	f()
	runtime.ReadMemStats(&after)
	mp.times = append(mp.times, PassTime{Name: name, Seconds: time.Since(start).Seconds(), AllocBytes: after.TotalAlloc - before.TotalAlloc})
}

// partition cuts the network into cores, once per partition strategy.
func (mp *mapper) partition() error {
	if err := checkProjections(mp.net, mp.p); err != nil {
		return err
	}
	mp.timed("reverse adjacency", func() { mp.g = newGraph(mp.net) })
	// The strategies' partitions are independent: run them side by side
	// (the sequential fill is one thread; the greedy one uses blocks).
	var strategies []string
	for _, opt := range mp.opts {
		if !slices.Contains(strategies, opt.Partition) {
			strategies = append(strategies, opt.Partition)
		}
	}
	parts := make([]*partitionResult, len(strategies))
	errs := make([]error, len(strategies))
	mp.timed("partition ("+strings.Join(strategies, " and ")+", side by side)", func() {
		var wg sync.WaitGroup
		for i, strategy := range strategies {
			wg.Go(func() { parts[i], errs[i] = partition(mp.g, mp.p, strategy) })
		}
		wg.Wait()
	})
	for i, strategy := range strategies {
		if errs[i] != nil {
			return errs[i]
		}
		part := parts[i]
		if chips := ceilDiv(part.cores, mp.p.CoresPerChip()); mp.p.Chip.MaxChips > 0 && chips > mp.p.Chip.MaxChips {
			return &MapError{Limit: "chip.max_chips", Msg: fmt.Sprintf(
				"the network needs %d cores on %d chips; a %s target has at most %d chips of %d cores (chip.max_chips)",
				part.cores, chips, mp.p.Name, mp.p.Chip.MaxChips, mp.p.CoresPerChip())}
		}
		mp.parts[strategy] = part
	}
	mp.g.dropReverse()
	return nil
}

// place puts the cores of each mapping on the mesh.
func (mp *mapper) place() error {
	for _, opt := range mp.opts {
		part := mp.parts[opt.Partition]
		var pl *placement
		mp.timed("place ("+opt.Place+")", func() { pl = place(mp.g, part, mp.p, opt.Place) })
		mp.places = append(mp.places, pl)
		mp.mapped = append(mp.mapped, pl.mapped(mp.net, mp.p, part))
	}
	return nil
}

// route predicts the traffic of each mapping and checks its limits.
func (mp *mapper) route() error {
	for i, opt := range mp.opts {
		var tr *Traffic
		mp.timed("route ("+opt.Partition+", "+opt.Place+")", func() { tr = PredictTraffic(mp.mapped[i], mp.p) })
		tr.Partition, tr.Place, tr.PartitionFills, tr.PlaceNote = opt.Partition, opt.Place, mp.parts[opt.Partition].fills, mp.places[i].note
		if err := tr.checkLimits(mp.p); err != nil {
			return fmt.Errorf("snnc internal error (please report): the mapping breaks a limit: %w", err)
		}
		mp.traffic = append(mp.traffic, tr)
	}
	return nil
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
// more bytes per synapse, freed at the end); sort each block by target.
// Within a target's list the sources are in the order of a walk over
// populations, their projections and sources. The walk is cut into one
// part per processor for the first two passes, each part writing after the
// parts before it in every block, and the blocks are sorted in parallel,
// so the result does not depend on the number of processors.
func (g *graph) buildReverse() {
	walk := g.walk()
	const groupShift = 8
	parts := parallelIn(workers(int(walk.total)), int(walk.total), func(_, lo, hi int) []int64 {
		groups := make([]int64, g.n>>groupShift+1)
		walk.rows(int64(lo), int64(hi), func(base, _ int, targets []int32) {
			for _, t := range targets {
				groups[(base+int(t))>>groupShift]++
			}
		})
		return groups
	})
	groups := make([]int64, g.n>>groupShift+1)
	for _, p := range parts {
		for j, c := range p {
			groups[j] += c
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
	// Each part's cursor in each block: after the parts before it.
	cursors := make([][]int64, len(parts))
	next := slices.Clone(blockStart[:nb])
	for w, p := range parts {
		cursors[w] = slices.Clone(next)
		for j, c := range p {
			next[j>>(shift-groupShift)] += c
		}
	}
	parts, groups, next = nil, nil, nil
	g.inSrc = make([]int32, blockStart[nb])
	low := make([]uint16, len(g.inSrc))
	mask := 1<<shift - 1
	parallelIn(len(cursors), int(walk.total), func(w, lo, hi int) struct{} {
		cursor := cursors[w]
		walk.rows(int64(lo), int64(hi), func(base, s int, targets []int32) {
			for _, t := range targets {
				tg := base + int(t)
				b := tg >> shift
				at := cursor[b]
				cursor[b]++
				g.inSrc[at] = int32(s)
				low[at] = uint16(tg & mask)
			}
		})
		return struct{}{}
	})
	cursors = nil
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

func (g *graph) hasTargets(v int) bool {
	k := g.popOf[v]
	for _, i := range g.outProj[k] {
		if lo, hi := g.net.Projections[i].Syn.Row(v - g.offs[k]); hi > lo {
			return true
		}
	}
	return false
}

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
	fills  int // fills made (the result is from one of them)
}

// greedyBlockSynapses sets the size of the blocks the greedy fill works on
// independently: large networks are cut into blocks of consecutive neurons
// with about this many synapses (in and out) each, filled in parallel. The
// cut depends only on the network, never on the machine, and a network
// under 16M synapses is one block. Cores never span two blocks, which costs
// little: a block holds hundreds of cores.
var greedyBlockSynapses int64 = 1 << 24

// partitioner fills cores under the limits. Neurons, input axons and
// synapse memory are counted exactly as neurons are added. Output axons
// depend on where the targets go, which is not known yet, so the first
// fill charges each neuron a bound: the distinct cores of the targets
// already placed, exactly, plus one for each target not placed yet (and
// less as those join the open core). Every core of that fill is within its
// limit, whatever happens later, except a lone neuron whose bound alone is
// over it (it then gets a core to itself and is checked afterwards).
//
// With random connectivity the bound is about the real count. Where
// targets share the cores they end up on (local connectivity) it is loose,
// so if output axons closed cores in the bounded fill, the partitioner
// then makes up to estimateFills fills as the design asked: each neuron
// is charged an estimate, one output axon at first, then its largest real
// count so far. An estimated fill can break the limit, since moving
// neurons changes the real counts, and estimates alone do not settle for
// the greedy fill, where a small change of estimates moves every later
// core (on a 60x60 grid of tiny cores: 854 to 1604 cores in 30 fills, none
// within the limit). So after the second estimated fill, cores also keep a
// reserve of output axons: the largest amount by which an over-limit
// core's real count exceeded its estimates. The result is the fill within
// every limit with the fewest cores (the first on a tie); the bounded fill
// ensures there is one.
type partitioner struct {
	g       *graph
	p       *loihisim.Profile
	coreOf  []int32 // -1 for inputs
	est     []int32
	bound   []int32 // each neuron's first charge in the bounded fill
	reserve int64
	blocks  []int // block b is neurons blocks[b] .. blocks[b+1]-1
	fillers []*filler
}

// estimateFills bounds the estimated fills after the bounded one.
var estimateFills = 4

func partition(g *graph, p *loihisim.Profile, strategy string) (*partitionResult, error) {
	pt := &partitioner{g: g, p: p, coreOf: make([]int32, g.n), est: make([]int32, g.n), bound: make([]int32, g.n)}
	pt.blocks = []int{0, g.n}
	if strategy == PartitionGreedy {
		pt.blocks = g.blocks(greedyBlockSynapses)
	}
	for range min(len(pt.blocks)-1, runtime.GOMAXPROCS(0)) {
		pt.fillers = append(pt.fillers, pt.newFiller(strategy == PartitionGreedy))
	}
	var best *partitionResult
	var real []int32
	fills := 0
	for fills < 1+estimateFills {
		fills++
		bounded := fills == 1
		if fills == 2 { // estimates start at one output axon per neuron with targets
			for v := range pt.est {
				pt.est[v] = 0
				if g.hasTargets(v) {
					pt.est[v] = 1
				}
			}
		}
		cores, outputClosed, err := pt.fill(bounded)
		if err != nil {
			return nil, err
		}
		var over bool
		var used, drift int64
		real, over, used, drift = pt.realCounts(cores, real)
		if !over && (best == nil || cores < best.cores) {
			best = &partitionResult{coreOf: slices.Clone(pt.coreOf), cores: cores}
		}
		if bounded {
			var charged int64
			for _, b := range pt.bound {
				charged += int64(b)
			}
			if !outputClosed || !over && charged <= used+used/32 {
				break // estimates would fill the same cores, or no fewer
			}
			continue
		}
		if over && fills > 2 {
			pt.reserve = max(pt.reserve, drift)
		}
		raised := false
		for v, n := range real {
			if n > pt.est[v] {
				pt.est[v], raised = n, true
			}
		}
		if !raised && !over {
			break // the next fill would be the same
		}
	}
	if best == nil {
		return nil, pt.overError(real)
	}
	best.fills = fills
	return best, nil
}

func (pt *partitioner) newFiller(greedy bool) *filler {
	f := &filler{g: pt.g, p: pt.p, coreOf: pt.coreOf, est: pt.est, bound: pt.bound, marks: make(marks, pt.g.n/64+1), place: newPlace(pt.g.n)}
	if greedy {
		f.fr = newFrontier(f.marks)
	}
	return f
}

// overError describes why no fill kept every core within its output axons.
func (pt *partitioner) overError(real []int32) error {
	p := pt.p
	out := map[int32]int64{}
	members := map[int32][]int{}
	for v, c := range pt.coreOf {
		if c >= 0 {
			out[c] += int64(real[v])
			members[c] = append(members[c], v)
		}
	}
	for c := range int32(len(out)) {
		if out[c] > int64(p.Core.OutputAxons) && len(members[c]) == 1 {
			v := members[c][0]
			return &MapError{Limit: "core.output_axons", Msg: fmt.Sprintf(
				"%s sends spikes to %d cores; a %s core holds %d output axons (core.output_axons)",
				pt.g.name(v), real[v], p.Name, p.Core.OutputAxons)}
		}
	}
	return &MapError{Limit: "core.output_axons", Msg: fmt.Sprintf(
		"cannot keep output axons within %d per %s core (core.output_axons) in %d partitions",
		p.Core.OutputAxons, p.Name, 1+estimateFills)}
}

// blocks cuts the neurons into ranges of about size synapses (in and out).
func (g *graph) blocks(size int64) []int {
	var total int64
	for _, pr := range g.net.Projections {
		total += 2 * int64(pr.Syn.Len())
	}
	n := max(total/size, 1)
	cuts := []int{0}
	var sum int64
	for v := range g.n {
		k := g.popOf[v]
		for _, i := range g.outProj[k] {
			lo, hi := g.net.Projections[i].Syn.Row(v - g.offs[k])
			sum += int64(hi - lo)
		}
		sum += g.inStart[v+1] - g.inStart[v]
		if int64(len(cuts)) < n && sum >= total*int64(len(cuts))/n {
			cuts = append(cuts, v+1)
		}
	}
	if cuts[len(cuts)-1] != g.n {
		cuts = append(cuts, g.n)
	}
	return cuts
}

// fill fills every block, in parallel, and numbers the cores block by
// block, charging output axons by bounds or by estimates. It returns the
// number of cores and whether output axons closed a core; the first
// block's error, if any.
func (pt *partitioner) fill(bounded bool) (int, bool, error) {
	nb := len(pt.blocks) - 1
	cores := make([]int32, nb)
	errs := make([]error, nb)
	var wg sync.WaitGroup
	for w, f := range pt.fillers {
		f.bounded, f.reserve, f.outputClosed = bounded, pt.reserve, false
		wg.Go(func() {
			for b := w; b < nb; b += len(pt.fillers) {
				cores[b], errs[b] = f.fill(pt.blocks[b], pt.blocks[b+1])
			}
		})
	}
	wg.Wait()
	total := int32(0)
	for b := range nb {
		if errs[b] != nil {
			return 0, false, errs[b]
		}
		if total > 0 {
			for v := pt.blocks[b]; v < pt.blocks[b+1]; v++ {
				if pt.coreOf[v] >= 0 {
					pt.coreOf[v] += total
				}
			}
		}
		total += cores[b]
	}
	outputClosed := false
	for _, f := range pt.fillers {
		outputClosed = outputClosed || f.outputClosed
	}
	return int(total), outputClosed, nil
}

// filler fills the cores of one block at a time: greedily when it has a
// frontier, else sequentially. Everything it tests per synapse stays in
// cache, since a random access to a per-neuron array misses it on nearly
// every synapse at 10^8 synapses: which neurons are assigned (or outside
// the block), on the open core, counted as its input axons, and which of
// the open core's neurons have a target on it are bits, for 64 neurons in
// one cache line (marks), and the greedy fill's gains live in the
// frontier's small tables.
type filler struct {
	g       *graph
	p       *loihisim.Profile
	coreOf  []int32 // shared; a filler writes only its block's neurons, at the end
	place   []int32 // the core of each neuron of the block, -1 for others
	est     []int32 // shared, read only during a fill
	bound   []int32 // shared; a filler writes only its block's neurons
	bounded bool    // charge output axons by bounds, not estimates
	reserve int64   // output axons an estimated fill keeps free
	// outputClosed records that output axons alone closed a core
	outputClosed bool
	marks        marks
	fr           *frontier
	// the open core
	cur        int32
	nNeur      int
	nSyn, nOut int64
	axonList   []int32  // the open core's input axons, to clear their marks
	members    []int32  // the open core's neurons
	newAx      int      // input axons the last call of fits added
	charge     int64    // what the last call of fits charged for output axons
	selfTarget bool     // whether the last neuron fits saw has a target on the open core
	coreStamp  []uint32 // per core of the block: the last call of boundOf that counted it
	stampGen   uint32
	buf        []int32 // scratch
}

// fill fills the cores of neurons lo..hi-1, numbering them from 0, and
// returns how many it used.
func (f *filler) fill(lo, hi int) (int32, error) {
	if f.fr != nil {
		f.fr.clear()
	}
	for w := range f.marks {
		f.marks[w].done = ^uint64(0)
	}
	for v := lo; v < hi; v++ {
		f.place[v] = -1
		if !f.g.isInput(v) {
			f.marks[v>>6].done &^= 1 << (v & 63)
		}
	}
	f.cur, f.coreStamp, f.stampGen = 0, append(f.coreStamp[:0], 0), 0
	f.close()
	var err error
	if f.fr != nil {
		err = f.fillGreedy(lo, hi)
	} else {
		err = f.fillSequential(lo, hi)
	}
	copy(f.coreOf[lo:hi], f.place[lo:hi])
	for v := lo; v < hi; v++ { // outside the next block
		f.place[v] = -1
	}
	if f.nNeur == 0 {
		return f.cur, err
	}
	return f.cur + 1, err
}

func newPlace(n int) []int32 {
	p := make([]int32, n)
	for i := range p {
		p[i] = -1
	}
	return p
}

// close clears the open core's counts and marks.
func (f *filler) close() {
	for _, s := range f.axonList {
		f.marks.unsetAxon(int(s))
	}
	for _, v := range f.members {
		f.marks[v>>6].open &^= 1 << (v & 63)
		f.marks[v>>6].hasT &^= 1 << (v & 63)
	}
	f.axonList, f.members = f.axonList[:0], f.members[:0]
	f.nNeur, f.nSyn, f.nOut = 0, 0, 0
}

// fits reports whether neuron v can join the open core. It adds v's new
// sources to the core's input axons, so after a false the core must be
// closed. A neuron that does not fit an empty core is an error.
func (f *filler) fits(v int) (bool, error) {
	c := &f.p.Core
	lo, hi := f.g.inStart[v], f.g.inStart[v+1]
	before := len(f.axonList)
	// A neuron of the open core with synapses to v loses one target not
	// placed per synapse and gains the open core, if it had no target on
	// it yet: its bound falls (or stays).
	var change int64
	for _, s := range f.g.inSrc[lo:hi] {
		m, bit := &f.marks[s>>6], uint64(1)<<(s&63)
		if m.axon&bit == 0 {
			m.axon |= bit
			f.axonList = append(f.axonList, s)
		}
		if m.open&bit != 0 {
			change--
			if m.hasT&bit == 0 {
				m.hasT |= bit
				change++
			}
		}
	}
	f.newAx = len(f.axonList) - before
	syn := hi - lo
	ax := len(f.axonList)
	mem := (f.nSyn+syn)*int64(c.SynapseBits) + int64(ax)*int64(c.InputAxonBits)
	if f.bounded {
		f.selfTarget = false
		f.charge = change + int64(f.boundOf(v))
	} else {
		f.charge = int64(f.est[v])
	}
	outLimit := int64(c.OutputAxons)
	if !f.bounded && f.nNeur > 0 {
		outLimit -= f.reserve
	}
	others := ax <= c.InputAxons && f.nNeur+1 <= c.Neurons && mem <= c.SynapseMemoryBits
	ok := others && f.nOut+f.charge <= outLimit
	if f.nNeur > 0 {
		f.outputClosed = f.outputClosed || others && !ok
		return ok, nil
	}
	if ok {
		return true, nil
	}
	switch {
	case ax > c.InputAxons:
		return false, &MapError{Limit: "core.input_axons", Msg: fmt.Sprintf(
			"%s has %d distinct input neurons; a %s core holds %d input axons (core.input_axons)",
			f.g.name(v), ax, f.p.Name, c.InputAxons)}
	case mem > c.SynapseMemoryBits:
		return false, &MapError{Limit: "core.synapse_memory_bits", Msg: fmt.Sprintf(
			"%s needs %d bits of synapse memory (%d synapses x %d bits + %d input axons x %d bits); a %s core holds %d bits (core.synapse_memory_bits)",
			f.g.name(v), mem, syn, c.SynapseBits, ax, c.InputAxonBits, f.p.Name, c.SynapseMemoryBits)}
	}
	// Over the output axons alone: take the core anyway; the real count,
	// known after the fill, decides.
	return true, nil
}

// boundOf is the most output axons v can need on the open core: the
// distinct cores of its targets already placed, one for the open core if
// a target is on it (or v itself), and one for each other target (on a
// later core, or in another block). The targets' cores are gathered before
// any is tested, so that their cache misses overlap.
func (f *filler) boundOf(v int) int32 {
	g := f.g
	k := g.popOf[v]
	dst := f.buf[:0]
	f.place[v] = f.cur // for a synapse to itself
	for _, i := range g.outProj[k] {
		pr := &g.net.Projections[i]
		lo, hi := pr.Syn.Row(v - g.offs[k])
		base := f.place[g.offs[pr.To]:]
		for _, t := range pr.Syn.Target[lo:hi] {
			dst = append(dst, base[t])
		}
	}
	f.place[v] = -1
	f.buf = dst
	var n int32
	f.stampGen++ // a neuron can be bounded twice (on a full core, then a new one)
	for _, c := range dst {
		switch {
		case c == f.cur:
			f.selfTarget = true
		case c < 0:
			n++ // not placed, or placed by another block
		case f.coreStamp[c] != f.stampGen:
			f.coreStamp[c] = f.stampGen
			n++
		}
	}
	if f.selfTarget {
		n++
	}
	return n
}

// add puts v on the open core; fits(v) must just have said yes.
func (f *filler) add(v int) {
	f.place[v] = f.cur
	f.marks.setDone(v)
	f.marks[v>>6].open |= 1 << (v & 63)
	if f.bounded {
		f.bound[v] = int32(f.charge) // for the record: the first charge
		if f.selfTarget {
			f.marks[v>>6].hasT |= 1 << (v & 63)
		}
	}
	f.members = append(f.members, int32(v))
	f.nNeur++
	f.nSyn += f.g.inStart[v+1] - f.g.inStart[v]
	f.nOut += f.charge
}

// next opens a new core.
func (f *filler) next() {
	f.cur++
	f.coreStamp = append(f.coreStamp, 0)
	f.close()
}

// fillSequential takes neurons in index order and opens a new core when the
// next one does not fit.
func (f *filler) fillSequential(lo, hi int) error {
	for v := lo; v < hi; v++ {
		if f.marks.isDone(v) {
			continue
		}
		ok, err := f.fits(v)
		if err != nil {
			return err
		}
		if !ok {
			f.next()
			if _, err := f.fits(v); err != nil {
				return err
			}
		}
		f.add(v)
	}
	return nil
}

// fillGreedy grows each core from the lowest-index unassigned neuron,
// adding the unassigned neuron with the most synapses to or from the core
// (lowest index on ties), or the next unassigned neuron in index order when
// none is connected, until the next addition does not fit.
func (f *filler) fillGreedy(lo, hi int) error {
	scan := lo // every neuron of the block below scan is assigned or an input
	nextFree := func() int {
		for scan < hi && f.marks.isDone(scan) {
			scan++
		}
		return scan
	}
	for nextFree() < hi {
		v := scan
		for {
			ok, err := f.fits(v)
			if err != nil {
				return err
			}
			if !ok {
				break
			}
			f.add(v)
			f.grow(v)
			if u, ok := f.fr.pop(); ok {
				v = int(u)
			} else if v = nextFree(); v == hi {
				break
			}
		}
		f.fr.clear()
		if nextFree() < hi {
			f.next()
		}
	}
	return nil
}

// grow counts v's synapses to and from unassigned neurons in the frontier.
func (f *filler) grow(v int) {
	g := f.g
	f.bumpUnassigned(g.inSrc[g.inStart[v]:g.inStart[v+1]], 0)
	k := g.popOf[v]
	for _, i := range g.outProj[k] {
		pr := &g.net.Projections[i]
		lo, hi := pr.Syn.Row(v - g.offs[k])
		f.bumpUnassigned(pr.Syn.Target[lo:hi], int32(g.offs[pr.To]))
	}
}

// bumpUnassigned bumps base+u for the neurons u not assigned yet. It picks
// them out without a branch (about half are assigned, in no order a branch
// predictor could learn) before bumping them.
func (f *filler) bumpUnassigned(neurons []int32, base int32) {
	if cap(f.buf) < len(neurons) {
		f.buf = make([]int32, 2*len(neurons))
	}
	buf := f.buf[:len(neurons)]
	m := 0
	for _, u := range neurons {
		x := base + u
		buf[m] = x
		m += int(^f.marks[x>>6].done >> (x & 63) & 1)
	}
	for _, x := range buf[:m] {
		f.fr.bump(x)
	}
}

// realCounts computes every neuron's real output axons (the distinct cores
// its synapses reach) into real (reused when long enough). It reports
// whether a core is over its limit, the output axons used in all, and the
// largest amount by which an over-limit core's real count exceeds the
// estimates it was filled with. O(synapses), split over the available
// processors.
func (pt *partitioner) realCounts(cores int, real []int32) ([]int32, bool, int64, int64) {
	g := pt.g
	if len(real) != g.n {
		real = make([]int32, g.n)
	}
	tc := newTargetCores(g, pt.coreOf, cores)
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
				real[v] = 0
				continue
			}
			dst = tc.appendTo(dst[:0], v)
			n := int32(0)
			for _, d := range dst {
				if stamp[d] != int32(v) {
					stamp[d] = int32(v)
					n++
				}
			}
			sums[2*c] += int64(n)
			sums[2*c+1] += int64(pt.est[v])
			real[v] = n
		}
		return sums
	})
	var over bool
	var used, drift int64
	for c := range cores {
		var out, est int64
		for _, s := range parts {
			out, est = out+s[2*c], est+s[2*c+1]
		}
		if out > int64(pt.p.Core.OutputAxons) {
			over = true
			drift = max(drift, out-est)
		}
		used += out
	}
	return real, over, used, drift
}

// targetCores gives the cores of the targets of a neuron's synapses. With
// fewer than 65536 cores it reads a copy of coreOf in 16 bits, whose
// random reads miss the cache half as often.
type targetCores struct {
	g   *graph
	c32 []int32
	c16 []uint16
}

// narrowCores is the bound under which targetCores reads 16 bits (tests
// lower it to check the other path).
var narrowCores = 1 << 16

func newTargetCores(g *graph, coreOf []int32, cores int) *targetCores {
	tc := &targetCores{g: g, c32: coreOf}
	if cores < narrowCores {
		tc.c16 = make([]uint16, len(coreOf))
		for v, c := range coreOf {
			tc.c16[v] = uint16(c) // targets are never inputs (-1)
		}
	}
	return tc
}

// appendTo appends the core of each of v's synapses' targets. Gathering
// them first lets the processor overlap the cache misses, which a test
// between the loads would serialise.
func (tc *targetCores) appendTo(dst []int32, v int) []int32 {
	g := tc.g
	k := g.popOf[v]
	for _, i := range g.outProj[k] {
		pr := &g.net.Projections[i]
		lo, hi := pr.Syn.Row(v - g.offs[k])
		if tc.c16 != nil {
			base := tc.c16[g.offs[pr.To]:]
			for _, t := range pr.Syn.Target[lo:hi] {
				dst = append(dst, int32(base[t]))
			}
		} else {
			base := tc.c32[g.offs[pr.To]:]
			for _, t := range pr.Syn.Target[lo:hi] {
				dst = append(dst, base[t])
			}
		}
	}
	return dst
}

// parallel splits [0, n) into one range per processor (at most 8), runs f
// on each in its own goroutine and returns the results in range order.
// Callers combine the results so that they do not depend on the split.
func parallel[T any](n int, f func(lo, hi int) T) []T {
	return parallelIn(workers(n), n, func(_, lo, hi int) T { return f(lo, hi) })
}

// workers is the number of ranges parallel cuts n into.
func workers(n int) int { return max(min(runtime.GOMAXPROCS(0), 8, n/1024), 1) }

// parallelIn splits [0, n) into parts ranges and runs f(part, lo, hi) on
// each in its own goroutine.
func parallelIn[T any](parts, n int, f func(part, lo, hi int) T) []T {
	res := make([]T, parts)
	var wg sync.WaitGroup
	for i := range parts {
		wg.Go(func() { res[i] = f(i, n*i/parts, n*(i+1)/parts) })
	}
	wg.Wait()
	return res
}

// synWalk is the order of all synapses that buildReverse follows:
// populations in order, the projections leaving each in order, sources,
// targets.
type synWalk struct {
	g     *graph
	proj  []int   // projections in walk order
	first []int64 // where each starts in the walk; the total last
	total int64
}

func (g *graph) walk() synWalk {
	w := synWalk{g: g, first: []int64{0}}
	for k := range g.net.Populations {
		for _, i := range g.outProj[k] {
			w.proj = append(w.proj, i)
			w.total += int64(g.net.Projections[i].Syn.Len())
			w.first = append(w.first, w.total)
		}
	}
	return w
}

// rows calls f with the part of each source's row that lies in [lo, hi)
// of the walk: base is the first global index of the row's targets' population,
// s the global index of the source.
func (w synWalk) rows(lo, hi int64, f func(base, s int, targets []int32)) {
	g := w.g
	for j, i := range w.proj {
		if w.first[j+1] <= lo || w.first[j] >= hi {
			continue
		}
		pr := &g.net.Projections[i]
		a, b := max(lo, w.first[j])-w.first[j], min(hi, w.first[j+1])-w.first[j]
		start := pr.Syn.Start
		r, _ := slices.BinarySearchFunc(start[1:], a, func(e, t int64) int {
			if e <= t {
				return -1
			}
			return 1
		})
		base, from := g.offs[pr.To], g.offs[pr.From]
		for ; r < pr.Syn.Sources() && start[r] < b; r++ {
			f(base, from+r, pr.Syn.Target[max(start[r], a):min(start[r+1], b)])
		}
	}
}

// bitset is a set of neuron indices.
type bitset []uint64

func newBitset(n int) bitset { return make(bitset, n/64+1) }
func (b bitset) set(i int)   { b[i>>6] |= 1 << (i & 63) }
func (b bitset) unset(i int) { b[i>>6] &^= 1 << (i & 63) }

// marks are what a fill marks per neuron, for 64 neurons at a time in one
// cache line: assigned (or an input, or outside the block), of gain 1 in
// the frontier, an input axon of the open core, on the open core, with a
// target on the open core. A neuron's marks are read together, so visiting
// it costs one cache miss.
type marks []mark

type mark struct{ done, ones, axon, open, hasT, _, _, _ uint64 }

func (m marks) isDone(i int) bool { return m[i>>6].done&(1<<(i&63)) != 0 }
func (m marks) setDone(i int)     { m[i>>6].done |= 1 << (i & 63) }
func (m marks) isOne(i int) bool  { return m[i>>6].ones&(1<<(i&63)) != 0 }
func (m marks) setOne(i int)      { m[i>>6].ones |= 1 << (i & 63) }
func (m marks) unsetOne(i int)    { m[i>>6].ones &^= 1 << (i & 63) }
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
