package main

import (
	"encoding/binary"
	"flag"
	"fmt"
	"github.com/snnc/snnc/internal/bufferedfile"
	"github.com/snnc/snnc/spikes"
	"io"
	"math"
	"math/bits"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// Names of the populations in the generated network.
const (
	inputPop    = "in"
	detectorPop = "detector"
)

// synapseWeight is the weight of every detector synapse. An arrival adds
// synapseWeight·2^6 = 128 to the detector's current; the threshold sits
// half an arrival below θ arrivals (Config.vth).
const synapseWeight = 2

// maxInputs bounds Config.Inputs (and so K): below it the voltage a
// detector keeps from one step to the next (dv = 4095 keeps v/4096, at
// most 128·K/4096 = K/32) stays under the half-arrival margin of 64 by
// which the threshold is placed, so a detector fires iff at least θ
// spikes arrive on that very step.
const maxInputs = 1024

// Config is what generate makes. The zero value is not useful:
// DefaultConfig gives the defaults of the command.
type Config struct {
	Inputs      int     // N: input neurons
	Motifs      int     // M: motifs, one detector neuron each
	MaxDelay    int     // D: motif offsets 0..D-1, synaptic delays D-offset in 1..D
	K           int     // spikes per motif, on K distinct inputs
	Threshold   int     // θ: spikes arriving on one step that fire a detector
	Rate        float64 // background: probability that an input spikes at a step
	Steps       int     // T: steps of the raster (and of the simulation)
	Occurrences int     // occurrences of each motif
	Drop        float64 // probability that a motif spike is missing from an occurrence
	Refractory  int     // detector refractory period, steps
	Seed        uint64
}

// DefaultConfig returns the defaults of generate.
func DefaultConfig() Config {
	return Config{
		Inputs:      128,
		Motifs:      144,
		MaxDelay:    31,
		K:           16,
		Threshold:   12,
		Rate:        0.01,
		Steps:       50000,
		Occurrences: 20,
		Drop:        0.05,
		Refractory:  0,
		Seed:        1,
	}
}

// addFlags registers the configuration's flags on fs.
func (c *Config) addFlags(fs *flag.FlagSet) {
	fs.IntVar(&c.Inputs, "inputs", c.Inputs, "N: input neurons")
	fs.IntVar(&c.Motifs, "motifs", c.Motifs, "M: motifs (one detector neuron each)")
	fs.IntVar(&c.MaxDelay, "max-delay", c.MaxDelay, "D: longest synaptic delay; motif spikes lie at offsets 0..D-1 from the onset")
	fs.IntVar(&c.K, "k", c.K, "K: spikes per motif, each on its own input")
	fs.IntVar(&c.Threshold, "threshold", c.Threshold, "θ: coincident arrivals (of K) that fire a detector")
	fs.Float64Var(&c.Rate, "rate", c.Rate, "background: probability that an input spikes at a step (0.01 = 10 Hz at 1 ms steps)")
	fs.IntVar(&c.Steps, "steps", c.Steps, "T: steps of the raster")
	fs.IntVar(&c.Occurrences, "occurrences", c.Occurrences, "occurrences of each motif")
	fs.Float64Var(&c.Drop, "drop", c.Drop, "probability that a motif spike is missing from an occurrence")
	fs.IntVar(&c.Refractory, "refractory", c.Refractory, "detector refractory period in steps")
	fs.Uint64Var(&c.Seed, "seed", c.Seed, "seed of every random choice")
}

// args returns the flags that make c, in a fixed order.
func (c Config) args() string {
	return fmt.Sprintf("-inputs %d -motifs %d -max-delay %d -k %d -threshold %d -rate %s -steps %d -occurrences %d -drop %s -refractory %d -seed %d",
		c.Inputs, c.Motifs, c.MaxDelay, c.K, c.Threshold, ftoa(c.Rate), c.Steps, c.Occurrences, ftoa(c.Drop), c.Refractory, c.Seed)
}

func ftoa(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }

// Check reports a configuration that cannot be generated.
func (c Config) Check() error {
	switch {
	case c.Inputs < 1 || c.Inputs > maxInputs:
		return usagef("-inputs %d is out of range (allowed: 1..%d)", c.Inputs, maxInputs)
	case c.Motifs < 1 || c.Motifs > 1<<16:
		return usagef("-motifs %d is out of range (allowed: 1..65536)", c.Motifs)
	case c.MaxDelay < 1 || c.MaxDelay > 65535:
		return usagef("-max-delay %d is out of range (allowed: 1..65535)", c.MaxDelay)
	case c.K < 1 || c.K > c.Inputs:
		return usagef("-k %d is out of range (allowed: 1..%d, the inputs: a motif uses each input at most once)", c.K, c.Inputs)
	case c.Threshold < 1 || c.Threshold > c.K:
		return usagef("-threshold %d is out of range (allowed: 1..%d, the spikes of a motif)", c.Threshold, c.K)
	case !(c.Rate >= 0 && c.Rate < 1):
		return usagef("-rate %s is out of range (allowed: 0 <= rate < 1)", ftoa(c.Rate))
	case !(c.Drop >= 0 && c.Drop < 1):
		return usagef("-drop %s is out of range (allowed: 0 <= drop < 1)", ftoa(c.Drop))
	case c.Occurrences < 0:
		return usagef("-occurrences %d is out of range (allowed: 0 or more)", c.Occurrences)
	case c.Refractory < 0 || c.Refractory > 65535:
		return usagef("-refractory %d is out of range (allowed: 0..65535)", c.Refractory)
	case c.Steps < c.MaxDelay+1 || c.Steps > 1<<30:
		return usagef("-steps %d is out of range (allowed: %d..%d)", c.Steps, c.MaxDelay+1, 1<<30)
	}
	// Onsets of one motif lie in [0, T-D) at least max(D, refractory+1)
	// steps apart; asking for at most half the room keeps the draw short.
	if room := int64(c.Steps - c.MaxDelay); int64(c.Occurrences)*2*int64(c.spacing()) > room {
		return usagef("-steps %d leaves room for %d occurrences of a motif %d steps apart at most twice over, not %d (raise -steps or lower -occurrences)",
			c.Steps, room/(2*int64(c.spacing())), c.spacing(), c.Occurrences)
	}
	if int64(c.Inputs)*int64(c.Steps) > 1<<31 {
		return usagef("-inputs × -steps = %d is too large (allowed: up to 2^31 input slots)", int64(c.Inputs)*int64(c.Steps))
	}
	return nil
}

// spacing is the least distance between two onsets of one motif: its
// occurrences do not overlap, and the second is not lost in the refractory
// period of the first detection.
func (c Config) spacing() int { return max(c.MaxDelay, c.Refractory+1) }

// vth is the detector's threshold mantissa: θ arrivals give v = θ·128 >
// vth·64 = θ·128 - 64, θ-1 give 64 less than the threshold.
func (c Config) vth() int { return synapseWeight*c.Threshold - 1 }

// Latency is the steps from an occurrence's onset to its detection: a
// spike at offset δ travels D-δ steps and the detector fires on the step
// it arrives.
func (c Config) Latency() int { return c.MaxDelay }

// Motif is a set of (input, offset) pairs, sorted by input; inputs are
// distinct and the smallest offset is 0.
type Motif struct {
	Input  []int
	Offset []int
}

// Occurrence is one embedded occurrence of a motif: its spikes are at
// Onset + offset.
type Occurrence struct {
	Motif, Onset int
}

// Dataset is what the generator draws.
type Dataset struct {
	Config
	Patterns []Motif
	// Truth holds the occurrences, sorted by onset, then motif.
	Truth []Occurrence
	// raster has a bit per input and step: words per step, bit i of
	// word i/64 for input i.
	raster []uint64
	words  int
	Stats  Stats
}

// Stats counts the spikes of a raster.
type Stats struct {
	Background int // background spikes
	Motif      int // motif spikes embedded
	Dropped    int // motif spikes left out (Config.Drop)
	Merged     int // motif spikes that fell on a spike already there (one row in the file)
	Spikes     int // rows of input.csv
}

// Generate draws the motifs, their occurrences and the raster.
func Generate(c Config) (*Dataset, error) {
	if err := c.Check(); err != nil {
		return nil, err
	}
	d := &Dataset{Config: c, words: (c.Inputs + 63) / 64}
	d.Patterns = drawMotifs(c)
	d.Truth = drawOnsets(c)
	d.raster = make([]uint64, c.Steps*d.words)
	if c.Rate > 0 {
		r := newRNG(c.Seed, tagBackground)
		for t := range c.Steps {
			for i := range c.Inputs {
				if r.float() < c.Rate {
					d.set(t, i)
					d.Stats.Background++
				}
			}
		}
	}
	drop := newRNG(c.Seed, tagDrop)
	// Occurrences in the order of the truth file, spikes in input order.
	for _, o := range d.Truth {
		m := d.Patterns[o.Motif]
		for j, in := range m.Input {
			if c.Drop > 0 && drop.float() < c.Drop {
				d.Stats.Dropped++
				continue
			}
			if d.set(o.Onset+m.Offset[j], in) {
				d.Stats.Merged++
			}
			d.Stats.Motif++
		}
	}
	d.Stats.Spikes = d.Stats.Background + d.Stats.Motif - d.Stats.Merged
	return d, nil
}

// set marks input i at step t and reports whether it was marked already.
func (d *Dataset) set(t, i int) bool {
	w := &d.raster[t*d.words+i/64]
	bit := uint64(1) << (i % 64)
	was := *w&bit != 0
	*w |= bit
	return was
}

// drawMotifs draws each motif's K distinct inputs (a partial Fisher-Yates
// shuffle) and their offsets, uniform in 0..D-1 and then shifted so that
// the earliest is 0: the onset of an occurrence is its first spike.
func drawMotifs(c Config) []Motif {
	r := newRNG(c.Seed, tagMotifs)
	perm := make([]int, c.Inputs)
	motifs := make([]Motif, c.Motifs)
	for m := range motifs {
		for i := range perm {
			perm[i] = i
		}
		type pair struct{ input, offset int }
		pairs := make([]pair, c.K)
		low := c.MaxDelay
		for j := range c.K {
			k := j + r.intn(c.Inputs-j)
			perm[j], perm[k] = perm[k], perm[j]
			pairs[j] = pair{perm[j], r.intn(c.MaxDelay)}
			low = min(low, pairs[j].offset)
		}
		slices.SortFunc(pairs, func(a, b pair) int { return a.input - b.input })
		for _, p := range pairs {
			motifs[m].Input = append(motifs[m].Input, p.input)
			motifs[m].Offset = append(motifs[m].Offset, p.offset-low)
		}
	}
	return motifs
}

// drawOnsets draws the onsets of each motif, uniform in [0, T-D), so that
// the detection at onset+D is within the run, at least Config.spacing
// steps from each other (drawn again when too close).
func drawOnsets(c Config) []Occurrence {
	r := newRNG(c.Seed, tagOnsets)
	var occ []Occurrence
	onsets := make([]int, 0, c.Occurrences)
	for m := range c.Motifs {
		onsets = onsets[:0]
		for len(onsets) < c.Occurrences {
			t := r.intn(c.Steps - c.MaxDelay)
			if !slices.ContainsFunc(onsets, func(u int) bool { return abs(t-u) < c.spacing() }) {
				onsets = append(onsets, t)
			}
		}
		for _, t := range onsets {
			occ = append(occ, Occurrence{Motif: m, Onset: t})
		}
	}
	slices.SortFunc(occ, func(a, b Occurrence) int {
		if a.Onset != b.Onset {
			return a.Onset - b.Onset
		}
		return a.Motif - b.Motif
	})
	return occ
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// Write writes the dataset's files into dir, which it creates.
func (d *Dataset) Write(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	weights, delays := d.matrices()
	files := []struct {
		name  string
		write func(w io.Writer) error
	}{
		{"net.yaml", d.writeNet},
		{"weights.npy", func(w io.Writer) error { return writeNPY(w, weights, d.Config.Motifs, d.Inputs) }},
		{"delays.npy", func(w io.Writer) error { return writeNPY(w, delays, d.Config.Motifs, d.Inputs) }},
		{"input.csv", d.writeInput},
		{"truth.csv", d.writeTruth},
		{"motifs.csv", d.writeMotifs},
	}
	for _, f := range files {
		if err := bufferedfile.Write(filepath.Join(dir, f.name), f.write); err != nil {
			return err
		}
	}
	return nil
}

// matrices returns the [M, N] weight and delay matrices, row = detector,
// column = input: weight synapseWeight and delay D-offset where the motif
// uses the input; weight 0 (no synapse) and delay 1 (the format wants a
// valid delay in every entry) elsewhere.
func (d *Dataset) matrices() (weights, delays []uint16) {
	weights = make([]uint16, d.Config.Motifs*d.Inputs)
	delays = make([]uint16, d.Config.Motifs*d.Inputs)
	for i := range delays {
		delays[i] = 1
	}
	for m, mo := range d.Patterns {
		for j, in := range mo.Input {
			weights[m*d.Inputs+in] = synapseWeight
			delays[m*d.Inputs+in] = uint16(d.MaxDelay - mo.Offset[j])
		}
	}
	return weights, delays
}

// writeNPY writes a C-order [rows, cols] matrix of little-endian uint16 as
// a NumPy .npy file, format version 1.0.
func writeNPY(w io.Writer, vals []uint16, rows, cols int) error {
	header := fmt.Sprintf("{'descr': '<u2', 'fortran_order': False, 'shape': (%d, %d), }", rows, cols)
	// magic (6) + version (2) + length (2) + header + padding + '\n' is a
	// multiple of 64.
	pad := 63 - (10+len(header))%64
	header += strings.Repeat(" ", pad) + "\n"
	if len(header) > math.MaxUint16 {
		return fmt.Errorf("npy header too long")
	}
	buf := []byte("\x93NUMPY\x01\x00")
	buf = binary.LittleEndian.AppendUint16(buf, uint16(len(header)))
	buf = append(buf, header...)
	for _, v := range vals {
		buf = binary.LittleEndian.AppendUint16(buf, v)
	}
	_, err := w.Write(buf)
	return err
}

func (d *Dataset) writeNet(w io.Writer) error {
	c := d.Config
	_, err := fmt.Fprintf(w, `# Precise spiking motifs: one detector neuron per motif (examples/motifs/README.md).
# Made by: go run ./examples/motifs generate -o DIR %s
#
# Motif m is a set of %d (input, offset) pairs, offsets in 0..%d (motifs.csv). Its
# detector has a synapse from each of those inputs with delay %d - offset, so an
# occurrence with onset t brings all its spikes to the detector at step t + %d.
# Detector: du = dv = 4095, so u is only this step's input and v keeps v/4096 of
# the step before (nothing below 32 arrivals); an arrival adds weight %d · 2^6 = %d,
# and vth %d puts the threshold at %d: v = %d·n > %d iff n >= %d arrivals (θ).
#   snnc simulate net.yaml --steps %d --input input.csv -o spikes.csv
version: 1
populations:
  - name: %s
    size: %d
    model: input
  - name: %s
    size: %d
    model: lif
    params: {du: 4095, dv: 4095, vth: %d, refractory: %d}
projections:
  - from: %s
    to: %s
    # [%d, %d]: row = detector, column = input; %d where the motif uses the input, else 0 (no synapse)
    weights: {file: weights.npy}
    weight_exp: 0
    weight_bits: 8
    sign_mode: excitatory
    # [%d, %d]: %d - offset where the motif uses the input, else 1 (no synapse; the format wants a delay)
    delays: {file: delays.npy}
`, c.args(),
		c.K, c.MaxDelay-1, c.MaxDelay, c.Latency(),
		synapseWeight, synapseWeight*64, c.vth(), c.vth()*64, synapseWeight*64, c.vth()*64, c.Threshold,
		c.Steps,
		inputPop, c.Inputs, detectorPop, c.Motifs, c.vth(), c.Refractory,
		inputPop, detectorPop,
		c.Motifs, c.Inputs, synapseWeight,
		c.Motifs, c.Inputs, c.MaxDelay)
	return err
}

// writeInput writes the raster as an snnc spike file, sorted by step,
// then index.
func (d *Dataset) writeInput(w io.Writer) error {
	if _, err := io.WriteString(w, spikes.Header+"\n"); err != nil {
		return err
	}
	var line []byte
	for t := range d.Steps {
		for k, word := range d.raster[t*d.words : (t+1)*d.words] {
			for word != 0 {
				i := k*64 + bits.TrailingZeros64(word)
				word &= word - 1
				line = strconv.AppendInt(line[:0], int64(t), 10)
				line = append(line, ","+inputPop+","...)
				line = strconv.AppendInt(line, int64(i), 10)
				line = append(line, '\n')
				if _, err := w.Write(line); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// truthComment is the first line of truth.csv; score reads the latency
// from it.
const truthComment = "# latency=%d: the detector of an occurrence with onset t should fire at step t+%d\n"

func (d *Dataset) writeTruth(w io.Writer) error {
	if _, err := fmt.Fprintf(w, truthComment+"motif,onset\n", d.Latency(), d.Latency()); err != nil {
		return err
	}
	for _, o := range d.Truth {
		if _, err := fmt.Fprintf(w, "%d,%d\n", o.Motif, o.Onset); err != nil {
			return err
		}
	}
	return nil
}

func (d *Dataset) writeMotifs(w io.Writer) error {
	if _, err := io.WriteString(w, "motif,input,offset,delay\n"); err != nil {
		return err
	}
	for m, mo := range d.Patterns {
		for j, in := range mo.Input {
			if _, err := fmt.Fprintf(w, "%d,%d,%d,%d\n", m, in, mo.Offset[j], d.MaxDelay-mo.Offset[j]); err != nil {
				return err
			}
		}
	}
	return nil
}

// writeSummary says what was generated and how to simulate it.
func (d *Dataset) writeSummary(w io.Writer, dir string) {
	c, s := d.Config, d.Stats
	fmt.Fprintf(w, "motifs: wrote %s: net.yaml, weights.npy, delays.npy [%d, %d], input.csv, truth.csv, motifs.csv\n",
		dir, c.Motifs, c.Inputs)
	fmt.Fprintf(w, "  %d inputs; %d motifs of %d spikes on distinct inputs, offsets 0..%d (synaptic delays 1..%d); a detector fires on %d of %d (vth %d)\n",
		c.Inputs, c.Motifs, c.K, c.MaxDelay-1, c.MaxDelay, c.Threshold, c.K, c.vth())
	fmt.Fprintf(w, "  %d steps; %d occurrences (%d per motif), each detected at onset + %d\n",
		c.Steps, len(d.Truth), c.Occurrences, c.Latency())
	fmt.Fprintf(w, "  %d input spikes: %d background (rate %s), %d from motifs (%d dropped at -drop %s, %d on a spike already there)\n",
		s.Spikes, s.Background, ftoa(c.Rate), s.Motif, s.Dropped, ftoa(c.Drop), s.Merged)
	fmt.Fprintf(w, "  mean input rate %.4f spikes per input per step\n", float64(s.Spikes)/float64(c.Inputs)/float64(c.Steps))
	fmt.Fprintf(w, "next: bin/snnc simulate %s --steps %d --input %s -o %s\n",
		filepath.Join(dir, "net.yaml"), c.Steps, filepath.Join(dir, "input.csv"), filepath.Join(dir, "spikes.csv"))
}

func generateCommand(args []string, stderr io.Writer) error {
	fs := newFlagSet("generate", stderr)
	c := DefaultConfig()
	c.addFlags(fs)
	dir := fs.String("o", "", "output directory (required)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *dir == "" {
		return usagef("-o DIR is required")
	}
	d, err := Generate(c)
	if err != nil {
		return err
	}
	if err := d.Write(*dir); err != nil {
		return err
	}
	d.writeSummary(stderr, *dir)
	return nil
}
