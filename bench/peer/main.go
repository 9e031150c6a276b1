// Command peer runs snnc's simulator and Brian2's C++ standalone mode side
// by side on the same workloads (issue 6) and prints, per workload, the
// simulation wall time of each, synaptic events/s, neuron-updates/s, peak
// memory, spike rates and the ratio.
//
//	go run ./bench/peer                 # all workloads, 10,000 steps
//	go run ./bench/peer -quick          # small sizes, a smoke test
//	go run ./bench/peer -workloads cuba4k,cuba64k -steps 2000 -cpuprofile /tmp/prof
//
// Each side runs in its own child process so that its peak memory is its
// own: snnc as this program re-executed with -child, which reports its own
// VmHWM; Brian2 as the binary its cpp_standalone device compiled
// (bench/peer/brian/cuba.py generates and compiles it; its compile time is
// reported apart), started by a small launcher whose ru_maxrss of its
// child is exact above the launcher's own few MiB. (wait4 from this
// process would report the harness's peak, a fork of it.) The
// simulation time of snnc is the Step loop alone, construction (parse,
// New) is reported apart; Brian2's is the run time its binary records in
// results/last_run_info.txt (network.run only).
//
// The networks are written as net.yaml (and input.csv for ffdelay) under
// -dir, so they also run with snnc simulate.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"strings"
	"time"

	loihisim "github.com/snnc/snnc/backend/loihi-sim"
	"github.com/snnc/snnc/compiler"
)

// snncResult is what the -child run reports to the parent.
type snncResult struct {
	ParseS, BuildS, SimS float64
	Steps                int
	SynapticEvents       int64
	Spikes               []int64 // per population
	AllocsPerStep        float64
	BytesPerStep         float64
	PeakBytes            int64 // VmHWM: this process's own peak RSS
}

func main() {
	os.Exit(run())
}

func run() int {
	var (
		names    = flag.String("workloads", "cuba4k,cuba16k,cuba64k,ffdelay", "comma-separated workloads (allowed: cuba4k, cuba16k, cuba64k, ffdelay)")
		steps    = flag.Int("steps", 10000, "steps of 0.1 ms per workload (allowed: 1..1000000)")
		quick    = flag.Bool("quick", false, "small networks, for a smoke test")
		dir      = flag.String("dir", filepath.Join(os.TempDir(), "snnc-peer"), "directory for the generated networks and Brian2 projects")
		python   = flag.String("python", "/usr/bin/python3", "Python with Debian's python3-brian; empty to skip Brian2")
		cpuprof  = flag.String("cpuprofile", "", "write a CPU profile of each snnc simulation loop to PREFIX-WORKLOAD.pprof")
		child    = flag.String("child", "", "internal: simulate this net.yaml in this process and print JSON")
		childIn  = flag.Int("child-inputs", 0, "internal: Poisson input neurons of the child's network")
		childOut = flag.String("child-profile", "", "internal: CPU profile path of the child")
		launch   = flag.String("launch", "", "internal: run this program (in its directory) and print its wall time and peak RSS as JSON")
	)
	flag.Parse()
	if flag.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "peer: unexpected argument %q (allowed: flags only)\n", flag.Arg(0))
		return 2
	}
	if *steps < 1 || *steps > 1_000_000 {
		fmt.Fprintf(os.Stderr, "peer: -steps %d is out of range (allowed: 1..1000000)\n", *steps)
		return 2
	}
	if *launch != "" {
		res, err := launchProgram(*launch)
		if err != nil {
			fmt.Fprintln(os.Stderr, "peer:", err)
			return 1
		}
		json.NewEncoder(os.Stdout).Encode(res)
		return 0
	}
	if *child != "" {
		res, err := simulateSNNC(*child, *childIn, *steps, *childOut)
		if err != nil {
			fmt.Fprintln(os.Stderr, "peer:", err)
			return 1
		}
		json.NewEncoder(os.Stdout).Encode(res)
		return 0
	}
	all := workloads(*quick)
	var chosen []workload
	for _, n := range strings.Split(*names, ",") {
		i := slices.IndexFunc(all, func(w workload) bool { return w.name == n })
		if i < 0 {
			fmt.Fprintf(os.Stderr, "peer: unknown workload %q (allowed: cuba4k, cuba16k, cuba64k, ffdelay)\n", n)
			return 2
		}
		chosen = append(chosen, all[i])
	}
	brian := *python != ""
	if brian {
		if err := exec1(*python, "-c", "import brian2"); err != nil {
			fmt.Fprintf(os.Stderr, "peer: Brian2 not usable with %s (%v); running snnc only (apt-get install python3-brian)\n", *python, err)
			brian = false
		}
	}
	load, _ := os.ReadFile("/proc/loadavg")
	fmt.Printf("# %d steps of 0.1 ms; GOMAXPROCS %d; load average at start: %s", *steps, runtime.GOMAXPROCS(0), load)
	var rows []row
	for _, w := range chosen {
		r, err := runWorkload(w, *steps, *dir, *python, brian, *cpuprof)
		if err != nil {
			fmt.Fprintf(os.Stderr, "peer: %s: %v\n", w.name, err)
			return 1
		}
		rows = append(rows, r)
		printRow(r) // as it comes: the whole run takes minutes
	}
	load, _ = os.ReadFile("/proc/loadavg")
	fmt.Printf("# load average at end: %s", load)
	// A side that was asked for and failed leaves the tables incomplete:
	// say so in the exit status too (its error is on stderr).
	for _, r := range rows {
		if brian && !r.brian.ok {
			return 1
		}
	}
	return 0
}

// simulateSNNC is the child: parse, build, then time the Step loop alone.
func simulateSNNC(path string, inputs, steps int, profile string) (snncResult, error) {
	var res snncResult
	t0 := time.Now()
	net, err := compiler.ParseFile(path)
	if err != nil {
		return res, err
	}
	res.ParseS = time.Since(t0).Seconds()
	t0 = time.Now()
	sim, err := loihisim.New(net, loihisim.Options{})
	if err != nil {
		return res, err
	}
	in := make([][]int32, steps)
	if inputs > 0 {
		in = poissonInputs(inputs, steps) // input population is population 0: global = local index
	}
	res.BuildS = time.Since(t0).Seconds()
	if profile != "" {
		f, err := os.Create(profile)
		if err != nil {
			return res, err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return res, err
		}
		defer pprof.StopCPUProfile()
	}
	var m0, m1 runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m0)
	t0 = time.Now()
	for _, x := range in {
		sim.Step(x)
	}
	res.SimS = time.Since(t0).Seconds()
	runtime.ReadMemStats(&m1)
	st := sim.Stats()
	res.Steps = st.Steps
	res.SynapticEvents = st.SynapticEvents
	res.Spikes = st.Spikes
	res.AllocsPerStep = float64(m1.Mallocs-m0.Mallocs) / float64(steps)
	res.BytesPerStep = float64(m1.TotalAlloc-m0.TotalAlloc) / float64(steps)
	res.PeakBytes, err = vmHWM()
	return res, err
}
