package main

import (
	"hash/fnv"
	"math"
	"slices"
	"testing"
)

// TestCameraRamp follows one pixel through a hand-made log intensity: at
// most one event per step, the reference moving by C per event and the
// rest of a large change carried over as residual. The values are dyadic,
// so the arithmetic is exact.
func TestCameraRamp(t *testing.T) {
	const c = 0.25
	cam := NewCamera(c, []float64{1})
	steps := []struct {
		l   float64
		pol int8
		ref float64
	}{
		{1.125, 0, 1},     // Δ = 0.125 < C
		{1.25, 1, 1.25},   // Δ = C exactly: ON
		{2, 1, 1.5},       // Δ = 0.75: one ON, 0.5 left
		{2, 1, 1.75},      // the residual 0.5: ON, 0.25 left
		{2, 1, 2},         // 0.25 = C: ON, nothing left
		{2, 0, 2},         // no change
		{1.875, 0, 2},     // Δ = -0.125
		{1.5, -1, 1.75},   // Δ = -0.5: OFF, -0.25 left
		{1.625, 0, 1.75},  // the residual shrinks to -0.125
		{1, -1, 1.5},      // Δ = -0.75: OFF
		{1, -1, 1.25},     // OFF
		{1, -1, 1},        // OFF (Δ = -C exactly)
		{0.875, 0, 1},     // Δ = -0.125
		{1.25, 1, 1.25},   // Δ = C: ON
		{-10, -1, 1},      // a huge fall: one OFF per step
		{-10, -1, 0.75},   //
		{0.875, 0, 0.75},  // back up before the residual is spent: Δ = 0.125
		{1.0625, 1, 1.00}, // Δ = 0.3125: ON
	}
	pol := make([]int8, 1)
	for i, st := range steps {
		cam.Step([]float64{st.l}, pol)
		if pol[0] != st.pol || cam.Ref[0] != st.ref {
			t.Fatalf("step %d (L = %g): event %d, reference %g; want %d, %g", i, st.l, pol[0], cam.Ref[0], st.pol, st.ref)
		}
	}
}

func TestAppendEventsOrder(t *testing.T) {
	// A 3×3 sensor: pixel y·3+x.
	pol := []int8{1, -1, 0, 0, 1, 0, -1, 0, 1}
	got := appendEvents(nil, 7, 3, pol)
	want := []Event{
		{7, 1, 0, false}, {7, 0, 2, false}, // OFF first, raster order
		{7, 0, 0, true}, {7, 1, 1, true}, {7, 2, 2, true},
	}
	if !slices.Equal(got, want) {
		t.Fatalf("events %v, want %v", got, want)
	}
}

// eventKey orders events as Stream sorts them.
func eventKey(e Event) int64 {
	p := int64(0)
	if e.On {
		p = 1
	}
	return int64(e.T)<<34 | p<<32 | int64(uint16(e.Y))<<16 | int64(uint16(e.X))
}

func checkStream(t *testing.T, s Scene, events []Event) {
	t.Helper()
	for i, e := range events {
		if e.T < 0 || int(e.T) >= s.Steps || e.X < 0 || int(e.X) >= s.Size || e.Y < 0 || int(e.Y) >= s.Size {
			t.Fatalf("event %d %+v is outside the %d steps or the %d×%d sensor", i, e, s.Steps, s.Size, s.Size)
		}
		// Strictly increasing: sorted, and at most one event per pixel and
		// step (of either polarity).
		if i > 0 {
			prev := events[i-1]
			if eventKey(prev) >= eventKey(e) {
				t.Fatalf("events %d %+v and %d %+v are out of order", i-1, prev, i, e)
			}
			if prev.T == e.T && prev.X == e.X && prev.Y == e.Y {
				t.Fatalf("pixel (%d, %d) has two events at step %d", e.X, e.Y, e.T)
			}
		}
	}
	seen := map[[3]int]bool{}
	for _, e := range events {
		k := [3]int{int(e.T), int(e.X), int(e.Y)}
		if seen[k] {
			t.Fatalf("pixel (%d, %d) has two events at step %d", e.X, e.Y, e.T)
		}
		seen[k] = true
	}
}

func TestStreamDeterministicAndOrdered(t *testing.T) {
	s := DefaultScene()
	a := Stream(s, 4, 99)
	b := Stream(s, 4, 99)
	if !slices.Equal(a, b) {
		t.Fatal("the same scene, direction and seed gave different events")
	}
	checkStream(t, s, a)
	s.NoiseRate = 0.01
	c := Stream(s, 4, 99)
	if !slices.Equal(c, Stream(s, 4, 99)) {
		t.Fatal("with noise, the same scene, direction and seed gave different events")
	}
	checkStream(t, s, c)
	if len(c) <= len(a) {
		t.Errorf("noise added no events: %d with, %d without", len(c), len(a))
	}
}

// TestStreamGolden pins the events of one stream, so that a change of the
// texture, the camera or the arithmetic — or a machine whose floating
// point gives other results — shows up. The scene is spelt out so that
// changing DefaultScene does not break it.
func TestStreamGolden(t *testing.T) {
	s := Scene{Size: 16, Steps: 20, Speed: 0.8, Threshold: 0.2, Warmup: 3, PeakFreq: 0.15, Bandwidth: 0.6, Slope: 1, Contrast: 0.2, NoiseRate: 0.01}
	events := Stream(s, 5, 12345)
	h := fnv.New64a()
	for _, e := range events {
		on := byte(0)
		if e.On {
			on = 1
		}
		h.Write([]byte{byte(e.T), byte(e.T >> 8), byte(e.X), byte(e.Y), on})
	}
	const wantLen, wantHash = 1305, uint64(0x7bfb6f0492dd625e)
	if len(events) != wantLen || h.Sum64() != wantHash {
		t.Errorf("%d events, hash %#x; want %d, %#x", len(events), h.Sum64(), wantLen, wantHash)
	}
}

func TestStreamDirectionsDiffer(t *testing.T) {
	s := DefaultScene()
	a, b := Stream(s, 0, 7), Stream(s, 6, 7)
	if slices.Equal(a, b) {
		t.Fatal("directions 0 and 6 gave the same events")
	}
	// The same texture moving the opposite way: the image at time 0 is the
	// same and its change over step 0 opposite, so most pixels that fire
	// at step 0 in both directions flip polarity.
	first := func(ev []Event) map[[2]int16]bool {
		m := map[[2]int16]bool{}
		for _, e := range ev {
			if e.T == 0 {
				m[[2]int16{e.X, e.Y}] = e.On
			}
		}
		return m
	}
	fa, fb := first(a), first(b)
	var both, flipped int
	for k, on := range fa {
		if onB, ok := fb[k]; ok {
			both++
			if on != onB {
				flipped++
			}
		}
	}
	if both > 0 && flipped*2 < both {
		t.Errorf("at step 0, %d pixels fire in both directions and only %d flip polarity", both, flipped)
	}
}

func TestStreamRate(t *testing.T) {
	s := DefaultScene()
	var events, on int
	const streams = 24
	for i := range streams {
		for _, e := range Stream(s, i%Directions, uint64(1000+i)) {
			events++
			if e.On {
				on++
			}
		}
	}
	rate := float64(events) / float64(streams*s.Steps*s.Size*s.Size)
	if rate < 0.05 || rate > 0.15 {
		t.Errorf("%.3f events per pixel and step at the defaults; want 0.05..0.15", rate)
	}
	if share := float64(on) / float64(events); math.Abs(share-0.5) > 0.05 {
		t.Errorf("%.3f of the events are ON; want about half", share)
	}
}

func TestStreamNoise(t *testing.T) {
	s := DefaultScene()
	s.Contrast = 0 // a flat scene: only noise
	s.NoiseRate = 0.02
	events := Stream(s, 2, 5)
	checkStream(t, s, events)
	rate := float64(len(events)) / float64(s.Steps*s.Size*s.Size)
	if math.Abs(rate-0.02) > 0.003 {
		t.Errorf("noise rate %.4f, want 0.02", rate)
	}
	if len(Stream(s, 3, 5)) == len(events) && slices.Equal(Stream(s, 3, 5), events) {
		t.Error("the noise does not depend on the direction")
	}
	s.NoiseRate = 0
	if n := len(Stream(s, 2, 5)); n != 0 {
		t.Errorf("a flat scene without noise gave %d events", n)
	}
}

// flowEstimate returns the displacement of the event maps over lag steps:
// the peak of their circular cross-correlation, summed over the stream's
// steps and both polarities, refined to sub-pixel by the centroid of the
// 3×3 neighbourhood of the peak.
func flowEstimate(s Scene, events []Event, lag int) (dx, dy float64, peakX, peakY int) {
	n := s.Size
	maps := make([][]float64, 2*s.Steps) // [T·2+p][y·n+x]
	for i := range maps {
		maps[i] = make([]float64, n*n)
	}
	for _, e := range events {
		p := 0
		if e.On {
			p = 1
		}
		maps[int(e.T)*2+p][int(e.Y)*n+int(e.X)] = 1
	}
	// corr[sy·n+sx] = Σ map(T+lag)(x+sx, y+sy)·map(T)(x, y), for shifts
	// up to n/4 pixels (mod n) in each axis.
	r := n / 4
	corr := make([]float64, n*n)
	for t := 0; t+lag < s.Steps; t++ {
		for p := range 2 {
			a, b := maps[t*2+p], maps[(t+lag)*2+p]
			for i, va := range a {
				if va == 0 {
					continue
				}
				x, y := i%n, i/n
				for oy := -r; oy <= r; oy++ {
					sy := (oy + n) % n
					row := ((y + sy) % n) * n
					for ox := -r; ox <= r; ox++ {
						sx := (ox + n) % n
						corr[sy*n+sx] += b[row+(x+sx)%n]
					}
				}
			}
		}
	}
	best := 0
	for i, c := range corr {
		if c > corr[best] {
			best = i
		}
	}
	wrap := func(d int) int {
		if 2*d > n {
			return d - n
		}
		return d
	}
	peakX, peakY = wrap(best%n), wrap(best/n)
	if peakX == -r || peakX == r || peakY == -r || peakY == r {
		return 0, 0, peakX, peakY // at the window's edge: no sub-pixel estimate
	}
	var w, sx, sy float64
	for oy := -1; oy <= 1; oy++ {
		for ox := -1; ox <= 1; ox++ {
			c := corr[((peakY+oy+n)%n)*n+(peakX+ox+n)%n]
			w += c
			sx += c * float64(peakX+ox)
			sy += c * float64(peakY+oy)
		}
	}
	return sx / w, sy / w, peakX, peakY
}

// TestStreamCarriesMotion cross-correlates the event maps of steps T and
// T+4: the peak lies where the texture moved in 4 steps, in every
// direction.
func TestStreamCarriesMotion(t *testing.T) {
	s := DefaultScene()
	const lag = 4
	for dir := range Directions {
		for _, seed := range []uint64{21, 22} {
			dx, dy, px, py := flowEstimate(s, Stream(s, dir, seed), lag)
			vx, vy := Velocity(s, dir)
			wx, wy := lag*vx, lag*vy
			if math.Hypot(float64(px)-wx, float64(py)-wy) >= 1 {
				t.Errorf("direction %d, seed %d: the correlation peaks at a shift (%d, %d), want about (%.2f, %.2f)", dir, seed, px, py, wx, wy)
			}
			angle := math.Atan2(dy, dx) - math.Atan2(wy, wx)
			angle = math.Remainder(angle, 2*math.Pi)
			t.Logf("direction %2d, seed %d: flow over %d steps (%5.2f, %5.2f), want (%5.2f, %5.2f): %5.1f° off", dir, seed, lag, dx, dy, wx, wy, angle*180/math.Pi)
			if math.Abs(angle) > math.Pi/Directions {
				t.Errorf("direction %d, seed %d: the flow (%.2f, %.2f) is %.1f° off (%.2f, %.2f)", dir, seed, dx, dy, angle*180/math.Pi, wx, wy)
			}
		}
	}
}
