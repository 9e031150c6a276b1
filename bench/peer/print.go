package main

import (
	"fmt"
	"strings"
)

// printRow prints one workload's side-by-side table.
func printRow(r row) {
	w := r.w
	fmt.Printf("\n## %s: %d LIF", w.name, w.lif)
	if w.inputs > 0 {
		fmt.Printf(" + %d Poisson inputs at %g Hz, delays 1..%d", w.inputs, ffRateHz, w.maxDel)
	}
	fmt.Printf(", %d synapses (snnc), %d steps\n", r.synapses, r.steps)
	fmt.Printf("%-9s %10s %10s %10s %12s %12s %10s %10s %9s %7s\n",
		"side", "build s", "sim s", "proc s", "events/s", "updates/s", "peak MiB", "spikes", "rate Hz", "allocs")
	secs := float64(r.steps) * 1e-4
	type named struct {
		name string
		s    side
	}
	var sides []named
	for _, x := range r.snnc {
		name := fmt.Sprintf("snnc %dt", x.threads)
		if x.ran != x.threads {
			name = fmt.Sprintf("snnc %dt(%d)", x.threads, x.ran) // too few neurons for more
		}
		sides = append(sides, named{name, x})
	}
	sides = append(sides, named{"brian2 1t", r.brian})
	for _, x := range sides {
		if !x.s.ok {
			fmt.Printf("%-9s %s\n", x.name, x.s.note)
			continue
		}
		alloc := "-"
		if x.name != "brian2 1t" {
			alloc = fmt.Sprintf("%.1f", x.s.allocStep)
		}
		fmt.Printf("%-9s %10.2f %10.3f %10.2f %12.3g %12.3g %10.1f %10d %9.2f %7s\n", x.name,
			x.s.buildS, x.s.simS, x.s.wallS, x.s.events/x.s.simS, float64(w.lif)*float64(r.steps)/x.s.simS,
			float64(x.s.maxRSS)/(1<<20), x.s.spikes, float64(x.s.spikes)/float64(w.lif)/secs, alloc)
		if w.inputs > 0 {
			fmt.Printf("%-9s input spikes %d (%.2f Hz)\n", "", x.s.inSpikes, float64(x.s.inSpikes)/float64(w.inputs)/secs)
		}
	}
	switch {
	case len(r.snnc) < 2:
		fmt.Println("spikes identical across threads: only one thread count run")
	case r.threadsErr != nil:
		fmt.Printf("spikes identical across threads: NO: %v\n", r.threadsErr)
	default:
		fmt.Println("spikes identical across threads: yes")
	}
	if r.brian.ok {
		var ratios []string
		for _, x := range r.snnc {
			ratios = append(ratios, fmt.Sprintf("snnc %dt %.2f", x.threads, r.brian.simS/x.simS))
		}
		fmt.Printf("ratio brian2 1t sim time / snnc's (>1: snnc faster): %s\n", strings.Join(ratios, ", "))
		var ns []string
		for _, x := range sides {
			ns = append(ns, fmt.Sprintf("%s %.2f", x.name, x.s.simS*1e9/float64(w.lif)/float64(r.steps)))
		}
		fmt.Printf("ns per neuron-step: %s\n", strings.Join(ns, ", "))
	}
}
