package main

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Grid is where the layer's neurons sit on the sensor: centres every
// Stride pixels, Radius from the border.
type Grid struct {
	Sensor, Radius, Stride int
}

// Centres lists the centre coordinates along one axis.
func (g Grid) Centres() []int {
	var c []int
	for x := g.Radius; x < g.Sensor-g.Radius; x += g.Stride {
		c = append(c, x)
	}
	return c
}

// Positions is the number of neuron positions.
func (g Grid) Positions() int { n := len(g.Centres()); return n * n }

// Neuron is the index, in the direction population, of direction k's
// neuron at position pos: direction-major, so index / Positions() is the
// direction.
func (g Grid) Neuron(k, pos int) int { return k*g.Positions() + pos }

// Network is the layer laid out as synapses on a grid, ready to be written
// as net.yaml.
type Network struct {
	Layer *Layer
	Grid  Grid
	// Anchor is the weight from a centre pixel to its neurons at delay 1,
	// and the neurons' threshold: v = anchor + logit > threshold = anchor
	// when the logit is positive on the step after an event at the centre
	// (the windows the layer was trained on); without that event the logit
	// would have to pass Anchor, which it did on no training window.
	Anchor float64
}

// tapSynapse is one synapse of the layer: input (polarity-major pixel),
// neuron, weight.
type tapSynapse struct {
	src, dst int32
	w        float32
}

// Synapses returns the layer's synapses of delay d, sorted by source then
// target, leaving out zero weights (pruned taps).
func (n *Network) Synapses(d int) []tapSynapse {
	l, g := n.Layer, n.Grid
	side, s := l.Side(), g.Sensor
	centres := g.Centres()
	var out []tapSynapse
	for k := range Directions {
		for iy, cy := range centres {
			for ix, cx := range centres {
				dst := int32(g.Neuron(k, iy*len(centres)+ix))
				for p := range 2 {
					for dy := range side {
						for dx := range side {
							w := l.W[k][l.Feature(d, p, dx, dy)]
							if w == 0 {
								continue
							}
							x, y := cx+dx-l.Radius, cy+dy-l.Radius
							out = append(out, tapSynapse{src: int32(p*s*s + y*s + x), dst: dst, w: float32(w)})
						}
					}
				}
			}
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].src != out[j].src {
			return out[i].src < out[j].src
		}
		return out[i].dst < out[j].dst
	})
	return out
}

// SynapseCount is the number of synapses of the network: at every
// position, the anchors of both polarities to each direction and one
// synapse per tap left (the grid keeps every window inside the sensor).
func (n *Network) SynapseCount() int {
	return n.Grid.Positions() * (2*Directions + n.Layer.Taps())
}

// Write writes dir/net.yaml and its .npy files: one projection per delay
// (a pair of neurons has one synapse per projection, and a tap of every
// delay joins the same pixel and neuron), each a list of (input, neuron)
// pairs with a float32 weight per pair, plus the anchor projection.
func (n *Network) Write(dir, title string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	l, g := n.Layer, n.Grid
	var y strings.Builder
	fmt.Fprintf(&y, "# %s\n", title)
	fmt.Fprintf(&y, "# Written by examples/motion (go run ./examples/motion); see examples/motion/README.md.\n")
	fmt.Fprintf(&y, "# Sensor %d×%d, 2 polarities; %d directions × %d positions (window %d×%d, stride %d); delays 1..%d.\n",
		g.Sensor, g.Sensor, Directions, g.Positions(), l.Side(), l.Side(), g.Stride, l.Delays)
	fmt.Fprintf(&y, "# direction neuron index = direction × %d + position (row-major over the grid).\n", g.Positions())
	y.WriteString("version: 1\ntimestep: 1ms\npopulations:\n")
	fmt.Fprintf(&y, "  - name: events\n    size: %d\n    model: input\n", 2*g.Sensor*g.Sensor)
	fmt.Fprintf(&y, "  - name: direction\n    size: %d\n    model: cuba_lif\n", Directions*g.Positions())
	y.WriteString("    # no memory: v = this step's input + bias, compared with v_th, which is the anchor's weight\n")
	fmt.Fprintf(&y, "    params: {tau_syn: 0, tau_mem: 0, v_th: %s, bias: {file: bias.npy}}\n", formatFloat(n.Anchor))
	y.WriteString("projections:\n")

	bias := make([]float64, Directions*g.Positions())
	for k := range Directions {
		for pos := range g.Positions() {
			bias[g.Neuron(k, pos)] = l.Bias[k]
		}
	}
	if err := writeNPY(filepath.Join(dir, "bias.npy"), "<f8", []int{len(bias)}, bias); err != nil {
		return err
	}

	var anchor []int32
	centres := g.Centres()
	s := g.Sensor
	for p := range 2 {
		for iy, cy := range centres {
			for ix, cx := range centres {
				for k := range Directions {
					anchor = append(anchor, int32(p*s*s+cy*s+cx), int32(g.Neuron(k, iy*len(centres)+ix)))
				}
			}
		}
	}
	if err := writeNPY(filepath.Join(dir, "anchor.npy"), "<i4", []int{len(anchor) / 2, 2}, anchor); err != nil {
		return err
	}
	fmt.Fprintf(&y, "  - name: anchor\n    from: events\n    to: direction\n    connect: {pairs: {file: anchor.npy}}\n    weights: %s\n    delays: 1\n", formatFloat(n.Anchor))

	for d := 1; d <= l.Delays; d++ {
		syn := n.Synapses(d)
		pairs := make([]int32, 0, 2*len(syn))
		weights := make([]float32, 0, len(syn))
		for _, sy := range syn {
			pairs = append(pairs, sy.src, sy.dst)
			weights = append(weights, sy.w)
		}
		base := fmt.Sprintf("delay%02d", d)
		if err := writeNPY(filepath.Join(dir, base+"_pairs.npy"), "<i4", []int{len(syn), 2}, pairs); err != nil {
			return err
		}
		if err := writeNPY(filepath.Join(dir, base+"_weights.npy"), "<f4", []int{len(syn)}, weights); err != nil {
			return err
		}
		fmt.Fprintf(&y, "  - name: %s\n    from: events\n    to: direction\n    connect: {pairs: {file: %s_pairs.npy}}\n    weights: {file: %s_weights.npy}\n    delays: %d\n",
			base, base, base, d)
	}
	return os.WriteFile(filepath.Join(dir, "net.yaml"), []byte(y.String()), 0o644)
}

// formatFloat writes x in the shortest form that reads back exactly.
func formatFloat(x float64) string {
	if x == math.Trunc(x) && math.Abs(x) < 1e15 {
		return fmt.Sprintf("%.1f", x)
	}
	return fmt.Sprint(x)
}

// writeNPY writes a C-ordered NumPy array (format 1.0) of the given dtype
// ("<i4", "<f4", ...) and shape; data is a slice of the matching Go type.
func writeNPY(path, dtype string, shape []int, data any) error {
	var buf bytes.Buffer
	buf.Write(npyHeader("'"+dtype+"'", shape))
	if err := binary.Write(&buf, binary.LittleEndian, data); err != nil {
		return err
	}
	return os.WriteFile(path, buf.Bytes(), 0o644)
}
