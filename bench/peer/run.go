package main

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/snnc/snnc/compiler"
	"github.com/snnc/snnc/ir"
)

// side is one simulator's figures for one workload.
type side struct {
	ok        bool
	note      string  // why a side did not run
	buildS    float64 // snnc: parse + New; Brian2: code generation + g++
	simS      float64 // the simulation loop alone
	wallS     float64 // the whole child process
	maxRSS    int64   // bytes, the child's own peak
	events    float64 // synaptic events (Brian2: spikes × mean fan-out)
	spikes    int64   // LIF spikes
	inSpikes  int64   // Poisson input spikes (ffdelay)
	allocStep float64 // snnc: heap allocations per step
	threads   int     // snnc: loihisim.Options.Threads; Brian2: 1
	ran       int     // snnc: the goroutines it used (fewer for small networks)
}

type row struct {
	w          workload
	steps      int
	synapses   int64
	snnc       []side // one per thread count, in -threads order
	brian      side
	threadsErr error // the snnc runs' spikes differ (compareThreads)
}

func exec1(name string, args ...string) error {
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("%v: %s", err, bytes.TrimSpace(out))
	}
	return nil
}

// runChild runs cmd and returns its stdout and wall time.
func runChild(cmd *exec.Cmd) ([]byte, float64, error) {
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	t0 := time.Now()
	err := cmd.Run()
	wall := time.Since(t0).Seconds()
	if err != nil {
		return nil, 0, fmt.Errorf("%s: %v: %s", filepath.Base(cmd.Path), err, lastLines(errb.String(), 5))
	}
	return out.Bytes(), wall, nil
}

// launched is what -launch reports.
type launched struct {
	WallS     float64
	PeakBytes int64 // the program's ru_maxrss
	FloorB    int64 // the launcher's own peak: ru_maxrss is at least this
}

// launchProgram runs path in its directory from a fresh, small process.
// Why not from the harness itself: Go starts children with vfork, and
// Linux carries the parent's RSS high-water mark into the child's
// ru_maxrss at exec, so a child of the harness (which has parsed the
// networks) would report the harness's peak, not its own. From this
// launcher the figure is exact above the launcher's own few MiB (FloorB).
func launchProgram(path string) (launched, error) {
	var l launched
	cmd := exec.Command(path)
	cmd.Dir = filepath.Dir(path)
	_, wall, err := runChild(cmd)
	if err != nil {
		return l, err
	}
	l.WallS = wall
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		l.PeakBytes = ru.Maxrss * 1024 // kilobytes on Linux
	}
	l.FloorB, err = vmHWM()
	return l, err
}

// vmHWM returns this process's peak resident set (VmHWM), which, unlike
// ru_maxrss, starts afresh at exec.
func vmHWM() (int64, error) {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			f := strings.Fields(rest)
			if len(f) == 2 && f[1] == "kB" {
				kb, err := strconv.ParseInt(f[0], 10, 64)
				return kb * 1024, err
			}
		}
	}
	return 0, fmt.Errorf("no VmHWM in /proc/self/status")
}

func lastLines(s string, n int) string {
	l := strings.Split(strings.TrimSpace(s), "\n")
	return strings.Join(l[max(0, len(l)-n):], " | ")
}

func runWorkload(w workload, steps int, threads []int, dir, python string, brian bool, cpuprof string) (row, error) {
	r := row{w: w, steps: steps}
	wdir := filepath.Join(dir, w.name)
	netPath, err := writeNet(w, wdir)
	if err != nil {
		return r, err
	}
	if w.inputs > 0 {
		if err := writeInputCSV(filepath.Join(wdir, "input.csv"), poissonInputs(w.inputs, steps)); err != nil {
			return r, err
		}
	}
	net, err := compiler.ParseFile(netPath)
	if err != nil {
		return r, err
	}
	r.synapses = net.Synapses()

	self, err := os.Executable()
	if err != nil {
		return r, err
	}
	var runs []threadRun
	for _, th := range threads {
		args := []string{"-child", netPath, "-child-inputs", strconv.Itoa(w.inputs), "-steps", strconv.Itoa(steps), "-child-threads", strconv.Itoa(th)}
		if cpuprof != "" {
			args = append(args, "-child-profile", fmt.Sprintf("%s-%s-%dt.pprof", cpuprof, w.name, th))
		}
		out, wall, err := runChild(exec.Command(self, args...))
		if err != nil {
			return r, err
		}
		var res snncResult
		if err := json.Unmarshal(out, &res); err != nil {
			return r, fmt.Errorf("snnc child output: %v", err)
		}
		if len(res.Spikes) != len(net.Populations) || res.Threads != th {
			return r, fmt.Errorf("snnc child reported %d populations and %d threads (want %d, %d)", len(res.Spikes), res.Threads, len(net.Populations), th)
		}
		lif, in := splitSpikes(net, res.Spikes)
		r.snnc = append(r.snnc, side{ok: true, buildS: res.ParseS + res.BuildS, simS: res.SimS, wallS: wall, maxRSS: res.PeakBytes,
			events: float64(res.SynapticEvents), spikes: lif, inSpikes: in, allocStep: res.AllocsPerStep, threads: th, ran: res.Ran})
		runs = append(runs, threadRun{threads: th, hash: res.SpikeHash, spikes: res.Spikes, events: res.SynapticEvents, steps: res.Steps})
	}
	r.threadsErr = compareThreads(runs)

	if !brian {
		r.brian.note = "Brian2 not run"
		return r, nil
	}
	r.brian, err = runBrian(w, steps, wdir, python, netPath)
	if err != nil {
		r.brian = side{note: err.Error()}
		fmt.Fprintf(os.Stderr, "peer: %s: Brian2: %v\n", w.name, err)
	}
	return r, nil
}

// runBrian generates and compiles the Brian2 project, then runs its binary
// as our own child.
func runBrian(w workload, steps int, wdir, python, netPath string) (side, error) {
	var s side
	script, err := brianScript()
	if err != nil {
		return s, err
	}
	proj := filepath.Join(wdir, "brian")
	args := []string{script, "--workload", w.brianWl, "--n", strconv.Itoa(w.lif), "--steps", strconv.Itoa(steps), "--dir", proj}
	var meanOut, meanIn float64
	if w.brianWl == "cuba" {
		args = append(args, "--we", fmt.Sprint(cubaWeMV), "--wi", fmt.Sprint(cubaWiMV), "--el", "-49", "--refractory", fmt.Sprint(cubaRefr/10.0))
	} else {
		// ff: no leak drive (bias 0: El = Vr); weight 70 units = 70/32 mV.
		args = append(args, "--we", fmt.Sprint(float64(ffWeight)/(mvUnits*1e-4/20e-3)), "--el", "-60",
			"--refractory", fmt.Sprint(ffRefrSteps/10.0), "--inputs", strconv.Itoa(w.inputs), "--rate", fmt.Sprint(ffRateHz))
	}
	if w.fanout > 0 {
		arrays := filepath.Join(wdir, "arrays")
		lifSyn, inSyn, err := dumpArrays(netPath, arrays)
		if err != nil {
			return s, err
		}
		args = append(args, "--arrays", arrays)
		meanOut = float64(lifSyn) / float64(w.lif)
		if w.inputs > 0 {
			meanIn = float64(inSyn) / float64(w.inputs)
		}
	} else {
		meanOut = 0.02 * float64(w.lif)
	}
	out, _, err := runChild(exec.Command(python, args...))
	if err != nil {
		return s, err
	}
	var b struct{ Build_s float64 }
	if err := json.Unmarshal(lastLine(out), &b); err != nil {
		return s, fmt.Errorf("cuba.py output %q: %v", out, err)
	}
	s.buildS = b.Build_s
	self, err := os.Executable()
	if err != nil {
		return s, err
	}
	out, _, err = runChild(exec.Command(self, "-launch", filepath.Join(proj, "main")))
	if err != nil {
		return s, err
	}
	var l launched
	if err := json.Unmarshal(out, &l); err != nil {
		return s, fmt.Errorf("launcher output %q: %v", out, err)
	}
	s.wallS, s.maxRSS = l.WallS, max(l.PeakBytes, l.FloorB)
	info, err := os.ReadFile(filepath.Join(proj, "results", "last_run_info.txt"))
	if err != nil {
		return s, err
	}
	f := strings.Fields(string(info))
	if len(f) < 1 {
		return s, fmt.Errorf("last_run_info.txt is empty")
	}
	if s.simS, err = strconv.ParseFloat(f[0], 64); err != nil {
		return s, fmt.Errorf("last_run_info.txt: %v", err)
	}
	if s.spikes, err = sumInt32(filepath.Join(proj, "results"), "_array_spikemonitor_count_"); err != nil {
		return s, err
	}
	if w.inputs > 0 {
		if s.inSpikes, err = sumInt32(filepath.Join(proj, "results"), "_array_spikemonitor_1_count_"); err != nil {
			return s, err
		}
	}
	s.events = float64(s.spikes)*meanOut + float64(s.inSpikes)*meanIn
	s.threads = 1
	s.ok = true
	return s, nil
}

// splitSpikes adds up per-population spike counts into the LIF neurons'
// and the input neurons'.
func splitSpikes(net *ir.Network, spikes []int64) (lif, in int64) {
	for k, p := range net.Populations {
		if p.LIF != nil {
			lif += spikes[k]
		} else {
			in += spikes[k]
		}
	}
	return lif, in
}

func lastLine(b []byte) []byte {
	l := bytes.Split(bytes.TrimSpace(b), []byte("\n"))
	return l[len(l)-1]
}

// brianScript finds bench/peer/brian/cuba.py from the working directory
// (the module root or bench/peer).
func brianScript() (string, error) { return benchFile("peer/brian/cuba.py") }

// benchFile finds bench/REL from the working directory (the module root or
// bench/peer).
func benchFile(rel string) (string, error) {
	for _, p := range []string{filepath.Join("bench", rel), filepath.Join("..", rel)} {
		if _, err := os.Stat(p); err == nil {
			return filepath.Abs(p)
		}
	}
	return "", fmt.Errorf("bench/%s not found: run from the module root", rel)
}

// sumInt32 adds the int32s of the one file in dir whose name starts with prefix.
func sumInt32(dir, prefix string) (int64, error) {
	m, _ := filepath.Glob(filepath.Join(dir, prefix+"*"))
	if len(m) != 1 {
		return 0, fmt.Errorf("%d files %s* in %s (want 1)", len(m), prefix, dir)
	}
	raw, err := os.ReadFile(m[0])
	if err != nil {
		return 0, err
	}
	var sum int64
	for i := 0; i+4 <= len(raw); i += 4 {
		sum += int64(int32(binary.LittleEndian.Uint32(raw[i:])))
	}
	return sum, nil
}

// dumpArrays writes the synapses of snnc's network as raw int32 files for
// Brian2 (pre/post/delay; _e from the first population, _i from the
// second), indices in one Brian group per side: global LIF index for CUBA,
// population-local for ff. It returns the synapse counts from LIF and from
// input sources.
func dumpArrays(netPath, dir string) (lifSyn, inSyn int64, err error) {
	net, err := compiler.ParseFile(netPath)
	if err != nil {
		return 0, 0, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return 0, 0, err
	}
	offs := net.Offsets()
	ff := net.Populations[0].LIF == nil
	var pre, post, del [2][]int32
	for _, pr := range net.Projections {
		k := pr.From
		if ff {
			k = 0
			inSyn += int64(pr.Syn.Len())
		} else {
			lifSyn += int64(pr.Syn.Len())
		}
		fromOff, toOff := int32(offs[pr.From]), int32(offs[pr.To])
		if ff {
			fromOff, toOff = 0, 0
		}
		for src := range pr.Syn.Sources() {
			lo, hi := pr.Syn.Row(src)
			for i := lo; i < hi; i++ {
				pre[k] = append(pre[k], fromOff+int32(src))
				post[k] = append(post[k], toOff+pr.Syn.Target[i])
				del[k] = append(del[k], int32(pr.Syn.Delay[i]))
			}
		}
	}
	for k, sfx := range []string{"e", "i"} {
		for name, a := range map[string][]int32{"pre_": pre[k], "post_": post[k], "delay_": del[k]} {
			buf := make([]byte, 4*len(a))
			for i, x := range a {
				binary.LittleEndian.PutUint32(buf[4*i:], uint32(x))
			}
			if err := os.WriteFile(filepath.Join(dir, name+sfx+".i32"), buf, 0o644); err != nil {
				return 0, 0, err
			}
		}
	}
	return lifSyn, inSyn, nil
}
