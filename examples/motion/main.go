// Command motion makes event streams of moving textures, trains a layer of
// direction-selective spiking neurons with heterogeneous synaptic delays on
// them, writes the layer as an snnc network, and measures it: accuracy on
// held-out streams through the integer simulator, and accuracy against
// computational load as the smallest weights are pruned. It follows
// Grimaldi and Perrinet, "Learning heterogeneous delays in a layer of
// spiking neurons for fast motion detection" (Biological Cybernetics,
// 2023). See README.md in this directory.
//
//	go run ./examples/motion -o build/motion          # everything, a few minutes
//	go run ./examples/motion score build/motion SPIKES.csv
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "score" {
		os.Exit(scoreMain(os.Args[2:], os.Stdout, os.Stderr))
	}
	cfg := DefaultConfig()
	if slices.ContainsFunc(os.Args[1:], func(a string) bool { return strings.TrimLeft(a, "-") == "quick" }) {
		cfg = QuickConfig() // before the other flags, which change it
	}
	fs := flag.NewFlagSet("motion", flag.ExitOnError)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), `usage: go run ./examples/motion [-o DIR] [flags]
       go run ./examples/motion score DIR SPIKES.csv

Makes the data, trains the layer, writes DIR/net.yaml (+ .npy files), the held-out
streams (DIR/test.csv, DIR/streams.csv, DIR/test-events.npy), the accuracy against
load (DIR/results.md, DIR/pruning.csv, DIR/pruning.svg) and a pruned 16×16 version
for the iCEBreaker (DIR/icebreaker/). "score" scores the spikes of
"snnc simulate DIR/net.yaml --input DIR/test.csv" (or of snnc run) against DIR/streams.csv.

Flags:
`)
		fs.PrintDefaults()
	}
	out := fs.String("o", "build/motion", "output directory")
	fs.Bool("quick", false, "the small version the tests run: 16×16 sensor, 48 steps, few streams (seconds)")
	fs.IntVar(&cfg.TrainPerDir, "train", cfg.TrainPerDir, "training streams per direction")
	fs.IntVar(&cfg.TestPerDir, "test", cfg.TestPerDir, "held-out streams per direction")
	fs.IntVar(&cfg.Layer.Delays, "delays", cfg.Layer.Delays, "delays per tap, 1..D steps")
	fs.IntVar(&cfg.Layer.Radius, "radius", cfg.Layer.Radius, "receptive field radius: a (2r+1)² window")
	fs.IntVar(&cfg.Train.Epochs, "epochs", cfg.Train.Epochs, "training epochs")
	fs.Uint64Var(&cfg.Seed, "seed", cfg.Seed, "seed of the streams and of training")
	fs.IntVar(&cfg.Scene.Size, "sensor", cfg.Scene.Size, "sensor width and height in pixels")
	fs.IntVar(&cfg.Scene.Steps, "steps", cfg.Scene.Steps, "steps (ms) per stream")
	fs.Float64Var(&cfg.Scene.Speed, "speed", cfg.Scene.Speed, "texture speed, pixels per step")
	fs.Float64Var(&cfg.Scene.Threshold, "threshold", cfg.Scene.Threshold, "the camera's contrast threshold on log intensity")
	fs.Float64Var(&cfg.Scene.NoiseRate, "noise", cfg.Scene.NoiseRate, "camera noise: probability of a spurious event per pixel and step")
	fs.IntVar(&cfg.GridStride, "stride", cfg.GridStride, "pixels between the network's neuron positions")
	fs.BoolVar(&cfg.SaveTraining, "save-training", false, "also write the training streams (train.csv, train-events.npy, train-streams.csv)")
	fs.Parse(os.Args[1:])
	if fs.NArg() > 0 {
		fs.Usage()
		os.Exit(2)
	}
	if _, err := Run(cfg, *out, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "motion:", err)
		os.Exit(1)
	}
}

// Config is everything a run depends on.
type Config struct {
	Scene       Scene
	Layer       struct{ Radius, Delays int }
	TrainPerDir int
	TestPerDir  int
	TrainStride int // grid of training windows
	GridStride  int // grid of the network's neurons
	Train       TrainOptions
	Prune       []float64 // shares of the weights removed, for the table
	// DecisionSteps are the times after which the votes are counted too.
	DecisionSteps []int
	Small         SmallConfig
	Seed          uint64
	// SaveTraining writes the training streams as the held-out ones are.
	SaveTraining bool
}

// SmallConfig is the version for the iCEBreaker's core: a smaller sensor,
// fewer positions, pruned until its synapses fit.
type SmallConfig struct {
	Sensor, GridStride int
	MaxSynapses        int
	StreamsPerDir      int
}

// DefaultConfig is the configuration of the README's figures.
func DefaultConfig() Config {
	c := Config{
		Scene:         DefaultScene(),
		TrainPerDir:   8,
		TestPerDir:    10,
		TrainStride:   2,
		GridStride:    4,
		Train:         TrainOptions{Epochs: 8, Rate: 0.05, Seed: 1},
		Prune:         []float64{0, 0.5, 0.75, 0.9, 0.95, 0.96, 0.97, 0.975, 0.98, 0.985, 0.99, 0.995},
		DecisionSteps: []int{2, 4, 8, 16, 32, 64},
		Small:         SmallConfig{Sensor: 16, GridStride: 3, MaxSynapses: 32768, StreamsPerDir: 2},
		Seed:          1,
	}
	c.Layer.Radius, c.Layer.Delays = 4, 8
	return c
}

// QuickConfig is a small seeded version of the example, for tests: a
// 16×16 sensor, short streams, a 7×7 window with delays 1..4.
func QuickConfig() Config {
	c := DefaultConfig()
	c.Scene.Size, c.Scene.Steps = 16, 48
	c.Layer.Radius, c.Layer.Delays = 3, 4
	c.TrainPerDir, c.TestPerDir = 6, 2
	c.GridStride = 3
	c.Train.Epochs = 3
	c.Prune = []float64{0, 0.9}
	c.DecisionSteps = []int{8, 48}
	c.Small = SmallConfig{Sensor: 12, GridStride: 3, MaxSynapses: 6000, StreamsPerDir: 1}
	return c
}

// Results are the figures of a run.
type Results struct {
	Delays                              int // a window's history, in steps
	TrainSamples, TestSamples           int
	TrainSampleAccuracy, SampleAccuracy float64
	Full                                Point
	ByTime                              []TimedScore // Full's votes after each stream's first steps
	Pruning                             []Point
	Small                               Point
	SmallSynapses                       int
}

// Point is one network's measurement on the held-out streams.
type Point struct {
	Pruned   float64 // share of the taps removed
	Synapses int
	Score    Score
	// Load is synaptic events per second of input (1 ms steps).
	Load float64
}

// Run does everything and writes it under dir; log gets the progress.
func Run(cfg Config, dir string, log io.Writer) (*Results, error) {
	start := time.Now()
	step := func(format string, args ...any) {
		fmt.Fprintf(log, "[%5.1fs] %s\n", time.Since(start).Seconds(), fmt.Sprintf(format, args...))
	}
	if err := cfg.Scene.Validate(); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	res := &Results{Delays: cfg.Layer.Delays}
	layer := NewLayer(cfg.Layer.Radius, cfg.Layer.Delays)

	step("making %d training streams (%d directions × %d), %d×%d sensor, %d steps each", cfg.TrainPerDir*Directions, Directions, cfg.TrainPerDir, cfg.Scene.Size, cfg.Scene.Size, cfg.Scene.Steps)
	gap := cfg.Layer.Delays + 1
	trainSet := NewStreamSet(cfg.Scene, cfg.TrainPerDir, func(i int) uint64 { return trainSeed(cfg.Seed, i) }, gap)
	var train Samples
	var rasters []*Raster
	for _, s := range trainSet.Streams {
		r := NewRaster(cfg.Scene.Size, cfg.Scene.Steps, s.Events)
		layer.Collect(&train, r, s.Dir, cfg.TrainStride)
		rasters = append(rasters, r)
	}
	res.TrainSamples = train.Len()
	step("%d training windows (anchored on an event at the centre), %d taps each (%d delays × 2 polarities × %d×%d)", train.Len(), layer.Features(), layer.Delays, layer.Side(), layer.Side())

	step("training %d epochs of logistic regression, one direction against the rest", cfg.Train.Epochs)
	layer.Train(&train, cfg.Train)
	res.TrainSampleAccuracy = layer.SampleAccuracy(&train)

	tests := NewStreamSet(cfg.Scene, cfg.TestPerDir, func(i int) uint64 { return testSeed(cfg.Seed) + uint64(i) }, gap)
	var held Samples
	for _, s := range tests.Streams {
		layer.Collect(&held, NewRaster(cfg.Scene.Size, cfg.Scene.Steps, s.Events), s.Dir, cfg.TrainStride)
	}
	res.TestSamples = held.Len()
	res.SampleAccuracy = layer.SampleAccuracy(&held)
	step("one window's direction (largest of the 12 sums): %.1f %% right on training windows, %.1f %% on %d held-out windows (chance 8.3 %%)",
		100*res.TrainSampleAccuracy, 100*res.SampleAccuracy, held.Len())

	anchor := layer.AnchorWeight(rasters, cfg.TrainStride)
	grid := Grid{Sensor: cfg.Scene.Size, Radius: cfg.Layer.Radius, Stride: cfg.GridStride}
	full := &Network{Layer: layer, Grid: grid, Anchor: anchor}
	if err := full.Write(dir, "Direction-selective layer with heterogeneous delays, all weights"); err != nil {
		return nil, err
	}
	if err := writeStreams(dir, "test", tests, grid); err != nil {
		return nil, err
	}
	if cfg.SaveTraining {
		if err := writeStreams(dir, "train", trainSet, grid); err != nil {
			return nil, err
		}
		step("wrote the training streams: %s/train.csv, train-events.npy, train-streams.csv", dir)
	}
	step("wrote %s/net.yaml: %d direction neurons, %d synapses; %s/test.csv: %d held-out streams, %d steps",
		dir, Directions*grid.Positions(), full.SynapseCount(), dir, len(tests.Streams), tests.Steps())

	for i, f := range cfg.Prune {
		pruned := &Network{Layer: layer.PrunedShare(f), Grid: grid, Anchor: anchor}
		pdir := fmt.Sprintf("%s/pruned/%05.1f", dir, 100*f)
		if f == 0 {
			pdir = dir
		} else if err := pruned.Write(pdir, fmt.Sprintf("The layer of %s/net.yaml with the %.1f %% smallest weights removed", dir, 100*f)); err != nil {
			return nil, err
		}
		pt, spikes, err := measure(pdir, tests, grid, pruned)
		if err != nil {
			return nil, err
		}
		pt.Pruned = f
		if f == 0 {
			res.Full = pt
			res.ByTime = scoreByTime(spikes, tests, grid, cfg.DecisionSteps)
		}
		res.Pruning = append(res.Pruning, pt)
		step("pruned %5.1f %% (%d of %d): %8d synapses, %.3g synaptic events/s, accuracy %.1f %% (%d/%d streams), %.1f %% of spikes right",
			100*f, i+1, len(cfg.Prune), pt.Synapses, pt.Load, 100*pt.Score.Accuracy(), pt.Score.Correct, pt.Score.Streams, 100*pt.Score.SpikePrecision())
	}
	if err := os.RemoveAll(dir + "/pruned"); err != nil {
		return nil, err
	}
	if err := writeResults(dir, res); err != nil {
		return nil, err
	}
	step("wrote %s/results.md, pruning.csv, pruning.svg", dir)

	small, err := smallVersion(cfg, layer, anchor, dir+"/icebreaker")
	if err != nil {
		return nil, err
	}
	res.Small, res.SmallSynapses = small, small.Synapses
	step("wrote %s/icebreaker: %d×%d sensor, %d synapses (%.1f %% of the taps pruned), accuracy %.1f %% on %d streams",
		dir, cfg.Small.Sensor, cfg.Small.Sensor, small.Synapses, 100*small.Pruned, 100*small.Score.Accuracy(), small.Score.Streams)
	return res, nil
}

func trainSeed(seed uint64, i int) uint64 { return seed<<32 | uint64(i) }
func testSeed(seed uint64) uint64         { return seed<<32 | 1<<31 }

// writeStreams writes a set of streams for the snnc commands and the
// scorer: the held-out ones as test.csv, test-events.npy and streams.csv,
// the training ones as train.csv, train-events.npy and train-streams.csv.
func writeStreams(dir, name string, ts *StreamSet, grid Grid) error {
	if err := ts.WriteInput(dir + "/" + name + ".csv"); err != nil {
		return err
	}
	if err := ts.WriteEvents(dir + "/" + name + "-events.npy"); err != nil {
		return err
	}
	labels := "/streams.csv"
	if name != "test" {
		labels = "/" + name + "-streams.csv"
	}
	return ts.WriteLabels(dir+labels, grid.Positions())
}

// measure runs dir/net.yaml on the test set.
func measure(dir string, ts *StreamSet, grid Grid, n *Network) (Point, []OutputSpike, error) {
	spikes, events, err := RunSNN(dir+"/net.yaml", ts)
	if err != nil {
		return Point{}, nil, err
	}
	seconds := float64(ts.Steps()) / 1000
	return Point{
		Synapses: n.SynapseCount(),
		Score:    ScoreSpikes(spikes, ts.Dirs(), ts.Stream, grid.Positions()),
		Load:     float64(events) / seconds,
	}, spikes, nil
}

// TimedScore is the score of decisions taken after the first Steps steps
// of each stream.
type TimedScore struct {
	Steps int
	Score Score
}

// scoreByTime scores the votes of each stream's first steps only: how fast
// the layer tells the direction.
func scoreByTime(spikes []OutputSpike, ts *StreamSet, grid Grid, steps []int) []TimedScore {
	var out []TimedScore
	for _, n := range steps {
		within := func(step int) int {
			s := ts.Stream(step)
			if step-ts.Streams[s].Start > n { // the events of steps 0..n-1 decide by step n
				return -1
			}
			return s
		}
		out = append(out, TimedScore{Steps: n, Score: ScoreSpikes(spikes, ts.Dirs(), within, grid.Positions())})
	}
	return out
}

// scoreMain is "score DIR SPIKES.csv". A file that is missing or not what
// it should be is the user's mistake: status 2.
func scoreMain(args []string, stdout, stderr io.Writer) int {
	if len(args) != 2 {
		fmt.Fprintln(stderr, "usage: go run ./examples/motion score DIR SPIKES.csv")
		return 2
	}
	dirs, span, positions, err := readLabels(args[0] + "/streams.csv")
	if err != nil {
		fmt.Fprintln(stderr, "motion:", err)
		return 2
	}
	spikes, err := readSpikes(args[1], args[0]+"/net.yaml")
	if err != nil {
		fmt.Fprintln(stderr, "motion:", err)
		return 2
	}
	sc := ScoreSpikes(spikes, dirs, func(step int) int { return step / span }, positions)
	fmt.Fprintf(stdout, "streams: %d, right: %d (%.1f %%), ties: %d, silent: %d\n", sc.Streams, sc.Correct, 100*sc.Accuracy(), sc.Ties, sc.Silent)
	fmt.Fprintf(stdout, "direction spikes: %d, of the stream's direction: %d (%.1f %%)\n", sc.Spikes, sc.Right, 100*sc.SpikePrecision())
	return 0
}
