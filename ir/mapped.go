package ir

import (
	"errors"
	"fmt"
)

// Mapped is a network mapped onto the cores of a target: the legalised
// network (the description's populations first, then the relay populations
// the compiler added) and the core every neuron lives on.
//
// Cores are numbered chip by chip; a core's place on the mesh is its chip's
// place in the grid of chips and its (X, Y) on the chip. Input neurons are
// not on any core: the host injects their spikes into the cores that hold
// their synapses.
type Mapped struct {
	Net    *Network
	Target string
	// CoreOf is the core of each neuron, by global index; -1 for input neurons.
	CoreOf []int32
	Cores  []Core
	// ChipGrid is the width of the grid of chips (chips are placed row by
	// row); at least 1.
	ChipGrid int
}

// Core is one core of the mapping and its place on the mesh.
type Core struct {
	Chip int `json:"chip"`
	X    int `json:"x"` // position on the chip's mesh of cores
	Y    int `json:"y"`
}

// Validate checks the mapping's structure: the network, one core per
// non-input neuron, cores that exist. Target limits are checked by the
// target (loihisim.Profile.Check).
func (m *Mapped) Validate() error {
	if m.Net == nil {
		return errors.New("mapped network without a network")
	}
	if err := m.Net.Validate(); err != nil {
		return err
	}
	if len(m.CoreOf) != m.Net.Neurons() {
		return fmt.Errorf("mapping has %d core entries for %d neurons", len(m.CoreOf), m.Net.Neurons())
	}
	if m.ChipGrid < 1 {
		return fmt.Errorf("chip grid width %d (allowed: >= 1)", m.ChipGrid)
	}
	offs := m.Net.Offsets()
	for k, p := range m.Net.Populations {
		for i := offs[k]; i < offs[k+1]; i++ {
			c := m.CoreOf[i]
			switch {
			case p.Model == ModelInput && c != -1:
				return fmt.Errorf("input neuron %s[%d] placed on core %d", p.Name, i-offs[k], c)
			case p.Model != ModelInput && (c < 0 || int(c) >= len(m.Cores)):
				return fmt.Errorf("neuron %s[%d] on core %d (allowed: 0..%d)", p.Name, i-offs[k], c, len(m.Cores)-1)
			}
		}
	}
	return nil
}
