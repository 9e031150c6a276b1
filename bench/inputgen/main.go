// Command inputgen writes random input spikes for benchmarks: each neuron of
// one input population spikes at each step with a fixed probability, from a
// seed, in snnc's spike file format.
//
//	go run ./bench/inputgen -population in -size 1000 -steps 1000 -rate 0.05 > in.csv
package main

import (
	"bufio"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
)

func main() {
	pop := flag.String("population", "in", "input population name")
	size := flag.Int("size", 1000, "neurons in the population")
	steps := flag.Int("steps", 1000, "steps")
	rate := flag.Float64("rate", 0.05, "probability that a neuron spikes at a step")
	seed := flag.Uint64("seed", 1, "random seed")
	flag.Parse()
	r := rand.New(rand.NewPCG(*seed, 0))
	w := bufio.NewWriter(os.Stdout)
	fmt.Fprintln(w, "step,population,index")
	for t := range *steps {
		for i := range *size {
			if r.Float64() < *rate {
				fmt.Fprintf(w, "%d,%s,%d\n", t, *pop, i)
			}
		}
	}
	if err := w.Flush(); err != nil {
		fmt.Fprintln(os.Stderr, "inputgen:", err)
		os.Exit(1)
	}
}
