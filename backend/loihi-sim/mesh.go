package loihisim

import "github.com/snnc/snnc/ir"

// Mesh is the geometry of a mapping: chips in a grid ChipGrid wide, row by
// row, each a MeshWidth × MeshHeight mesh of cores. Spike messages travel
// by dimension-order (XY) routing over the global mesh of cores; a hop
// across a chip boundary costs ChipHopCost hops in all.
type Mesh struct {
	Width, Height int // of one chip, in cores
	ChipGrid      int // chips per row of the chip grid
	ChipHopCost   int
	pos           []meshPos
}

type meshPos struct{ gx, gy, cx, cy int32 }

// NewMesh returns the geometry of m's cores on target p.
func NewMesh(m *ir.Mapped, p *Profile) *Mesh {
	me := &Mesh{Width: p.Chip.MeshWidth, Height: p.Chip.MeshHeight, ChipGrid: max(m.ChipGrid, 1), ChipHopCost: p.Chip.ChipHopCost}
	me.pos = make([]meshPos, len(m.Cores))
	for i, c := range m.Cores {
		cx, cy := c.Chip%me.ChipGrid, c.Chip/me.ChipGrid
		me.pos[i] = meshPos{int32(cx*me.Width + c.X), int32(cy*me.Height + c.Y), int32(cx), int32(cy)}
	}
	return me
}

// Global returns core c's position on the global mesh of cores.
func (me *Mesh) Global(c int) (gx, gy int) { return int(me.pos[c].gx), int(me.pos[c].gy) }

// Hops returns the cost of a message from core a to core b.
func (me *Mesh) Hops(a, b int) int {
	pa, pb := me.pos[a], me.pos[b]
	core := abs(pa.gx-pb.gx) + abs(pa.gy-pb.gy)
	chips := abs(pa.cx-pb.cx) + abs(pa.cy-pb.cy)
	return int(core + chips*int32(me.ChipHopCost-1))
}

// ChipOf returns the chip of core c.
func (me *Mesh) ChipOf(c int) int { return int(me.pos[c].cy)*me.ChipGrid + int(me.pos[c].cx) }

func abs(x int32) int32 {
	if x < 0 {
		return -x
	}
	return x
}
