package main

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// parseThreads reads -threads: a comma-separated list of distinct thread
// counts, each in 1..maxThreads (GOMAXPROCS), in the order given.
func parseThreads(s string, maxThreads int) ([]int, error) {
	var ts []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 || n > maxThreads {
			return nil, fmt.Errorf("-threads %q: %q is not a thread count (allowed: 1..%d, GOMAXPROCS)", s, f, maxThreads)
		}
		if slices.Contains(ts, n) {
			return nil, fmt.Errorf("-threads %q: %d given twice", s, n)
		}
		ts = append(ts, n)
	}
	return ts, nil
}

// spikeHash is FNV-1a, 64-bit, taken over 32-bit words instead of bytes:
// for every step its number, its count of LIF spikes and their global
// indices in the order Step returned them, then each population's spike
// count. About a nanosecond a spike, so it stays inside the timed loop.
// Each word goes through h = (h ^ w) · prime, a bijection for a fixed h,
// so two runs that differ in a single word never collide.
type spikeHash uint64

const (
	fnvOffset64 = 14695981039346656037
	fnvPrime64  = 1099511628211
)

func newSpikeHash() spikeHash { return fnvOffset64 }

func (h *spikeHash) word(w uint32) { *h = (*h ^ spikeHash(w)) * fnvPrime64 }

// step adds the spikes of step t.
func (h *spikeHash) step(t int, spikes []int32) {
	h.word(uint32(t))
	h.word(uint32(len(spikes)))
	for _, x := range spikes {
		h.word(uint32(x))
	}
}

// counts adds the per-population spike counts, after the last step.
func (h *spikeHash) counts(c []int64) {
	h.word(uint32(len(c)))
	for _, n := range c {
		h.word(uint32(n))
		h.word(uint32(uint64(n) >> 32))
	}
}

// threadRun is what one snnc child reported, for the comparison across
// thread counts.
type threadRun struct {
	threads int
	hash    uint64
	spikes  []int64 // per population
	events  int64
	steps   int
}

// compareThreads checks that every run gave the spikes of the first (the
// reference, normally one thread): the same hash of every step's spike
// list and counts, the same synaptic events and steps. The error names
// each run that differs and both sets of figures.
func compareThreads(runs []threadRun) error {
	if len(runs) < 2 {
		return nil
	}
	ref := runs[0]
	var diffs []string
	for _, r := range runs[1:] {
		if r.hash == ref.hash && slices.Equal(r.spikes, ref.spikes) && r.events == ref.events && r.steps == ref.steps {
			continue
		}
		diffs = append(diffs, fmt.Sprintf("%s: spike hash %016x, spikes per population %v, synaptic events %d, steps %d; %s: %016x, %v, %d, %d",
			threadsName(r.threads), r.hash, r.spikes, r.events, r.steps,
			threadsName(ref.threads), ref.hash, ref.spikes, ref.events, ref.steps))
	}
	if diffs != nil {
		return fmt.Errorf("spikes differ across thread counts: %s", strings.Join(diffs, "; "))
	}
	return nil
}

func threadsName(n int) string {
	if n == 1 {
		return "1 thread"
	}
	return fmt.Sprintf("%d threads", n)
}
