package build

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Options control a bitstream build.
type Options struct {
	// Seed is nextpnr's placement seed: one seed, one bitstream.
	Seed int
	// CacheDir is the cache's root; empty: CacheRoot().
	CacheDir string
	// Rebuild runs the flow even when the cache holds the bitstream (and
	// replaces the cached one).
	Rebuild bool
	// Progress, when set, hears about each step.
	Progress Progress
}

// Progress hears about each step of the flow as it runs (the CLI shows a
// spinner with the elapsed time).
type Progress interface {
	Begin(step string)
	End(step string, elapsed time.Duration, err error)
}

// FlowReport is what the flow found: the resources the design uses, the
// frequency it reaches and the tools that made it. It is cached with the
// bitstream, so a cache hit reports the same figures.
type FlowReport struct {
	Seed      int           `json:"seed"`
	Key       string        `json:"cache_key"`
	Tools     []ToolVersion `json:"tools"`
	Resources []Resource    `json:"resources"`
	// Clocks are nextpnr's timing per clock domain.
	Clocks    []ClockTiming `json:"clocks"`
	TargetMHz float64       `json:"target_mhz"`
	// FmaxMHz is nextpnr's achieved frequency of the slowest clock.
	FmaxMHz float64 `json:"fmax_mhz"`
	// IcetimeMHz and IcetimeNs are icetime's estimate of the longest path.
	IcetimeMHz float64 `json:"icetime_mhz"`
	IcetimeNs  float64 `json:"icetime_path_ns"`
	// TimingMet says nextpnr's FmaxMHz reaches TargetMHz.
	TimingMet bool `json:"timing_met"`

	// CacheHit says the bitstream came from the cache; Warnings are
	// troubles that did not stop the build (a cache that cannot be
	// written). Neither goes into the report files, which must not depend
	// on the state of the cache.
	CacheHit bool     `json:"-"`
	Warnings []string `json:"-"`
}

// Resource is one kind of FPGA resource: how many the design uses of the
// device's.
type Resource struct {
	Name      string `json:"name"`
	Cell      string `json:"cell"` // nextpnr's name
	Used      int    `json:"used"`
	Available int    `json:"available"`
}

// ClockTiming is nextpnr's timing of one clock.
type ClockTiming struct {
	Clock         string  `json:"clock"`
	AchievedMHz   float64 `json:"achieved_mhz"`
	ConstraintMHz float64 `json:"constraint_mhz"`
}

// resourceNames are the cells of nextpnr's utilisation report that the
// report shows, in order, with their names for people.
// The first four always appear (0 of 0 where the device has none, as
// nextpnr leaves SPRAM and DSP out of the HX8K's report), so that reports
// of every board have the same rows.
var resourceNames = []struct {
	cell, name string
	always     bool
}{
	{"ICESTORM_LC", "logic cells", true},
	{"ICESTORM_RAM", "block RAM (4 Kbit)", true},
	{"ICESTORM_SPRAM", "SPRAM (256 Kbit)", true},
	{"ICESTORM_DSP", "DSP (SB_MAC16)", true},
	{"ICESTORM_PLL", "PLL", false},
	{"SB_IO", "I/O", false},
	{"SB_GB", "global buffers", false},
}

// TimingError is a design that nextpnr placed and routed but that does not
// reach the core clock. The bitstream is written all the same (it may work
// at room temperature); the error says by how much it misses.
type TimingError struct {
	Board               string
	FmaxMHz, TargetMHz  float64
	IcetimeMHz          float64
	Seed                int
	NextpnrLog, Bitfile string
}

func (e *TimingError) Error() string {
	return fmt.Sprintf("board %s: timing not met: nextpnr reaches %.2f MHz (icetime %.2f MHz), the core clock needs %g MHz (seed %d; see %s); the bitstream %s was written but may not work",
		e.Board, e.FmaxMHz, e.IcetimeMHz, e.TargetMHz, e.Seed, e.NextpnrLog, e.Bitfile)
}

// CacheRoot is snnc's cache directory: $SNNC_CACHE_DIR, or snnc in the
// user's cache directory (~/.cache/snnc on Linux).
func CacheRoot() (string, error) {
	if d := os.Getenv("SNNC_CACHE_DIR"); d != "" {
		return d, nil
	}
	d, err := os.UserCacheDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(d, "snnc"), nil
}

// cachedFiles are what a cache entry holds besides flowFile, relative to
// the output directory.
var cachedFiles = []string{AscFile, BinFile}

const flowFile = "flow.json"

// Run makes the bitstream of src in dir (dir/snnc.asc, dir/snnc.bin and
// the tools' logs in dir/logs), or copies it there from the cache. tools
// come from FindTools. A design that misses its clock returns the report
// and a *TimingError, with every file written.
func Run(ctx context.Context, src *Sources, dir string, tools []ToolVersion, opt Options) (*FlowReport, error) {
	key := src.Key(tools, opt.Seed)
	root := opt.CacheDir
	if root == "" {
		var err error
		if root, err = CacheRoot(); err != nil {
			root = ""
		}
	}
	entry := ""
	if root != "" {
		entry = filepath.Join(root, "bitstreams", key)
	}
	if entry != "" && !opt.Rebuild {
		rep, err := fromCache(entry, dir)
		if err == nil {
			rep.CacheHit = true
			return rep, timingError(src, rep, dir)
		}
		if !errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("bitstream cache %s: %w (run with --rebuild to replace it)", entry, err)
		}
	}
	rep := &FlowReport{Seed: opt.Seed, Key: key, Tools: tools, TargetMHz: src.Board.CoreMHz}
	if err := os.MkdirAll(filepath.Join(dir, LogDir), 0o755); err != nil {
		return nil, err
	}
	for _, st := range src.steps(opt.Seed) {
		if opt.Progress != nil {
			opt.Progress.Begin(st.tool)
		}
		start := time.Now()
		err := st.run(ctx, dir, tools)
		if opt.Progress != nil {
			opt.Progress.End(st.tool, time.Since(start), err)
		}
		if err != nil {
			return nil, err
		}
		switch st.tool {
		case "nextpnr-ice40":
			if err := rep.readNextpnr(filepath.Join(dir, nextpnrReport)); err != nil {
				return nil, fmt.Errorf("nextpnr-ice40: %w", err)
			}
		case "icetime":
			log, err := os.ReadFile(filepath.Join(dir, LogDir, "icetime.log"))
			if err != nil {
				return nil, err
			}
			if rep.IcetimeNs, rep.IcetimeMHz, err = parseIcetime(log); err != nil {
				return nil, fmt.Errorf("icetime: %w (log %s)", err, filepath.Join(dir, LogDir, "icetime.log"))
			}
		}
	}
	// The netlist is large and the bitstream and logs say what it made.
	os.Remove(filepath.Join(dir, netlistFile))
	if entry != "" {
		if err := toCache(entry, dir, rep); err != nil {
			rep.Warnings = append(rep.Warnings, fmt.Sprintf("the bitstream was not cached: %v", err))
		}
	}
	return rep, timingError(src, rep, dir)
}

func timingError(src *Sources, rep *FlowReport, dir string) error {
	if rep.TimingMet {
		return nil
	}
	return &TimingError{Board: src.Board.Name, FmaxMHz: rep.FmaxMHz, TargetMHz: rep.TargetMHz, IcetimeMHz: rep.IcetimeMHz,
		Seed: rep.Seed, NextpnrLog: filepath.Join(dir, LogDir, "nextpnr-ice40.log"), Bitfile: filepath.Join(dir, BinFile)}
}

// timingFailed tells nextpnr's exit status 1 for a missed --freq (the
// design is complete) from a real failure: every error it logged is a
// "Max frequency ... FAIL" line.
func timingFailed(log []byte) bool {
	found := false
	for _, line := range strings.Split(string(log), "\n") {
		if !strings.HasPrefix(line, "ERROR:") {
			continue
		}
		if !strings.Contains(line, "Max frequency for clock") || !strings.Contains(line, "FAIL at") {
			return false
		}
		found = true
	}
	return found
}

// readNextpnr reads nextpnr's --report: utilisation and fmax per clock.
func (r *FlowReport) readNextpnr(path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	var nr struct {
		Fmax map[string]struct {
			Achieved   float64 `json:"achieved"`
			Constraint float64 `json:"constraint"`
		} `json:"fmax"`
		Utilization map[string]struct {
			Available int `json:"available"`
			Used      int `json:"used"`
		} `json:"utilization"`
	}
	if err := json.Unmarshal(data, &nr); err != nil {
		return fmt.Errorf("report %s: %w", path, err)
	}
	if len(nr.Fmax) == 0 || len(nr.Utilization) == 0 {
		return fmt.Errorf("report %s has no fmax or utilization", path)
	}
	r.Resources = r.Resources[:0]
	for _, rn := range resourceNames {
		if u, ok := nr.Utilization[rn.cell]; ok || rn.always {
			r.Resources = append(r.Resources, Resource{Name: rn.name, Cell: rn.cell, Used: u.Used, Available: u.Available})
		}
	}
	r.Clocks = r.Clocks[:0]
	for name, f := range nr.Fmax {
		r.Clocks = append(r.Clocks, ClockTiming{Clock: name, AchievedMHz: round2(f.Achieved), ConstraintMHz: round2(f.Constraint)})
	}
	sort.Slice(r.Clocks, func(i, j int) bool { return r.Clocks[i].Clock < r.Clocks[j].Clock })
	r.FmaxMHz = math.Inf(1)
	r.TimingMet = true
	for _, c := range r.Clocks {
		r.FmaxMHz = min(r.FmaxMHz, c.AchievedMHz)
		if c.AchievedMHz < c.ConstraintMHz {
			r.TimingMet = false
		}
	}
	return nil
}

// round2 keeps two decimals: nextpnr's figures are float32s, whose last
// digits say nothing.
func round2(x float64) float64 { return math.Round(x*100) / 100 }

var icetimeTotal = regexp.MustCompile(`Total path delay: ([0-9.]+) ns \(([0-9.]+) MHz\)`)

// parseIcetime finds icetime's "Total path delay: 35.60 ns (28.09 MHz)".
func parseIcetime(log []byte) (ns, mhz float64, err error) {
	m := icetimeTotal.FindSubmatch(log)
	if m == nil {
		return 0, 0, errors.New(`no "Total path delay" line in its output`)
	}
	ns, _ = strconv.ParseFloat(string(m[1]), 64)
	mhz, _ = strconv.ParseFloat(string(m[2]), 64)
	return ns, mhz, nil
}

// fromCache copies a cached bitstream and its logs into dir.
func fromCache(entry, dir string) (*FlowReport, error) {
	data, err := os.ReadFile(filepath.Join(entry, flowFile))
	if err != nil {
		return nil, err
	}
	var rep FlowReport
	if err := json.Unmarshal(data, &rep); err != nil {
		return nil, fmt.Errorf("%s: %w", flowFile, err)
	}
	files := append([]string{}, cachedFiles...)
	logs, err := os.ReadDir(filepath.Join(entry, LogDir))
	if err != nil {
		return nil, fmt.Errorf("logs: %w", err)
	}
	for _, l := range logs {
		files = append(files, filepath.Join(LogDir, l.Name()))
	}
	if err := os.MkdirAll(filepath.Join(dir, LogDir), 0o755); err != nil {
		return nil, err
	}
	for _, f := range files {
		if err := copyFile(filepath.Join(entry, f), filepath.Join(dir, f)); err != nil {
			if errors.Is(err, os.ErrNotExist) {
				return nil, fmt.Errorf("incomplete entry: %w", err)
			}
			return nil, err
		}
	}
	return &rep, nil
}

// toCache stores the bitstream, the logs and the report under entry. It
// fills a temporary directory and renames it, so that a reader never sees
// half an entry and two builds of one key do not mix their files.
func toCache(entry, dir string, rep *FlowReport) error {
	parent := filepath.Dir(entry)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp(parent, "tmp-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	files := append([]string{}, cachedFiles...)
	logs, err := os.ReadDir(filepath.Join(dir, LogDir))
	if err != nil {
		return err
	}
	for _, l := range logs {
		files = append(files, filepath.Join(LogDir, l.Name()))
	}
	if err := os.MkdirAll(filepath.Join(tmp, LogDir), 0o755); err != nil {
		return err
	}
	for _, f := range files {
		if err := copyFile(filepath.Join(dir, f), filepath.Join(tmp, f)); err != nil {
			return err
		}
	}
	data, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(tmp, flowFile), append(data, '\n'), 0o644); err != nil {
		return err
	}
	if err := os.RemoveAll(entry); err != nil {
		return err
	}
	if err := os.Rename(tmp, entry); err != nil && !exists(entry) {
		return err
	}
	return nil
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
