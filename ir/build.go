package ir

import (
	"fmt"
	"slices"
)

// RowBuilder builds Synapses in CSR order. Synapses must be added with
// sources non-decreasing and, within a source, targets strictly increasing:
// the order in which dense matrices and generated patterns are walked.
type RowBuilder struct {
	syn     Synapses
	sources int
	src     int // the source whose row is open
}

// NewRowBuilder starts a projection with the given number of source
// neurons; capacity is a hint of the number of synapses.
func NewRowBuilder(sources int, capacity int) *RowBuilder {
	b := &RowBuilder{sources: sources}
	b.syn.Start = make([]int64, 1, sources+1)
	b.syn.Target = make([]int32, 0, capacity)
	b.syn.Weight = make([]int16, 0, capacity)
	b.syn.Delay = make([]uint16, 0, capacity)
	return b
}

// Add appends one synapse. It panics when the order above is broken or the
// source is out of range: that is a bug in the caller, not bad input.
func (b *RowBuilder) Add(src, tgt int, w int16, d uint16) {
	if src < b.src || src >= b.sources {
		panic(fmt.Sprintf("ir.RowBuilder: source %d after %d (of %d)", src, b.src, b.sources))
	}
	b.closeRowsBefore(src)
	if n := len(b.syn.Target); int64(n) > b.syn.Start[src] && int(b.syn.Target[n-1]) >= tgt {
		panic(fmt.Sprintf("ir.RowBuilder: target %d after %d in row %d", tgt, b.syn.Target[n-1], src))
	}
	b.syn.Target = append(b.syn.Target, int32(tgt))
	b.syn.Weight = append(b.syn.Weight, w)
	b.syn.Delay = append(b.syn.Delay, d)
}

// AddFloat appends one synapse of a projection into a cuba_lif
// population: its float weight, and 0 as its integer weight until the
// quantise pass sets it. A builder takes Add or AddFloat, not both.
func (b *RowBuilder) AddFloat(src, tgt int, w float64, d uint16) {
	if b.syn.FloatWeight == nil {
		b.syn.FloatWeight = make([]float64, 0, cap(b.syn.Target))
	}
	b.Add(src, tgt, 0, d)
	b.syn.FloatWeight = append(b.syn.FloatWeight, w)
}

// closeRowsBefore ends every open row below src: Start[r+1] marks the end of row r.
func (b *RowBuilder) closeRowsBefore(src int) {
	for b.src < src {
		b.syn.Start = append(b.syn.Start, int64(len(b.syn.Target)))
		b.src++
	}
}

// Finish closes the remaining rows and returns the synapses.
func (b *RowBuilder) Finish() Synapses {
	b.closeRowsBefore(b.sources)
	return b.syn
}

// Synapse is one synapse in coordinate form, for building from any order.
type Synapse struct {
	Source, Target int32
	Weight         int16
	Delay          uint16
}

// FromList builds Synapses from synapses in any order. It reports the first
// (source, target) pair that occurs twice.
func FromList(sources int, list []Synapse) (Synapses, error) {
	list = slices.Clone(list)
	slices.SortFunc(list, func(a, b Synapse) int {
		if a.Source != b.Source {
			return int(a.Source - b.Source)
		}
		return int(a.Target - b.Target)
	})
	b := NewRowBuilder(sources, len(list))
	for i, s := range list {
		if i > 0 && list[i-1].Source == s.Source && list[i-1].Target == s.Target {
			return Synapses{}, fmt.Errorf("two synapses from source %d to target %d", s.Source, s.Target)
		}
		b.Add(int(s.Source), int(s.Target), s.Weight, s.Delay)
	}
	return b.Finish(), nil
}
