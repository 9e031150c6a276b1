package loihisim

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/snnc/snnc/ir"
)

// The vector kernel (where the CPU has one) equals updateNeurons, the
// scalar definition of the model, lane for lane: on random states spread
// over the whole 24-bit range, on the extremes, and on random
// configurations, refractory or not, with inputs of any 32-bit value.
func TestVectorKernelEqualsScalar(t *testing.T) {
	if !useVector {
		t.Skip("no vector kernel on this CPU")
	}
	r := rand.New(rand.NewPCG(4, 4))
	extremes := []int32{stateLowest - 1, stateLowest, -4097, -4096, -4095, -1, 0, 1, 4095, 4096, 4097, stateHighest}
	state := func() int32 {
		if r.IntN(4) == 0 {
			return extremes[r.IntN(len(extremes))]
		}
		return int32(r.IntN(1<<24)) - 1<<23
	}
	const n = 8*37 + 5 // a tail for updateNeurons too
	for trial := range 2000 {
		reset := ir.Resets[r.IntN(len(ir.Resets))]
		c := Configure(int32(r.IntN(4096)), int32(r.IntN(4096)), int32(r.IntN(1<<17)), int32(r.IntN(8191))-4095, int32(r.IntN(8)), int32(r.IntN(16)), reset)
		if trial%10 == 0 {
			c = Configure([]int32{0, 4095}[r.IntN(2)], []int32{0, 4095}[r.IntN(2)], []int32{0, 1<<17 - 1}[r.IntN(2)], 4095, 7, 15, reset)
		}
		u, v, refr, in := make([]int32, n), make([]int32, n), make([]int32, n), make([]int32, n)
		for i := range n {
			u[i], v[i], in[i] = state(), state(), int32(r.Uint32())
			if r.IntN(3) == 0 {
				refr[i] = int32(r.IntN(16))
			}
			if r.IntN(3) == 0 {
				in[i] = int32(r.IntN(2000)) - 1000
			}
		}
		u2, v2, refr2, in2 := slices.Clone(u), slices.Clone(v), slices.Clone(refr), slices.Clone(in)
		want := updateNeurons([]NeuronConfig{c}, u, v, refr, in, 0, nil)

		masks := make([]uint8, n/8)
		done := updateBlocks(&c, u2, v2, refr2, in2, masks)
		var got []int32
		for b, m := range masks {
			for l := range 8 {
				if m&(1<<l) != 0 {
					got = append(got, int32(8*b+l))
				}
			}
		}
		got = updateNeurons([]NeuronConfig{c}, u2[done:], v2[done:], refr2[done:], in2[done:], int32(done), got)
		for _, x := range []struct {
			name      string
			got, want []int32
		}{{"spikes", got, want}, {"u", u2, u}, {"v", v2, v}, {"refractory", refr2, refr}, {"input", in2, in}} {
			if !slices.Equal(x.got, x.want) {
				t.Fatalf("trial %d, config %+v: %s differ:\n got %v\nwant %v", trial, c, x.name, x.got, x.want)
			}
		}
	}
}

// BenchmarkUpdateNeurons times the update alone, 4000 neurons of one
// configuration in CUBA's regime (bench/peer/workload.go), with the vector
// kernel where the CPU has one and with the scalar loop.
func BenchmarkUpdateNeurons(b *testing.B) {
	const n = 4000
	r := rand.New(rand.NewPCG(1, 1))
	u, v, refr, in := make([]int32, n), make([]int32, n), make([]int32, n), make([]int32, n)
	for i := range v {
		v[i] = int32(r.IntN(64000))
	}
	cfg := []NeuronConfig{Configure(81, 20, 1000, 352, 0, 50, ir.ResetZero)}
	src := make([]int32, 1<<16)
	for i := range src {
		if r.IntN(20) == 0 { // about CUBA's half an event a neuron and step
			src[i] = int32(r.IntN(1200)) - 576
		}
	}
	masks := make([]uint8, n/8)
	spikes := make([]int32, 0, n)
	for _, vector := range []bool{true, false} {
		b.Run(fmt.Sprintf("vector=%v", vector && useVector), func(b *testing.B) {
			defer func(old bool) { useVector = old }(useVector)
			useVector = vector && useVector
			k := 0
			for b.Loop() {
				copy(in, src[k:])
				k = (k + 7919) % (len(src) - n)
				done := updateBlocks(&cfg[0], u, v, refr, in, masks)
				spikes = updateNeurons(cfg, u[done:], v[done:], refr[done:], in[done:], int32(done), spikes[:0])
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/n, "ns/neuron")
		})
	}
}
