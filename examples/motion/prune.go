package main

import (
	"cmp"
	"fmt"
	"io"
	"math"
	"slices"

	"github.com/snnc/snnc/internal/bufferedfile"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

// Pruned returns a copy of the layer without the remove taps (over all
// directions) whose weights are smallest in magnitude. Ties are broken by
// position, so the result is deterministic.
func (l *Layer) Pruned(remove int) *Layer {
	p := NewLayer(l.Radius, l.Delays)
	p.Bias = l.Bias
	type tap struct {
		k, j int
		mag  float64
	}
	var taps []tap
	for k := range l.W {
		copy(p.W[k], l.W[k])
		for j, w := range l.W[k] {
			taps = append(taps, tap{k, j, math.Abs(w)})
		}
	}
	slices.SortFunc(taps, func(a, b tap) int {
		return cmp.Or(cmp.Compare(a.mag, b.mag), cmp.Compare(a.k, b.k), cmp.Compare(a.j, b.j))
	})
	for _, t := range taps[:min(max(remove, 0), len(taps))] {
		p.W[t.k][t.j] = 0
	}
	return p
}

// PrunedShare is Pruned of the share f of all taps.
func (l *Layer) PrunedShare(f float64) *Layer {
	return l.Pruned(int(math.Round(f * float64(Directions*l.Features()))))
}

// Taps is the number of taps with a weight, over all directions.
func (l *Layer) Taps() int {
	n := 0
	for k := range l.W {
		for _, w := range l.W[k] {
			if w != 0 {
				n++
			}
		}
	}
	return n
}

// AnchorWeight chooses the anchor weight: above the largest sum any
// direction reached on a window without an event at its centre, over the
// training streams, so that a neuron fires only on the step after an event
// at its centre — the windows it was trained on.
func (l *Layer) AnchorWeight(rasters []*Raster, stride int) float64 {
	top := 1.0
	var z [Directions]float64
	var taps []int32
	for _, r := range rasters {
		for t := l.Delays; t < r.Steps; t++ {
			for cy := l.Radius; cy < r.Size-l.Radius; cy += stride {
				for cx := l.Radius; cx < r.Size-l.Radius; cx += stride {
					if r.Anchored(t-1, cx, cy) {
						continue
					}
					taps = l.appendTaps(taps[:0], r, t, cx, cy)
					l.Logits(taps, &z)
					top = max(top, slices.Max(z[:]))
				}
			}
		}
	}
	return math.Ceil(2 * top)
}

// smallVersion writes the layer for the iCEBreaker's core: a smaller
// sensor and grid, the smallest taps pruned until the synapses fit, and a
// few held-out streams of that sensor.
func smallVersion(cfg Config, layer *Layer, anchor float64, dir string) (Point, error) {
	sc := cfg.Scene
	sc.Size = cfg.Small.Sensor
	grid := Grid{Sensor: sc.Size, Radius: layer.Radius, Stride: cfg.Small.GridStride}
	pos := grid.Positions()
	keep := (cfg.Small.MaxSynapses - 2*Directions*pos) / pos // taps, over all directions (SynapseCount)
	if keep <= 0 {
		return Point{}, fmt.Errorf("the small version's %d positions do not fit %d synapses", pos, cfg.Small.MaxSynapses)
	}
	total := Directions * layer.Features()
	n := &Network{Layer: layer.Pruned(total - keep), Grid: grid, Anchor: anchor}
	f := 1 - float64(n.Layer.Taps())/float64(total)
	if err := n.Write(dir, fmt.Sprintf("The layer pruned to fit the iCEBreaker's core: %d×%d sensor, %.1f %% of the taps removed", sc.Size, sc.Size, 100*f)); err != nil {
		return Point{}, err
	}
	ts := NewStreamSet(sc, cfg.Small.StreamsPerDir, func(i int) uint64 { return testSeed(cfg.Seed) + 1<<20 + uint64(i) }, cfg.Layer.Delays+1)
	if err := ts.WriteInput(dir + "/input.csv"); err != nil {
		return Point{}, err
	}
	if err := ts.WriteLabels(dir+"/streams.csv", grid.Positions()); err != nil {
		return Point{}, err
	}
	pt, _, err := measure(dir, ts, grid, n)
	pt.Pruned = f
	return pt, err
}

// writeResults writes the accuracy against load as CSV and a plot, and
// both tables, against decision time and against load, as Markdown.
func writeResults(dir string, res *Results) error {
	pts := res.Pruning
	err := bufferedfile.Write(dir+"/pruning.csv", func(w io.Writer) error {
		fmt.Fprintln(w, "pruned,synapses,synaptic_events_per_s,accuracy,spikes_right")
		for _, p := range pts {
			fmt.Fprintf(w, "%.3f,%d,%.0f,%.4f,%.4f\n", p.Pruned, p.Synapses, p.Load, p.Score.Accuracy(), p.Score.SpikePrecision())
		}
		return nil
	})
	if err != nil {
		return err
	}
	err = bufferedfile.Write(dir+"/results.md", func(w io.Writer) error {
		fmt.Fprintf(w, "One window (an event at the centre, %d steps of history): %.1f %% right on %d held-out windows, %.1f %% on %d training windows (chance 8.3 %%).\n\n",
			res.Delays, 100*res.SampleAccuracy, res.TestSamples, 100*res.TrainSampleAccuracy, res.TrainSamples)
		fmt.Fprintln(w, "Accuracy against decision time (all weights; votes of each stream's first steps):")
		fmt.Fprintln(w)
		fmt.Fprintln(w, "| steps (ms) | streams right | accuracy | ties | silent |")
		fmt.Fprintln(w, "|---:|---:|---:|---:|---:|")
		for _, b := range res.ByTime {
			fmt.Fprintf(w, "| %d | %d / %d | %.1f %% | %d | %d |\n", b.Steps, b.Score.Correct, b.Score.Streams, 100*b.Score.Accuracy(), b.Score.Ties, b.Score.Silent)
		}
		fmt.Fprintln(w)
		fmt.Fprintln(w, "Accuracy against computational load (the smallest weights pruned):")
		fmt.Fprintln(w)
		fmt.Fprintln(w, "| taps pruned | synapses | synaptic events / s of input | streams right | accuracy | spikes of the right direction |")
		fmt.Fprintln(w, "|---:|---:|---:|---:|---:|---:|")
		for _, p := range pts {
			fmt.Fprintf(w, "| %.1f %% | %d | %.3g | %d / %d | %.1f %% | %.1f %% |\n",
				100*p.Pruned, p.Synapses, p.Load, p.Score.Correct, p.Score.Streams, 100*p.Score.Accuracy(), 100*p.Score.SpikePrecision())
		}
		return nil
	})
	if err != nil {
		return err
	}
	return plotPruning(dir+"/pruning.svg", pts)
}

// plotPruning draws accuracy against synaptic events per second, log
// scale, with the 80 % line.
func plotPruning(path string, pts []Point) error {
	p, err := pruningPlot(pts)
	if err != nil {
		return err
	}
	w, err := p.WriterTo(7*vg.Inch, 4.5*vg.Inch, "svg")
	if err != nil {
		return err
	}
	return bufferedfile.Write(path, func(out io.Writer) error {
		_, err := w.WriteTo(out)
		return err
	})
}

func pruningPlot(pts []Point) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = "Direction accuracy against computational load (pruning)"
	p.X.Label.Text = "synaptic events per second of input"
	p.Y.Label.Text = "held-out streams right (%)"
	p.X.Scale = plot.LogScale{}
	p.X.Tick.Marker = powerTicks{}
	p.Y.Min, p.Y.Max = 0, 105
	xy := make(plotter.XYs, 0, len(pts))
	labels := make([]string, 0, len(pts))
	for _, pt := range pts {
		if pt.Load <= 0 {
			continue
		}
		xy = append(xy, plotter.XY{X: pt.Load, Y: 100 * pt.Score.Accuracy()})
		labels = append(labels, fmt.Sprintf("%.1f%%", 100*pt.Pruned))
	}
	line, points, err := plotter.NewLinePoints(xy)
	if err != nil {
		return nil, err
	}
	lab, err := plotter.NewLabels(plotter.XYLabels{XYs: xy, Labels: labels})
	if err != nil {
		return nil, err
	}
	lab.Offset = vg.Point{X: 3, Y: 3}
	chance := plotter.NewFunction(func(float64) float64 { return 80 })
	chance.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
	p.Add(line, points, lab, chance, plotter.NewGrid())
	p.Legend.Add("accuracy (label: taps pruned)", line, points)
	p.Legend.Add("80 %", chance)
	p.Legend.Top = false
	return p, nil
}

// powerTicks marks the powers of ten as 10k, 100k, 1M, 10M, ...
type powerTicks struct{}

func (powerTicks) Ticks(lo, hi float64) []plot.Tick {
	names := map[int]string{3: "1k", 4: "10k", 5: "100k", 6: "1M", 7: "10M", 8: "100M", 9: "1G"}
	var ticks []plot.Tick
	for e := int(math.Floor(math.Log10(lo))); e <= int(math.Ceil(math.Log10(hi))); e++ {
		v := math.Pow(10, float64(e))
		if v < lo || v > hi {
			continue
		}
		label, ok := names[e]
		if !ok {
			label = fmt.Sprintf("1e%d", e)
		}
		ticks = append(ticks, plot.Tick{Value: v, Label: label})
		for m := 2; m <= 9; m++ {
			if mv := float64(m) * v; mv <= hi {
				ticks = append(ticks, plot.Tick{Value: mv})
			}
		}
	}
	return ticks
}
