package main

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// The integer CUBA neuron that stands for Brian2's CUBA neuron, at
// dt = 0.1 ms. v is scaled so that 1 mV = 6400 units and the reset
// potential Vr = -60 mV is 0:
//
//	threshold  Vt - Vr = 10 mV         vth·2^6 = 64000  -> vth = 1000
//	taum = 20 ms                        dv = 4096·dt/taum = 20.48 -> 20
//	tau_syn = 5 ms (taue; one current)  du = 4096·dt/tau - 1 = 80.9 -> 81
//	El - Vr = 11 mV leak drive          bias = 11·6400·dt/taum = 352
//	refractory 5 ms                     50 steps
//
// Brian adds ge (mV) into dv/dt = ge/taum, so a jump of w mV in ge adds
// w·6400·dt/taum = 32·w units to u per step of its life. Excitatory
// we = 1.62 mV is 51.8 -> 52 (weight 52, weight_exp -6, ×1). Inhibitory
// wi = -9 mV decays with taui = 10 ms in Brian but with the one 5 ms
// current here, so it is doubled to keep its integral: -576 (weight -144,
// weight_exp -4, ×4).
const (
	mvUnits     = 6400
	cubaDu      = 81
	cubaDv      = 20
	cubaVth     = 1000
	cubaBias    = 352
	cubaRefr    = 50
	cubaWe      = 52   // increment per excitatory spike, weight_exp -6
	cubaWi      = -144 // weight, weight_exp -4: increment -576
	cubaWeMV    = 1.62
	cubaWiMV    = -9.0
	ffWeight    = 70 // increment per input spike, weight_exp -6
	ffRateHz    = 20.0
	ffRefrSteps = 20
)

// workload is one network run on both sides.
type workload struct {
	name    string
	lif     int    // LIF neurons
	inputs  int    // Poisson input neurons (ff only)
	fanout  int    // 0: connect with probability p (Brian's own CUBA)
	maxDel  int    // ff: delays uniform 1..maxDel
	brianWl string // cuba or ff
}

func workloads(quick bool) []workload {
	if quick {
		return []workload{
			{name: "cuba4k", lif: 400, brianWl: "cuba"},
			{name: "cuba16k", lif: 800, fanout: 80, brianWl: "cuba"},
			{name: "cuba64k", lif: 1600, fanout: 80, brianWl: "cuba"},
			{name: "ffdelay", lif: 400, inputs: 100, fanout: 200, maxDel: 32, brianWl: "ff"},
		}
	}
	return []workload{
		{name: "cuba4k", lif: 4000, brianWl: "cuba"},
		{name: "cuba16k", lif: 16000, fanout: 80, brianWl: "cuba"},
		{name: "cuba64k", lif: 64000, fanout: 80, brianWl: "cuba"},
		{name: "ffdelay", lif: 4000, inputs: 1000, fanout: 200, maxDel: 32, brianWl: "ff"},
	}
}

// writeNet writes w's net.yaml into dir and returns its path.
func writeNet(w workload, dir string) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	path := filepath.Join(dir, "net.yaml")
	f, err := os.Create(path)
	if err != nil {
		return "", err
	}
	b := bufio.NewWriter(f)
	fmt.Fprintf(b, "# bench/peer workload %s (go run ./bench/peer); see bench/peer/workload.go\n", w.name)
	fmt.Fprintf(b, "# for the mapping from Brian2's CUBA example to the integer model.\nversion: 1\ntimestep: 100us\npopulations:\n")
	if w.brianWl == "cuba" {
		ne := w.lif * 4 / 5
		r := rand.New(rand.NewPCG(1, 6))
		// Brian: v = Vr + rand()·(Vt - Vr); here 0 .. 64000.
		v := func(n int) string {
			s := make([]string, n)
			for i := range s {
				s[i] = strconv.Itoa(r.IntN(cubaVth << 6))
			}
			return strings.Join(s, ", ")
		}
		params := fmt.Sprintf("du: %d, dv: %d, vth: %d, bias_mant: %d, bias_exp: 0, refractory: %d", cubaDu, cubaDv, cubaVth, cubaBias, cubaRefr)
		fmt.Fprintf(b, "  - {name: exc, size: %d, model: lif, params: {%s, v: [%s]}}\n", ne, params, v(ne))
		fmt.Fprintf(b, "  - {name: inh, size: %d, model: lif, params: {%s, v: [%s]}}\n", w.lif-ne, params, v(w.lif-ne))
		fmt.Fprintf(b, "projections:\n")
		seed := 1
		for _, from := range []string{"exc", "inh"} {
			wt, exp := cubaWe, -6
			if from == "inh" {
				wt, exp = cubaWi, -4
			}
			for _, to := range []string{"exc", "inh"} {
				var conn string
				if w.fanout == 0 {
					conn = fmt.Sprintf("{random: {p: 0.02, seed: %d}}", seed)
				} else {
					n := w.fanout * 4 / 5 // fan-out split 80/20 like the populations
					if to == "inh" {
						n = w.fanout - n
					}
					conn = fmt.Sprintf("{fixed_fanout: {n: %d, seed: %d}}", n, seed)
				}
				seed++
				fmt.Fprintf(b, "  - {from: %s, to: %s, connect: %s, weights: %d, weight_exp: %d, delays: 1}\n", from, to, conn, wt, exp)
			}
		}
	} else {
		fmt.Fprintf(b, "  - {name: in, size: %d, model: input}\n", w.inputs)
		fmt.Fprintf(b, "  - {name: out, size: %d, model: lif, params: {du: %d, dv: %d, vth: %d, refractory: %d}}\n", w.lif, cubaDu, cubaDv, cubaVth, ffRefrSteps)
		fmt.Fprintf(b, "projections:\n")
		fmt.Fprintf(b, "  - {from: in, to: out, connect: {fixed_fanout: {n: %d, seed: 1}}, weights: %d, weight_exp: -6, delays: {uniform: {min: 1, max: %d, seed: 2}}}\n", w.fanout, ffWeight, w.maxDel)
	}
	if err := b.Flush(); err != nil {
		f.Close()
		return "", err
	}
	return path, f.Close()
}

// poissonInputs draws the input spikes of the ff workload: each input
// neuron spikes with probability rate·dt per step, from a fixed seed, so
// that both the harness and input.csv (for snnc simulate) agree.
func poissonInputs(inputs, steps int) [][]int32 {
	r := rand.New(rand.NewPCG(7, 7))
	p := ffRateHz * 1e-4
	in := make([][]int32, steps)
	for t := range in {
		for i := range inputs {
			if r.Float64() < p {
				in[t] = append(in[t], int32(i))
			}
		}
	}
	return in
}

// writeInputCSV writes in as a spike file for snnc simulate --input.
func writeInputCSV(path string, in [][]int32) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	b := bufio.NewWriter(f)
	fmt.Fprintln(b, "step,population,index")
	for t, xs := range in {
		for _, x := range xs {
			fmt.Fprintf(b, "%d,in,%d\n", t, x)
		}
	}
	if err := b.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
