package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/snnc/snnc/compiler"
	"github.com/snnc/snnc/spikes"
)

// The whole example, small: it learns the direction far above chance,
// pruning is measured, the small version fits, and a second run writes
// byte-identical files.
func TestRunQuick(t *testing.T) {
	dirs := []string{t.TempDir(), t.TempDir()}
	var res *Results
	for _, d := range dirs {
		var err error
		if res, err = Run(QuickConfig(), d, io.Discard); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("windows %.3f, streams %d/%d, small %d/%d with %d synapses, pruned 90%%: %d/%d",
		res.SampleAccuracy, res.Full.Score.Correct, res.Full.Score.Streams,
		res.Small.Score.Correct, res.Small.Score.Streams, res.SmallSynapses,
		res.Pruning[1].Score.Correct, res.Pruning[1].Score.Streams)
	if res.SampleAccuracy < 0.25 {
		t.Errorf("one window's direction right %.3f of the time, want ≥ 0.25 (chance 0.083)", res.SampleAccuracy)
	}
	if acc := res.Full.Score.Accuracy(); acc < 0.75 {
		t.Errorf("streams right %.3f, want ≥ 0.75", acc)
	}
	if res.SmallSynapses > 6000 {
		t.Errorf("small version has %d synapses, more than its 6000", res.SmallSynapses)
	}
	small, err := compiler.ParseFile(filepath.Join(dirs[0], "icebreaker", "net.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if int(small.Synapses()) != res.SmallSynapses {
		t.Errorf("the small version's net.yaml has %d synapses, the run counted %d", small.Synapses(), res.SmallSynapses)
	}
	if len(res.Pruning) != 2 || res.Pruning[1].Synapses >= res.Pruning[0].Synapses || res.Pruning[1].Load >= res.Pruning[0].Load {
		t.Errorf("pruning 90%% did not lower synapses and load: %+v", res.Pruning)
	}
	files, err := filepath.Glob(filepath.Join(dirs[0], "*"))
	if err != nil || len(files) < 10 {
		t.Fatalf("files written: %v %v", files, err)
	}
	files = append(files, filepath.Join(dirs[0], "icebreaker", "net.yaml"), filepath.Join(dirs[0], "icebreaker", "input.csv"))
	for _, f := range files {
		if fi, err := os.Stat(f); err != nil || fi.IsDir() {
			continue
		}
		rel, _ := filepath.Rel(dirs[0], f)
		a, _ := os.ReadFile(f)
		b, err := os.ReadFile(filepath.Join(dirs[1], rel))
		if err != nil || !bytes.Equal(a, b) {
			t.Errorf("%s differs between two runs (%v)", rel, err)
		}
	}
}

// score reads a spike file as snnc simulate writes it and gives the score
// Run measured; a spike the network cannot make is refused with status 2.
func TestScoreCommand(t *testing.T) {
	dir := t.TempDir()
	res, err := Run(QuickConfig(), dir, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	net, err := compiler.ParseFile(filepath.Join(dir, "net.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	cfg := QuickConfig()
	ts := NewStreamSet(cfg.Scene, cfg.TestPerDir, func(i int) uint64 { return testSeed(cfg.Seed) + uint64(i) }, cfg.Layer.Delays+1)
	got, _, err := RunSNN(filepath.Join(dir, "net.yaml"), ts)
	if err != nil {
		t.Fatal(err)
	}
	var csv bytes.Buffer
	w := spikes.NewWriter(&csv, net)
	if err := w.WriteHeader(spikes.Header); err != nil {
		t.Fatal(err)
	}
	first := net.Offset(net.Population("direction"))
	for _, sp := range got {
		if err := w.WriteSpikes(sp.Step, []int32{int32(first + sp.Index)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "spikes.csv")
	if err := os.WriteFile(path, csv.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	if status := scoreMain([]string{dir, path}, &stdout, &stderr); status != 0 {
		t.Fatalf("score: status %d: %s", status, stderr.String())
	}
	want := fmt.Sprintf("streams: %d, right: %d (", res.Full.Score.Streams, res.Full.Score.Correct)
	if !strings.HasPrefix(stdout.String(), want) {
		t.Errorf("score printed %q, want it to start with %q", stdout.String(), want)
	}
	bad := filepath.Join(dir, "bad.csv")
	if err := os.WriteFile(bad, []byte("step,population,index\n3,direction,999999\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	stderr.Reset()
	if status := scoreMain([]string{dir, bad}, &stdout, &stderr); status != 2 || !strings.Contains(stderr.String(), "bad.csv:2:") {
		t.Errorf("score of a spike of no neuron: status %d, want 2 and the line: %s", status, stderr.String())
	}
}

// The network snnc runs computes the trained layer's decision: the integer
// simulator's spikes agree with the float decision, Decide, on nearly every
// spike (quantisation to 8-bit weights moves a few sums across 0), and
// the score of the spike CSV that "snnc simulate" would write is the score
// Run computed.
func TestSNNComputesTheLayer(t *testing.T) {
	cfg := QuickConfig()
	layer := NewLayer(cfg.Layer.Radius, cfg.Layer.Delays)
	var train Samples
	var rasters []*Raster
	for i := range 2 * Directions {
		r := NewRaster(cfg.Scene.Size, cfg.Scene.Steps, Stream(cfg.Scene, i%Directions, trainSeed(7, i)))
		layer.Collect(&train, r, i%Directions, 1)
		rasters = append(rasters, r)
	}
	layer.Train(&train, cfg.Train)
	grid := Grid{Sensor: cfg.Scene.Size, Radius: cfg.Layer.Radius, Stride: 2}
	n := &Network{Layer: layer, Grid: grid, Anchor: layer.AnchorWeight(rasters, 1)}
	dir := t.TempDir()
	if err := n.Write(dir, "test"); err != nil {
		t.Fatal(err)
	}
	net, err := compiler.ParseFile(filepath.Join(dir, "net.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if int(net.Synapses()) != n.SynapseCount() {
		t.Errorf("net.yaml has %d synapses, SynapseCount says %d", net.Synapses(), n.SynapseCount())
	}
	ts := NewStreamSet(cfg.Scene, 1, func(i int) uint64 { return testSeed(7) + uint64(i) }, cfg.Layer.Delays+1)
	got, _, err := RunSNN(filepath.Join(dir, "net.yaml"), ts)
	if err != nil {
		t.Fatal(err)
	}
	want := n.Decide(ts)
	if len(want) < 100 {
		t.Fatalf("the layer decided only %d spikes", len(want))
	}
	m := spikes.Agreement(toTrain(got, grid), toTrain(want, grid), 0)
	t.Logf("simulator %d spikes, layer %d, matched %d", len(got), len(want), m.Matched)
	if m.Dice() < 0.95 {
		t.Errorf("simulator and layer agree on %.3f of spikes (Dice), want ≥ 0.95", m.Dice())
	}
}

func toTrain(sp []OutputSpike, g Grid) spikes.Train {
	tr := make(spikes.Train, len(sp))
	for i, s := range sp {
		tr[i] = spikes.Spike{Step: int32(s.Step), Neuron: int32(s.Index)}
	}
	return tr
}

// A tap lands on the synapse of the right pixel, neuron and delay.
func TestSynapseLayout(t *testing.T) {
	l := NewLayer(1, 3)
	l.W[5][l.Feature(2, 1, 0, 2)] = 0.5 // delay 2, ON, window (0, 2)
	g := Grid{Sensor: 6, Radius: 1, Stride: 2}
	if got := g.Centres(); !cmp.Equal(got, []int{1, 3}) {
		t.Fatalf("centres %v", got)
	}
	n := &Network{Layer: l, Grid: g}
	if len(n.Synapses(1)) != 0 || len(n.Synapses(3)) != 0 {
		t.Errorf("synapses at delays other than 2")
	}
	var want []tapSynapse
	for pos, c := range [][2]int{{1, 1}, {3, 1}, {1, 3}, {3, 3}} { // (cx, cy), row-major
		x, y := c[0]-1, c[1]+1
		want = append(want, tapSynapse{src: int32(36 + y*6 + x), dst: int32(5*4 + pos), w: 0.5})
	}
	got := n.Synapses(2)
	if diff := cmp.Diff(want, got, cmp.AllowUnexported(tapSynapse{})); diff != "" {
		t.Errorf("synapses (-want +got):\n%s", diff)
	}
}

func TestScoreSpikes(t *testing.T) {
	// Two positions; stream 0 is direction 1, stream 1 direction 2, stream 2
	// direction 0, stream 3 direction 3; 10 steps each.
	sp := []OutputSpike{
		{1, 2}, {2, 3}, {3, 0}, // stream 0: direction 1 twice, 0 once: right
		{11, 4}, {12, 2}, // stream 1: a tie between 2 and 1
		// stream 2: silent
		{35, 0}, {36, 1}, {37, 7}, // stream 3: direction 0 twice, 3 once: wrong
	}
	sc := ScoreSpikes(sp, []int{1, 2, 0, 3}, func(s int) int { return s / 10 }, 2)
	want := Score{Streams: 4, Correct: 1, Silent: 1, Ties: 1, Spikes: 8, Right: 4}
	if sc != want {
		t.Errorf("score %+v, want %+v", sc, want)
	}
}

func TestPruned(t *testing.T) {
	l := NewLayer(0, 1)
	for k := range l.W {
		l.W[k][0], l.W[k][1] = float64(k+1), -float64(k+1)/100
	}
	p := l.PrunedShare(0.5)
	for k := range p.W {
		if p.W[k][0] != float64(k+1) || p.W[k][1] != 0 {
			t.Errorf("direction %d: %v", k, p.W[k])
		}
	}
	if l.W[0][1] == 0 {
		t.Error("Pruned changed its receiver")
	}
}
