package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	loihisim "github.com/snnc/snnc/backend/loihi-sim"
	"github.com/snnc/snnc/compiler"
	"github.com/snnc/snnc/ir"
)

// buildSpec is a network of bench/networks for the construction workload,
// and what Brian2 needs to build the same one: an input population and a
// LIF population, each neuron with fanout distinct random LIF targets,
// integer weights uniform in driveW (from the inputs) and recW (recurrent)
// and delays uniform in 1..maxDelay. TestBuildSpecs checks it against the
// yaml.
type buildSpec struct {
	file             string // under bench/networks
	inputs, neurons  int
	fanout, maxDelay int
	driveW, recW     [2]int
	du, dv, refr     int
}

func buildSpecFor(quick bool) buildSpec {
	s := buildSpec{file: "random1M.yaml", inputs: 1000, neurons: 1_000_000, fanout: 100, maxDelay: 16,
		driveW: [2]int{0, 100}, recW: [2]int{-22, 17}, du: 410, dv: 205, refr: 2}
	if quick {
		s.file, s.inputs, s.neurons = "random10k.yaml", 100, 10_000
	}
	return s
}

func (s buildSpec) synapses() int64 { return int64(s.inputs+s.neurons) * int64(s.fanout) }

// buildResult is what a -child-mode build or map child reports.
type buildResult struct {
	ParseS          float64 // compiler.ParseFile: parse and generate the synapses
	ParsePeakBytes  int64   // VmHWM after parsing
	NewS, StepS     float64 // build: loihisim.New; one Step
	CompileS        float64 // map: compiler.Compile for the target
	Passes          []compiler.PassTime
	Cores, Chips    int
	RelayNeurons    int
	Neurons         int
	Synapses        int64 // of the parsed network
	PeakBytes       int64 // VmHWM at the end
	Threads         int
	ParseGOMAXPROCS int
}

// parse parses and generates the network at path, recording the time,
// the sizes and the peak memory so far.
func (res *buildResult) parse(path string) (*ir.Network, error) {
	res.ParseGOMAXPROCS = runtime.GOMAXPROCS(0)
	t0 := time.Now()
	net, err := compiler.ParseFile(path)
	if err != nil {
		return nil, err
	}
	res.ParseS = time.Since(t0).Seconds()
	res.Neurons, res.Synapses = net.Neurons(), net.Synapses()
	res.ParsePeakBytes, err = vmHWM()
	return net, err
}

// buildSNNC is the child of the construction workload: parse and generate
// the network, build the simulator, run one step.
func buildSNNC(path string, threads int) (buildResult, error) {
	res := buildResult{Threads: threads}
	net, err := res.parse(path)
	if err != nil {
		return res, err
	}
	t0 := time.Now()
	sim, err := loihisim.New(net, loihisim.Options{Threads: threads})
	if err != nil {
		return res, err
	}
	defer sim.Close()
	res.NewS = time.Since(t0).Seconds()
	t0 = time.Now()
	sim.Step(nil)
	res.StepS = time.Since(t0).Seconds()
	res.PeakBytes, err = vmHWM()
	return res, err
}

// mapSNNC is the mapping child: parse, then compile for the target (weight
// preparation, delay legalisation, partition, place, route; no files).
func mapSNNC(path, target string) (buildResult, error) {
	var res buildResult
	prof, err := loihisim.LoadTarget(target)
	if err != nil {
		return res, err
	}
	net, err := res.parse(path)
	if err != nil {
		return res, err
	}
	t0 := time.Now()
	c, err := compiler.Compile(net, compiler.Options{Target: prof})
	if err != nil {
		return res, err
	}
	res.CompileS = time.Since(t0).Seconds()
	res.Passes = c.Report.Passes
	if c.Mapped != nil {
		res.Cores = len(c.Mapped.Cores)
		chips := map[int]bool{}
		for _, k := range c.Mapped.Cores {
			chips[k.Chip] = true
		}
		res.Chips = len(chips)
	}
	if m := c.Report.Mapping; m != nil {
		res.RelayNeurons = m.RelayNeurons
	}
	res.PeakBytes, err = vmHWM()
	return res, err
}

// buildRow is the construction workload's figures.
type buildRow struct {
	spec        buildSpec
	path        string
	snnc        buildResult
	snncWall    float64
	mapped      *buildResult // nil: not run (-no-map)
	mapWall     float64
	brian       side // buildS: codegen + g++; simS: the one step; wallS: binary
	brianBuildS float64
	brianMethod string
	brianSyn    int64
	brianPhases []phaseMark
}

// runBuild runs the construction workload: snnc's parse + New child, its
// mapping child, then Brian2's build of the same network.
func runBuild(spec buildSpec, dir, python string, brian, doMap bool) (buildRow, error) {
	b := buildRow{spec: spec}
	var err error
	if b.path, err = benchFile(filepath.Join("networks", spec.file)); err != nil {
		return b, err
	}
	self, err := os.Executable()
	if err != nil {
		return b, err
	}
	out, wall, err := runChild(exec.Command(self, "-child", b.path, "-child-mode", "build"))
	if err != nil {
		return b, err
	}
	if err := json.Unmarshal(out, &b.snnc); err != nil {
		return b, fmt.Errorf("snnc build child output: %v", err)
	}
	b.snncWall = wall
	if b.snnc.Synapses != spec.synapses() {
		return b, fmt.Errorf("%s has %d synapses, the workload says %d", spec.file, b.snnc.Synapses, spec.synapses())
	}
	if doMap {
		out, wall, err := runChild(exec.Command(self, "-child", b.path, "-child-mode", "map", "-child-target", "loihi1"))
		if err != nil {
			return b, err
		}
		b.mapped = new(buildResult)
		if err := json.Unmarshal(out, b.mapped); err != nil {
			return b, fmt.Errorf("snnc map child output: %v", err)
		}
		b.mapWall = wall
	}
	if !brian {
		b.brian.note = "Brian2 not run"
		return b, nil
	}
	if err := runBrianBuild(&b, filepath.Join(dir, "build-"+strings.TrimSuffix(spec.file, ".yaml")), python); err != nil {
		b.brian = side{note: err.Error()}
		fmt.Fprintf(os.Stderr, "peer: %s: Brian2: %v\n", buildWorkload, err)
	}
	return b, nil
}

// runBrianBuild generates and compiles the Brian2 project, runs its binary
// from the launcher and reads the binary's peer_timing.txt.
func runBrianBuild(b *buildRow, wdir, python string) error {
	script, err := benchFile("peer/brian/construct.py")
	if err != nil {
		return err
	}
	s := b.spec
	proj := filepath.Join(wdir, "brian")
	args := []string{script, "--inputs", strconv.Itoa(s.inputs), "--n", strconv.Itoa(s.neurons),
		"--fanout", strconv.Itoa(s.fanout), "--max-delay", strconv.Itoa(s.maxDelay),
		"--drive-w", strconv.Itoa(s.driveW[0]), strconv.Itoa(s.driveW[1]),
		"--rec-w", strconv.Itoa(s.recW[0]), strconv.Itoa(s.recW[1]),
		"--du", strconv.Itoa(s.du), "--dv", strconv.Itoa(s.dv), "--refractory", strconv.Itoa(s.refr), "--dir", proj}
	out, _, err := runChild(exec.Command(python, args...))
	if err != nil {
		return err
	}
	var info struct {
		Build_s float64
		Method  string
	}
	if err := json.Unmarshal(lastLine(out), &info); err != nil {
		return fmt.Errorf("construct.py output %q: %v", out, err)
	}
	timing := filepath.Join(proj, "peer_timing.txt")
	os.Remove(timing) // a stale file must not pass for this run's
	self, err := os.Executable()
	if err != nil {
		return err
	}
	out, _, err = runChild(exec.Command(self, "-launch", filepath.Join(proj, "main")))
	if err != nil {
		return err
	}
	var l launched
	if err := json.Unmarshal(out, &l); err != nil {
		return fmt.Errorf("launcher output %q: %v", out, err)
	}
	raw, err := os.ReadFile(timing)
	if err != nil {
		return err
	}
	construct, run, syn, marks, err := parseTiming(string(raw))
	if err != nil {
		return fmt.Errorf("%s: %v", timing, err)
	}
	if syn != s.synapses() {
		return fmt.Errorf("Brian2 built %d synapses, want %d", syn, s.synapses())
	}
	b.brian = side{ok: true, buildS: construct, simS: run, wallS: l.WallS, maxRSS: max(l.PeakBytes, l.FloorB), threads: 1}
	b.brianBuildS, b.brianMethod, b.brianSyn, b.brianPhases = info.Build_s, info.Method, syn, marks
	return nil
}

// phaseMark is the end of one phase of Brian2's construction, in seconds
// since before brian_start().
type phaseMark struct {
	label string
	at    float64
}

// parseTiming reads peer_timing.txt (bench/peer/brian/construct.py): on
// line 1 construction seconds, run seconds, synapses; then a line per
// phase: label, seconds since the start.
func parseTiming(s string) (construct, run float64, syn int64, marks []phaseMark, err error) {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	f := strings.Fields(lines[0])
	if len(f) != 3 {
		return 0, 0, 0, nil, fmt.Errorf("line 1 %q: want 3 fields (construction s, run s, synapses)", lines[0])
	}
	if construct, err = strconv.ParseFloat(f[0], 64); err != nil {
		return
	}
	if run, err = strconv.ParseFloat(f[1], 64); err != nil {
		return
	}
	if syn, err = strconv.ParseInt(f[2], 10, 64); err != nil {
		return
	}
	for i, l := range lines[1:] {
		f := strings.Fields(l)
		if len(f) != 2 {
			return 0, 0, 0, nil, fmt.Errorf("line %d %q: want 2 fields (phase, seconds)", i+2, l)
		}
		at, err := strconv.ParseFloat(f[1], 64)
		if err != nil {
			return 0, 0, 0, nil, fmt.Errorf("line %d: %v", i+2, err)
		}
		marks = append(marks, phaseMark{f[0], at})
	}
	return construct, run, syn, marks, nil
}

// printBuild prints the construction workload's table.
func printBuild(b buildRow) {
	s := b.spec
	mib := func(x int64) float64 { return float64(x) / (1 << 20) }
	fmt.Printf("\n## %s: bench/networks/%s, %d neurons (%d inputs), %d synapses (fan-out %d, delays 1..%d)\n",
		buildWorkload, s.file, s.inputs+s.neurons, s.inputs, s.synapses(), s.fanout, s.maxDelay)
	fmt.Printf("%-30s %12s %10s %10s\n", "side", "construct s", "peak MiB", "proc s")
	n := b.snnc
	fmt.Printf("%-30s %12.2f %10.1f %10s\n", "snnc parse+generate", n.ParseS, mib(n.ParsePeakBytes), "")
	fmt.Printf("%-30s %12.2f %10s %10s\n", "snnc loihisim.New", n.NewS, "", "")
	fmt.Printf("%-30s %12.2f %10.1f %10.2f   (one step %.3f s)\n", "snnc total (ready to step)", n.ParseS+n.NewS, mib(n.PeakBytes), b.snncWall, n.StepS)
	if m := b.mapped; m != nil {
		fmt.Printf("%-30s %12.2f %10.1f %10.2f   (%d cores, %d chips, %d relays; own process)\n", "snnc parse + compile loihi1",
			m.ParseS+m.CompileS, mib(m.PeakBytes), b.mapWall, m.Cores, m.Chips, m.RelayNeurons)
		var ps []string
		for _, p := range m.Passes {
			ps = append(ps, fmt.Sprintf("%s %.2f", p.Name, p.Seconds))
		}
		fmt.Printf("%-30s parse %.2f, %s\n", "  passes, s", m.ParseS, strings.Join(ps, ", "))
	}
	if !b.brian.ok {
		fmt.Printf("%-30s %s\n", "brian2 1t", b.brian.note)
		return
	}
	fmt.Printf("%-30s %12.2f %10.1f %10.2f   (one step %.3f s; codegen+g++ %.1f s apart)\n", "brian2 1t construction",
		b.brian.buildS, mib(b.brian.maxRSS), b.brian.wallS, b.brian.simS, b.brianBuildS)
	var ps []string
	prev := 0.0
	for _, m := range b.brianPhases {
		ps = append(ps, fmt.Sprintf("%s %.2f", m.label, m.at-prev))
		prev = m.at
	}
	fmt.Printf("%-30s %s\n", "  phases, s", strings.Join(ps, ", "))
	fmt.Printf("brian2 synapses: %d, built by %s\n", b.brianSyn, b.brianMethod)
	fmt.Printf("ratio brian2/snnc construction time: %.2f (>1: snnc faster); peak memory brian2/snnc: %.2f\n",
		b.brian.buildS/(n.ParseS+n.NewS), float64(b.brian.maxRSS)/float64(n.PeakBytes))
}
