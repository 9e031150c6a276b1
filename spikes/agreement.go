package spikes

import (
	"fmt"
	"slices"
)

// Match is how well a spike train b reproduces a train a: a's spikes, b's,
// and how many of a's a spike of b matched (see Agreement).
type Match struct {
	A, B    int
	Matched int
}

// Recall is the fraction of a's spikes that b reproduces, Matched/A; 1
// when a has no spike (b missed nothing).
func (m Match) Recall() float64 { return ratio(m.Matched, m.A) }

// Precision is the fraction of b's spikes that match one of a, Matched/B;
// 1 when b has no spike (b added nothing).
func (m Match) Precision() float64 { return ratio(m.Matched, m.B) }

// Dice is 2·Matched/(A+B), one figure for both: 1 when the trains agree
// (also when both are empty), 0 when no spike matches.
func (m Match) Dice() float64 { return ratio(2*m.Matched, m.A+m.B) }

func ratio(num, den int) float64 {
	if den == 0 {
		return 1
	}
	return float64(num) / float64(den)
}

func (m Match) add(o Match) Match {
	return Match{A: m.A + o.A, B: m.B + o.B, Matched: m.Matched + o.Matched}
}

// Agreement matches the spikes of a with those of b: a spike of a is
// matched by a spike of b of the same neuron at most tolerance steps
// earlier or later, each spike of b matching at most one of a, as many as
// can be. Tolerance 0 asks for the same step.
//
// The trains are what a simulation gives, step after step: appending
// Spike{step, g} for each neuron g a step returns builds a Train in order.
// Agreement regroups them by neuron with a counting sort, in time and
// memory linear in the spikes and the neurons (4 bytes a spike, 8 a
// neuron): 10^6 spikes take milliseconds.
func Agreement(a, b Train, tolerance int) Match {
	ms := AgreementIn(a, b, tolerance, nil)
	return ms[0]
}

// AgreementIn is Agreement per range of neurons: bounds[k]..bounds[k+1]-1
// for each k, such as a network's populations (ir.Network.Offsets). nil
// bounds count every neuron in one range.
func AgreementIn(a, b Train, tolerance int, bounds []int) []Match {
	if tolerance < 0 {
		panic(fmt.Sprintf("spikes.Agreement: tolerance %d (allowed: >= 0)", tolerance))
	}
	n := 0
	for _, tr := range []Train{a, b} {
		for _, s := range tr {
			n = max(n, int(s.Neuron)+1)
		}
	}
	if bounds == nil {
		bounds = []int{0, n}
	}
	ga, gb := byNeuron(a, n), byNeuron(b, n)
	ms := make([]Match, len(bounds)-1)
	for k := range ms {
		for g := max(bounds[k], 0); g < min(bounds[k+1], n); g++ {
			ms[k] = ms[k].add(matchTimes(ga.of(g), gb.of(g), int64(tolerance)))
		}
	}
	return ms
}

// grouped is a train regrouped by neuron: neuron g's spike steps are
// steps[start[g]:start[g+1]], in increasing order.
type grouped struct {
	start []int
	steps []int32
}

func (gr grouped) of(g int) []int32 { return gr.steps[gr.start[g]:gr.start[g+1]] }

// byNeuron regroups tr by neuron (all below n) with a stable counting
// sort: a train sorted by step gives sorted steps per neuron. Spikes out
// of order (not a Train as defined) are sorted per neuron.
func byNeuron(tr Train, n int) grouped {
	gr := grouped{start: make([]int, n+1), steps: make([]int32, len(tr))}
	for _, s := range tr {
		gr.start[s.Neuron+1]++
	}
	for g := range n {
		gr.start[g+1] += gr.start[g]
	}
	next := slices.Clone(gr.start[:n])
	for _, s := range tr {
		gr.steps[next[s.Neuron]] = s.Step
		next[s.Neuron]++
	}
	for g := range n {
		if steps := gr.of(g); !slices.IsSorted(steps) {
			slices.Sort(steps)
		}
	}
	return gr
}

// matchTimes matches one neuron's spike steps a with b, both increasing.
//
// Greedy in time order is optimal here: each spike of a accepts the b
// spikes in a window [t-tol, t+tol] of the same length, so windows that
// start in order also end in order. Giving each spike of a, in order, the
// earliest b spike still free in its window loses nothing: if a best
// matching gave it a later b spike y instead of that earliest x, and x
// to a later spike of a (or to none), swapping them keeps both matched, y
// lying in the later window (x <= y <= t+tol <= t'+tol and y >= x >=
// t'-tol). A b spike before the window of the current a spike is before
// every later window too, and an a spike whose window ends before the
// next free b spike has no match left: two pointers suffice.
func matchTimes(a, b []int32, tol int64) Match {
	m := Match{A: len(a), B: len(b)}
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		switch t, u := int64(a[i]), int64(b[j]); {
		case u < t-tol:
			j++
		case u > t+tol:
			i++
		default:
			m.Matched++
			i++
			j++
		}
	}
	return m
}
