package compiler

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"testing"

	loihisim "github.com/snnc/snnc/backend/loihi-sim"
	"github.com/snnc/snnc/ir"
	"github.com/snnc/snnc/testbench/randnet"
)

// Weight preparation in parallel chunks writes, row for row, what a plain
// loop over every synapse writes, and reports the first changes.
func TestPrepareWeightsChunks(t *testing.T) {
	defer func(n int64) { chunkSynapses = n }(chunkSynapses)
	for seed := range uint64(8) {
		net := randnet.Network(seed, randnet.Options{MaxSize: 40})
		net.Projections[0].Name = `a,"b"` // a name CSV must quote
		var want bytes.Buffer
		want.WriteString(WeightChangesHeader)
		var wantFirst [][2]int32
		for _, pr := range net.Projections {
			for src := range pr.Syn.Sources() {
				lo, hi := pr.Syn.Row(src)
				for k := lo; k < hi; k++ {
					given := int32(pr.Syn.Weight[k])
					if used := loihisim.PrepareWeight(given, pr.SignMode, pr.WeightBits); used != given {
						fmt.Fprintf(&want, "%s,%d,%d,%d,%d\n", csvField(pr.Name), src, pr.Syn.Target[k], given, used)
						if len(wantFirst) < maxExamples {
							wantFirst = append(wantFirst, [2]int32{int32(src), pr.Syn.Target[k]})
						}
					}
				}
			}
		}
		for _, chunk := range []int64{1 << 20, 7, 1} {
			chunkSynapses = chunk
			var got bytes.Buffer
			res, err := Compile(cloneSynapses(net), Options{WeightChanges: &got})
			if err != nil {
				t.Fatal(err)
			}
			if got.String() != want.String() {
				t.Fatalf("seed %d, chunks of %d: weight-changes.csv differs", seed, chunk)
			}
			if p0 := res.Report.Projections[0]; len(p0.ChangedExamples) > 0 {
				var first [][2]int32
				for _, c := range res.Report.Projections[0].ChangedExamples {
					first = append(first, [2]int32{int32(c.Source), int32(c.Target)})
				}
				if !slices.Equal(first, wantFirst[:len(first)]) {
					t.Fatalf("seed %d, chunks of %d: examples %v, want %v", seed, chunk, first, wantFirst)
				}
			}
		}
	}
}

// cloneSynapses copies a network deep enough for passes that change
// weights in place.
func cloneSynapses(n *ir.Network) *ir.Network {
	c := cloneNet(n)
	for i := range c.Projections {
		s := &c.Projections[i].Syn
		s.Weight = slices.Clone(s.Weight)
	}
	return c
}

// appendSmallInt writes what strconv writes, in the table and beyond it.
func TestAppendSmallInt(t *testing.T) {
	for v := int32(-40000); v <= 40000; v++ {
		if got, want := string(appendSmallInt([]byte("x"), v)), "x"+strconv.Itoa(int(v)); got != want {
			t.Fatalf("appendSmallInt(%d) = %q, want %q", v, got, want)
		}
	}
	for _, v := range []int32{math.MinInt32, math.MaxInt32, -smallIntBias - 1, -smallIntBias, smallIntBias - 1, smallIntBias} {
		if got, want := string(appendSmallInt(nil, v)), strconv.Itoa(int(v)); got != want {
			t.Fatalf("appendSmallInt(%d) = %q, want %q", v, got, want)
		}
	}
}

// failingWriter fails once it has taken n bytes.
type failingWriter struct{ n int }

var errWriteFailed = errors.New("disk full")

func (f *failingWriter) Write(b []byte) (int, error) {
	if len(b) > f.n {
		return 0, errWriteFailed
	}
	f.n -= len(b)
	return len(b), nil
}

// A failed write of weight-changes.csv, in any batch, is the pass's error.
func TestPrepareWeightsWriteError(t *testing.T) {
	defer func(n int64) { chunkSynapses = n }(chunkSynapses)
	chunkSynapses = 3
	net := randnet.Network(3, randnet.Options{MaxSize: 40})
	var all bytes.Buffer
	if _, err := Compile(cloneSynapses(net), Options{WeightChanges: &all}); err != nil {
		t.Fatal(err)
	}
	if all.Len() < 200 {
		t.Fatalf("only %d bytes of changes: pick another network", all.Len())
	}
	for _, n := range []int{0, len(WeightChangesHeader), all.Len() / 2, all.Len() - 1} {
		if _, err := Compile(cloneSynapses(net), Options{WeightChanges: &failingWriter{n: n}}); !errors.Is(err, errWriteFailed) {
			t.Errorf("writer failing after %d of %d bytes: got %v", n, all.Len(), err)
		}
	}
}
