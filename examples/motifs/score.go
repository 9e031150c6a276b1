package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/snnc/snnc/compiler"
	"github.com/snnc/snnc/spikes"
)

// Detection is one spike of a detector neuron.
type Detection struct {
	Step, Detector int
}

// Score is how well detector spikes match the embedded occurrences. An
// occurrence of motif m with onset t is detected when detector m spikes at
// step t + latency, exactly; a detector spike is correct when it is such a
// detection.
type Score struct {
	Occurrences int
	Detected    int // occurrences detected at the exact step
	Spikes      int // detector spikes
	Correct     int // detector spikes that detect an occurrence
	// Of the false spikes: the right detector one step early or late, and
	// a detector firing at a step where another motif's detection is due.
	OffByOne, OtherMotif int
	PerMotif             []MotifScore
}

// MotifScore is one motif's share of a Score.
type MotifScore struct {
	Occurrences, Detected, Spikes, Correct int
}

// TPR is the share of occurrences detected at the exact step.
func (s Score) TPR() float64 { return ratio(s.Detected, s.Occurrences) }

// Precision is the share of detector spikes that detect an occurrence.
func (s Score) Precision() float64 { return ratio(s.Correct, s.Spikes) }

// TPR is the motif's share of occurrences detected.
func (s MotifScore) TPR() float64 { return ratio(s.Detected, s.Occurrences) }

// Precision is the share of the motif's detector spikes that are correct.
func (s MotifScore) Precision() float64 { return ratio(s.Correct, s.Spikes) }

// ratio is a/b, and 0 when b is 0 (no spikes: no precision to speak of).
func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// ScoreDetections scores detector spikes against the truth. motifs is the
// number of detectors (at least one more than the largest motif or
// detector seen is used when it is smaller).
func ScoreDetections(truth []Occurrence, spikes []Detection, latency, motifs int) Score {
	for _, o := range truth {
		motifs = max(motifs, o.Motif+1)
	}
	for _, d := range spikes {
		motifs = max(motifs, d.Detector+1)
	}
	s := Score{Occurrences: len(truth), PerMotif: make([]MotifScore, motifs)}
	type key struct{ motif, step int }
	due := make(map[key]bool, len(truth)) // detection due; true once seen
	dueAt := make(map[int]int)            // step -> detections due at it
	for _, o := range truth {
		k := key{o.Motif, o.Onset + latency}
		if _, dup := due[k]; !dup {
			dueAt[k.step]++
		}
		due[k] = false
		s.PerMotif[o.Motif].Occurrences++
	}
	for _, d := range spikes {
		s.Spikes++
		pm := &s.PerMotif[d.Detector]
		pm.Spikes++
		k := key{d.Detector, d.Step}
		if seen, ok := due[k]; ok {
			if !seen {
				due[k] = true
				s.Correct++
				pm.Correct++
			}
			continue
		}
		_, early := due[key{d.Detector, d.Step + 1}]
		_, late := due[key{d.Detector, d.Step - 1}]
		switch {
		case early || late:
			s.OffByOne++
		case dueAt[d.Step] > 0:
			s.OtherMotif++
		}
	}
	for _, o := range truth {
		if due[key{o.Motif, o.Onset + latency}] {
			s.Detected++
			s.PerMotif[o.Motif].Detected++
		}
	}
	return s
}

// WriteTable writes the score as a small table; perMotif adds a row per
// motif.
func (s Score) WriteTable(w io.Writer, latency int, perMotif bool) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "occurrences\t%d\t\n", s.Occurrences)
	fmt.Fprintf(tw, "detected at onset+%d\t%d\tTPR %s\n", latency, s.Detected, percent(s.TPR()))
	fmt.Fprintf(tw, "detector spikes\t%d\t\n", s.Spikes)
	fmt.Fprintf(tw, "correct spikes\t%d\tprecision %s\n", s.Correct, percent(s.Precision()))
	fmt.Fprintf(tw, "false spikes\t%d\t%d one step off, %d at another motif's detection step\n",
		s.Spikes-s.Correct, s.OffByOne, s.OtherMotif)
	worstTPR, worstPrec := -1, -1
	for m, pm := range s.PerMotif {
		if pm.Occurrences > 0 && (worstTPR < 0 || pm.TPR() < s.PerMotif[worstTPR].TPR()) {
			worstTPR = m
		}
		if pm.Spikes > 0 && (worstPrec < 0 || pm.Precision() < s.PerMotif[worstPrec].Precision()) {
			worstPrec = m
		}
	}
	if worstTPR >= 0 {
		fmt.Fprintf(tw, "lowest motif TPR\t%s\tmotif %d\n", percent(s.PerMotif[worstTPR].TPR()), worstTPR)
	}
	if worstPrec >= 0 {
		fmt.Fprintf(tw, "lowest motif precision\t%s\tmotif %d\n", percent(s.PerMotif[worstPrec].Precision()), worstPrec)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if !perMotif {
		return nil
	}
	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "motif\toccurrences\tdetected\tspikes\tcorrect\tTPR\tprecision\t")
	for m, pm := range s.PerMotif {
		fmt.Fprintf(tw, "%d\t%d\t%d\t%d\t%d\t%s\t%s\t\n", m, pm.Occurrences, pm.Detected, pm.Spikes, pm.Correct, percent(pm.TPR()), percent(pm.Precision()))
	}
	return tw.Flush()
}

func percent(f float64) string { return fmt.Sprintf("%.2f %%", 100*f) }

var latencyComment = regexp.MustCompile(`latency=(\d+)`)

// ReadTruth reads a truth file: comment lines (#), the header
// motif,onset, then one row per occurrence. latency is the value of a
// "latency=L" comment, or -1.
func ReadTruth(path string) (truth []Occurrence, latency int, err error) {
	latency = -1
	header := false
	err = readLines(path, func(line string, n int) error {
		if strings.HasPrefix(line, "#") {
			if m := latencyComment.FindStringSubmatch(line); m != nil && latency < 0 {
				latency, _ = strconv.Atoi(m[1])
			}
			return nil
		}
		cells := splitCSV(line)
		if !header {
			if len(cells) != 2 || cells[0] != "motif" || cells[1] != "onset" {
				return fmt.Errorf("%s:%d: header %q, expected motif,onset", path, n, line)
			}
			header = true
			return nil
		}
		if len(cells) != 2 {
			return fmt.Errorf("%s:%d: %d fields, expected 2 (motif,onset)", path, n, len(cells))
		}
		m, err1 := atoi(cells[0])
		t, err2 := atoi(cells[1])
		if err1 != nil || err2 != nil {
			return fmt.Errorf("%s:%d: %q is not motif,onset (two integers >= 0)", path, n, line)
		}
		truth = append(truth, Occurrence{Motif: m, Onset: t})
		return nil
	})
	if err == nil && !header {
		err = fmt.Errorf("%s: no header motif,onset", path)
	}
	return truth, latency, err
}

// ReadDetections reads the spikes of population pop from an snnc spike
// file, checked against the network that made it (spikes.ReadFile: the
// header, every population and index, no spike twice).
func ReadDetections(path, netPath, pop string) ([]Detection, error) {
	net, err := compiler.ParseFile(netPath)
	if err != nil {
		return nil, err
	}
	tr, err := spikes.ReadPopulationFile(path, net, pop)
	out := make([]Detection, len(tr))
	for i, sp := range tr {
		out[i] = Detection{Step: int(sp.Step), Detector: int(sp.Neuron)}
	}
	return out, err
}

// readLines calls f with each non-blank line of path (a byte order mark
// and CRs removed) and its 1-based number.
func readLines(path string, f func(line string, n int) error) error {
	file, err := os.Open(path)
	if err != nil {
		return err
	}
	defer file.Close()
	sc := bufio.NewScanner(file)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if n == 1 {
			line = strings.TrimPrefix(line, "\ufeff")
		}
		if line == "" {
			continue
		}
		if err := f(line, n); err != nil {
			return &usageError{err.Error()}
		}
	}
	return sc.Err()
}

func splitCSV(line string) []string {
	cells := strings.Split(line, ",")
	for i := range cells {
		cells[i] = strings.TrimSpace(cells[i])
	}
	return cells
}

func atoi(s string) (int, error) {
	v, err := strconv.Atoi(s)
	if err == nil && v < 0 {
		err = fmt.Errorf("negative")
	}
	return v, err
}

func scoreCommand(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("score", stderr)
	truthPath := fs.String("truth", "", "truth.csv of generate (required)")
	spikesPath := fs.String("spikes", "", "the detector spikes, as snnc simulate writes them (required)")
	netPath := fs.String("net", "", "the network the spikes come from (default: net.yaml beside -truth)")
	latency := fs.Int("latency", -1, "steps from onset to detection (default: from truth.csv's latency= comment)")
	pop := fs.String("population", detectorPop, "the detector population in the spike file")
	perMotif := fs.Bool("per-motif", false, "add a row per motif")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *truthPath == "" || *spikesPath == "" {
		return usagef("-truth and -spikes are required")
	}
	truth, lat, err := ReadTruth(*truthPath)
	if err != nil {
		return err
	}
	if *latency < 0 {
		if lat < 0 {
			return usagef("%s has no latency= comment: give -latency", *truthPath)
		}
		*latency = lat
	}
	if *netPath == "" {
		*netPath = filepath.Join(filepath.Dir(*truthPath), "net.yaml")
	}
	detections, err := ReadDetections(*spikesPath, *netPath, *pop)
	if err != nil {
		return err
	}
	return ScoreDetections(truth, detections, *latency, 0).WriteTable(stdout, *latency, *perMotif)
}
