package main

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"

	loihisim "github.com/snnc/snnc/backend/loihi-sim"
	"github.com/snnc/snnc/compiler"
	"github.com/snnc/snnc/internal/bufferedfile"
	"github.com/snnc/snnc/spikes"
)

// StreamSet is streams played one after the other, each followed by a gap
// longer than the longest delay so that no event of one stream reaches a
// neuron during the next.
type StreamSet struct {
	Scene   Scene
	Gap     int
	Streams []PlacedStream
}

// PlacedStream is one stream of a set: its first step and its direction.
type PlacedStream struct {
	Start, Dir int
	Events     []Event
}

// NewStreamSet makes perDir streams of every direction, interleaved
// (direction 0, 1, ..., 11, 0, ...), stream i from seed seedOf(i).
func NewStreamSet(scene Scene, perDir int, seedOf func(i int) uint64, gap int) *StreamSet {
	ts := &StreamSet{Scene: scene, Gap: gap}
	start := 0
	for i := range perDir * Directions {
		dir := i % Directions
		ts.Streams = append(ts.Streams, PlacedStream{Start: start, Dir: dir, Events: Stream(scene, dir, seedOf(i))})
		start += scene.Steps + gap
	}
	return ts
}

// Dirs lists the streams' directions.
func (ts *StreamSet) Dirs() []int {
	dirs := make([]int, len(ts.Streams))
	for i, s := range ts.Streams {
		dirs[i] = s.Dir
	}
	return dirs
}

// Steps is the length of the whole set.
func (ts *StreamSet) Steps() int { return len(ts.Streams) * (ts.Scene.Steps + ts.Gap) }

// Stream returns the stream a step belongs to (its gap included).
func (ts *StreamSet) Stream(step int) int { return step / (ts.Scene.Steps + ts.Gap) }

// WriteInput writes the set as the snnc spike CSV of population "events".
func (ts *StreamSet) WriteInput(path string) error {
	return bufferedfile.Write(path, func(w io.Writer) error {
		if _, err := io.WriteString(w, spikes.Header+"\n"); err != nil {
			return err
		}
		for _, s := range ts.Streams {
			if err := WriteSpikeRows(w, "events", ts.Scene.Size, s.Start, s.Events); err != nil {
				return err
			}
		}
		return nil
	})
}

// WriteLabels writes, for each stream, its number, first step, steps (its
// gap included), direction, and the network's positions per direction
// (direction neuron index / positions = direction).
func (ts *StreamSet) WriteLabels(path string, positions int) error {
	return bufferedfile.Write(path, func(w io.Writer) error {
		fmt.Fprintln(w, "stream,start,steps,direction,positions")
		for i, s := range ts.Streams {
			fmt.Fprintf(w, "%d,%d,%d,%d,%d\n", i, s.Start, ts.Scene.Steps+ts.Gap, s.Dir, positions)
		}
		return nil
	})
}

// WriteEvents writes every stream's events, shifted to their start, as one
// Tonic-style .npy event file.
func (ts *StreamSet) WriteEvents(path string) error {
	var all []Event
	for _, s := range ts.Streams {
		for _, e := range s.Events {
			e.T += int32(s.Start)
			all = append(all, e)
		}
	}
	return bufferedfile.Write(path, func(w io.Writer) error { return WriteEventsNPY(w, all) })
}

// OutputSpike is a spike of the direction population.
type OutputSpike struct{ Step, Index int }

// RunSNN compiles net.yaml as `snnc simulate` does (quantise, prepare
// weights) and runs the integer simulator, loihi-sim, over the test set.
// It returns the direction population's spikes and the synaptic events the
// run delivered.
func RunSNN(netPath string, ts *StreamSet) ([]OutputSpike, int64, error) {
	net, err := compiler.ParseFile(netPath)
	if err != nil {
		return nil, 0, err
	}
	res, err := compiler.Compile(net, compiler.Options{})
	if err != nil {
		return nil, 0, err
	}
	sim, err := loihisim.New(res.Net, loihisim.Options{})
	if err != nil {
		return nil, 0, err
	}
	defer sim.Close()
	size := ts.Scene.Size
	first := int32(2 * size * size) // the direction population follows the inputs
	var out []OutputSpike
	inputs := make([][]int32, ts.Steps())
	for _, s := range ts.Streams {
		for _, e := range s.Events {
			t := s.Start + int(e.T)
			inputs[t] = append(inputs[t], int32(InputIndex(size, e)))
		}
	}
	for t, in := range inputs {
		slices.Sort(in)
		for _, g := range sim.Step(in) {
			out = append(out, OutputSpike{Step: t, Index: int(g - first)})
		}
	}
	return out, sim.Stats().SynapticEvents, nil
}

// Score is how a run's spikes classify the streams: each stream is given
// the direction whose neurons spiked most during it; a tie, or no spike,
// counts as wrong.
type Score struct {
	Streams, Correct int
	Silent, Ties     int
	Spikes, Right    int // output spikes, and those of the stream's direction
}

// Accuracy is the share of streams classified right.
func (s Score) Accuracy() float64 { return ratio(s.Correct, s.Streams) }

// SpikePrecision is the share of spikes from the right direction's neurons.
func (s Score) SpikePrecision() float64 { return ratio(s.Right, s.Spikes) }

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// ScoreSpikes counts votes per stream. dirs[i] is stream i's direction,
// streamOf maps a step to its stream, positions is the grid's size.
func ScoreSpikes(spikes []OutputSpike, dirs []int, streamOf func(step int) int, positions int) Score {
	votes := make([][Directions]int, len(dirs))
	sc := Score{Streams: len(dirs)}
	for _, sp := range spikes {
		s := streamOf(sp.Step)
		if s < 0 || s >= len(dirs) {
			continue
		}
		k := sp.Index / positions
		votes[s][k]++
		sc.Spikes++
		if k == dirs[s] {
			sc.Right++
		}
	}
	for i, v := range votes {
		best, n := slices.Max(v[:]), 0
		for _, c := range v {
			if c == best {
				n++
			}
		}
		switch {
		case best == 0:
			sc.Silent++
		case n > 1:
			sc.Ties++
		case v[dirs[i]] == best:
			sc.Correct++
		}
	}
	return sc
}

// readSpikes reads the direction population's spikes from a file that
// snnc simulate or snnc run wrote for netPath, with snnc's own reader
// (every population and index checked against the network, no spike
// twice).
func readSpikes(path, netPath string) ([]OutputSpike, error) {
	net, err := compiler.ParseFile(netPath)
	if err != nil {
		return nil, err
	}
	tr, err := spikes.ReadPopulationFile(path, net, "direction")
	out := make([]OutputSpike, len(tr))
	for i, sp := range tr {
		out[i] = OutputSpike{Step: int(sp.Step), Index: int(sp.Neuron)}
	}
	return out, err
}

// readLabels reads a WriteLabels file: each stream's direction, the steps
// a stream spans and the positions per direction.
func readLabels(path string) (dirs []int, span, positions int, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, 0, err
	}
	defer f.Close()
	r := csv.NewReader(bufio.NewReader(f))
	r.FieldsPerRecord = 5
	recs, err := r.ReadAll()
	if err != nil {
		return nil, 0, 0, err
	}
	for i, rec := range recs[1:] {
		n, err1 := strconv.Atoi(rec[2])
		d, err2 := strconv.Atoi(rec[3])
		p, err3 := strconv.Atoi(rec[4])
		if err1 != nil || err2 != nil || err3 != nil || d < 0 || d >= Directions || n <= 0 || p <= 0 {
			return nil, 0, 0, fmt.Errorf("%s:%d: bad row %q", path, i+2, rec)
		}
		span, positions = n, p
		dirs = append(dirs, d)
	}
	return dirs, span, positions, nil
}

// Decide is the layer's own decision on the test set, in float64, without
// a simulator: direction k's neuron at a position spikes at step t when
// its centre had an event at t−1 and its weighted sum is positive. The
// network snnc runs is this, quantised (the anchor makes the first
// condition); the tests compare the two.
func (n *Network) Decide(ts *StreamSet) []OutputSpike {
	l, g := n.Layer, n.Grid
	centres := g.Centres()
	var out []OutputSpike
	var z [Directions]float64
	var taps []int32
	for _, s := range ts.Streams {
		r := NewRaster(ts.Scene.Size, ts.Scene.Steps, s.Events)
		for t := 1; t <= ts.Scene.Steps; t++ {
			var fired []OutputSpike
			for iy, cy := range centres {
				for ix, cx := range centres {
					if !r.Anchored(t-1, cx, cy) {
						continue
					}
					taps = l.appendTaps(taps[:0], r, t, cx, cy)
					l.Logits(taps, &z)
					for k, v := range z {
						if v > 0 {
							fired = append(fired, OutputSpike{Step: s.Start + t, Index: g.Neuron(k, iy*len(centres)+ix)})
						}
					}
				}
			}
			slices.SortFunc(fired, func(a, b OutputSpike) int { return a.Index - b.Index })
			out = append(out, fired...)
		}
	}
	return out
}
