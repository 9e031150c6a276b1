package main

import (
	"runtime"
	"sync"
	"time"
)

// coreScaling measures how much work two goroutines get done at once
// compared with one: the same integer loop on one goroutine, then on two.
// 2.0 means the machine gives two whole cores; a virtual machine whose two
// processors share a physical core, or whose host is busy, gives less, and
// no program's second thread can do better than that. The tables print it
// beside the two-thread figures.
func coreScaling() float64 {
	if runtime.GOMAXPROCS(0) < 2 {
		return 1
	}
	const n = 100_000_000
	var sink [2]uint64
	run := func(k int) {
		x := uint64(k + 1)
		for range n {
			x = x*6364136223846793005 + 1442695040888963407
			x ^= x >> 13
		}
		sink[k] = x
	}
	t0 := time.Now()
	run(0)
	one := time.Since(t0)
	t0 = time.Now()
	var wg sync.WaitGroup
	for k := range 2 {
		wg.Go(func() { run(k) })
	}
	wg.Wait()
	two := time.Since(t0)
	return 2 * one.Seconds() / two.Seconds()
}
