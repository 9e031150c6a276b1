package main

import "fmt"

// printRow prints one workload's side-by-side table.
func printRow(r row) {
	w := r.w
	fmt.Printf("\n## %s: %d LIF", w.name, w.lif)
	if w.inputs > 0 {
		fmt.Printf(" + %d Poisson inputs at %g Hz, delays 1..%d", w.inputs, ffRateHz, w.maxDel)
	}
	fmt.Printf(", %d synapses (snnc), %d steps\n", r.synapses, r.steps)
	fmt.Printf("%-8s %10s %10s %10s %12s %12s %10s %10s %9s %7s\n",
		"side", "build s", "sim s", "proc s", "events/s", "updates/s", "peak MiB", "spikes", "rate Hz", "allocs")
	secs := float64(r.steps) * 1e-4
	for _, x := range []struct {
		name string
		s    side
	}{{"snnc", r.snnc}, {"brian2", r.brian}} {
		if !x.s.ok {
			fmt.Printf("%-8s %s\n", x.name, x.s.note)
			continue
		}
		alloc := "-"
		if x.name == "snnc" {
			alloc = fmt.Sprintf("%.1f", x.s.allocStep)
		}
		fmt.Printf("%-8s %10.2f %10.3f %10.2f %12.3g %12.3g %10.1f %10d %9.2f %7s\n", x.name,
			x.s.buildS, x.s.simS, x.s.wallS, x.s.events/x.s.simS, float64(w.lif)*float64(r.steps)/x.s.simS,
			float64(x.s.maxRSS)/(1<<20), x.s.spikes, float64(x.s.spikes)/float64(w.lif)/secs, alloc)
		if w.inputs > 0 {
			fmt.Printf("%-8s input spikes %d (%.2f Hz)\n", "", x.s.inSpikes, float64(x.s.inSpikes)/float64(w.inputs)/secs)
		}
	}
	if r.snnc.ok && r.brian.ok {
		fmt.Printf("ratio brian2/snnc sim time: %.2f (>1: snnc faster); ns per neuron-step: snnc %.2f, brian2 %.2f\n",
			r.brian.simS/r.snnc.simS, r.snnc.simS*1e9/float64(w.lif)/float64(r.steps), r.brian.simS*1e9/float64(w.lif)/float64(r.steps))
	}
}
