package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	loihisim "github.com/snnc/snnc/backend/loihi-sim"
)

// small is the test's seeded version of the example: 32 inputs, 12 motifs
// of 8 spikes over offsets 0..14 (delays 1..15), a detector firing on 6.
func small() Config {
	return Config{
		Inputs: 32, Motifs: 12, MaxDelay: 15, K: 8, Threshold: 6,
		Rate: 0.01, Steps: 4000, Occurrences: 20, Drop: 0.05, Seed: 7,
	}
}

// smallTarget has cores with 4 delay slots: the small network's delays up
// to 15 need chains of up to 3 relays.
const smallTarget = `name: slots4
description: test target with 4 delay slots and small cores
core:
  neurons: 16
  input_axons: 256
  output_axons: 256
  synapse_memory_bits: 1048576
  synapse_bits: 24
  input_axon_bits: 32
  max_delay: 4
  weight_bits: 8
chip:
  mesh_width: 2
  mesh_height: 2
  chip_hop_cost: 4
  max_chips: 0
approximate: []
`

func generate(t *testing.T, c Config) (*Dataset, string) {
	t.Helper()
	d, err := Generate(c)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := d.Write(dir); err != nil {
		t.Fatal(err)
	}
	return d, dir
}

// The detectors find at least 95 % of the embedded occurrences at the
// exact step with a precision of at least 95 %, and the network compiled
// for targets with fewer delay slots than the motifs' span (relay chains)
// gives the same detector spikes, step for step.
func TestDetectionAndLegalisedDelays(t *testing.T) {
	c := small()
	ref, dir := detect(t, c)

	slots4, err := loihisim.ParseProfile("slots4.yaml", []byte(smallTarget))
	if err != nil {
		t.Fatal(err)
	}
	slots8, err := loihisim.LoadProfileFile("target-8slots.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if slots8.Core.MaxDelay != 8 {
		t.Errorf("target-8slots.yaml: max_delay %d, want 8", slots8.Core.MaxDelay)
	}
	for _, target := range []*loihisim.Profile{slots4, slots8} {
		if relays := sameOnTarget(t, dir, c.Steps, ref, target); relays == 0 {
			t.Errorf("%s: no relays: the test does not test legalisation", target.Name)
		}
	}
}

// detect generates c's dataset, simulates it and checks that the
// detectors find at least 95 % of the occurrences at the exact step with a
// precision of at least 95 %. It returns the run and the dataset's folder.
func detect(t *testing.T, c Config) (*Run, string) {
	t.Helper()
	d, dir := generate(t, c)
	ref, err := SimulateDir(dir, c.Steps, nil)
	if err != nil {
		t.Fatal(err)
	}
	s := ScoreDetections(d.Truth, ref.Detections, c.Latency(), c.Motifs)
	t.Logf("occurrences %d, detected %d, spikes %d, correct %d", s.Occurrences, s.Detected, s.Spikes, s.Correct)
	if s.Occurrences != c.Motifs*c.Occurrences {
		t.Errorf("%d occurrences in the truth, want %d", s.Occurrences, c.Motifs*c.Occurrences)
	}
	if s.TPR() < 0.95 || s.Precision() < 0.95 {
		t.Errorf("TPR %.4f, precision %.4f: want both >= 0.95", s.TPR(), s.Precision())
	}
	return ref, dir
}

// sameOnTarget simulates the dataset in dir mapped onto target, checks
// that the detector spikes are those of ref, step for step, and returns
// the relays the mapping added.
func sameOnTarget(t *testing.T, dir string, steps int, ref *Run, target *loihisim.Profile) int {
	t.Helper()
	mapped, err := SimulateDir(dir, steps, target)
	if err != nil {
		t.Fatalf("%s: %v", target.Name, err)
	}
	if diff := cmp.Diff(ref.Detections, mapped.Detections); diff != "" {
		t.Errorf("%s (%d relays): detector spikes differ from the reference (-want +got):\n%s", target.Name, mapped.Relays, diff)
	}
	return mapped.Relays
}

// A detector fires exactly on the steps where at least θ of its synapses
// deliver a spike (the threshold and decays of net.yaml, worked out in the
// README): counted here from the raster and the motifs, without the
// simulator. Noisy enough that some detectors fire by chance.
func TestDetectorFiresOnThetaArrivals(t *testing.T) {
	c := small()
	c.Rate, c.Threshold = 0.15, 4
	d, dir := generate(t, c)
	run, err := SimulateDir(dir, c.Steps, nil)
	if err != nil {
		t.Fatal(err)
	}
	var want []Detection
	for step := range c.Steps {
		for m, mo := range d.Patterns {
			n := 0
			for j, in := range mo.Input {
				if src := step - (c.MaxDelay - mo.Offset[j]); src >= 0 && d.spiked(src, in) {
					n++
				}
			}
			if n >= c.Threshold {
				want = append(want, Detection{Step: step, Detector: m})
			}
		}
	}
	if diff := cmp.Diff(want, run.Detections); diff != "" {
		t.Errorf("detector spikes differ from the count of arrivals (-want +got):\n%s", diff)
	}
	s := ScoreDetections(d.Truth, run.Detections, c.Latency(), c.Motifs)
	if s.Spikes == s.Correct {
		t.Errorf("no false detections at rate %g, θ %d: the test checks too little", c.Rate, c.Threshold)
	}
}

// spiked reports whether input i spikes at step t.
func (d *Dataset) spiked(t, i int) bool {
	return d.raster[t*d.words+i/64]&(1<<(i%64)) != 0
}

// The same flags give the same bytes.
func TestGenerateDeterministic(t *testing.T) {
	var dirs []string
	for range 2 {
		dir := t.TempDir()
		var stderr bytes.Buffer
		args := []string{"generate", "-o", dir, "-inputs", "32", "-motifs", "12", "-max-delay", "15", "-k", "8",
			"-threshold", "6", "-steps", "4000", "-seed", "7"}
		if status := run(args, new(bytes.Buffer), &stderr); status != 0 {
			t.Fatalf("generate: status %d: %s", status, stderr.String())
		}
		dirs = append(dirs, dir)
	}
	names := []string{"net.yaml", "weights.npy", "delays.npy", "input.csv", "truth.csv", "motifs.csv"}
	for _, name := range names {
		a, err := os.ReadFile(filepath.Join(dirs[0], name))
		if err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(filepath.Join(dirs[1], name))
		if err != nil {
			t.Fatal(err)
		}
		if len(a) == 0 || !bytes.Equal(a, b) {
			t.Errorf("%s: %d and %d bytes, differs between two runs with the same flags", name, len(a), len(b))
		}
	}
	// Another seed, other motifs.
	c := small()
	d1, _ := Generate(c)
	c.Seed++
	d2, _ := Generate(c)
	if cmp.Equal(d1.Patterns, d2.Patterns) {
		t.Error("seeds 7 and 8 drew the same motifs")
	}
	// The background rate does not move the motifs or their onsets.
	c.Rate = 0.2
	d3, _ := Generate(c)
	if !cmp.Equal(d2.Patterns, d3.Patterns) || !cmp.Equal(d2.Truth, d3.Truth) {
		t.Error("changing -rate changed the motifs or the onsets")
	}
}

// The motifs keep their promises: K distinct inputs, offsets in 0..D-1
// with the earliest at 0; onsets of a motif far enough apart.
func TestMotifsWellFormed(t *testing.T) {
	c := small()
	d, err := Generate(c)
	if err != nil {
		t.Fatal(err)
	}
	for m, mo := range d.Patterns {
		if len(mo.Input) != c.K {
			t.Fatalf("motif %d: %d spikes, want %d", m, len(mo.Input), c.K)
		}
		low := c.MaxDelay
		for j, in := range mo.Input {
			if j > 0 && in <= mo.Input[j-1] {
				t.Errorf("motif %d: inputs %v not distinct and sorted", m, mo.Input)
			}
			if o := mo.Offset[j]; o < 0 || o >= c.MaxDelay {
				t.Errorf("motif %d: offset %d outside 0..%d", m, o, c.MaxDelay-1)
			}
			low = min(low, mo.Offset[j])
		}
		if low != 0 {
			t.Errorf("motif %d: earliest offset %d, want 0", m, low)
		}
	}
	last := map[int]int{}
	for _, o := range d.Truth {
		if o.Onset < 0 || o.Onset+c.Latency() >= c.Steps {
			t.Errorf("onset %d: detection at %d outside the run of %d steps", o.Onset, o.Onset+c.Latency(), c.Steps)
		}
		if prev, ok := last[o.Motif]; ok && o.Onset-prev < c.spacing() {
			t.Errorf("motif %d: onsets %d and %d closer than %d", o.Motif, prev, o.Onset, c.spacing())
		}
		last[o.Motif] = o.Onset
	}
}

// The scorer on a case worked out by hand.
func TestScoreByHand(t *testing.T) {
	truth := []Occurrence{{0, 10}, {1, 10}, {2, 30}, {0, 50}}
	spikes := []Detection{
		{15, 0},  // motif 0 at 10: correct
		{15, 1},  // motif 1 at 10: correct
		{15, 2},  // false, at a step where motifs 0 and 1 are due
		{36, 2},  // false, motif 2 due at 35: one step late
		{55, 0},  // motif 0 at 50: correct
		{100, 1}, // false
	}
	got := ScoreDetections(truth, spikes, 5, 3)
	want := Score{
		Occurrences: 4, Detected: 3, Spikes: 6, Correct: 3, OffByOne: 1, OtherMotif: 1,
		PerMotif: []MotifScore{{2, 2, 2, 2}, {1, 1, 2, 1}, {1, 0, 2, 0}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("score (-want +got):\n%s", diff)
	}
	if got.TPR() != 0.75 || got.Precision() != 0.5 {
		t.Errorf("TPR %g, precision %g; want 0.75, 0.5", got.TPR(), got.Precision())
	}

	// The same through the files and the command.
	dir := t.TempDir()
	truthCSV := "# latency=5: ...\nmotif,onset\n0,10\n1,10\n2,30\n0,50\n"
	spikesCSV := "step,population,index\n15,detector,0\n15,detector,1\n15,detector,2\n20,other,0\n36,detector,2\n55,detector,0\n100,detector,1\n"
	if err := os.WriteFile(filepath.Join(dir, "truth.csv"), []byte(truthCSV), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "spikes.csv"), []byte(spikesCSV), 0o644); err != nil {
		t.Fatal(err)
	}
	netYAML := "version: 1\npopulations:\n  - {name: in, size: 1, model: input}\n  - {name: detector, size: 3, model: lif, params: {vth: 1}}\n  - {name: other, size: 1, model: lif, params: {vth: 1}}\n"
	if err := os.WriteFile(filepath.Join(dir, "net.yaml"), []byte(netYAML), 0o644); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	status := run([]string{"score", "-truth", filepath.Join(dir, "truth.csv"), "-spikes", filepath.Join(dir, "spikes.csv"), "-per-motif"}, &stdout, &stderr)
	if status != 0 {
		t.Fatalf("score: status %d: %s", status, stderr.String())
	}
	for _, s := range []string{"TPR 75.00 %", "precision 50.00 %", "detected at onset+5", "1 one step off, 1 at another motif's detection step"} {
		if !strings.Contains(stdout.String(), s) {
			t.Errorf("score output lacks %q:\n%s", s, stdout.String())
		}
	}
	// A spike file that is not one.
	if err := os.WriteFile(filepath.Join(dir, "bad.csv"), []byte("step,index\n1,2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	stderr.Reset()
	if status := run([]string{"score", "-truth", filepath.Join(dir, "truth.csv"), "-spikes", filepath.Join(dir, "bad.csv")}, &stdout, &stderr); status != 2 {
		t.Errorf("score of a bad spike file: status %d, want 2 (%s)", status, stderr.String())
	}
	// A spike of a detector the network does not have.
	if err := os.WriteFile(filepath.Join(dir, "bad.csv"), []byte("step,population,index\n15,detector,3\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	stderr.Reset()
	if status := run([]string{"score", "-truth", filepath.Join(dir, "truth.csv"), "-spikes", filepath.Join(dir, "bad.csv")}, &stdout, &stderr); status != 2 || !strings.Contains(stderr.String(), "bad.csv:2:") {
		t.Errorf("score of a spike of detector[3]: status %d, want 2 and the line (%s)", status, stderr.String())
	}
}

// Settings that cannot work are refused with the flag to change.
func TestCheck(t *testing.T) {
	for _, tc := range []struct {
		change func(*Config)
		want   string
	}{
		{func(c *Config) { c.K = 40 }, "-k 40"},
		{func(c *Config) { c.Threshold = 9 }, "-threshold 9"},
		{func(c *Config) { c.Rate = 1 }, "-rate 1"},
		{func(c *Config) { c.Occurrences = 200 }, "raise -steps"},
		{func(c *Config) { c.Inputs = 2000 }, "-inputs 2000"},
	} {
		c := small()
		tc.change(&c)
		err := c.Check()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Check: %v, want an error with %q", err, tc.want)
		}
	}
}

// The example's defaults (N = 128, M = 144, delays up to 31), as the
// README runs them: at least 95 % of the occurrences found at the exact
// step with a precision of at least 95 %, and the same detector spikes
// on target-8slots.yaml, whose 8 delay slots need relay chains.
func TestDefaults(t *testing.T) {
	if testing.Short() {
		t.Skip("the full-size example; -short runs the small one only")
	}
	c := DefaultConfig()
	ref, dir := detect(t, c)
	target, err := loihisim.LoadProfileFile("target-8slots.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if relays := sameOnTarget(t, dir, c.Steps, ref, target); relays != 3*c.Inputs {
		t.Errorf("%d relays, want %d (3 per input for delays up to 31 in slots of 8)", relays, 3*c.Inputs)
	}
}
