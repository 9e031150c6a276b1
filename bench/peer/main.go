// Command peer runs snnc's simulator and Brian2's C++ standalone mode side
// by side on the same workloads (issue 6) and prints a table per workload.
// The one command, from the module root:
//
//	go build -o /tmp/peer ./bench/peer && /tmp/peer
//
// It runs the simulation workloads cuba4k, cuba16k, cuba64k and ffdelay
// for 10,000 steps of 0.1 ms, snnc on 1 and on 2 threads, Brian2 on one.
// The construction workload build1M is not in the default list: it adds
// three to four minutes on a 2-core machine (the 10^8 synapses built three
// times: snnc's simulator, snnc's mapping, Brian2; and Brian2's g++) and
// 3.3 GB of peak memory. Add it with -workloads:
//
//	/tmp/peer -workloads cuba4k,cuba16k,cuba64k,ffdelay,build1M
//	/tmp/peer -quick                        # small sizes, a smoke test
//	/tmp/peer -workloads build1M -no-map    # construction only, no loihi1 mapping
//	/tmp/peer -workloads cuba64k -steps 2000 -threads 2 -cpuprofile /tmp/prof
//	/tmp/peer -python ''                    # snnc only
//
// Flags: -workloads (comma-separated: cuba4k, cuba16k, cuba64k, ffdelay,
// build1M), -steps (1..1000000), -threads (comma-separated snnc thread
// counts, each 1..GOMAXPROCS, default 1,2), -quick, -dir (generated
// networks and Brian2 projects, default $TMPDIR/snnc-peer), -python
// (Python with python3-brian; empty skips Brian2), -no-map, -cpuprofile.
//
// Each side runs in its own child process so that its peak memory is its
// own: snnc as this program re-executed with -child, which reports its own
// VmHWM; Brian2 as the binary its cpp_standalone device compiled
// (bench/peer/brian/*.py generate and compile it with one make job per
// processor; that time is reported apart), started by a small launcher
// whose ru_maxrss of its child is exact above the launcher's own few MiB.
// (wait4 from this process would report the harness's peak, a fork of it.)
//
// The first lines say how loaded the machine is and whether it gives two
// whole cores: two goroutines of an integer loop against one (2.00 is two
// cores; a virtual machine whose host is busy gives less, and no second
// thread can beat that).
//
// Simulation tables, one row per side: "snnc Nt" is snnc with
// loihisim.Options{Threads: N}, one child per -threads entry ("snnc
// Nt(M)": the simulator used M, one per 1024 LIF neurons at most); "brian2 1t"
// is Brian2 single-threaded (openmp_threads 0). Columns: build s (snnc:
// parse + loihisim.New; Brian2: code generation + g++), sim s (snnc: the
// Step loop alone; Brian2: network.run as its binary records it in
// results/last_run_info.txt), proc s (the child's wall time), synaptic
// events/s and neuron-updates/s over sim s, peak MiB (the child's peak
// RSS), LIF spikes, their mean rate, and snnc's heap allocations per step.
// Below them: "spikes identical across threads" — every snnc child hashes
// each step's spike list (FNV-1a over 32-bit words: step, count, global
// indices in order) and the per-population counts, and each thread count
// must give the first one's hash, counts, synaptic events and steps, or
// the workload is reported as differing and peer exits 1; then the ratio
// of Brian2's one-thread sim time over each snnc row's (>1: snnc faster)
// and the ns per neuron-step.
//
// build1M table (bench/networks/random1M.yaml: 10^6 LIF + 1,000 inputs,
// fan-out 100, 10^8 synapses, delays 1..16; random10k.yaml with -quick):
// snnc parse+generate (compiler.ParseFile) and loihisim.New timed in one
// child, with its peak RSS after parsing and at the end, and one step;
// snnc's mapping (ParseFile + compiler.Compile for loihi1: weight
// preparation, delay legalisation, partition, place, route, no files) in a
// second child, so its peak is its own, with each pass's time; Brian2's
// construction of the same sizes and distributions (the synapses drawn by
// Brian2 in its binary with connect(j='k for k in sample(N_post,
// size=100)'), weights and delays from rand(), not snnc's exact draws): the
// binary's own clock from before brian_start() to network.run (arrays,
// synapse generation, weights, delays, spike-queue preparation), one step,
// then exit before brian_end()'s dump of every array. Then the ratio of
// Brian2's construction time over snnc's parse + New and of their peaks.
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
	"strconv"
	"strings"
	"time"

	loihisim "github.com/snnc/snnc/backend/loihi-sim"
	"github.com/snnc/snnc/compiler"
)

// snncResult is what the -child run reports to the parent.
type snncResult struct {
	ParseS, BuildS, SimS float64
	Threads              int
	Ran                  int // goroutines the simulator used: Sim.Threads()
	Steps                int
	SynapticEvents       int64
	Spikes               []int64 // per population
	SpikeHash            uint64  // spikeHash of every step's spikes and the counts
	AllocsPerStep        float64
	BytesPerStep         float64
	PeakBytes            int64 // VmHWM: this process's own peak RSS
}

// simWorkloads and buildWorkload are the names -workloads allows.
const (
	simWorkloads     = "cuba4k, cuba16k, cuba64k, ffdelay"
	buildWorkload    = "build1M"
	allowedWorkloads = simWorkloads + ", " + buildWorkload
)

func main() {
	os.Exit(run())
}

func run() int {
	var (
		names     = flag.String("workloads", "cuba4k,cuba16k,cuba64k,ffdelay", "comma-separated workloads (allowed: "+allowedWorkloads+")")
		steps     = flag.Int("steps", 10000, "steps of 0.1 ms per simulation workload (allowed: 1..1000000)")
		threads   = flag.String("threads", "1,2", "comma-separated snnc thread counts (loihisim.Options.Threads), one child each; the first is the reference the others' spikes must equal (allowed: 1..GOMAXPROCS)")
		quick     = flag.Bool("quick", false, "small networks, for a smoke test (build1M builds bench/networks/random10k.yaml)")
		dir       = flag.String("dir", filepath.Join(os.TempDir(), "snnc-peer"), "directory for the generated networks and Brian2 projects")
		python    = flag.String("python", "/usr/bin/python3", "Python with Debian's python3-brian; empty to skip Brian2")
		noMap     = flag.Bool("no-map", false, "build1M: skip snnc's mapping onto loihi1")
		cpuprof   = flag.String("cpuprofile", "", "write a CPU profile of each snnc simulation loop to PREFIX-WORKLOAD-Nt.pprof")
		child     = flag.String("child", "", "internal: run this net.yaml in this process (as -child-mode says) and print JSON")
		childMode = flag.String("child-mode", "sim", "internal: sim (time the Step loop), build (parse, New, one step) or map (parse, compile for -child-target)")
		childIn   = flag.Int("child-inputs", 0, "internal: Poisson input neurons of the child's network")
		childThr  = flag.Int("child-threads", 1, "internal: loihisim.Options.Threads of the child")
		childTgt  = flag.String("child-target", "loihi1", "internal: target profile of -child-mode map")
		childOut  = flag.String("child-profile", "", "internal: CPU profile path of the child")
		launch    = flag.String("launch", "", "internal: run this program (in its directory) and print its wall time and peak RSS as JSON")
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
		var res any
		var err error
		switch *childMode {
		case "sim":
			res, err = simulateSNNC(*child, *childIn, *steps, *childThr, *childOut)
		case "build":
			res, err = buildSNNC(*child, *childThr)
		case "map":
			res, err = mapSNNC(*child, *childTgt)
		default:
			err = fmt.Errorf("-child-mode %q (allowed: sim, build, map)", *childMode)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "peer:", err)
			return 1
		}
		json.NewEncoder(os.Stdout).Encode(res)
		return 0
	}
	threadCounts, err := parseThreads(*threads, runtime.GOMAXPROCS(0))
	if err != nil {
		fmt.Fprintln(os.Stderr, "peer:", err)
		return 2
	}
	all := workloads(*quick)
	var chosen []string
	for _, n := range strings.Split(*names, ",") {
		if n != buildWorkload && !slices.ContainsFunc(all, func(w workload) bool { return w.name == n }) {
			fmt.Fprintf(os.Stderr, "peer: unknown workload %q (allowed: %s)\n", n, allowedWorkloads)
			return 2
		}
		chosen = append(chosen, n)
	}
	brian := *python != ""
	if brian {
		if err := exec1(*python, "-c", "import brian2"); err != nil {
			fmt.Fprintf(os.Stderr, "peer: Brian2 not usable with %s (%v); running snnc only (apt-get install python3-brian)\n", *python, err)
			brian = false
		}
	}
	load, _ := os.ReadFile("/proc/loadavg")
	fmt.Printf("# simulation workloads: %d steps of 0.1 ms, snnc threads %v; GOMAXPROCS %d; load average at start: %s", *steps, threadCounts, runtime.GOMAXPROCS(0), load)
	fmt.Printf("# two cores at start: two goroutines of an integer loop do %.2fx the work of one (2.00: two whole cores)\n", coreScaling())
	failed := false
	for _, name := range chosen {
		if name == buildWorkload {
			b, err := runBuild(buildSpecFor(*quick), *dir, *python, brian, !*noMap)
			if err != nil {
				fmt.Fprintf(os.Stderr, "peer: %s: %v\n", name, err)
				return 1
			}
			printBuild(b)
			failed = failed || (brian && !b.brian.ok)
			continue
		}
		w := all[slices.IndexFunc(all, func(w workload) bool { return w.name == name })]
		r, err := runWorkload(w, *steps, threadCounts, *dir, *python, brian, *cpuprof)
		if err != nil {
			fmt.Fprintf(os.Stderr, "peer: %s: %v\n", w.name, err)
			return 1
		}
		printRow(r) // as it comes: the whole run takes minutes
		if r.threadsErr != nil {
			fmt.Fprintf(os.Stderr, "peer: %s: %v\n", w.name, r.threadsErr)
			failed = true
		}
		// A side that was asked for and failed leaves the tables
		// incomplete: say so in the exit status too (its error is on
		// stderr).
		failed = failed || (brian && !r.brian.ok)
	}
	load, _ = os.ReadFile("/proc/loadavg")
	fmt.Printf("# two cores at end: %.2fx\n", coreScaling())
	fmt.Printf("# load average at end: %s", load)
	if failed {
		return 1
	}
	return 0
}

// simulateSNNC is the child: parse, build, then time the Step loop alone.
func simulateSNNC(path string, inputs, steps, threads int, profile string) (snncResult, error) {
	res := snncResult{Threads: threads}
	t0 := time.Now()
	net, err := compiler.ParseFile(path)
	if err != nil {
		return res, err
	}
	res.ParseS = time.Since(t0).Seconds()
	t0 = time.Now()
	sim, err := loihisim.New(net, loihisim.Options{Threads: threads})
	if err != nil {
		return res, err
	}
	defer sim.Close()
	res.Ran = sim.Threads()
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
	h := newSpikeHash()
	t0 = time.Now()
	for t, x := range in {
		h.step(t, sim.Step(x))
	}
	res.SimS = time.Since(t0).Seconds()
	runtime.ReadMemStats(&m1)
	st := sim.Stats()
	h.counts(st.Spikes)
	res.SpikeHash = uint64(h)
	if os.Getenv("PEER_TEST_PERTURB_THREADS") == strconv.Itoa(threads) {
		res.SpikeHash ^= 1 // TestCommandThreadMismatch: a run whose spikes differ
	}
	res.Steps = st.Steps
	res.SynapticEvents = st.SynapticEvents
	res.Spikes = st.Spikes
	res.AllocsPerStep = float64(m1.Mallocs-m0.Mallocs) / float64(steps)
	res.BytesPerStep = float64(m1.TotalAlloc-m0.TotalAlloc) / float64(steps)
	res.PeakBytes, err = vmHWM()
	return res, err
}
