package main

import (
	"math"
	"testing"
)

// meanStd returns the mean and standard deviation of xs.
func meanStd(xs []float64) (mean, sd float64) {
	for _, x := range xs {
		mean += x
	}
	mean /= float64(len(xs))
	for _, x := range xs {
		sd += (x - mean) * (x - mean)
	}
	return mean, math.Sqrt(sd / float64(len(xs)))
}

func TestTextureMeanStd(t *testing.T) {
	s := DefaultScene()
	for seed := range uint64(5) {
		tex := NewTexture(s, seed)
		for _, d := range [][2]float64{{0, 0}, {0.37, -2.81}, {17.5, 40.25}} {
			img := tex.Shifted(d[0], d[1], nil)
			mean, sd := meanStd(img)
			// The mean is zero (no DC) and a translation keeps the
			// energy (Parseval), so the normalisation holds exactly up to
			// rounding at every displacement.
			if math.Abs(mean) > 1e-12 || math.Abs(sd-1) > 1e-12 {
				t.Errorf("seed %d, shift %v: mean %g, std %g; want 0 and 1", seed, d, mean, sd)
			}
		}
	}
}

func TestTextureIntegerShiftIsRoll(t *testing.T) {
	for _, size := range []int{32, 12, 9} {
		s := DefaultScene()
		s.Size = size
		tex := NewTexture(s, 3)
		base := tex.Shifted(0, 0, nil)
		for _, d := range [][2]int{{1, 0}, {0, 1}, {3, -5}, {-size, 2 * size}, {size - 1, 7}} {
			got := tex.Shifted(float64(d[0]), float64(d[1]), nil)
			for y := range size {
				for x := range size {
					// g(x, y) = f(x - dx, y - dy) on the torus.
					sx := ((x-d[0])%size + size) % size
					sy := ((y-d[1])%size + size) % size
					if diff := math.Abs(got[y*size+x] - base[sy*size+sx]); diff > 1e-12 {
						t.Fatalf("size %d, shift %v: pixel (%d, %d) is %g, the rolled image has %g", size, d, x, y, got[y*size+x], base[sy*size+sx])
					}
				}
			}
		}
	}
}

// TestTextureMatchesDirectDFT checks the separable, half-spectrum inverse
// DFT and the phase shift against the full complex sum written out, at a
// sub-pixel displacement, for an even and an odd size: the image is real
// (the spectrum is Hermitian with no Nyquist terms) and the same.
func TestTextureMatchesDirectDFT(t *testing.T) {
	for _, size := range []int{10, 9} {
		s := DefaultScene()
		s.Size = size
		s.PeakFreq = 0.2
		tex := NewTexture(s, 11)
		dx, dy := 0.3, -1.7
		got := tex.Shifted(dx, dy, nil)
		for y := range size {
			for x := range size {
				var re, im float64
				for j := range tex.re {
					ph := 2 * math.Pi * (tex.fx[j]*(float64(x)-dx) + tex.fy[j]*(float64(y)-dy))
					c, sn := math.Cos(ph), math.Sin(ph)
					re += tex.re[j]*c - tex.im[j]*sn
					im += tex.re[j]*sn + tex.im[j]*c
				}
				if math.Abs(im) > 1e-12 {
					t.Fatalf("size %d: pixel (%d, %d) has an imaginary part %g", size, x, y, im)
				}
				if math.Abs(re-got[y*size+x]) > 1e-12 {
					t.Fatalf("size %d: pixel (%d, %d) is %g, the direct DFT gives %g", size, x, y, got[y*size+x], re)
				}
			}
		}
	}
}

// TestTextureSpectrum checks that the power sits in the band: most of it
// within a factor 2 of PeakFreq, and the spectrum is exactly Hermitian.
func TestTextureSpectrum(t *testing.T) {
	s := DefaultScene()
	tex := NewTexture(s, 5)
	var in, total float64
	for j := range tex.re {
		p := tex.re[j]*tex.re[j] + tex.im[j]*tex.im[j]
		f := math.Hypot(tex.fx[j], tex.fy[j])
		total += p
		if f >= s.PeakFreq/2 && f <= 2*s.PeakFreq {
			in += p
		}
		n := s.Size
		u, v := j%n, j/n
		m := ((n-v)%n)*n + (n-u)%n
		if tex.re[m] != tex.re[j] || tex.im[m] != -tex.im[j] {
			t.Fatalf("entry (%d, %d) is not the conjugate of its mirror", u, v)
		}
	}
	if in/total < 0.8 {
		t.Errorf("%.0f%% of the power lies within a factor 2 of the peak frequency; want at least 80%%", 100*in/total)
	}
}

func TestTextureSeeds(t *testing.T) {
	s := DefaultScene()
	a := NewTexture(s, 1).Shifted(0, 0, nil)
	b := NewTexture(s, 1).Shifted(0, 0, nil)
	c := NewTexture(s, 2).Shifted(0, 0, nil)
	var same, differ int
	for i := range a {
		if a[i] != b[i] {
			same++
		}
		if a[i] != c[i] {
			differ++
		}
	}
	if same != 0 {
		t.Errorf("seed 1 twice: %d pixels differ", same)
	}
	if differ < len(a)*9/10 {
		t.Errorf("seeds 1 and 2: only %d of %d pixels differ", differ, len(a))
	}
}

func TestVelocity(t *testing.T) {
	s := DefaultScene()
	s.Speed = 1.5
	exact := map[int][2]float64{0: {1.5, 0}, 3: {0, 1.5}, 6: {-1.5, 0}, 9: {0, -1.5}, 2: {0.75, 1.5 * math.Sqrt(3) / 2}, -1: {1.5 * math.Sqrt(3) / 2, -0.75}}
	for dir, want := range exact {
		vx, vy := Velocity(s, dir)
		if math.Abs(vx-want[0]) > 1e-15 || math.Abs(vy-want[1]) > 1e-15 {
			t.Errorf("direction %d: velocity (%g, %g), want (%g, %g)", dir, vx, vy, want[0], want[1])
		}
	}
	for k := range Directions {
		vx, vy := Velocity(s, k)
		if math.Abs(math.Hypot(vx, vy)-1.5) > 1e-15 {
			t.Errorf("direction %d: speed %g, want 1.5", k, math.Hypot(vx, vy))
		}
		a := 2 * math.Pi * float64(k) / Directions
		if math.Abs(vx-1.5*math.Cos(a)) > 1e-15 || math.Abs(vy-1.5*math.Sin(a)) > 1e-15 {
			t.Errorf("direction %d: velocity (%g, %g) is not at angle 2πk/12", k, vx, vy)
		}
	}
}

func TestSceneValidate(t *testing.T) {
	if err := DefaultScene().Validate(); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []func(*Scene){
		func(s *Scene) { s.Size = 3 },
		func(s *Scene) { s.Steps = 0 },
		func(s *Scene) { s.Speed = math.NaN() },
		func(s *Scene) { s.Threshold = 0 },
		func(s *Scene) { s.Warmup = -1 },
		func(s *Scene) { s.PeakFreq = 0.5 },
		func(s *Scene) { s.Bandwidth = 0 },
		func(s *Scene) { s.Contrast = -1 },
		func(s *Scene) { s.NoiseRate = 1.5 },
	} {
		s := DefaultScene()
		bad(&s)
		if s.Validate() == nil {
			t.Errorf("%+v: no error", s)
		}
	}
}

// TestDeterministicMath checks the IEEE-only exp, log and sin/cos against
// package math.
func TestDeterministicMath(t *testing.T) {
	rel := func(got, want float64) float64 {
		if want == 0 {
			return math.Abs(got)
		}
		return math.Abs(got-want) / math.Abs(want)
	}
	for i := -2000; i <= 2000; i++ {
		x := float64(i) * 0.0173
		if e := rel(detExp(x), math.Exp(x)); e > 4e-16 {
			t.Fatalf("detExp(%g) = %g, math.Exp gives %g", x, detExp(x), math.Exp(x))
		}
		y := math.Exp(float64(i) * 0.011)
		if e := math.Abs(detLog(y) - math.Log(y)); e > 4e-16*math.Max(1, math.Abs(math.Log(y))) {
			t.Fatalf("detLog(%g) = %g, math.Log gives %g", y, detLog(y), math.Log(y))
		}
		tau := float64(i) * 0.00131
		c, s := cisTurns(tau)
		if math.Abs(c-math.Cos(2*math.Pi*tau)) > 1e-14 || math.Abs(s-math.Sin(2*math.Pi*tau)) > 1e-14 {
			t.Fatalf("cisTurns(%g) = %g, %g; want %g, %g", tau, c, s, math.Cos(2*math.Pi*tau), math.Sin(2*math.Pi*tau))
		}
	}
	for q, want := range [][2]float64{{1, 0}, {0, 1}, {-1, 0}, {0, -1}} {
		for _, turns := range []float64{0, -3, 5} {
			c, s := cisTurns(turns + float64(q)/4)
			if c != want[0] || s != want[1] {
				t.Errorf("cisTurns(%g) = %g, %g; want exactly %g, %g", turns+float64(q)/4, c, s, want[0], want[1])
			}
		}
	}
}
