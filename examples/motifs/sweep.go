package main

import (
	"fmt"
	"io"
	"math"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"text/tabwriter"
	"time"
)

// point is one setting of a sweep and what it gave.
type point struct {
	cfg   Config
	score Score
	rate  float64 // measured mean input rate, spikes per input per step
	err   error
}

// evaluate generates cfg's dataset into a temporary directory, simulates
// it on the reference simulator and scores the detector spikes.
func evaluate(cfg Config) point {
	p := point{cfg: cfg}
	d, err := Generate(cfg)
	if err != nil {
		p.err = err
		return p
	}
	p.rate = float64(d.Stats.Spikes) / float64(cfg.Inputs) / float64(cfg.Steps)
	dir, err := os.MkdirTemp("", "motifs-sweep-")
	if err != nil {
		p.err = err
		return p
	}
	defer os.RemoveAll(dir)
	if p.err = d.Write(dir); p.err != nil {
		return p
	}
	run, err := SimulateDir(dir, cfg.Steps, nil)
	if err != nil {
		p.err = err
		return p
	}
	p.score = ScoreDetections(d.Truth, run.Detections, cfg.Latency(), cfg.Motifs)
	return p
}

// evaluateAll evaluates the configurations on up to GOMAXPROCS
// goroutines; the results are in the order of cfgs.
func evaluateAll(cfgs []Config) []point {
	out := make([]point, len(cfgs))
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(cfgs)) {
		wg.Go(func() {
			for i := range next {
				out[i] = evaluate(cfgs[i])
			}
		})
	}
	for i := range cfgs {
		next <- i
	}
	close(next)
	wg.Wait()
	return out
}

// binomialTail is P(X >= k) for X ~ Binomial(n, p).
func binomialTail(n, k int, p float64) float64 {
	if k <= 0 {
		return 1
	}
	sum := 0.0
	for j := k; j <= n; j++ {
		lg := lgamma(n+1) - lgamma(j+1) - lgamma(n-j+1)
		sum += math.Exp(lg + float64(j)*math.Log(p) + float64(n-j)*math.Log1p(-p))
	}
	return sum
}

func lgamma(x int) float64 {
	v, _ := math.Lgamma(float64(x))
	return v
}

// predicted returns what the independent-spike estimate expects: false
// detections (every detector, every step: θ or more of its K inputs
// spiking at the right offsets by chance, at the measured input rate) and
// the share of occurrences missed (more than K-θ of its spikes dropped;
// background spikes filling the holes ignored).
func predicted(p point) (falses, missed float64) {
	c := p.cfg
	detectorSteps := float64(c.Motifs) * float64(c.Steps-c.MaxDelay)
	falses = detectorSteps * binomialTail(c.K, c.Threshold, p.rate)
	missed = 1 - binomialTail(c.K, c.Threshold, 1-c.Drop)
	return falses, missed
}

// cell formats a point as TPR/precision in percent, marked when either is
// below 95 %.
func cell(p point) string {
	if p.err != nil {
		return "error"
	}
	s := fmt.Sprintf("%.1f/%.1f", 100*p.score.TPR(), 100*p.score.Precision())
	if p.score.TPR() < 0.95 || p.score.Precision() < 0.95 {
		s += " ✗"
	}
	return s
}

// grid evaluates the configurations base.with(row, col) and writes them
// as a table: one row per row value, one column per column value.
func grid[R, C any](w io.Writer, title, rowName string, rows []R, colName string, cols []C, showRate bool, base Config, set func(c *Config, r R, col C)) error {
	var cfgs []Config
	for _, r := range rows {
		for _, col := range cols {
			c := base
			set(&c, r, col)
			cfgs = append(cfgs, c)
		}
	}
	pts := evaluateAll(cfgs)
	fmt.Fprintf(w, "%s\n\n", title)
	// A Markdown table: each line starts with "|", tabwriter's Debug
	// mode ends every cell with one.
	tw := tabwriter.NewWriter(w, 0, 0, 1, ' ', tabwriter.Debug)
	head := []string{rowName + " \\ " + colName}
	if showRate {
		head = append(head, "input rate")
	}
	for _, col := range cols {
		head = append(head, fmt.Sprint(col))
	}
	head = append(head, "false detections, predicted/measured")
	line := func(cells []string) {
		fmt.Fprint(tw, "|")
		for _, c := range cells {
			fmt.Fprintf(tw, " %s \t", c)
		}
		fmt.Fprintln(tw)
	}
	line(head)
	rule := make([]string, len(head))
	for i := range rule {
		rule[i] = "---"
	}
	line(rule)
	for i, r := range rows {
		row := pts[i*len(cols) : (i+1)*len(cols)]
		cells := []string{fmt.Sprint(r)}
		if showRate {
			cells = append(cells, fmt.Sprintf("%.4f", row[0].rate))
		}
		var fp []string
		for _, p := range row {
			if p.err != nil {
				return p.err
			}
			cells = append(cells, cell(p))
			f, _ := predicted(p)
			fp = append(fp, fmt.Sprintf("%s/%d", approx(f), p.score.Spikes-p.score.Correct))
		}
		line(append(cells, strings.Join(fp, " ")))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w)
	return nil
}

// approx writes an expected count briefly: 0, 0.3, 12, 4.5e+03.
func approx(f float64) string {
	switch {
	case f < 0.05:
		return "0"
	case f < 10:
		return strconv.FormatFloat(f, 'f', 1, 64)
	case f < 1e4:
		return strconv.FormatFloat(f, 'f', 0, 64)
	}
	return strconv.FormatFloat(f, 'e', 1, 64)
}

// parseList reads a comma-separated list of numbers.
func parseList[T int | float64](flagName, s string) ([]T, error) {
	var out []T
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		v, err := strconv.ParseFloat(f, 64)
		if err != nil || float64(T(v)) != v {
			return nil, usagef("-%s: %q is not a number of the list", flagName, f)
		}
		out = append(out, T(v))
	}
	return out, nil
}

func sweepCommand(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("sweep", stderr)
	base := DefaultConfig()
	base.addFlags(fs)
	rates := fs.String("rates", "0.01,0.02,0.05,0.1,0.2,0.3", "background rates of table 1")
	thresholds := fs.String("thresholds", "8,10,12,14,16", "thresholds θ of tables 1 and 2 (each at most -k)")
	drops := fs.String("drops", "0,0.05,0.1,0.2,0.3", "drop probabilities of table 2")
	ks := fs.String("ks", "4,6,8,12,16,24,32", "motif sizes K of table 3 (θ = 3K/4, rounded up)")
	k3rates := fs.String("k-rates", "0.01,0.05,0.1,0.2", "background rates of table 3")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	rs, err := parseList[float64]("rates", *rates)
	if err != nil {
		return err
	}
	ths, err := parseList[int]("thresholds", *thresholds)
	if err != nil {
		return err
	}
	ds, err := parseList[float64]("drops", *drops)
	if err != nil {
		return err
	}
	kl, err := parseList[int]("ks", *ks)
	if err != nil {
		return err
	}
	k3, err := parseList[float64]("k-rates", *k3rates)
	if err != nil {
		return err
	}
	for _, th := range ths {
		c := base
		c.Threshold = th
		if err := c.Check(); err != nil {
			return err
		}
	}
	start := time.Now()
	fmt.Fprintf(stdout, "motifs sweep: %s (each cell: TPR/precision in %%, ✗ where either is below 95 %%)\n\n", base.args())
	if err := grid(stdout, fmt.Sprintf("Table 1: background rate × threshold θ (K = %d, drop = %s)", base.K, ftoa(base.Drop)),
		"rate", rs, "θ", ths, true, base, func(c *Config, r float64, th int) { c.Rate, c.Threshold = r, th }); err != nil {
		return err
	}
	if err := grid(stdout, fmt.Sprintf("Table 2: drop probability × threshold θ (K = %d, rate = %s)", base.K, ftoa(base.Rate)),
		"drop", ds, "θ", ths, true, base, func(c *Config, d float64, th int) { c.Drop, c.Threshold = d, th }); err != nil {
		return err
	}
	if err := grid(stdout, fmt.Sprintf("Table 3: motif size K (θ = ⌈3K/4⌉) × background rate (drop = %s)", ftoa(base.Drop)),
		"K", kl, "rate", k3, false, base, func(c *Config, k int, r float64) { c.K, c.Threshold, c.Rate = k, (3*k+3)/4, r }); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "motifs sweep: %d settings in %s\n",
		len(rs)*len(ths)+len(ds)*len(ths)+len(kl)*len(k3), time.Since(start).Round(time.Second/10))
	return nil
}
