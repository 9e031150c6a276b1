package compiler

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"

	loihisim "github.com/snnc/snnc/backend/loihi-sim"
	"github.com/snnc/snnc/ir"
)

// gridNet is a side x side grid of populations of cell neurons, each
// neuron connected to every neuron of the neighbouring cells (4 or 8
// neighbours) and of its own cell: the local structure of a convolution.
// An input population drives the first row.
func gridNet(side, cell int, diagonal bool) *ir.Network {
	net := &ir.Network{Source: fmt.Sprintf("grid %dx%d of %d", side, side, cell)}
	net.Populations = append(net.Populations, ir.Population{Name: "in", Size: side, Model: ir.ModelInput})
	for y := range side {
		for x := range side {
			net.Populations = append(net.Populations, ir.Population{Name: fmt.Sprintf("c%d_%d", x, y), Size: cell, Model: ir.ModelLIF, LIF: lif()})
		}
	}
	pop := func(x, y int) int { return 1 + y*side + x }
	connect := func(from, to int) {
		b := ir.NewRowBuilder(net.Populations[from].Size, 0)
		for s := range net.Populations[from].Size {
			for t := range cell {
				if from != to || s != t {
					b.Add(s, t, 10, 1)
				}
			}
		}
		net.Projections = append(net.Projections, ir.Projection{
			Name: fmt.Sprintf("%s->%s", net.Populations[from].Name, net.Populations[to].Name), From: from, To: to,
			WeightBits: 8, SignMode: ir.SignExcitatory, Syn: b.Finish(),
		})
	}
	for x := range side { // input x drives the first neuron of cell (x, 0)
		b := ir.NewRowBuilder(side, 1)
		b.Add(x, 0, 100, 1)
		net.Projections = append(net.Projections, ir.Projection{
			Name: fmt.Sprintf("in->c%d_0", x), From: 0, To: pop(x, 0), WeightBits: 8, SignMode: ir.SignExcitatory, Syn: b.Finish(),
		})
	}
	for y := range side {
		for x := range side {
			for dy := -1; dy <= 1; dy++ {
				for dx := -1; dx <= 1; dx++ {
					nx, ny := x+dx, y+dy
					if nx < 0 || ny < 0 || nx >= side || ny >= side || !diagonal && dx != 0 && dy != 0 {
						continue
					}
					if dx == 0 && dy == 0 && cell == 1 {
						continue
					}
					connect(pop(x, y), pop(nx, ny))
				}
			}
		}
	}
	return net
}

// On a grid with local connections the chosen mapping (greedy partition,
// optimised placement) sends fewer hop-weighted messages than the baseline
// (cores in index order, placed in order), within every limit.
func TestMapGridBeatsBaseline(t *testing.T) {
	tiny := tinyProfile(t)
	wider := *tiny // cores of 16 neurons with 48 axons, 4x4 per chip
	wider.Name = "tiny16"
	wider.Core.Neurons, wider.Core.InputAxons, wider.Core.OutputAxons = 16, 48, 48
	wider.Core.SynapseMemoryBits = 1 << 16
	wider.Chip.MeshWidth, wider.Chip.MeshHeight, wider.Chip.ChipHopCost = 4, 4, 4
	cases := []struct {
		p        *loihisim.Profile
		cell     int
		diagonal bool
	}{
		{tiny, 1, false},
		{tiny, 1, true},
		{&wider, 2, false},
		{&wider, 2, true},
	}
	for _, tc := range cases {
		net := gridNet(16, tc.cell, tc.diagonal)
		if err := net.Validate(); err != nil {
			t.Fatal(err)
		}
		name := fmt.Sprintf("%s, cells of %d, diagonal %v", tc.p.Name, tc.cell, tc.diagonal)
		_, base := mapChecked(t, net, tc.p, Baseline)
		_, part := mapChecked(t, net, tc.p, MapOptions{Partition: PartitionGreedy, Place: PlaceSequential})
		_, best := mapChecked(t, net, tc.p, MapOptions{})
		t.Logf("%s: baseline %d cores, %d inter-core messages, hop-weighted %d, max link %d; greedy %d cores, %d, %d; greedy+optimised %d, %d, %d, max link %d",
			name, base.Cores, base.InterCoreMessages, base.HopWeighted, base.MaxLinkLoad,
			part.Cores, part.InterCoreMessages, part.HopWeighted,
			best.Cores, best.InterCoreMessages, best.HopWeighted, best.MaxLinkLoad)
		if best.HopWeighted >= base.HopWeighted {
			t.Errorf("%s: chosen hop-weighted traffic %d, baseline %d", name, best.HopWeighted, base.HopWeighted)
		}
		if best.HopWeighted > part.HopWeighted {
			t.Errorf("%s: optimised placement %d worse than sequential %d", name, best.HopWeighted, part.HopWeighted)
		}
		if best.PlaceNote != "" {
			t.Errorf("%s: %s", name, best.PlaceNote)
		}
	}
}

// The optimised placement is the same on every run.
func TestPlaceDeterministic(t *testing.T) {
	p := tinyProfile(t)
	net := gridNet(12, 1, true)
	m1, tr1 := mapChecked(t, net, p, MapOptions{})
	m2, tr2 := mapChecked(t, net, p, MapOptions{})
	j1, err1 := json.Marshal(tr1)
	j2, err2 := json.Marshal(tr2)
	if err1 != nil || err2 != nil || !bytes.Equal(j1, j2) {
		t.Errorf("the traffic reports differ: %v %v", err1, err2)
	}
	if !reflect.DeepEqual(m1.Cores, m2.Cores) || !reflect.DeepEqual(m1.CoreOf, m2.CoreOf) || !reflect.DeepEqual(tr1, tr2) {
		t.Error("two mappings of one network differ")
	}
}

// Slots, global coordinates and hops follow the profile's geometry.
func TestMeshGeometry(t *testing.T) {
	p := tinyProfile(t) // 2x2 cores per chip, chip hop cost 3
	geom := newMeshGeom(p, 5, chipGrid(5))
	if geom.grid != 3 || geom.width != 6 || geom.height != 4 {
		t.Fatalf("5 chips: grid %d, mesh %dx%d, want 3, 6x4", geom.grid, geom.width, geom.height)
	}
	for s := range 5 * 4 {
		gx, gy, cx, cy := geom.global(s)
		if back, ok := geom.slotAt(gx, gy); !ok || back != s {
			t.Errorf("slot %d -> (%d,%d) -> %d %v", s, gx, gy, back, ok)
		}
		if cx != (s/4)%3 || cy != (s/4)/3 {
			t.Errorf("slot %d on chip (%d,%d)", s, cx, cy)
		}
	}
	// chip 5 would be at grid (2,1): not in use
	if _, ok := geom.slotAt(4, 2); ok {
		t.Error("a slot on a sixth chip")
	}
	// The placement's geometry is loihisim's, which the core-by-core
	// simulation routes by: slot 1 is chip 0 (1,0); slot 4*4+3 is chip 4
	// (1,1) at grid (1,1), global (3,3): 2+3 core hops, 2 of them across
	// chips at cost 3.
	m := &ir.Mapped{ChipGrid: geom.grid, Cores: []ir.Core{{Chip: 0, X: 1, Y: 0}, {Chip: 4, X: 1, Y: 1}}}
	mesh := loihisim.NewMesh(m, p)
	for i, s := range []int{1, 4*4 + 3} {
		gx, gy, _, _ := geom.global(s)
		if mx, my := mesh.Global(i); mx != gx || my != gy {
			t.Errorf("slot %d: placement puts it at (%d,%d), loihisim at (%d,%d)", s, gx, gy, mx, my)
		}
	}
	if h := mesh.Hops(0, 1); h != 2+3+2*2 {
		t.Errorf("hops %d, want 9", h)
	}
	for chips, want := range map[int]int{0: 1, 1: 1, 2: 2, 4: 2, 5: 3, 9: 3, 10: 4} {
		if g := chipGrid(chips); g != want {
			t.Errorf("chipGrid(%d) = %d, want %d", chips, g, want)
		}
	}
}

// A core traffic graph too dense for the budget keeps the sequential
// placement, and the report says so.
func TestPlaceKeepsSequentialWhenDense(t *testing.T) {
	defer func(b int) { placeBudget = b }(placeBudget)
	placeBudget = 2000
	p := tinyProfile(t)
	net := randomRecurrent(400, 6, 3)
	m, tr := mapChecked(t, net, p, MapOptions{})
	seq, _ := mapChecked(t, net, p, MapOptions{Place: PlaceSequential})
	if !strings.Contains(tr.PlaceNote, "kept the sequential placement") {
		t.Errorf("place note %q", tr.PlaceNote)
	}
	if !reflect.DeepEqual(m.Cores, seq.Cores) || !reflect.DeepEqual(m.CoreOf, seq.CoreOf) {
		t.Error("the placement is not the sequential one")
	}
}
