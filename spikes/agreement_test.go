package spikes

import (
	"math/rand/v2"
	"slices"
	"testing"
)

func TestAgreementSmall(t *testing.T) {
	a := Train{{0, 0}, {2, 1}, {5, 0}, {6, 0}, {9, 1}}
	b := Train{{1, 0}, {2, 1}, {4, 0}, {8, 1}, {20, 2}}
	for _, tc := range []struct {
		tol  int
		want Match
	}{
		// Tolerance 0: only 1@2.
		{0, Match{A: 5, B: 5, Matched: 1}},
		// Tolerance 1: 0@0-1, 1@2-2, 0@5-4, 1@9-8; 0@6 finds 0@4 taken.
		{1, Match{A: 5, B: 5, Matched: 4}},
		{100, Match{A: 5, B: 5, Matched: 4}}, // neuron 2's spike has no partner in a
	} {
		got := Agreement(a, b, tc.tol)
		if got != tc.want {
			t.Errorf("tolerance %d: %+v, want %+v", tc.tol, got, tc.want)
		}
	}
	m := Agreement(a, b, 1)
	if m.Recall() != 0.8 || m.Precision() != 0.8 || m.Dice() != 0.8 {
		t.Errorf("recall %v, precision %v, Dice %v; want 0.8 each", m.Recall(), m.Precision(), m.Dice())
	}
	m = Agreement(a, b[:3], 1) // b: 0@1, 1@2, 0@4
	if m.Matched != 3 || m.Recall() != 0.6 || m.Precision() != 1 || m.Dice() != 0.75 {
		t.Errorf("%+v: recall %v, precision %v, Dice %v; want 3 matched, 0.6, 1, 0.75", m, m.Recall(), m.Precision(), m.Dice())
	}
}

func TestAgreementEmpty(t *testing.T) {
	some := Train{{3, 1}}
	for _, tc := range []struct {
		a, b                    Train
		recall, precision, dice float64
	}{
		{nil, nil, 1, 1, 1},
		{some, nil, 0, 1, 0},
		{nil, some, 1, 0, 0},
	} {
		m := Agreement(tc.a, tc.b, 2)
		if m.Recall() != tc.recall || m.Precision() != tc.precision || m.Dice() != tc.dice {
			t.Errorf("a %v, b %v: recall %v, precision %v, Dice %v; want %v, %v, %v",
				tc.a, tc.b, m.Recall(), m.Precision(), m.Dice(), tc.recall, tc.precision, tc.dice)
		}
	}
}

// bestMatching is the size of a maximum matching between a's and b's
// spikes of one neuron within tol, by augmenting paths: the definition
// the greedy matching must reach.
func bestMatching(a, b []int32, tol int32) int {
	owner := make([]int, len(b)) // index in a + 1, 0 for free
	var augment func(i int, seen []bool) bool
	augment = func(i int, seen []bool) bool {
		for j, u := range b {
			if seen[j] || u < a[i]-tol || u > a[i]+tol {
				continue
			}
			seen[j] = true
			if owner[j] == 0 || augment(owner[j]-1, seen) {
				owner[j] = i + 1
				return true
			}
		}
		return false
	}
	n := 0
	for i := range a {
		if augment(i, make([]bool, len(b))) {
			n++
		}
	}
	return n
}

// The greedy matching is as large as the best one, on random trains of a
// few neurons dense enough for windows to overlap; the result does not
// depend on which train comes first, and per-range counts add up.
func TestAgreementOptimal(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for trial := range 2000 {
		const neurons = 3
		steps := 5 + r.IntN(40)
		var a, b Train
		for step := range steps {
			for g := range neurons {
				if r.IntN(3) == 0 {
					a = append(a, Spike{int32(step), int32(g)})
				}
				if r.IntN(3) == 0 {
					b = append(b, Spike{int32(step), int32(g)})
				}
			}
		}
		tol := r.IntN(4)
		want := 0
		for g := range int32(neurons) {
			var ta, tb []int32
			for _, s := range a {
				if s.Neuron == g {
					ta = append(ta, s.Step)
				}
			}
			for _, s := range b {
				if s.Neuron == g {
					tb = append(tb, s.Step)
				}
			}
			want += bestMatching(ta, tb, int32(tol))
		}
		m := Agreement(a, b, tol)
		if m.Matched != want || m.A != len(a) || m.B != len(b) {
			t.Fatalf("trial %d, tolerance %d: %+v, want %d matched of %d and %d\na %v\nb %v", trial, tol, m, want, len(a), len(b), a, b)
		}
		if back := Agreement(b, a, tol); back.Matched != want {
			t.Fatalf("trial %d: %d matched from b's side, %d from a's", trial, back.Matched, want)
		}
		per := AgreementIn(a, b, tol, []int{0, 1, 3})
		if sum := per[0].add(per[1]); sum != m {
			t.Fatalf("trial %d: per range %+v, together %+v", trial, per, m)
		}
	}
}

// Spikes out of time order (not a Train as defined) are matched as if
// sorted.
func TestAgreementUnsorted(t *testing.T) {
	a := Train{{9, 0}, {0, 0}, {5, 0}}
	b := Train{{6, 0}, {1, 0}, {10, 0}}
	if m := Agreement(a, b, 1); m.Matched != 3 {
		t.Errorf("%+v, want 3 matched", m)
	}
}

// About 10^6 spikes of 10^4 neurons at even steps, b shifted by one step:
// all match within 1, none within 0.
func TestAgreementLarge(t *testing.T) {
	const neurons, steps = 10000, 2000
	r := rand.New(rand.NewPCG(3, 4))
	var a, b Train
	for step := 0; step < steps; step += 2 {
		for range 1000 {
			a = append(a, Spike{int32(step), r.Int32N(neurons)})
		}
	}
	slices.SortFunc(a, compare)
	a = slices.Compact(a)
	for _, s := range a {
		b = append(b, Spike{s.Step + 1, s.Neuron})
	}
	if m := Agreement(a, b, 1); m.Matched != len(a) || m.Dice() != 1 {
		t.Errorf("%+v, want all %d matched", m, len(a))
	}
	if m := Agreement(a, b, 0); m.Matched != 0 {
		t.Errorf("tolerance 0: %+v, want none matched", m)
	}
}
