package main

import (
	"fmt"
	"path/filepath"

	loihisim "github.com/snnc/snnc/backend/loihi-sim"
	"github.com/snnc/snnc/compiler"
	"github.com/snnc/snnc/spikes"
)

// Run is what simulating a generated network gives.
type Run struct {
	// Detections are the detector spikes, by step, then detector.
	Detections []Detection
	// Relays is the number of relay neurons the compiler added for the
	// target (0 without one).
	Relays int
	// Spikes counts the spikes of every population, relays included.
	Spikes []int64
}

// SimulateDir simulates DIR/net.yaml on DIR/input.csv for steps steps,
// as snnc simulate does (cmd/snnc/simulate.go): without a target on the
// reference simulator, with one compiled for the target (relay chains for
// delays beyond its max_delay, cores, placement) and simulated core by
// core. Relay spikes are not detections.
func SimulateDir(dir string, steps int, target *loihisim.Profile) (*Run, error) {
	net, err := compiler.ParseFile(filepath.Join(dir, "net.yaml"))
	if err != nil {
		return nil, err
	}
	described := net.Neurons()
	det := net.Population(detectorPop)
	if det < 0 {
		return nil, fmt.Errorf("%s: no population %q", dir, detectorPop)
	}
	first, last := net.Offset(det), net.Offset(det+1)
	input, err := spikes.ReadInputFile(filepath.Join(dir, "input.csv"), net)
	if err != nil {
		return nil, err
	}
	res, err := compiler.Compile(net, compiler.Options{Target: target})
	if err != nil {
		return nil, err
	}
	var sim interface {
		Step(inputs []int32) []int32
		Stats() loihisim.Stats
	}
	if target != nil {
		m, err := loihisim.NewMapped(res.Mapped, target)
		if err != nil {
			return nil, err
		}
		sim = m
	} else {
		s, err := loihisim.New(net, loihisim.Options{})
		if err != nil {
			return nil, err
		}
		defer s.Close()
		sim = s
	}
	run := &Run{Relays: res.Net.Neurons() - described}
	st := spikes.NewStepper(input)
	for t := range steps {
		for _, g := range sim.Step(st.At(t)) {
			if int(g) >= first && int(g) < last {
				run.Detections = append(run.Detections, Detection{Step: t, Detector: int(g) - first})
			}
		}
	}
	run.Spikes = sim.Stats().Spikes
	return run, nil
}
