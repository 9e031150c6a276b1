package compiler

import (
	"fmt"
	"slices"

	loihisim "github.com/snnc/snnc/backend/loihi-sim"
	"github.com/snnc/snnc/ir"
)

// Placement puts the partition's cores on positions (slots): slot s is on
// chip s / CoresPerChip at row-major place s % CoresPerChip of the chip's
// mesh, and chips sit on a square grid of chips, row by row. Hops between
// two cores are the Manhattan distance on the global mesh plus
// ChipHopCost-1 per chip boundary crossed (meshGeom.hops).
//
// The optimised placement starts from the sequential one (core i in slot
// i) and improves the hop-weighted traffic Σ traffic(a,b)·hops(a,b) by a
// seeded local search: threshold accepting (Dueck and Scheuer 1990, a
// form of simulated annealing with a deterministic acceptance rule) over
// swaps of a core with the content of a slot within a window around it.
// Costs are integers and the work is set by a count of edge visits, never
// by time, so the result is the same on every run and machine. When the
// search finds nothing better, the sequential placement stays.

// Placement budget, in visits of core traffic edges (each proposed move
// visits the edges of the one or two cores it moves): about 1.5 s here.
var placeBudget = 50_000_000 // a variable for tests

const (
	// placeMovesPerCore is the most moves the search makes per core.
	placeMovesPerCore = 2000
	// placeMinMovesPerCore is the fewest moves per core worth making: a
	// traffic graph too dense to afford them keeps the sequential placement.
	placeMinMovesPerCore = 20
	// placeSeed seeds the moves.
	placeSeed = 0x706c616365 // "place"
)

// meshGeom is the geometry of slots on the global mesh of cores.
type meshGeom struct {
	mw, mh, cpc   int
	chips, grid   int // chips in use; width of the grid of chips
	width, height int // global mesh, in cores
	hopCost       int
}

func newMeshGeom(p *loihisim.Profile, chips, grid int) meshGeom {
	m := meshGeom{mw: p.Chip.MeshWidth, mh: p.Chip.MeshHeight, cpc: p.CoresPerChip(), chips: chips, grid: grid, hopCost: p.Chip.ChipHopCost}
	m.width = grid * m.mw
	m.height = ceilDiv(max(chips, 1), grid) * m.mh
	return m
}

// chipGrid is the width of the square grid of chips: ceil(sqrt(chips)), at least 1.
func chipGrid(chips int) int {
	g := 1
	for g*g < chips {
		g++
	}
	return g
}

// global returns slot s's coordinates on the global mesh and its chip's on
// the grid of chips.
func (m *meshGeom) global(s int) (gx, gy, cx, cy int) {
	chip, on := s/m.cpc, s%m.cpc
	cx, cy = chip%m.grid, chip/m.grid
	return cx*m.mw + on%m.mw, cy*m.mh + on/m.mw, cx, cy
}

// slotAt returns the slot at global (gx, gy), if it is on a chip in use.
func (m *meshGeom) slotAt(gx, gy int) (int, bool) {
	if gx < 0 || gy < 0 || gx >= m.width || gy >= m.height {
		return 0, false
	}
	cx, cy := gx/m.mw, gy/m.mh
	chip := cy*m.grid + cx
	if chip >= m.chips {
		return 0, false
	}
	return chip*m.cpc + (gy%m.mh)*m.mw + gx%m.mw, true
}

// placement is the slot of every core of a partition.
type placement struct {
	geom   meshGeom
	slotOf []int32
	note   string
}

func place(g *graph, part *partitionResult, p *loihisim.Profile, strategy string) *placement {
	chips := ceilDiv(part.cores, p.CoresPerChip())
	pl := &placement{geom: newMeshGeom(p, chips, chipGrid(chips)), slotOf: make([]int32, part.cores)}
	for c := range pl.slotOf {
		pl.slotOf[c] = int32(c)
	}
	if strategy == PlaceSequential || part.cores < 2 {
		return pl
	}
	// Each move visits about 2·(sum of degrees)/cores edges: a graph whose
	// degrees leave fewer than placeMinMovesPerCore moves per core within
	// the budget is not built at all.
	maxDirected := placeBudget / (2 * placeMinMovesPerCore)
	tg := buildCoreTraffic(g, part, maxDirected)
	if tg == nil {
		pl.note = fmt.Sprintf("kept the sequential placement: the cores exchange spikes over more than %d core pairs, too many to improve within the placement budget", maxDirected)
		return pl
	}
	sumDeg := len(tg.nbr)
	moveCost := 2*sumDeg/part.cores + 2
	moves := min(int64(placeMovesPerCore)*int64(part.cores), int64(placeBudget/moveCost))
	if moves < int64(placeMinMovesPerCore)*int64(part.cores) {
		pl.note = fmt.Sprintf("kept the sequential placement: %d cores with %d traffic edges, too many to improve within the placement budget", part.cores, sumDeg/2)
		return pl
	}
	if sumDeg == 0 {
		pl.note = "kept the sequential placement: no spikes cross cores"
		return pl
	}
	an := newAnnealer(tg, pl.geom, part.cores)
	before := an.total()
	an.run(moves)
	after := an.total()
	if after >= before {
		pl.note = fmt.Sprintf("kept the sequential placement: the search found nothing better than its %d hop-weighted messages", before)
		return pl
	}
	copy(pl.slotOf, an.slotOf)
	return pl
}

// coreTraffic is the undirected core traffic graph in CSR form: the
// neighbours of core a are nbr[start[a]:start[a+1]] with weights w, the
// messages per step between them in both directions.
type coreTraffic struct {
	start []int32
	nbr   []int32
	w     []int32
}

// buildCoreTraffic returns the traffic between cores, counting for each
// neuron one message to each other core its synapses reach; nil when there
// are more than maxDirected directed core pairs. O(neurons + synapses).
func buildCoreTraffic(g *graph, part *partitionResult, maxDirected int) *coreTraffic {
	cores := part.cores
	// neurons grouped by core
	first := make([]int32, cores+1)
	for _, c := range part.coreOf {
		if c >= 0 {
			first[c+1]++
		}
	}
	for c := range cores {
		first[c+1] += first[c]
	}
	members := make([]int32, first[cores])
	fill := slices.Clone(first[:cores])
	for v, c := range part.coreOf {
		if c >= 0 {
			members[fill[c]] = int32(v)
			fill[c]++
		}
	}
	fill = nil
	stamp := make([]int32, cores)
	for i := range stamp {
		stamp[i] = -1
	}
	count := make([]int32, cores)
	var touched []int32
	var from, to, w []int32
	for a := range cores {
		for _, v := range members[first[a]:first[a+1]] {
			k := g.popOf[v]
			for _, i := range g.outProj[k] {
				pr := &g.net.Projections[i]
				lo, hi := pr.Syn.Row(int(v) - g.offs[k])
				base := g.offs[pr.To]
				for _, t := range pr.Syn.Target[lo:hi] {
					d := part.coreOf[base+int(t)]
					if stamp[d] == v || int(d) == a {
						continue
					}
					stamp[d] = v
					if count[d] == 0 {
						touched = append(touched, d)
					}
					count[d]++
				}
			}
		}
		if len(from)+len(touched) > maxDirected {
			return nil
		}
		for _, d := range touched {
			from, to, w = append(from, int32(a)), append(to, d), append(w, count[d])
			count[d] = 0
		}
		touched = touched[:0]
	}
	// Undirected: each directed edge goes to both ends, then duplicates merge.
	tg := &coreTraffic{start: make([]int32, cores+1)}
	for i := range from {
		tg.start[from[i]+1]++
		tg.start[to[i]+1]++
	}
	for c := range cores {
		tg.start[c+1] += tg.start[c]
	}
	packed := make([]uint64, tg.start[cores]) // neighbour << 32 | weight
	next := slices.Clone(tg.start[:cores])
	for i := range from {
		packed[next[from[i]]] = uint64(to[i])<<32 | uint64(w[i])
		next[from[i]]++
		packed[next[to[i]]] = uint64(from[i])<<32 | uint64(w[i])
		next[to[i]]++
	}
	tg.nbr = make([]int32, 0, len(packed))
	tg.w = make([]int32, 0, len(packed))
	out := make([]int32, cores+1)
	for c := range cores {
		row := packed[tg.start[c]:tg.start[c+1]]
		slices.Sort(row)
		for i, x := range row {
			n, wt := int32(x>>32), int32(uint32(x))
			if i > 0 && int32(row[i-1]>>32) == n {
				tg.w[len(tg.w)-1] += wt
				continue
			}
			tg.nbr = append(tg.nbr, n)
			tg.w = append(tg.w, wt)
		}
		out[c+1] = int32(len(tg.nbr))
	}
	tg.start = out
	return tg
}

// annealer is the state of the placement search.
type annealer struct {
	tg      *coreTraffic
	geom    meshGeom
	chipHop int64       // what crossing a chip boundary adds to a hop
	slotOf  []int32     // per core
	coreAt  []int32     // per slot, -1 when empty
	at      []slotPlace // per slot
	pos     []slotPlace // per core: the place of its slot
}

// slotPlace is a slot's position: global mesh coordinates and its chip's on
// the grid of chips.
type slotPlace struct{ gx, gy, cx, cy int32 }

func newAnnealer(tg *coreTraffic, geom meshGeom, cores int) *annealer {
	slots := geom.chips * geom.cpc
	an := &annealer{tg: tg, geom: geom, chipHop: int64(geom.hopCost - 1), slotOf: make([]int32, cores),
		coreAt: make([]int32, slots), at: make([]slotPlace, slots), pos: make([]slotPlace, cores)}
	for s := range slots {
		an.coreAt[s] = -1
		gx, gy, cx, cy := geom.global(s)
		an.at[s] = slotPlace{int32(gx), int32(gy), int32(cx), int32(cy)}
	}
	for c := range cores {
		an.slotOf[c], an.coreAt[c], an.pos[c] = int32(c), int32(c), an.at[c]
	}
	return an
}

// hops is meshGeom.hops between two places, without branches.
func (an *annealer) hops(p, q slotPlace) int64 {
	return int64(abs32(p.gx-q.gx)+abs32(p.gy-q.gy)) + an.chipHop*int64(abs32(p.cx-q.cx)+abs32(p.cy-q.cy))
}

// total is the hop-weighted traffic of the current placement.
func (an *annealer) total() int64 {
	var sum int64
	for a := range an.slotOf {
		for i := an.tg.start[a]; i < an.tg.start[a+1]; i++ {
			if b := an.tg.nbr[i]; int(b) > a {
				sum += int64(an.tg.w[i]) * an.hops(an.pos[a], an.pos[b])
			}
		}
	}
	return sum
}

// gain is what moving core a from slot from to slot to changes its cost,
// leaving out its edge to core skip (whose length a swap keeps).
func (an *annealer) gain(a, from, to, skip int32) int64 {
	var d int64
	lo, hi := an.tg.start[a], an.tg.start[a+1]
	pf, pt := an.at[from], an.at[to]
	for i := lo; i < hi; i++ {
		b := an.tg.nbr[i]
		if b == skip {
			continue
		}
		pb := an.pos[b]
		d += int64(an.tg.w[i]) * (an.hops(pt, pb) - an.hops(pf, pb))
	}
	return d
}

// delta is the change of the total if core a and the content of slot t
// (a core or nothing) swapped.
func (an *annealer) delta(a, t int32) int64 {
	sa := an.slotOf[a]
	b := an.coreAt[t]
	d := an.gain(a, sa, t, b)
	if b >= 0 {
		d += an.gain(b, t, sa, a)
	}
	return d
}

func (an *annealer) swap(a, t int32) {
	sa := an.slotOf[a]
	b := an.coreAt[t]
	an.coreAt[sa], an.coreAt[t] = b, a
	an.slotOf[a], an.pos[a] = t, an.at[t]
	if b >= 0 {
		an.slotOf[b], an.pos[b] = sa, an.at[sa]
	}
}

// propose draws a core and a different slot within window r of it; ok is
// false when the drawn slot is off the chips in use or the core's own.
func (an *annealer) propose(r *rng, window int) (a, t int32, ok bool) {
	a = int32(r.below(uint64(len(an.slotOf))))
	s := an.slotOf[a]
	dx := int(r.below(uint64(2*window+1))) - window
	dy := int(r.below(uint64(2*window+1))) - window
	ts, ok := an.geom.slotAt(int(an.at[s].gx)+dx, int(an.at[s].gy)+dy)
	if !ok || int32(ts) == s {
		return a, 0, false
	}
	return a, int32(ts), true
}

// run makes the given number of moves. The threshold starts at a quarter
// of the mean uphill change of sampled moves and falls linearly to 0 at
// 4/5 of the moves (the rest only accept moves that do not increase the
// cost). The window starts at the whole mesh and adapts as in VPR (Betz
// and Rose 1997): after each batch of moves it is scaled by 0.56 plus the
// share of moves accepted, so that about 44% are. Everything is integer,
// so the moves are the same on every machine.
func (an *annealer) run(moves int64) {
	r := newRNG(placeSeed, uint64(len(an.slotOf)))
	maxWindow := int64(max(an.geom.width, an.geom.height))
	var up, nUp int64
	for range min(moves/10, 1000) {
		if a, t, ok := an.propose(r, int(maxWindow)); ok {
			if d := an.delta(a, t); d > 0 {
				up += d
				nUp++
			}
		}
	}
	t0 := int64(0)
	if nUp > 0 {
		t0 = up / nUp / 4
	}
	cool := max(moves*4/5, 1)
	window := maxWindow << 10 // in 1/1024
	batch := int64(max(len(an.slotOf), 100))
	var tried, accepted int64
	for k := range moves {
		if a, t, ok := an.propose(r, int(window>>10)); ok {
			tried++
			threshold := t0 * max(cool-k, 0) / cool
			if d := an.delta(a, t); d <= 0 || d < threshold {
				an.swap(a, t)
				accepted++
			}
		}
		if (k+1)%batch == 0 && tried > 0 {
			window = min(maxWindow<<10, max(1<<10, window*(573+accepted*1024/tried)>>10))
			tried, accepted = 0, 0
		}
	}
}

// mapped builds the ir.Mapped of a partition and its placement, numbering
// cores in slot order (chip by chip).
func (pl *placement) mapped(net *ir.Network, p *loihisim.Profile, part *partitionResult) *ir.Mapped {
	slots := pl.geom.chips * pl.geom.cpc
	at := make([]int32, slots)
	for i := range at {
		at[i] = -1
	}
	for c, s := range pl.slotOf {
		at[s] = int32(c)
	}
	m := &ir.Mapped{Net: net, Target: p.Name, ChipGrid: pl.geom.grid, CoreOf: make([]int32, len(part.coreOf))}
	id := make([]int32, part.cores)
	for s, c := range at {
		if c < 0 {
			continue
		}
		id[c] = int32(len(m.Cores))
		on := s % pl.geom.cpc
		m.Cores = append(m.Cores, ir.Core{Chip: s / pl.geom.cpc, X: on % pl.geom.mw, Y: on / pl.geom.mw})
	}
	for v, c := range part.coreOf {
		m.CoreOf[v] = -1
		if c >= 0 {
			m.CoreOf[v] = id[c]
		}
	}
	return m
}
