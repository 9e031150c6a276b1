package compiler

import (
	"errors"
	"fmt"
	"slices"

	loihisim "github.com/snnc/snnc/backend/loihi-sim"
	"github.com/snnc/snnc/ir"
)

// Routing is dimension-order (XY) on the global mesh of cores: a message
// first travels along its source's row to the destination's column, then
// along that column. Every neuron is assumed to spike once per step; a
// spike becomes one message per distinct core its synapses reach (the core
// fans it out to its synapses there). Input neurons live on the host, which
// injects their spikes into each destination core: those messages cost no
// hops.

// Traffic is the predicted spike traffic of a mapping per step, with the
// use of every core. Link loads count directed links between neighbouring
// cores of the global mesh.
type Traffic struct {
	Target string `json:"target"`
	// Partition and Place are the strategies that made the mapping, and
	// PartitionRounds the fills the output-axon estimates took (set by
	// MapNetwork); PlaceNote says why the optimised placement kept the
	// sequential one, if it did.
	Partition       string `json:"partition,omitempty"`
	Place           string `json:"place,omitempty"`
	PartitionRounds int    `json:"partition_rounds,omitempty"`
	PlaceNote       string `json:"place_note,omitempty"`

	Cores    int `json:"cores"`
	Chips    int `json:"chips"`
	ChipGrid int `json:"chip_grid"`
	// MeshWidth and MeshHeight are the global mesh's size in cores.
	MeshWidth  int `json:"mesh_width"`
	MeshHeight int `json:"mesh_height"`

	// IntraCoreMessages are spikes delivered on their own core,
	// InterCoreMessages spikes sent to another core (one per neuron and
	// destination core), HostMessages input spikes injected by the host.
	IntraCoreMessages int64 `json:"intra_core_messages"`
	InterCoreMessages int64 `json:"inter_core_messages"`
	HostMessages      int64 `json:"host_messages"`
	// HopWeighted is Σ messages × hops (a chip crossing costs
	// chip.chip_hop_cost hops); ChipCrossingMessages are the inter-core
	// messages whose ends are on different chips.
	HopWeighted          int64 `json:"hop_weighted"`
	ChipCrossingMessages int64 `json:"chip_crossing_messages"`
	// MaxLinkLoad is the number of messages on the busiest directed link.
	MaxLinkLoad int64 `json:"max_link_load"`

	// Limits holds what one core holds; every entry of PerCore is measured
	// against it.
	Limits  CoreUse   `json:"limits"`
	PerCore []CoreUse `json:"per_core"`
}

// CoreUse is what one core holds. In Traffic.Limits the position fields
// are zero and the others are the profile's limits; SynapseBits counts
// synapse memory (synapses × synapse_bits + input axons × input_axon_bits).
type CoreUse struct {
	Chip        int   `json:"chip"`
	X           int   `json:"x"`
	Y           int   `json:"y"`
	Neurons     int   `json:"neurons"`
	InputAxons  int   `json:"input_axons"`
	OutputAxons int   `json:"output_axons"`
	Synapses    int64 `json:"synapses"`
	SynapseBits int64 `json:"synapse_bits"`
}

// PredictTraffic computes the traffic and core use of a mapping from
// scratch, in O(neurons + synapses + cores + mesh) time and O(cores + mesh)
// memory: link loads go through difference arrays along rows and columns.
// The mapping must be structurally valid (ir.Mapped.Validate).
func PredictTraffic(m *ir.Mapped, p *loihisim.Profile) *Traffic {
	net := m.Net
	cores := len(m.Cores)
	chips := 0
	for _, c := range m.Cores {
		chips = max(chips, c.Chip+1)
	}
	geom := newMeshGeom(p, chips, max(m.ChipGrid, 1))
	tr := &Traffic{
		Target: p.Name, Cores: cores, Chips: chips, ChipGrid: geom.grid, MeshWidth: geom.width, MeshHeight: geom.height,
		Limits: CoreUse{Neurons: p.Core.Neurons, InputAxons: p.Core.InputAxons, OutputAxons: p.Core.OutputAxons,
			SynapseBits: p.Core.SynapseMemoryBits},
		PerCore: make([]CoreUse, cores),
	}
	g := newForwardGraph(net)
	groups := groupByCore(m.CoreOf, cores)
	parts := parallel(cores+1, func(lo, hi int) *trafficPart {
		return countTraffic(g, m, groups, &geom, lo, hi)
	})
	sum := parts[0]
	for _, q := range parts[1:] {
		for c := range cores {
			sum.dest[c].add(&q.dest[c])
		}
		for i := range sum.east {
			sum.east[i] += q.east[i]
			sum.west[i] += q.west[i]
			sum.south[i] += q.south[i]
			sum.north[i] += q.north[i]
		}
		sum.intra += q.intra
		sum.inter += q.inter
		sum.host += q.host
		sum.hops += q.hops
		sum.chips += q.chips
	}
	tr.IntraCoreMessages, tr.InterCoreMessages, tr.HostMessages = sum.intra, sum.inter, sum.host
	tr.HopWeighted, tr.ChipCrossingMessages = sum.hops, sum.chips
	W, H := geom.width+1, geom.height+1
	for c := range sum.dest {
		d := &sum.dest[c]
		sum.south[int(d.gx)*H+int(d.gy)] -= d.arriveSouth
		sum.north[int(d.gx)*H+int(d.gy)] += d.arriveNorth
	}
	// A running sum along each row (east, west) or column (south, north)
	// of a difference array is the load of each link.
	for _, d := range []struct {
		diff []int64
		run  int
	}{{sum.east, W}, {sum.west, W}, {sum.south, H}, {sum.north, H}} {
		for start := 0; start < len(d.diff); start += d.run {
			var load int64
			for _, x := range d.diff[start : start+d.run] {
				load += x
				tr.MaxLinkLoad = max(tr.MaxLinkLoad, load)
			}
		}
	}
	for i := range tr.PerCore {
		c, d := &tr.PerCore[i], &sum.dest[i]
		c.Chip, c.X, c.Y = m.Cores[i].Chip, m.Cores[i].X, m.Cores[i].Y
		c.Neurons, c.InputAxons, c.OutputAxons, c.Synapses = int(d.neurons), int(d.inputAxons), int(d.outputAxons), d.synapses
		c.SynapseBits = c.Synapses*int64(p.Core.SynapseBits) + int64(c.InputAxons)*int64(p.Core.InputAxonBits)
	}
	return tr
}

// coreGroups lists neurons by core: the neurons of core c are
// members[first[c]:first[c+1]], the input neurons members[first[cores]:].
type coreGroups struct {
	first   []int32
	members []int32
}

func groupByCore(coreOf []int32, cores int) coreGroups {
	g := coreGroups{first: make([]int32, cores+2), members: make([]int32, len(coreOf))}
	slot := func(c int32) int32 {
		if c < 0 {
			return int32(cores)
		}
		return c
	}
	for _, c := range coreOf {
		g.first[slot(c)+1]++
	}
	for c := range cores + 1 {
		g.first[c+1] += g.first[c]
	}
	next := slices.Clone(g.first)
	for v, c := range coreOf {
		k := slot(c)
		g.members[next[k]] = int32(v)
		next[k]++
	}
	return g
}

// destCount is what countTraffic knows and counts per core, together so
// that a message touches one cache line of its destination.
type destCount struct {
	gx, gy, cx, cy int32 // place on the global mesh and the chip's on the grid
	stamp          int32 // the last neuron that sent here
	neurons        int32
	inputAxons     int32
	outputAxons    int32
	synapses       int64
	// messages that end here after travelling south or north
	arriveSouth, arriveNorth int64
}

func (c *destCount) add(d *destCount) {
	c.neurons += d.neurons
	c.inputAxons += d.inputAxons
	c.outputAxons += d.outputAxons
	c.synapses += d.synapses
	c.arriveSouth += d.arriveSouth
	c.arriveNorth += d.arriveNorth
}

// trafficPart is the traffic of the neurons of a range of cores.
type trafficPart struct {
	dest                            []destCount
	east, west, south, north        []int64
	intra, inter, host, hops, chips int64
}

// countTraffic counts the messages sent by the neurons of cores lo..hi-1
// (core len(m.Cores) stands for the host's input neurons) and the core use
// they cause.
//
// Link loads go into difference arrays: east[y*W+x] for the link
// (x,y)->(x+1,y), west[y*W+x] for (x+1,y)->(x,y), south[x*H+y] for
// (x,y)->(x,y+1) and north[x*H+y] for (x,y+1)->(x,y), where W and H are one
// more than the mesh's width and height. All messages of a core leave from
// one place, so each only adds to small per-column tallies and to its
// destination's arrivals; the tallies go into the arrays once per core, so
// a message costs O(1) with everything in cache.
func countTraffic(g *graph, m *ir.Mapped, groups coreGroups, geom *meshGeom, lo, hi int) *trafficPart {
	W, H := geom.width+1, geom.height+1
	cores := len(m.Cores)
	q := &trafficPart{dest: make([]destCount, cores),
		east: make([]int64, W*H), west: make([]int64, W*H), south: make([]int64, W*H), north: make([]int64, W*H)}
	for i, c := range m.Cores {
		x, y, a, b := geom.global(c.Chip*geom.cpc + c.Y*geom.mw + c.X)
		q.dest[i] = destCount{gx: int32(x), gy: int32(y), cx: int32(a), cy: int32(b), stamp: -1}
	}
	// Per destination column: messages going east or west along the
	// source's row to it, and leaving the row south or north in it.
	east, west := make([]int64, W), make([]int64, W)
	south, north := make([]int64, W), make([]int64, W)
	var dst []int32
	for a := lo; a < hi; a++ {
		host := a == cores
		var src *destCount
		if !host {
			src = &q.dest[a]
		}
		for _, v := range groups.members[groups.first[a]:groups.first[a+1]] {
			if !host {
				src.neurons++
			}
			// Gather the cores first: a test between the loads would
			// serialise their cache misses.
			dst = appendTargetCores(dst[:0], g, m.CoreOf, int(v))
			for _, c := range dst {
				d := &q.dest[c]
				d.synapses++
				if d.stamp == v {
					continue
				}
				d.stamp = v
				d.inputAxons++
				switch {
				case host:
					q.host++
					continue
				case int(c) == a:
					q.intra++
					src.outputAxons++
					continue
				}
				src.outputAxons++
				q.inter++
				q.hops += int64(geom.hops(int(src.gx), int(src.gy), int(src.cx), int(src.cy), int(d.gx), int(d.gy), int(d.cx), int(d.cy)))
				if src.cx != d.cx || src.cy != d.cy {
					q.chips++
				}
				switch {
				case d.gx > src.gx:
					east[d.gx]++
				case d.gx < src.gx:
					west[d.gx]++
				}
				switch {
				case d.gy > src.gy:
					south[d.gx]++
					d.arriveSouth++
				case d.gy < src.gy:
					north[d.gx]++
					d.arriveNorth++
				}
			}
		}
		if host {
			continue
		}
		// The core's tallies into the difference arrays.
		x1, y1 := int(src.gx), int(src.gy)
		row := q.east[y1*W : (y1+1)*W]
		for x, n := range east {
			row[x1] += n
			row[x] -= n
		}
		row = q.west[y1*W : (y1+1)*W]
		for x, n := range west {
			row[x] += n
			row[x1] -= n
		}
		for x := range W {
			q.south[x*H+y1] += south[x]
			q.north[x*H+y1] -= north[x]
		}
		clear(east)
		clear(west)
		clear(south)
		clear(north)
	}
	return q
}

// CheckMapping checks a mapping against p from scratch: its structure,
// every core's neurons, input axons, output axons and synapse memory, the
// projections' weight bits and delays, the number of chips, and that no
// two cores share a position. It returns every violation found.
func CheckMapping(m *ir.Mapped, p *loihisim.Profile) error {
	if err := m.Validate(); err != nil {
		return err
	}
	if m.Target != p.Name {
		return fmt.Errorf("mapping for target %q checked against %q", m.Target, p.Name)
	}
	seen := map[[3]int]int{}
	for i, c := range m.Cores {
		if c.Chip < 0 || c.X < 0 || c.X >= p.Chip.MeshWidth || c.Y < 0 || c.Y >= p.Chip.MeshHeight {
			return fmt.Errorf("core %d at chip %d (%d,%d) is off the %dx%d mesh", i, c.Chip, c.X, c.Y, p.Chip.MeshWidth, p.Chip.MeshHeight)
		}
		key := [3]int{c.Chip, c.X, c.Y}
		if j, ok := seen[key]; ok {
			return fmt.Errorf("cores %d and %d are both at chip %d (%d,%d)", j, i, c.Chip, c.X, c.Y)
		}
		seen[key] = i
	}
	if err := checkProjections(m.Net, p); err != nil {
		return err
	}
	return PredictTraffic(m, p).checkLimits(p)
}

// checkLimits checks the measured use of every core and the chips.
func (tr *Traffic) checkLimits(p *loihisim.Profile) error {
	var errs []error
	if p.Chip.MaxChips > 0 && tr.Chips > p.Chip.MaxChips {
		errs = append(errs, fmt.Errorf("%d chips; a %s target has %d (chip.max_chips)", tr.Chips, p.Name, p.Chip.MaxChips))
	}
	for i, c := range tr.PerCore {
		over := func(what string, v, limit int64, field string) {
			if v > limit {
				errs = append(errs, fmt.Errorf("core %d (chip %d at %d,%d) has %d %s; a %s core holds %d (%s)",
					i, c.Chip, c.X, c.Y, v, what, p.Name, limit, field))
			}
		}
		over("neurons", int64(c.Neurons), int64(p.Core.Neurons), "core.neurons")
		over("input axons", int64(c.InputAxons), int64(p.Core.InputAxons), "core.input_axons")
		over("output axons", int64(c.OutputAxons), int64(p.Core.OutputAxons), "core.output_axons")
		over("bits of synapse memory", c.SynapseBits, p.Core.SynapseMemoryBits, "core.synapse_memory_bits")
	}
	return errors.Join(errs...)
}
