package main

import (
	"math/rand/v2"
)

// Event is one event of the camera: pixel (X, Y) at step T saw its log
// intensity rise (On) or fall (not On) by the contrast threshold.
type Event struct {
	T    int32 // step
	X, Y int16 // pixel: X along a row (to the right), Y down the rows
	On   bool  // polarity: ON (brighter) or OFF (darker)
}

// Camera is a model of an event camera (a DVS) at discrete steps: each
// pixel keeps a reference log intensity, set to its first log intensity.
// At each step, with Δ = L − ref for the pixel's new log intensity L, the
// pixel sends an ON event and raises ref by C when Δ ≥ C, sends an OFF
// event and lowers ref by C when Δ ≤ −C, and otherwise sends nothing. At
// most one event per pixel and step: a change of several thresholds sends
// one event and the rest stays in Δ (the residual), to be sent at the next
// steps while it still passes the threshold.
type Camera struct {
	C   float64   // the contrast threshold on log intensity
	Ref []float64 // the reference level of each pixel
}

// NewCamera returns a camera with threshold c whose pixels' reference
// levels start at the log intensities l0 (copied).
func NewCamera(c float64, l0 []float64) *Camera {
	return &Camera{C: c, Ref: append([]float64(nil), l0...)}
}

// Step gives the camera the log intensities l of the next step (one per
// pixel, as l0) and writes into pol each pixel's event: +1 ON, -1 OFF, 0
// none.
func (cam *Camera) Step(l []float64, pol []int8) {
	c := cam.C
	for i, x := range l {
		d := x - cam.Ref[i]
		switch {
		case d >= c:
			pol[i] = 1
			cam.Ref[i] += c
		case d <= -c:
			pol[i] = -1
			cam.Ref[i] -= c
		default:
			pol[i] = 0
		}
	}
}

// appendEvents appends the events pol of step t on a size×size sensor
// (pixel y·size+x) to events in Stream's order: OFF events first, then ON,
// each in raster order (Y, then X).
func appendEvents(events []Event, t int32, size int, pol []int8) []Event {
	for _, want := range [2]int8{-1, 1} {
		for i, p := range pol {
			if p == want {
				events = append(events, Event{T: t, X: int16(i % size), Y: int16(i / size), On: p > 0})
			}
		}
	}
	return events
}

// The PRNG stream tags of the camera's reference offsets ("camera") and of
// its noise ("noise").
const (
	cameraTag = 0x63616d657261
	noiseTag  = 0x6e6f697365
)

// Stream returns the events of one stream: a fresh texture drawn from seed
// (NewTexture), moving at Velocity(s, dir), seen by a Camera with
// threshold s.Threshold. The log intensity at time t is s.Contrast times
// the texture translated by t·velocity. The camera starts at time
// -s.Warmup: each pixel's reference is its log intensity then plus an
// offset drawn uniformly in [-C/2, C/2) (in raster order), and the events
// of the warm-up are dropped, so the stream starts with the pixels out of
// step with each other as in a camera that has been running. (With every
// reference exactly on the first image, the references would stay on a
// lattice L₀ + k·C, and whenever the periodic texture came back to its
// first position — after Size/Speed steps in the four axis directions —
// a third of the pixels would fire at once on exact ties.) The events of
// step T, 0 ≤ T < s.Steps, are those of the image at time T+1. The
// texture and the offsets depend on seed only, not on dir.
//
// With s.NoiseRate > 0, a pixel without an event at a step sends a noise
// event of random polarity with that probability (two numbers per pixel
// and step in raster order, from a PRNG seeded by seed and dir).
//
// The events are sorted by T, then polarity (OFF first), then Y, then X;
// at most one per pixel and step. The result is the same on every machine
// (see texture.go). Stream panics if s is not valid (Scene.Validate).
func Stream(s Scene, dir int, seed uint64) []Event {
	tex := NewTexture(s, seed)
	vx, vy := Velocity(s, dir)
	n := s.Size
	img := make([]float64, n*n)
	logI := func(t int) []float64 {
		ft := float64(t)
		img = tex.Shifted(float64(ft*vx), float64(ft*vy), img)
		for i, x := range img {
			img[i] = float64(s.Contrast * x)
		}
		return img
	}
	cam := NewCamera(s.Threshold, logI(-s.Warmup))
	offsets := rand.New(rand.NewPCG(seed, cameraTag))
	for i := range cam.Ref {
		u := float64(offsets.Float64()) // (a 53-bit integer)·2^-53, rounded here so no multiply-add can take it in
		cam.Ref[i] += float64(s.Threshold * float64(u-0.5))
	}
	pol := make([]int8, n*n)
	for t := -s.Warmup + 1; t <= 0; t++ {
		cam.Step(logI(t), pol)
	}
	var noise *rand.Rand
	if s.NoiseRate > 0 {
		noise = rand.New(rand.NewPCG(seed, noiseTag^uint64(int64(dir))))
	}
	events := make([]Event, 0, s.Steps*n*n/8)
	for t := range s.Steps {
		cam.Step(logI(t+1), pol)
		if noise != nil {
			for i := range pol {
				hit := noise.Float64() < s.NoiseRate
				on := noise.Uint64()&1 == 1
				if hit && pol[i] == 0 {
					pol[i] = -1
					if on {
						pol[i] = 1
					}
				}
			}
		}
		events = appendEvents(events, int32(t), n, pol)
	}
	return events
}
