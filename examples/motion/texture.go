package main

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// This file makes the moving textures: MotionClouds-like 1/f noise images
// (Leon, Vanzetta, Masson & Perrinet 2012, as used by Grimaldi & Perrinet
// 2023), translated at constant velocity by exact sub-pixel phase shifts.
//
// Determinism. The same Scene and seed give bit-identical textures on every
// machine and GOARCH: the randomness is a PCG seeded with the seed, every
// loop runs in a fixed order, and the floating-point work uses only IEEE
// addition, subtraction, multiplication, division and square root, each
// product rounded explicitly (float64(a*b)) so that no compiler fuses it
// into a multiply-add (Go fuses x*y+z on arm64, ppc64, s390x, riscv64 and
// amd64 v3 otherwise). The transcendental functions come from the small
// polynomial implementations at the end of this file rather than package
// math, whose Exp, Log and Sin use assembly or fused operations on some
// machines and so may differ in the last bit between them.

// Directions is the number of motion directions. Direction k moves the
// texture at the angle 2πk/Directions measured from the +x axis (x to the
// right, along a row) towards the +y axis (y downwards, row numbers
// growing): direction 0 moves right, 3 down, 6 left, 9 up. On a screen,
// with y down, the angles therefore turn clockwise.
const Directions = 12

// Scene describes the streams: the sensor, the texture, its motion and the
// camera.
type Scene struct {
	Size      int     // side of the square sensor in pixels; the texture is periodic (a torus) so there are no borders
	Steps     int     // steps (1 ms each) per stream; the stream has events at steps 0..Steps-1
	Speed     float64 // pixels per step
	Threshold float64 // the camera's contrast threshold C on log intensity
	Warmup    int     // steps the camera watches the motion before step 0, its events dropped, so that a stream starts in the steady state

	// Texture: the amplitude spectrum is f^-Slope times a log-Gabor band
	// around PeakFreq, exp(-ln²(f/PeakFreq) / (2·Bandwidth²)), with random
	// phases; the image is scaled to zero mean and unit standard deviation
	// and the log intensity is Contrast times it.
	PeakFreq  float64 // the log-Gabor's peak spatial frequency, cycles per pixel (0 < PeakFreq < 0.5)
	Bandwidth float64 // the log-Gabor's standard deviation in ln(frequency) (natural-log units; 0.5 ≈ 0.72 octave)
	Slope     float64 // spectral slope of the amplitude: 1 for 1/f noise, 0 for a flat (white) band
	Contrast  float64 // standard deviation of the log intensity

	// NoiseRate is the probability, per pixel and step, of a background
	// event of random polarity at a pixel that has no event from the
	// texture at that step (the camera's shot noise). Noise events leave the
	// pixel's reference level alone. 0 (the default) turns noise off.
	NoiseRate float64
}

// DefaultScene returns the scene of the example: a 32×32 sensor, 64 steps
// of 1 ms after 8 steps of warm-up, a speed of 1 pixel per step, a 1/f
// texture band-passed around 1/8 cycle per pixel (structures about four
// pixels wide) with a log-intensity contrast of 0.15, and a threshold of
// 0.25, at which 9.9% of the pixels send an event at each step (measured
// over 192 streams; the same at every step of a stream, half ON, half
// OFF; after 0.2% of the events the residual still passes the threshold).
func DefaultScene() Scene {
	return Scene{
		Size:      32,
		Steps:     64,
		Speed:     1,
		Threshold: 0.25,
		Warmup:    8,
		PeakFreq:  0.125,
		Bandwidth: 0.5,
		Slope:     1,
		Contrast:  0.15,
		NoiseRate: 0,
	}
}

// Validate reports the first field of s that is out of range.
func (s Scene) Validate() error {
	switch {
	case s.Size < 4 || s.Size > math.MaxInt16:
		return fmt.Errorf("scene: Size %d is out of range (allowed: 4..%d)", s.Size, math.MaxInt16)
	case s.Steps < 1 || s.Steps > math.MaxInt32:
		return fmt.Errorf("scene: Steps %d is out of range (allowed: 1..%d)", s.Steps, math.MaxInt32)
	case s.Warmup < 0 || s.Warmup > 1<<20:
		return fmt.Errorf("scene: Warmup %d is out of range (allowed: 0..%d)", s.Warmup, 1<<20)
	case !(s.Speed >= 0) || math.IsInf(s.Speed, 0):
		return fmt.Errorf("scene: Speed %v is out of range (allowed: a finite number ≥ 0)", s.Speed)
	case !(s.Threshold > 0) || math.IsInf(s.Threshold, 0):
		return fmt.Errorf("scene: Threshold %v is out of range (allowed: a finite number > 0)", s.Threshold)
	case !(s.PeakFreq > 0 && s.PeakFreq < 0.5):
		return fmt.Errorf("scene: PeakFreq %v is out of range (allowed: 0 < PeakFreq < 0.5 cycle per pixel)", s.PeakFreq)
	case !(s.Bandwidth > 0) || math.IsInf(s.Bandwidth, 0):
		return fmt.Errorf("scene: Bandwidth %v is out of range (allowed: a finite number > 0)", s.Bandwidth)
	case math.IsNaN(s.Slope) || math.Abs(s.Slope) > 8:
		return fmt.Errorf("scene: Slope %v is out of range (allowed: -8..8)", s.Slope)
	case !(s.Contrast >= 0) || math.IsInf(s.Contrast, 0):
		return fmt.Errorf("scene: Contrast %v is out of range (allowed: a finite number ≥ 0)", s.Contrast)
	case !(s.NoiseRate >= 0 && s.NoiseRate <= 1):
		return fmt.Errorf("scene: NoiseRate %v is out of range (allowed: 0..1)", s.NoiseRate)
	}
	return nil
}

// Velocity returns the velocity of direction dir in pixels per step (x
// right, y down; see Directions). The components of the 12 directions are
// exact: cos and sin of multiples of 30° from a table, times Speed. dir is
// taken modulo Directions.
func Velocity(s Scene, dir int) (vx, vy float64) {
	const h = 0.86602540378443864676 // √3/2
	cos := [Directions]float64{1, h, 0.5, 0, -0.5, -h, -1, -h, -0.5, 0, 0.5, h}
	k := ((dir % Directions) + Directions) % Directions
	return float64(s.Speed * cos[k]), float64(s.Speed * cos[(k+Directions-3)%Directions])
}

// Texture is one random texture: its Fourier spectrum, from which it makes
// the image translated by any displacement. A Texture is not safe for use
// by several goroutines at once (it keeps scratch buffers); make one per
// goroutine.
type Texture struct {
	n      int
	fx, fy []float64 // signed frequency of each spectrum entry, cycles per pixel
	re, im []float64 // the spectrum F[v·n+u], u along x, v along y; Hermitian, zero at DC and Nyquist
	twr    []float64 // twr[m] + i·twi[m] = exp(2πi·m/n)
	twi    []float64
	sr, si []float64 // scratch: the shifted spectrum, then the rows' transform
	row    []float64 // scratch: one row's transform, re and im interleaved
}

// Texture's PRNG stream tag ("texture"), so that another use of the same
// seed gives unrelated numbers.
const textureTag = 0x74657874757265

// NewTexture draws the texture of seed for scene s (which must be valid):
// a spectrum on the Size×Size grid of frequencies (u/Size, v/Size) cycles
// per pixel, u and v taken in -Size/2..Size/2-1, with amplitude
// f^-Slope·exp(-ln²(f/PeakFreq)/(2·Bandwidth²)) at f = |(u,v)|/Size and a
// phase drawn uniformly, in raster order (v, then u) of the entries whose
// mirror entry (-u, -v) comes later; the mirror gets the complex
// conjugate, so the image is real. The mean (DC) and the Nyquist row and
// column are zero, so that every sub-pixel translation stays real. The
// spectrum is then scaled so that the image has unit standard deviation
// (translation does not change it).
func NewTexture(s Scene, seed uint64) *Texture {
	if err := s.Validate(); err != nil {
		panic(err)
	}
	n := s.Size
	t := &Texture{
		n:  n,
		fx: make([]float64, n*n), fy: make([]float64, n*n),
		re: make([]float64, n*n), im: make([]float64, n*n),
		twr: make([]float64, n), twi: make([]float64, n),
		sr: make([]float64, n*n), si: make([]float64, n*n),
		row: make([]float64, 2*n),
	}
	for m := range n {
		t.twr[m], t.twi[m] = cisTurns(float64(m) / float64(n))
	}
	signed := func(i int) int {
		if 2*i >= n {
			return i - n
		}
		return i
	}
	rng := rand.New(rand.NewPCG(seed, textureTag))
	twoSigma2 := float64(2 * float64(s.Bandwidth*s.Bandwidth))
	for v := range n {
		for u := range n {
			j := v*n + u
			su, sv := signed(u), signed(v)
			t.fx[j] = float64(su) / float64(n)
			t.fy[j] = float64(sv) / float64(n)
			mirror := ((n-v)%n)*n + (n-u)%n
			switch {
			case mirror < j:
				t.re[j], t.im[j] = t.re[mirror], -t.im[mirror]
				continue
			case mirror == j:
				continue // DC or Nyquist: zero
			}
			if n%2 == 0 && (2*u == n || 2*v == n) {
				continue // a Nyquist entry: zero (its pair is itself aliased)
			}
			f := math.Sqrt(float64(su*su+sv*sv)) / float64(n)
			lg := detLog(f / s.PeakFreq)
			amp := detExp(float64(-s.Slope*detLog(f)) - float64(lg*lg)/twoSigma2)
			phase := rng.Float64()
			c, sn := cisTurns(phase)
			t.re[j], t.im[j] = float64(amp*c), float64(amp*sn)
		}
	}
	// Scale to unit standard deviation (the mean is 0 up to rounding: no DC).
	img := t.Shifted(0, 0, nil)
	var sum, sum2 float64
	for _, x := range img {
		sum += x
	}
	mean := sum / float64(len(img))
	for _, x := range img {
		d := x - mean
		sum2 += float64(d * d)
	}
	sd := math.Sqrt(sum2 / float64(len(img)))
	if !(sd > 0) {
		panic(fmt.Sprintf("texture: the spectrum is empty at Size %d, PeakFreq %v, Bandwidth %v", n, s.PeakFreq, s.Bandwidth))
	}
	for j := range t.re {
		t.re[j] /= sd
		t.im[j] /= sd
	}
	return t
}

// Size returns the side of the texture in pixels.
func (t *Texture) Size() int { return t.n }

// Shifted returns the texture translated by (dx, dy) pixels — the image
// g(x, y) = texture(x-dx, y-dy) on the torus, pixel (x, y) at index y·Size+x
// — in dst (allocated when it is too short). The translation is exact for
// any real displacement: the inverse DFT of F(k)·exp(-2πi·(kx·dx+ky·dy)),
// computed separably, rows then columns (O(Size³)), and only over the rows
// v = 0..(Size-1)/2 of the spectrum: the others are their conjugates
// (Hermitian symmetry), so g = Re G₀ + 2·Re Σ_v G_v·w^(v·y).
func (t *Texture) Shifted(dx, dy float64, dst []float64) []float64 {
	n := t.n
	if len(dst) < n*n {
		dst = make([]float64, n*n)
	}
	dst = dst[:n*n]
	half := (n - 1) / 2 // the last row used; for an even n, row n/2 (Nyquist) is zero
	// The shifted spectrum S = F·exp(-2πi·(fx·dx+fy·dy)), the phase in turns.
	for j := range (half + 1) * n {
		if t.re[j] == 0 && t.im[j] == 0 {
			t.sr[j], t.si[j] = 0, 0
			continue
		}
		turns := -(float64(t.fx[j]*dx) + float64(t.fy[j]*dy))
		c, s := cisTurns(turns)
		t.sr[j] = float64(t.re[j]*c) - float64(t.im[j]*s)
		t.si[j] = float64(t.re[j]*s) + float64(t.im[j]*c)
	}
	// Rows: G[v][x] = Σ_u S[v][u]·w^(u·x), in place through a row buffer.
	row := t.row
	for v := range half + 1 {
		base := v * n
		for x := range n {
			var gr, gi float64
			m := 0 // u·x mod n
			for u := range n {
				ar, ai := t.sr[base+u], t.si[base+u]
				wr, wi := t.twr[m], t.twi[m]
				gr += float64(ar*wr) - float64(ai*wi)
				gi += float64(ar*wi) + float64(ai*wr)
				m += x
				if m >= n {
					m -= n
				}
			}
			row[2*x], row[2*x+1] = gr, gi
		}
		for x := range n {
			t.sr[base+x], t.si[base+x] = row[2*x], row[2*x+1]
		}
	}
	// Columns: g[y][x] = Re G[0][x] + 2·Re Σ_{v=1..half} G[v][x]·w^(v·y).
	for y := range n {
		for x := range n {
			var g float64
			m := y // v·y mod n
			for v := 1; v <= half; v++ {
				g += float64(t.sr[v*n+x]*t.twr[m]) - float64(t.si[v*n+x]*t.twi[m])
				m += y
				if m >= n {
					m -= n
				}
			}
			dst[y*n+x] = t.sr[x] + 2*g
		}
	}
	return dst
}

// cisTurns returns cos(2πτ) and sin(2πτ), exactly ±1 and 0 at multiples
// of a quarter turn, otherwise to within about an ulp.
func cisTurns(tau float64) (c, s float64) {
	q := math.Round(4 * tau) // 4τ is exact
	r := tau - float64(q/4)  // |r| ≤ 1/8 turn
	sn, cs := sincosKernel(float64(2 * math.Pi * r))
	switch int64(q) & 3 {
	case 0:
		return cs, sn
	case 1:
		return -sn, cs
	case 2:
		return -cs, -sn
	default:
		return sn, -cs
	}
}

// sincosKernel returns sin r and cos r for |r| ≤ π/4, with IEEE
// operations only (see the determinism note at the top): their Taylor
// series, whose next terms are below 10^-19.
func sincosKernel(r float64) (s, c float64) {
	z := float64(r * r)
	ps := -1.0 / 355687428096000 // -1/17!
	for _, a := range [...]float64{1.0 / 1307674368000, -1.0 / 6227020800, 1.0 / 39916800, -1.0 / 362880, 1.0 / 5040, -1.0 / 120, 1.0 / 6} {
		ps = float64(ps*z) + a
	}
	s = r - float64(float64(r*z)*ps) // r - r³/3! + r⁵/5! - ...
	pc := 1.0 / 6402373705728000     // 1/18!
	for _, a := range [...]float64{-1.0 / 20922789888000, 1.0 / 87178291200, -1.0 / 479001600, 1.0 / 3628800, -1.0 / 40320, 1.0 / 720, -1.0 / 24} {
		pc = float64(pc*z) + a
	}
	c = float64(1-float64(z/2)) - float64(float64(z*z)*pc) // 1 - r²/2! + r⁴/4! - ...
	return s, c
}

// detExp returns e^x to within about an ulp, with IEEE operations only.
func detExp(x float64) float64 {
	const (
		ln2Hi    = 6.93147180369123816490e-01
		ln2Lo    = 1.90821492927058770002e-10
		invLn2   = 1.44269504088896338700e+00
		overflow = 7.09782712893383973096e+02
	)
	switch {
	case math.IsNaN(x):
		return x
	case x > overflow:
		return math.Inf(1)
	case x < -745.2:
		return 0
	}
	k := math.Round(float64(x * invLn2))
	r := float64(x-float64(k*ln2Hi)) - float64(k*ln2Lo) // |r| ≤ 0.35
	// Taylor series to r^17/17! (the next term is below 10^-22).
	p := 1.0 / 355687428096000
	for _, a := range [...]float64{1.0 / 20922789888000, 1.0 / 1307674368000, 1.0 / 87178291200, 1.0 / 6227020800, 1.0 / 479001600, 1.0 / 39916800, 1.0 / 3628800, 1.0 / 362880, 1.0 / 40320, 1.0 / 5040, 1.0 / 720, 1.0 / 120, 1.0 / 24, 1.0 / 6, 0.5, 1, 1} {
		p = float64(p*r) + a
	}
	return math.Ldexp(p, int(k))
}

// detLog returns ln x for x > 0 to within about an ulp, with IEEE
// operations only.
func detLog(x float64) float64 {
	const (
		ln2Hi = 6.93147180369123816490e-01
		ln2Lo = 1.90821492927058770002e-10
	)
	switch {
	case math.IsNaN(x) || x < 0:
		return math.NaN()
	case x == 0:
		return math.Inf(-1)
	case math.IsInf(x, 1):
		return x
	}
	m, e := math.Frexp(x) // x = m·2^e, m in [1/2, 1)
	if m < math.Sqrt2/2 {
		m *= 2
		e--
	}
	// ln m = 2·atanh(s), s = (m-1)/(m+1), |s| ≤ 0.172: series to s^23.
	s := (m - 1) / (m + 1)
	z := float64(s * s)
	p := 1.0 / 23
	for _, a := range [...]float64{1.0 / 21, 1.0 / 19, 1.0 / 17, 1.0 / 15, 1.0 / 13, 1.0 / 11, 1.0 / 9, 1.0 / 7, 1.0 / 5, 1.0 / 3} {
		p = float64(p*z) + a
	}
	lnm := float64(2*s) + float64(float64(2*s)*float64(z*p))
	fe := float64(e)
	return float64(fe*ln2Hi) + (float64(fe*ln2Lo) + lnm)
}
