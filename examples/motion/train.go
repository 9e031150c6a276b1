package main

import (
	"math"
	"math/rand/v2"
)

// Layer is the direction-selective layer: at every position of a grid over
// the sensor, one neuron per direction looks at a (2·Radius+1)² window of
// both polarities through every delay 1..Delays. Its weights are a
// convolution kernel: the same for every position.
//
// The neuron of direction k at centre c fires at step t when
//
//	Bias[k] + Σ_{d,p,dy,dx} W[k][feature(d,p,dy,dx)] · event(p, c+(dx,dy)−Radius, t−d) > 0
//
// and an event arrived at its centre at step t−1 (the anchor, see Anchor).
type Layer struct {
	Radius int
	Delays int
	W      [Directions][]float64
	Bias   [Directions]float64
}

// NewLayer returns a layer with zero weights.
func NewLayer(radius, delays int) *Layer {
	l := &Layer{Radius: radius, Delays: delays}
	for k := range l.W {
		l.W[k] = make([]float64, l.Features())
	}
	return l
}

// Side is the width of the receptive field.
func (l *Layer) Side() int { return 2*l.Radius + 1 }

// Features is the number of taps of one neuron: delays × polarities × window.
func (l *Layer) Features() int { return l.Delays * 2 * l.Side() * l.Side() }

// Feature is the index of the tap at delay d (1..Delays), polarity p
// (0 OFF, 1 ON) and window offset (dx, dy), each 0..Side()−1.
func (l *Layer) Feature(d, p, dx, dy int) int {
	s := l.Side()
	return (((d-1)*2+p)*s+dy)*s + dx
}

// Raster is one stream as a dense array of events, for fast windows.
type Raster struct {
	Size, Steps int
	bits        []bool // [t][p][y][x]
}

// NewRaster lays out a stream's events.
func NewRaster(size, steps int, events []Event) *Raster {
	r := &Raster{Size: size, Steps: steps, bits: make([]bool, steps*2*size*size)}
	for _, e := range events {
		r.bits[int(e.T)*2*size*size+InputIndex(size, e)] = true
	}
	return r
}

// At reports an event of polarity p at (x, y) in step t.
func (r *Raster) At(t, p, x, y int) bool {
	return r.bits[((t*2+p)*r.Size+y)*r.Size+x]
}

// Anchored reports an event of either polarity at (x, y) in step t.
func (r *Raster) Anchored(t, x, y int) bool { return r.At(t, 0, x, y) || r.At(t, 1, x, y) }

// Samples are the training examples: the active taps of a neuron's window
// at an anchored step, and the stream's direction.
type Samples struct {
	Start []int   // Start[i]..Start[i+1] index Active
	Taps  []int32 // active feature indices
	Dir   []uint8
}

func (s *Samples) Len() int { return len(s.Dir) }

func (s *Samples) taps(i int) []int32 { return s.Taps[s.Start[i]:s.Start[i+1]] }

// Collect adds the samples of one stream: every centre of a grid with the
// given stride, every step t ≥ Delays at which the centre had an event in
// step t−1.
func (l *Layer) Collect(s *Samples, r *Raster, dir, stride int) {
	if len(s.Start) == 0 {
		s.Start = append(s.Start, 0)
	}
	for t := l.Delays; t < r.Steps; t++ {
		for cy := l.Radius; cy < r.Size-l.Radius; cy += stride {
			for cx := l.Radius; cx < r.Size-l.Radius; cx += stride {
				if !r.Anchored(t-1, cx, cy) {
					continue
				}
				s.Taps = l.appendTaps(s.Taps, r, t, cx, cy)
				s.Start = append(s.Start, len(s.Taps))
				s.Dir = append(s.Dir, uint8(dir))
			}
		}
	}
}

// appendTaps appends the active features of the window centred at (cx, cy)
// seen at step t; delays that reach outside the stream see no events.
func (l *Layer) appendTaps(dst []int32, r *Raster, t, cx, cy int) []int32 {
	side := l.Side()
	for d := 1; d <= min(l.Delays, t); d++ {
		if t-d >= r.Steps {
			continue
		}
		for p := range 2 {
			for dy := range side {
				for dx := range side {
					if r.At(t-d, p, cx+dx-l.Radius, cy+dy-l.Radius) {
						dst = append(dst, int32(l.Feature(d, p, dx, dy)))
					}
				}
			}
		}
	}
	return dst
}

// Logits computes every direction's weighted sum for one sample.
func (l *Layer) Logits(taps []int32, z *[Directions]float64) {
	for k := range Directions {
		sum := l.Bias[k]
		w := l.W[k]
		for _, j := range taps {
			sum += w[j]
		}
		z[k] = sum
	}
}

// TrainOptions are the settings of the logistic regression.
type TrainOptions struct {
	Epochs int
	Rate   float64 // AdaGrad's step size
	Seed   uint64
}

// Train fits one logistic regression per direction (one against the rest,
// the other directions' samples weighted down so both classes count alike):
// neuron k is to spike on the samples of direction k and stay silent on the
// others. AdaGrad over shuffled samples; every step is deterministic.
func (l *Layer) Train(s *Samples, opt TrainOptions) {
	const negWeight = 1.0 / (Directions - 1)
	var g2 [Directions][]float64
	for k := range g2 {
		g2[k] = make([]float64, l.Features())
	}
	var b2 [Directions]float64
	order := make([]int, s.Len())
	for i := range order {
		order[i] = i
	}
	rng := rand.New(rand.NewPCG(opt.Seed, 0x747261696e))
	var z [Directions]float64
	for range opt.Epochs {
		rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		for _, i := range order {
			taps := s.taps(i)
			l.Logits(taps, &z)
			for k := range Directions {
				y, c := 0.0, negWeight
				if int(s.Dir[i]) == k {
					y, c = 1, 1
				}
				g := c * (sigmoid(z[k]) - y)
				if g == 0 {
					continue
				}
				w, acc := l.W[k], g2[k]
				for _, j := range taps {
					acc[j] += g * g
					w[j] -= opt.Rate * g / math.Sqrt(acc[j])
				}
				b2[k] += g * g
				l.Bias[k] -= opt.Rate * g / math.Sqrt(b2[k])
			}
		}
	}
}

func sigmoid(x float64) float64 { return 1 / (1 + math.Exp(-x)) }

// SampleAccuracy is the share of samples whose largest logit is their
// direction's: how well one anchored window tells the direction.
func (l *Layer) SampleAccuracy(s *Samples) float64 {
	if s.Len() == 0 {
		return 0
	}
	var z [Directions]float64
	right := 0
	for i := range s.Len() {
		l.Logits(s.taps(i), &z)
		best := 0
		for k := 1; k < Directions; k++ {
			if z[k] > z[best] {
				best = k
			}
		}
		if best == int(s.Dir[i]) {
			right++
		}
	}
	return float64(right) / float64(s.Len())
}
