package compiler

import (
	"math"
	"testing"
)

// TestSplitMix64Vector pins the generator to the reference SplitMix64
// (state 0): a change here would change every generated network.
func TestSplitMix64Vector(t *testing.T) {
	r := newRNG(0, 0)
	want := []uint64{0xe220a8397b1dcdaf, 0x6e789e6aa1b965f4, 0x06c45d188009454f, 0xf88bb8a8724c81ec}
	for i, w := range want {
		if got := r.next(); got != w {
			t.Errorf("output %d: %#x, want %#x", i, got, w)
		}
	}
}

func TestStreamsDiffer(t *testing.T) {
	a, b := newRNG(7, streamConnect), newRNG(7, streamWeights)
	if a.next() == b.next() {
		t.Error("the connect and weights streams of seed 7 start alike")
	}
}

func TestBelow(t *testing.T) {
	r := newRNG(1, 0)
	var counts [6]int
	const draws = 60000
	for range draws {
		counts[r.below(6)]++
	}
	for v, c := range counts {
		// mean 10000, standard deviation about 91
		if c < 9500 || c > 10500 {
			t.Errorf("value %d drawn %d times of %d", v, c, draws)
		}
	}
	// A bound just above 2^63 rejects about half the draws; it must still end.
	for range 100 {
		if v := r.below(1<<63 + 1); v > 1<<63 {
			t.Fatalf("below(2^63+1) = %d", v)
		}
	}
	for range 100 {
		if v := r.between(-3, -3); v != -3 {
			t.Fatalf("between(-3, -3) = %d", v)
		}
	}
}

// TestDetLog compares the portable logarithm with the standard library's,
// which may differ in the last bit on some machines.
func TestDetLog(t *testing.T) {
	r := newRNG(3, 0)
	check := func(x float64) {
		got, want := detLog(x), math.Log(x)
		if math.Abs(got-want) > math.Abs(want)*0x1p-52 {
			t.Errorf("detLog(%v) = %v, want %v", x, got, want)
		}
	}
	for _, x := range []float64{1, 0x1p-53, 0.5, 0.9999999999999999, 1 - 1e-10, math.SmallestNonzeroFloat64 * (1 << 52), 0.1, 0.7071067811865476} {
		check(x)
	}
	for range 100000 {
		check(r.unit())
	}
	if detLog(1) != 0 {
		t.Errorf("detLog(1) = %v", detLog(1))
	}
}

func TestLnOneMinus(t *testing.T) {
	for _, p := range []float64{1e-300, 1e-12, 1e-6, 9.99e-5, 1e-4, 0.1, 0.5, 0.999} {
		got, want := lnOneMinus(p), math.Log1p(-p)
		if math.Abs(got-want) > math.Abs(want)*1e-12 {
			t.Errorf("lnOneMinus(%v) = %v, want %v", p, got, want)
		}
	}
}

func TestUnitRange(t *testing.T) {
	r := &rng{state: math.MaxUint64 - 0x9e3779b97f4a7c15} // next() hashes state 2^64-1
	for range 1000 {
		if u := r.unit(); u <= 0 || u > 1 {
			t.Fatalf("unit() = %v", u)
		}
	}
}
