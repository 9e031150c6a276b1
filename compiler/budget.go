package compiler

import (
	"math"
	"strconv"
	"sync"

	"go.yaml.in/yaml/v3"

	"github.com/snnc/snnc/internal/sysmem"
	"github.com/snnc/snnc/ir"
)

// This file keeps a description from asking for more memory than the
// machine has: a typo such as size: 1e9, or all_to_all between two large
// populations, gets an error at the value that asks for it instead of a
// Go "fatal error: out of memory" later. The frontend estimates what the
// network will take from the counts the description implies, before it
// generates any synapses, and compares the total with a budget.

// Costs behind the estimate (docs/format.md, Limits).
const (
	// bytesPerNeuron is about what a neuron takes in the simulator
	// (state, configuration, input ring).
	bytesPerNeuron = 64
	// bytesPerSynapse is a synapse in the IR: target int32, weight int16,
	// delay uint16.
	bytesPerSynapse = 8
	// bytesPerRowStart is one source neuron's row start (int64) in a
	// projection's CSR arrays.
	bytesPerRowStart = 8
)

// ParseOptions tune the frontend. The zero value gives the defaults that
// Parse and ParseFile use.
type ParseOptions struct {
	// MemoryBudget bounds, in bytes, the memory the described network
	// may take by the frontend's estimate: 64 bytes per neuron and, for
	// each projection, 8 bytes per synapse plus 8 per source neuron. A
	// description over it is an *Error at the population or projection
	// that crosses it. 0 means DefaultMemoryBudget(); a negative value
	// means no budget.
	MemoryBudget int64
}

// ParseFileWithOptions is ParseFile with options.
func ParseFileWithOptions(path string, opt ParseOptions) (*ir.Network, error) {
	return parseFile(path, opt)
}

// ParseWithOptions is Parse with options.
func ParseWithOptions(name string, data []byte, readFile func(path string) ([]byte, error), opt ParseOptions) (*ir.Network, error) {
	lim := defaultLimits
	lim.budget = opt.MemoryBudget
	return parseWithLimits(name, data, readFile, lim)
}

// fallbackMemoryBudget is the budget when /proc/meminfo cannot be read.
const fallbackMemoryBudget = 8 << 30

// DefaultMemoryBudget is the budget when ParseOptions gives none: three
// quarters of the memory available when it is first asked for
// (MemAvailable in /proc/meminfo), or 8 GiB where that cannot be read.
// It reads /proc/meminfo once, on first use.
func DefaultMemoryBudget() int64 { return defaultMemoryBudget() }

var defaultMemoryBudget = sync.OnceValue(func() int64 {
	if avail, ok := sysmem.Available(); ok {
		return avail / 4 * 3
	}
	return fallbackMemoryBudget
})

// resolveBudget turns ParseOptions.MemoryBudget into a number of bytes.
func resolveBudget(b int64) int64 {
	switch {
	case b == 0:
		return DefaultMemoryBudget()
	case b < 0:
		return math.MaxInt64
	}
	return b
}

const budgetAllowed = "see docs/format.md, Limits"

// reserveNeurons checks that the neurons of the populations so far, the
// last of size size, fit in the budget.
func (p *parser) reserveNeurons(n *yaml.Node, path string, size, neurons int64) error {
	need := neurons * bytesPerNeuron // neurons <= MaxNeurons: no overflow
	if need <= p.budget {
		return nil
	}
	allowed := "(allowed: a network whose neurons fit in memory; " + budgetAllowed + ")"
	if neurons == size {
		verb := "neurons take"
		if size == 1 {
			verb = "neuron takes"
		}
		return p.errorf(n, path, "%s %s about %s (%d bytes each), more than the memory budget of %s %s",
			commas(size), verb, sysmem.Format(float64(need)), bytesPerNeuron, sysmem.Format(float64(p.budget)), allowed)
	}
	return p.errorf(n, path, "%s brings the network to %s neurons, about %s (%d bytes each), more than the memory budget of %s %s",
		commas(size), commas(neurons), sysmem.Format(float64(need)), bytesPerNeuron, sysmem.Format(float64(p.budget)), allowed)
}

// reserveSynapses adds a projection's estimated size, synapses (the mean,
// for random) from sources source neurons, to the network's and fails
// when the total exceeds the budget. what says where the synapses come
// from, as in "all_to_all makes", "random makes about" or "the matrix has".
func (p *parser) reserveSynapses(n *yaml.Node, path, what string, synapses float64, sources int) error {
	need := synapses*bytesPerSynapse + float64(sources+1)*bytesPerRowStart
	total := float64(p.used) + need
	if total <= float64(p.budget) {
		p.used += int64(need)
		return nil
	}
	count := commas(int64(math.Round(synapses)))
	allowed := "(allowed: a network whose synapses fit in memory; " + budgetAllowed + ")"
	if need > float64(p.budget) {
		return p.errorf(n, path, "%s %s synapses, about %s, more than the memory budget of %s %s",
			what, count, sysmem.Format(need), sysmem.Format(float64(p.budget)), allowed)
	}
	return p.errorf(n, path, "%s %s synapses, about %s, which brings the network to about %s, more than the memory budget of %s %s",
		what, count, sysmem.Format(need), sysmem.Format(total), sysmem.Format(float64(p.budget)), allowed)
}

// commas writes an integer with thousands separators: 1,600,000,000.
func commas(v int64) string {
	s := strconv.FormatInt(v, 10)
	neg := v < 0
	if neg {
		s = s[1:]
	}
	var b []byte
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			b = append(b, ',')
		}
		b = append(b, s[i])
	}
	if neg {
		return "-" + string(b)
	}
	return string(b)
}
