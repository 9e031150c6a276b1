package compiler

import (
	"math"
	"runtime"

	"go.yaml.in/yaml/v3"

	"github.com/snnc/snnc/ir"
)

// This file generates connectivity from a rule (connect:) rather than a
// matrix (a list of pairs, connect: {pairs}, is read by pairs.go). Every generator emits pairs in CSR order (sources ascending,
// targets ascending within a source) straight into the ir.RowBuilder, costs
// O(synapses) time and needs no memory beyond the synapses themselves and,
// for fixed_fanout, one bit per target neuron (per processor: patterns
// with rows of a fixed length are generated in parallel, generateRows).

// patternKind names a connectivity rule as written in net.yaml.
type patternKind string

const (
	oneToOne    patternKind = "one_to_one"
	allToAll    patternKind = "all_to_all"
	random      patternKind = "random"
	fixedFanout patternKind = "fixed_fanout"
)

const patternsAllowed = "one_to_one, all_to_all, {random: {p, seed}}, {fixed_fanout: {n, seed}}, {pairs: [[source, target], ...] or {file}}"

// pattern is a parsed connect: value.
type pattern struct {
	kind patternKind
	p    float64 // random: probability of each pair
	n    int     // fixed_fanout: targets per source
	seed uint64  // random, fixed_fanout: seed of the connect stream
}

// emitFunc receives one synapse; it returns false to stop the generator
// (when the projection has reached its synapse limit).
type emitFunc func(src, tgt int) bool

// pattern parses connect: and checks it against the populations, the
// synapse limit and the memory budget up front. It returns the pattern and
// the number of synapses to reserve room for.
func (p *parser) pattern(n *yaml.Node, path string, from, to *ir.Population) (*pattern, int64, error) {
	n = resolve(n)
	pt := &pattern{}
	switch {
	case n.Kind == yaml.ScalarNode && n.ShortTag() == tagStr && (n.Value == string(oneToOne) || n.Value == string(allToAll)):
		pt.kind = patternKind(n.Value)
	case n.Kind == yaml.ScalarNode && n.ShortTag() == tagStr:
		return nil, 0, p.errorf(n, path, "unknown pattern %s (allowed: %s)", quote(n.Value), patternsAllowed)
	case n.Kind == yaml.MappingNode:
		// pairs alone is read by pairsSynapses; here it is only a key that
		// may not come with another pattern.
		m, err := p.mapping(n, path, []string{string(random), string(fixedFanout), pairsKey}, nil)
		if err != nil {
			return nil, 0, err
		}
		if len(m.vals) != 1 {
			return nil, 0, p.errorf(n, path, "expected exactly one pattern, found %d (allowed: %s)", len(m.vals), patternsAllowed)
		}
		if v := m.get(string(random)); v != nil {
			pt.kind = random
			rm, err := p.mapping(v, m.field(string(random)), []string{"p", "seed"}, []string{"p", "seed"})
			if err != nil {
				return nil, 0, err
			}
			if pt.p, err = p.probability(rm.get("p"), rm.field("p")); err != nil {
				return nil, 0, err
			}
			if pt.seed, err = p.seed(rm.get("seed"), rm.field("seed")); err != nil {
				return nil, 0, err
			}
		} else {
			pt.kind = fixedFanout
			fm, err := p.mapping(m.get(string(fixedFanout)), m.field(string(fixedFanout)), []string{"n", "seed"}, []string{"n", "seed"})
			if err != nil {
				return nil, 0, err
			}
			nv, err := p.integer(fm.get("n"), fm.field("n"), intSpec{min: 1, max: int64(to.Size)})
			if err != nil {
				return nil, 0, err
			}
			pt.n = int(nv)
			if pt.seed, err = p.seed(fm.get("seed"), fm.field("seed")); err != nil {
				return nil, 0, err
			}
		}
	default:
		return nil, 0, p.errorf(n, path, "expected a pattern (allowed: %s); found %s", patternsAllowed, describe(n))
	}

	if pt.kind == oneToOne && from.Size != to.Size {
		return nil, 0, p.errorf(n, path, "one_to_one needs populations of the same size (%q has %d neurons, %q has %d)", from.Name, from.Size, to.Name, to.Size)
	}
	expected, capacity := pt.synapses(from.Size, to.Size)
	if expected > float64(p.limits.maxSynapses) {
		return nil, 0, p.errorf(n, path, "%s makes %.0f synapses from %q (%d) to %q (%d) (allowed: at most %d per projection)",
			pt.kind, expected, from.Name, from.Size, to.Name, to.Size, p.limits.maxSynapses)
	}
	what := string(pt.kind) + " makes"
	if pt.kind == random {
		what += " about" // the mean
	}
	if err := p.reserveSynapses(n, path, what, expected, from.Size); err != nil {
		return nil, 0, err
	}
	return pt, min(capacity, p.limits.maxSynapses), nil
}

// synapses returns how many synapses the pattern makes (the mean, for
// random) and how many to reserve room for. That is the exact count where
// it is known: it passed the memory budget, and reserving it once keeps
// the arrays at 8 bytes per synapse, where growing them by appending would
// copy them several times and need twice the memory at the last copy. For
// random it is six standard deviations above the mean, so that the arrays
// almost never grow, and never more than the pairs.
func (pt *pattern) synapses(from, to int) (expected float64, capacity int64) {
	pairs := float64(from) * float64(to)
	switch pt.kind {
	case oneToOne:
		return float64(from), int64(from)
	case allToAll:
		return pairs, int64(from) * int64(to)
	case fixedFanout:
		return float64(from) * float64(pt.n), int64(from) * int64(pt.n)
	}
	mean := pt.p * pairs
	spare := mean + 6*math.Sqrt(mean*(1-pt.p)) + 16
	return mean, int64(min(spare, pairs, math.MaxInt64/2))
}

// generate emits the pattern's synapses in CSR order.
func (pt *pattern) generate(from, to int, emit emitFunc) {
	switch pt.kind {
	case oneToOne:
		for i := range from {
			if !emit(i, i) {
				return
			}
		}
	case allToAll:
		generateAllToAll(from, to, emit)
	case random:
		generateRandom(from, to, pt.p, pt.seed, emit)
	case fixedFanout:
		generateFixedFanout(from, to, pt.n, pt.seed, emit)
	}
}

func generateAllToAll(from, to int, emit emitFunc) {
	for s := range from {
		for t := range to {
			if !emit(s, t) {
				return
			}
		}
	}
}

// generateRandom connects each pair (s, t) independently with probability
// p. Instead of a draw per pair it numbers the pairs k = s*to + t in CSR
// order and jumps from one synapse to the next by a geometric number of
// skipped pairs, floor(ln u / ln(1-p)) with u uniform in (0, 1], so the
// cost is O(synapses) even for 10^12 pairs.
func generateRandom(from, to int, p float64, seed uint64, emit emitFunc) {
	if p >= 1 {
		generateAllToAll(from, to, emit)
		return
	}
	r := newRNG(seed, streamConnect)
	lnQ := lnOneMinus(p)
	pairs := int64(from) * int64(to)
	k := int64(-1) // the last pair connected
	for {
		skip := r.geometric(lnQ)
		if !(skip < float64(pairs-1-k)) { // also stops on +Inf
			return
		}
		k += 1 + int64(skip)
		if !emit(int(k/int64(to)), int(k%int64(to))) {
			return
		}
	}
}

// lnOneMinus returns ln(1-p) for 0 < p < 1. For small p, 1-p loses p's
// digits (and is exactly 1 below 2^-53), so it sums the series
// -(p + p²/2 + p³/3 + p⁴/4) instead, exact to float64 precision there.
func lnOneMinus(p float64) float64 {
	if p < 1e-4 {
		return -(p + float64(float64(p*p)*(0.5+float64(p*(1.0/3+float64(p*0.25))))))
	}
	return detLog(1 - p)
}

// generateFixedFanout gives each source n distinct targets chosen
// uniformly, by Robert Floyd's algorithm (Bentley, "Programming Pearls:
// A sample of brilliance", CACM 1987): for j = to-n .. to-1 draw t in
// [0, j]; take t unless it is already taken, then take j. That is n draws
// per source whatever the sizes; the targets are then sorted.
func generateFixedFanout(from, to, n int, seed uint64, emit emitFunc) {
	r := newRNG(seed, streamConnect)
	f := newFloyd(n, to)
	for s := range from {
		for _, t := range f.sample(r) {
			if !emit(s, int(t)) {
				return
			}
		}
	}
}

// floyd draws the sorted targets of one source after another.
type floyd struct {
	n, to  int
	taken  []uint64 // one bit per target, cleared per source
	chosen []int32
	sorter *sampleSorter
}

func newFloyd(n, to int) *floyd {
	return &floyd{n: n, to: to, taken: make([]uint64, (to+63)/64), chosen: make([]int32, 0, n), sorter: newSampleSorter(n, to)}
}

// sample draws the next source's n targets and returns them sorted, in a
// buffer reused by the next call.
func (f *floyd) sample(r *rng) []int32 {
	taken, chosen := f.taken, f.chosen[:0]
	for j := f.to - f.n; j < f.to; j++ {
		t := int(r.below(uint64(j) + 1))
		if taken[t/64]&(1<<(t%64)) != 0 {
			t = j
		}
		taken[t/64] |= 1 << (t % 64)
		chosen = append(chosen, int32(t))
	}
	for _, t := range chosen {
		taken[t/64] = 0
	}
	f.chosen = chosen
	return f.sorter.sort(chosen)
}

// rowLength is the number of synapses of every source's row where the
// pattern fixes it, or -1 (random).
func (pt *pattern) rowLength(to int) int {
	switch pt.kind {
	case oneToOne:
		return 1
	case allToAll:
		return to
	case fixedFanout:
		return pt.n
	}
	return -1
}

// rowsPartSources is the fewest sources a part of generateRows gets
// (tests lower it to cut small networks).
var rowsPartSources = 256

// rowsInParallel lets tests turn generateRows off to compare with the
// synapse-by-synapse path.
var rowsInParallel = true

// generateRows makes the synapses of a pattern whose rows have a fixed
// length (all but random) straight into the IR's arrays, the sources cut
// into one range per processor. Every generator of a range starts where
// the walk over all synapses in CSR order would have it: SplitMix64 jumps
// ahead in O(1), and every source draws its n targets, and every synapse
// its weight and delay, with one number each, unless rng.below draws again
// (probability below 2^-32 a draw here). So the result is the same as
// generate's, synapse for synapse, on any number of processors, in a
// fraction of the time. If a range other than the last drew again, the
// ranges after it started early: generateRows then returns false, and the
// caller generates the synapses one by one. It also returns false for
// random connectivity and above the synapse limit.
func (pt *pattern) generateRows(from, to int, weight, delay perSynapse, limit int64) (ir.Synapses, bool) {
	per := pt.rowLength(to)
	if per < 0 || !rowsInParallel || int64(from)*int64(per) > limit {
		return ir.Synapses{}, false
	}
	total := int64(from) * int64(per)
	syn := ir.Synapses{Start: make([]int64, from+1, from+1), Target: make([]int32, total),
		Weight: make([]int16, total), Delay: make([]uint16, total)}
	if weight.isFloat {
		syn.FloatWeight = make([]float64, total)
	}
	for s := range syn.Start {
		syn.Start[s] = int64(s) * int64(per)
	}
	parts := max(1, min(runtime.GOMAXPROCS(0), 8, from/rowsPartSources))
	rejects := parallelIn(parts, from, func(_, lo, hi int) int {
		k := int64(lo) * int64(per)
		weights, delays := weight.from(k), delay.from(k)
		put := func(s int, t int32) {
			syn.Target[k] = t
			if weight.isFloat {
				syn.FloatWeight[k] = weights.nextFloat()
			} else {
				syn.Weight[k] = int16(weights.next(s, int(t)))
			}
			syn.Delay[k] = uint16(delays.next(s, int(t)))
			k++
		}
		var connect rng
		switch pt.kind {
		case oneToOne:
			for s := lo; s < hi; s++ {
				put(s, int32(s))
			}
		case allToAll:
			for s := lo; s < hi; s++ {
				for t := range to {
					put(s, int32(t))
				}
			}
		case fixedFanout:
			connect.state = newRNG(pt.seed, streamConnect).state + uint64(k)*goldenGamma
			f := newFloyd(per, to)
			for s := lo; s < hi; s++ {
				for _, t := range f.sample(&connect) {
					put(s, t)
				}
			}
		}
		return connect.rejects + weights.r.rejects + delays.r.rejects
	})
	for _, n := range rejects[:len(rejects)-1] {
		if n > 0 {
			return ir.Synapses{}, false
		}
	}
	return syn, true
}

// sampleSorter sorts n distinct values drawn uniformly from [0, to) in
// O(n) expected time, several times faster than a comparison sort (which
// took most of the time of fixed_fanout): a counting sort by bucket
// v*n/to puts every value among the few of its bucket, and an insertion
// sort then fixes the order within buckets.
type sampleSorter struct {
	out    []int32
	starts []int32
	scale  uint64 // (n << 32) / to: bucket(v) = v*scale >> 32, monotonic and < n
}

func newSampleSorter(n, to int) *sampleSorter {
	return &sampleSorter{
		out:    make([]int32, n),
		starts: make([]int32, n+1),
		scale:  uint64(n) << 32 / uint64(to),
	}
}

func (s *sampleSorter) bucket(v int32) uint64 { return uint64(v) * s.scale >> 32 }

// sort returns vals in increasing order, in a buffer reused by the next call.
func (s *sampleSorter) sort(vals []int32) []int32 {
	starts := s.starts[:len(vals)+1]
	clear(starts)
	for _, v := range vals {
		starts[s.bucket(v)+1]++
	}
	for i := 1; i < len(starts); i++ {
		starts[i] += starts[i-1]
	}
	out := s.out[:len(vals)]
	for _, v := range vals {
		b := s.bucket(v)
		out[starts[b]] = v
		starts[b]++
	}
	for i := 1; i < len(out); i++ {
		v, j := out[i], i
		for ; j > 0 && out[j-1] > v; j-- {
			out[j] = out[j-1]
		}
		out[j] = v
	}
	return out
}
