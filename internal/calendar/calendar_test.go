package calendar

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// Entries come out at their step, in the order they were added, also when
// a bucket spans several chunks and when the steps wrap around the
// calendar; taking a step while adding to later ones works.
func TestTakeInOrder(t *testing.T) {
	const horizon = 37
	c := New(horizon)
	r := rand.New(rand.NewPCG(1, 2))
	want := map[int][]uint32{}
	next := uint32(0)
	for step := range 500 {
		for range r.IntN(3000) {
			due := step + 1 + r.IntN(horizon)
			c.Add(due, next)
			want[due] = append(want[due], next)
			next++
		}
		var got []uint32
		for e := range c.Take(step + 1) {
			got = append(got, e)
			if e%7 == 0 { // adding while taking
				c.Add(step+1+horizon, e)
				want[step+1+horizon] = append(want[step+1+horizon], e)
			}
		}
		if !slices.Equal(got, want[step+1]) {
			t.Fatalf("step %d: %d entries out of order or missing (want %d)", step+1, len(got), len(want[step+1]))
		}
		delete(want, step+1)
	}
}

// A steady traffic allocates no chunk once the free list has filled.
func TestChunksReused(t *testing.T) {
	c := New(8)
	step := 0
	run := func() {
		for range 3000 {
			c.Add(step+4, uint32(step))
		}
		for range c.Take(step) {
		}
		step++
	}
	for range 20 {
		run()
	}
	if allocs := testing.AllocsPerRun(100, run); allocs != 0 {
		t.Errorf("%v allocations per step in steady traffic", allocs)
	}
}
