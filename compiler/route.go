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
	// PartitionFills the fills of cores the partition made (set by
	// MapNetwork); PlaceNote says why the optimised placement kept the
	// sequential one, if it did.
	Partition      string `json:"partition,omitempty"`
	Place          string `json:"place,omitempty"`
	PartitionFills int    `json:"partition_fills,omitempty"`
	PlaceNote      string `json:"place_note,omitempty"`

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
// scratch, in O(neurons + synapses + cores + mesh) time, split over the
// available processors, and about 10 bytes per neuron plus O(cores + mesh)
// per processor of memory: link loads go through difference arrays along
// rows and columns. The mapping must be structurally valid
// (ir.Mapped.Validate); loihisim's Profile.Check checks that first.
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
	tc := newTargetCores(newForwardGraph(net), m.CoreOf, cores)
	groups := groupByCore(m.CoreOf, cores)
	pos := make([]meshPos, cores)
	for i, c := range m.Cores {
		x, y, _, _ := geom.global(c.Chip*geom.cpc + c.Y*geom.mw + c.X)
		pos[i] = meshPos{int32(x), int32(y)}
	}
	parts := parallel(cores+1, func(lo, hi int) *trafficPart {
		return countTraffic(tc, pos, groups, &geom, lo, hi)
	})
	sum := parts[0]
	for _, q := range parts[1:] {
		sum.add(q)
	}
	tr.IntraCoreMessages, tr.InterCoreMessages, tr.HostMessages = sum.intra, sum.inter, sum.host
	tr.HopWeighted, tr.ChipCrossingMessages = sum.hops, sum.chips
	W, H := geom.width+1, geom.height+1
	for c := range sum.dest {
		d, at := &sum.dest[c], int(pos[c].gx)*H+int(pos[c].gy)
		sum.south[at] -= int64(d.arriveSouth)
		sum.north[at] += int64(d.arriveNorth)
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
		c, d, s := &tr.PerCore[i], &sum.dest[i], &sum.src[i]
		c.Chip, c.X, c.Y = m.Cores[i].Chip, m.Cores[i].X, m.Cores[i].Y
		c.Neurons, c.InputAxons, c.OutputAxons = int(s.neurons), int(d.inputAxons), int(s.outputAxons)
		c.Synapses = int64(d.inputAxons) + sum.repeats[i]
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

// destCount is what countTraffic counts per destination core, in 16
// bytes: nearly every synapse of a random network reaches a core of its
// own, so each touches one destCount at random, and the fewer bytes they
// take the more of them stay in a processor's cache (with the position
// and the synapse count inside, at 32 bytes, BenchmarkPredictTraffic1M
// took about 20 % more time). The positions are read only, in an array
// shared by the workers; a core's synapses are its input axons plus the
// repeats (second synapses from the same neuron), counted apart: rare
// where the cores are random, cheap where they are not.
type destCount struct {
	stamp      int32 // the last neuron that sent here
	inputAxons int32
	// messages that end here after travelling south or north; at most
	// one per input axon
	arriveSouth, arriveNorth int32
}

// meshPos is a core's place on the global mesh.
type meshPos struct{ gx, gy int32 }

// srcCount is what countTraffic counts per source core.
type srcCount struct{ neurons, outputAxons int32 }

// trafficPart is the traffic of the neurons of a range of cores.
type trafficPart struct {
	dest                            []destCount
	repeats                         []int64 // synapses beyond the first from a neuron, per destination core
	src                             []srcCount
	east, west, south, north        []int64
	intra, inter, host, hops, chips int64
}

func (q *trafficPart) add(r *trafficPart) {
	for c := range q.dest {
		d, e := &q.dest[c], &r.dest[c]
		d.inputAxons += e.inputAxons
		q.repeats[c] += r.repeats[c]
		d.arriveSouth += e.arriveSouth
		d.arriveNorth += e.arriveNorth
		q.src[c].neurons += r.src[c].neurons
		q.src[c].outputAxons += r.src[c].outputAxons
	}
	for i := range q.east {
		q.east[i] += r.east[i]
		q.west[i] += r.west[i]
		q.south[i] += r.south[i]
		q.north[i] += r.north[i]
	}
	q.intra += r.intra
	q.inter += r.inter
	q.host += r.host
	q.hops += r.hops
	q.chips += r.chips
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
func countTraffic(tc *targetCores, pos []meshPos, groups coreGroups, geom *meshGeom, lo, hi int) *trafficPart {
	W, H := geom.width+1, geom.height+1
	cores := len(pos)
	q := &trafficPart{dest: make([]destCount, cores), repeats: make([]int64, cores), src: make([]srcCount, cores),
		east: make([]int64, W*H), west: make([]int64, W*H), south: make([]int64, W*H), north: make([]int64, W*H)}
	for i := range q.dest {
		q.dest[i].stamp = -1
	}
	// the chip column of each mesh column, the chip row of each mesh row
	chipX, chipY := make([]int32, W), make([]int32, H)
	for x := range chipX {
		chipX[x] = int32(x / geom.mw)
	}
	for y := range chipY {
		chipY[y] = int32(y / geom.mh)
	}
	// Per destination column: messages going east or west along the
	// source's row to it, and leaving the row south or north in it.
	east, west := make([]int64, W), make([]int64, W)
	south, north := make([]int64, W), make([]int64, W)
	chipCost := int64(geom.hopCost - 1)
	var dst []int32
	// running totals in locals, which the compiler keeps in registers
	var intra, inter, host, hops, chips int64
	for a := lo; a < hi; a++ {
		onHost := a == cores
		var x1, y1, cx1, cy1 int32
		if !onHost {
			x1, y1 = pos[a].gx, pos[a].gy
			cx1, cy1 = chipX[x1], chipY[y1]
		}
		members := groups.members[groups.first[a]:groups.first[a+1]]
		out := int32(0)
		for _, v := range members {
			// Gather the cores first: a test between the loads would
			// serialise their cache misses.
			dst = tc.appendTo(dst[:0], int(v))
			for _, c := range dst {
				d := &q.dest[c]
				if d.stamp == v {
					q.repeats[c]++
					continue
				}
				d.stamp = v
				d.inputAxons++
				switch {
				case onHost:
					host++
					continue
				case int(c) == a:
					intra++
					out++
					continue
				}
				out++
				inter++
				// Without branches: the directions are in no order a
				// branch predictor could learn, and a mispredicted
				// branch would serialise the cache misses.
				x2, y2 := pos[c].gx, pos[c].gy
				chipHops := int64(abs32(chipX[x2]-cx1) + abs32(chipY[y2]-cy1))
				hops += int64(abs32(x2-x1)+abs32(y2-y1)) + chipCost*chipHops
				chips += int64(uint64(-chipHops) >> 63)
				east[x2] += int64(uint32(x1-x2) >> 31)
				west[x2] += int64(uint32(x2-x1) >> 31)
				s, n := int32(uint32(y1-y2)>>31), int32(uint32(y2-y1)>>31)
				south[x2] += int64(s)
				north[x2] += int64(n)
				d.arriveSouth += s
				d.arriveNorth += n
			}
		}
		if onHost {
			continue
		}
		q.src[a] = srcCount{neurons: int32(len(members)), outputAxons: out}
		// The core's tallies into the difference arrays.
		row := q.east[int(y1)*W : (int(y1)+1)*W]
		for x, n := range east {
			row[x1] += n
			row[x] -= n
		}
		row = q.west[int(y1)*W : (int(y1)+1)*W]
		for x, n := range west {
			row[x] += n
			row[x1] -= n
		}
		for x := range W {
			q.south[x*H+int(y1)] += south[x]
			q.north[x*H+int(y1)] -= north[x]
		}
		clear(east)
		clear(west)
		clear(south)
		clear(north)
	}
	q.intra, q.inter, q.host, q.hops, q.chips = intra, inter, host, hops, chips
	return q
}

// abs32 is |x| without a branch.
func abs32(x int32) int32 {
	m := x >> 31
	return (x ^ m) - m
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
