// Package calendar is the queue the simulators keep long-delay spikes in:
// a calendar of buckets, one per step modulo a power of two above the
// longest delay, each a list of fixed-size chunks drawn from one free
// list. Memory follows the entries in flight, not the busiest step of
// every bucket, and no chunk is allocated once the traffic is steady.
package calendar

import (
	"iter"
	"math/bits"
)

// Calendar holds uint32 entries (a simulator's synapse indices) until
// their step.
type Calendar struct {
	buckets []*chunk // buckets[step & mask], newest chunk first
	mask    int
	free    *chunk
}

type chunk struct {
	n    int
	e    [1020]uint32
	next *chunk
}

// New returns a calendar for entries due at most horizon steps after the
// step being taken.
func New(horizon int) *Calendar {
	n := 1 << bits.Len(uint(horizon))
	return &Calendar{buckets: make([]*chunk, n), mask: n - 1}
}

// Add puts entry e in the bucket of step.
func (c *Calendar) Add(step int, e uint32) {
	b := &c.buckets[step&c.mask]
	ch := *b
	if ch == nil || ch.n == len(ch.e) {
		ch = c.free
		if ch == nil {
			ch = new(chunk)
		} else {
			c.free = ch.next
		}
		ch.next, ch.n = *b, 0
		*b = ch
	}
	ch.e[ch.n] = e
	ch.n++
}

// Take empties the bucket of step and yields its entries in the order
// they were added. Entries may be added to other steps meanwhile.
func (c *Calendar) Take(step int) iter.Seq[uint32] {
	return func(yield func(uint32) bool) {
		b := &c.buckets[step&c.mask]
		var first *chunk // the bucket's chunks, oldest first
		for ch := *b; ch != nil; {
			next := ch.next
			ch.next, first = first, ch
			ch = next
		}
		*b = nil
		stopped := false
		for ch := first; ch != nil; {
			for _, e := range ch.e[:ch.n] {
				if !stopped && !yield(e) {
					stopped = true
				}
			}
			done := ch
			ch = ch.next
			done.next, c.free = c.free, done
		}
	}
}
