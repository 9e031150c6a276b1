package compiler

import (
	"fmt"
	"math/rand/v2"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/snnc/snnc/ir"
)

// sparse is a random sparse projection from sources to targets: the
// synapses in a shuffled order, each with a non-zero weight (so that a
// dense matrix describes the same synapses) and a delay.
type sparse struct {
	sources, targets int
	src, tgt         []int
	w                []float64 // integers, or multiples of 1/8 for float
	d                []int
}

func newSparse(seed uint64, sources, targets int, p float64, float bool) *sparse {
	r := rand.New(rand.NewPCG(seed, 7))
	s := &sparse{sources: sources, targets: targets}
	for src := range sources {
		for tgt := range targets {
			if r.Float64() >= p {
				continue
			}
			w := float64(r.IntN(511) - 255)
			if float {
				w /= 8
			}
			if w == 0 {
				w = 1
			}
			s.src, s.tgt, s.w, s.d = append(s.src, src), append(s.tgt, tgt), append(s.w, w), append(s.d, 1+r.IntN(40))
		}
	}
	r.Shuffle(len(s.src), func(i, j int) {
		s.src[i], s.src[j] = s.src[j], s.src[i]
		s.tgt[i], s.tgt[j] = s.tgt[j], s.tgt[i]
		s.w[i], s.w[j] = s.w[j], s.w[i]
		s.d[i], s.d[j] = s.d[j], s.d[i]
	})
	return s
}

// dense returns the weight and delay matrices, row = target (delay 1
// where there is no synapse).
func (s *sparse) dense() (w, d []float64) {
	w, d = make([]float64, s.targets*s.sources), make([]float64, s.targets*s.sources)
	for i := range d {
		d[i] = 1
	}
	for k := range s.src {
		w[s.tgt[k]*s.sources+s.src[k]] = s.w[k]
		d[s.tgt[k]*s.sources+s.src[k]] = float64(s.d[k])
	}
	return w, d
}

func (s *sparse) pairs() []float64 {
	out := make([]float64, 0, 2*len(s.src))
	for k := range s.src {
		out = append(out, float64(s.src[k]), float64(s.tgt[k]))
	}
	return out
}

func ints(vals []int) []float64 {
	out := make([]float64, len(vals))
	for i, v := range vals {
		out[i] = float64(v)
	}
	return out
}

// yamlList writes values as a flow list, each by format.
func yamlList[T any](vals []T, format func(T) string) string {
	parts := make([]string, len(vals))
	for i, v := range vals {
		parts[i] = format(v)
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

func csvText[T any](vals []T, perLine int) string {
	var b strings.Builder
	for i, v := range vals {
		b.WriteString(fmt.Sprint(v))
		if (i+1)%perLine == 0 {
			b.WriteString("\n")
		} else {
			b.WriteString(", ")
		}
	}
	return b.String()
}

// sparseHead is a network of 9 inputs and 6 neurons (lif or cuba_lif);
// one projection follows on line 6.
func sparseHead(float bool) string {
	model := "lif, params: {vth: 100}"
	if float {
		model = "cuba_lif, params: {tau_syn: 2, tau_mem: 0, v_th: 1}"
	}
	return "version: 1\ntimestep: 1ms\npopulations:\n  - {name: in, size: 9, model: input}\n  - {name: out, size: 6, model: " + model + "}\nprojections:\n"
}

// TestPairsMatchDense: a projection written as a shuffled list of pairs,
// with a weight and a delay per pair, in every form (inline, CSV, .npy of
// several dtypes and orders), is the projection the dense matrices give.
func TestPairsMatchDense(t *testing.T) {
	for _, float := range []bool{false, true} {
		s := newSparse(3, 9, 6, 0.4, float)
		w, d := s.dense()
		wDescr := "<i2"
		if float {
			wDescr = "<f8"
		}
		ref := mustParse(t, sparseHead(float)+"  - {from: in, to: out, weights: {file: w.npy}, delays: {file: d.npy}}\n", map[string][]byte{
			"w.npy": encodeNPY(wDescr, false, []int{6, 9}, w), "d.npy": encodeNPY("<u2", true, []int{6, 9}, d)})
		if got := ref.Projections[0].Syn.Len(); got != len(s.src) || got < 15 {
			t.Fatalf("the dense reference has %d synapses, the pairs %d", got, len(s.src))
		}
		n := len(s.src)
		inlineW := yamlList(s.w, func(v float64) string { return fmt.Sprint(v) })
		files := map[string][]byte{
			"p.npy":     encodeNPY("<i4", false, []int{n, 2}, s.pairs()),
			"pf.npy":    encodeNPY(">i8", true, []int{n, 2}, s.pairs()),
			"pu.npy":    encodeNPY("|u1", false, []int{n, 2}, s.pairs()),
			"pd.npy":    encodeNPY("<f8", false, []int{n, 2}, s.pairs()),
			"p.csv":     []byte(csvText(s.pairs(), 2)),
			"w.npy":     encodeNPY(strings.Replace(wDescr, "8", "4", 1), false, []int{n}, s.w),
			"w.csv":     []byte(csvText(s.w, 1)),
			"wline.csv": []byte(strings.TrimSuffix(csvText(s.w, n), "\n")),
			"d.npy":     encodeNPY("<u2", false, []int{n}, ints(s.d)),
			"d.csv":     []byte(csvText(s.d, n)),
		}
		inlinePairs := "["
		for k := range s.src {
			if k > 0 {
				inlinePairs += ", "
			}
			inlinePairs += fmt.Sprintf("[%d, %d]", s.src[k], s.tgt[k])
		}
		inlinePairs += "]"
		inlineD := yamlList(s.d, func(v int) string { return fmt.Sprintf("%dms", v) })
		for _, c := range []struct{ pairs, weights, delays string }{
			{inlinePairs, inlineW, inlineD},
			{"{file: p.npy}", "{file: w.npy}", "{file: d.npy}"},
			{"{file: pf.npy}", "{file: w.csv}", "{file: d.csv}"},
			{"{file: pu.npy}", "{file: wline.csv}", "{file: d.npy}"},
			{"{file: pd.npy}", inlineW, "{file: d.npy}"},
			{"{file: p.csv}", "{file: w.npy}", inlineD},
		} {
			src := sparseHead(float) + "  - {from: in, to: out, connect: {pairs: " + c.pairs + "}, weights: " + c.weights + ", delays: " + c.delays + "}\n"
			net := mustParse(t, src, files)
			if !reflect.DeepEqual(net, ref) {
				t.Errorf("float %v, pairs %.20s, weights %s, delays %.20s: got\n%s\nwant\n%s", float, c.pairs, c.weights, c.delays, dump(net), dump(ref))
			}
		}
	}
}

// TestPairsOrder: the pairs' order does not change the synapses, and the
// CSR arrays are those ir.FromList builds by a comparison sort.
func TestPairsOrder(t *testing.T) {
	s := newSparse(11, 300, 200, 0.05, false)
	list := make([]ir.Synapse, len(s.src))
	for k := range s.src {
		list[k] = ir.Synapse{Source: int32(s.src[k]), Target: int32(s.tgt[k]), Weight: int16(s.w[k]), Delay: uint16(s.d[k])}
	}
	want, err := ir.FromList(300, list)
	if err != nil {
		t.Fatal(err)
	}
	n := len(s.src)
	src := "version: 1\npopulations:\n  - {name: a, size: 300, model: input}\n  - {name: b, size: 200, model: lif, params: {vth: 1}}\nprojections:\n" +
		"  - {from: a, to: b, connect: {pairs: {file: p.npy}}, weights: {file: w.npy}, delays: {file: d.npy}}\n"
	net := mustParse(t, src, map[string][]byte{
		"p.npy": encodeNPY("<i2", false, []int{n, 2}, s.pairs()),
		"w.npy": encodeNPY("<i2", false, []int{n}, s.w),
		"d.npy": encodeNPY("<u1", false, []int{n}, ints(s.d)),
	})
	got := net.Projections[0].Syn
	if !slices.Equal(got.Start, want.Start) || !slices.Equal(got.Target, want.Target) || !slices.Equal(got.Weight, want.Weight) || !slices.Equal(got.Delay, want.Delay) {
		t.Errorf("%d pairs: the CSR arrays differ from ir.FromList's", n)
	}
}

// TestPairsUniform: uniform weights and delays over pairs are drawn one per
// pair in the pairs' order as written, the same on every parse.
func TestPairsUniform(t *testing.T) {
	pairs := [][2]int{{2, 3}, {0, 1}, {1, 0}, {0, 0}, {2, 1}}
	write := func(order []int) string {
		var ps []string
		for _, i := range order {
			ps = append(ps, fmt.Sprintf("[%d, %d]", pairs[i][0], pairs[i][1]))
		}
		return proj("connect: {pairs: [" + strings.Join(ps, ", ") + "]}, weights: {uniform: {min: -100, max: 100, seed: 9}}, delays: {uniform: {min: 1, max: 60, seed: 4}}")
	}
	a := mustParse(t, write([]int{0, 1, 2, 3, 4}), nil)
	if b := mustParse(t, write([]int{0, 1, 2, 3, 4}), nil); !reflect.DeepEqual(a, b) {
		t.Fatal("the same description gave two networks")
	}
	// The i-th pair as written takes the i-th draw of each stream.
	order := []int{3, 0, 4, 2, 1}
	net := mustParse(t, write(order), nil)
	wr, dr := newRNG(9, streamWeights), newRNG(4, streamDelays)
	syn := net.Projections[0].Syn
	for _, i := range order {
		w, d := wr.between(-100, 100), dr.between(1, 60)
		s, tgt := pairs[i][0], pairs[i][1]
		lo, hi := syn.Row(s)
		k := lo + slices.Index(syn.Target[lo:hi], int32(tgt))
		if k < lo || int64(syn.Weight[k]) != w || int64(syn.Delay[k]) != d {
			t.Errorf("pair (%d, %d): weight %d, delay %d; want the draws %d, %d", s, tgt, syn.Weight[k], syn.Delay[k], w, d)
		}
	}
	// Float weights into cuba_lif: the same rule.
	float := "version: 1\npopulations:\n  - {name: in, size: 3, model: input}\n  - {name: x, size: 2, model: cuba_lif, params: {tau_syn: 0, tau_mem: 0, v_th: 1}}\nprojections:\n" +
		"  - {from: in, to: x, connect: {pairs: [[2, 1], [0, 0]]}, weights: {uniform: {min: -1, max: 1, seed: 3}}}\n"
	f := mustParse(t, float, nil).Projections[0].Syn
	c := perSynapse{draw: &uniformDraw{flo: -1, fhi: 1, state: newRNG(3, streamWeights).state}}.from(0)
	first, second := c.nextFloat(), c.nextFloat()
	if !slices.Equal(f.FloatWeight, []float64{second, first}) { // CSR order: (0, 0), then (2, 1)
		t.Errorf("float weights %v, want %v", f.FloatWeight, []float64{second, first})
	}
}

// TestPairsEdgeCases: no pairs at all, zero weights, one number for all.
func TestPairsEdgeCases(t *testing.T) {
	for _, c := range []struct {
		name, fields string
		files        map[string][]byte
	}{
		{"inline", "connect: {pairs: []}, weights: [], delays: []", nil},
		{"npy", "connect: {pairs: {file: p.npy}}, weights: {file: w.npy}, delays: {file: d.npy}", map[string][]byte{
			"p.npy": encodeNPY("<i8", false, []int{0, 2}, nil), "w.npy": encodeNPY("<f4", false, []int{0}, nil), "d.npy": encodeNPY("<u2", false, []int{0}, nil)}},
		{"csv", "connect: {pairs: {file: p.csv}}, weights: {file: w.csv}, delays: {file: d.csv}", map[string][]byte{
			"p.csv": []byte(""), "w.csv": []byte("\xef\xbb\xbf\n"), "d.csv": []byte(" \r\n")}},
	} {
		net := mustParse(t, proj(c.fields), c.files)
		syn := net.Projections[0].Syn
		if syn.Len() != 0 || !slices.Equal(syn.Start, []int64{0, 0, 0, 0}) || net.Projections[0].SignMode != ir.SignExcitatory {
			t.Errorf("%s: no pairs gave %+v, sign mode %v", c.name, syn, net.Projections[0].SignMode)
		}
	}
	net := mustParse(t, proj("connect: {pairs: [[1, 3], [0, 2]]}, weights: 0, delays: 7"), nil)
	syn := net.Projections[0].Syn
	want := ir.Synapses{Start: []int64{0, 1, 2, 2}, Target: []int32{2, 3}, Weight: []int16{0, 0}, Delay: []uint16{7, 7}}
	if !reflect.DeepEqual(syn, want) {
		t.Errorf("zero weights: %+v, want %+v", syn, want)
	}
	net = mustParse(t, proj("connect: {pairs: [[1, 3], [0, 2]]}, weights: [-5, 0]"), nil)
	if syn := net.Projections[0].Syn; !slices.Equal(syn.Weight, []int16{0, -5}) || !slices.Equal(syn.Delay, []uint16{1, 1}) || net.Projections[0].SignMode != ir.SignInhibitory {
		t.Errorf("weights [-5, 0]: %+v, %v", syn, net.Projections[0].SignMode)
	}
}

// TestPairsLimits: the synapse limit and the memory budget count the
// pairs before the synapses are built.
func TestPairsLimits(t *testing.T) {
	src := proj("connect: {pairs: [[0, 0], [0, 1], [1, 1]]}, weights: 1")
	_, err := parseWithLimits("net.yaml", []byte(src), nil, limits{maxNeurons: 100, maxSynapses: 2, budget: -1})
	want := `net.yaml:6:42: projections[0].connect.pairs: 3 pairs (allowed: at most 2 synapses per projection)`
	if err == nil || err.Error() != want {
		t.Errorf("got  %v\nwant %s", err, want)
	}
	// 7 neurons (448 bytes), 3 synapses (24) and 4 row starts (32).
	_, err = parseWithLimits("net.yaml", []byte(src), nil, limits{maxNeurons: 100, maxSynapses: 100, budget: 500})
	want = `net.yaml:6:42: projections[0].connect.pairs: the list of pairs has 3 synapses, about 56 bytes, which brings the network to about 504 bytes, more than the memory budget of 500 bytes (allowed: a network whose synapses fit in memory; see docs/format.md, Limits)`
	if err == nil || err.Error() != want {
		t.Errorf("got  %v\nwant %s", err, want)
	}
	if _, err = parseWithLimits("net.yaml", []byte(src), nil, limits{maxNeurons: 100, maxSynapses: 100, budget: 504}); err != nil {
		t.Errorf("within the budget: %v", err)
	}
}

// pairsTestdata are the arrays of testdata/pairs.yaml: the 7 synapses of
// spec.yaml, in (3) -> exc (4), shuffled, a weight and a delay each.
var pairsTestdata = map[string][]byte{
	"pairs.npy":         encodeNPY("<i4", false, []int{7, 2}, []float64{2, 3, 0, 0, 1, 2, 2, 0, 0, 2, 1, 1, 2, 2}),
	"pairs_weights.npy": encodeNPY("<i2", false, []int{7}, []float64{255, 10, 7, -20, 7, 5, 7}),
	"pairs_delays.npy":  encodeNPY("<u2", false, []int{7}, []float64{4, 1, 2, 3, 5, 6, 4}),
	"pairs.csv":         []byte("2, 3\n0, 0\n1, 2\n2, 0\n0, 2\n1, 1\n2, 2\n"),
}

// TestTestdataPairs keeps the pairs files of testdata what
// pairsTestdata says (go test -run TestTestdataPairs -update rewrites
// them), and checks that both projections of pairs.yaml are spec.yaml's
// synapses.
func TestTestdataPairs(t *testing.T) {
	for name, want := range pairsTestdata {
		if *update {
			if err := os.WriteFile("testdata/"+name, want, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		if got, err := os.ReadFile("testdata/" + name); err != nil || string(got) != string(want) {
			t.Fatalf("testdata/%s is stale (err %v): run go test ./compiler -run TestTestdataPairs -update", name, err)
		}
	}
	spec, err := ParseFile("testdata/spec.yaml")
	if err != nil {
		t.Fatal(err)
	}
	net, err := ParseFile("testdata/pairs.yaml")
	if err != nil {
		t.Fatal(err)
	}
	want := spec.Projections[0].Syn
	for i, pr := range net.Projections {
		if !slices.Equal(pr.Syn.Start, want.Start) || !slices.Equal(pr.Syn.Target, want.Target) || !slices.Equal(pr.Syn.Weight, want.Weight) {
			t.Errorf("%s: got\n%s", pr.Name, dump(net))
		}
		if d := pr.Syn.Delay; i == 0 && !slices.Equal(d, []uint16{1, 5, 6, 2, 3, 4, 4}) {
			t.Errorf("%s: delays %v", pr.Name, d)
		}
	}
}

// manyPairs is an .npy file of n distinct pairs of a [from, to] projection
// in a shuffled order, with their weights and delays.
func manyPairs(n, from, to int) (pairs, weights, delays []byte) {
	r := rand.New(rand.NewPCG(1, 2))
	keys := make([]int, 0, n)
	seen := make(map[int]bool, n)
	for len(keys) < n {
		k := r.IntN(from * to)
		if !seen[k] {
			seen[k] = true
			keys = append(keys, k)
		}
	}
	p, w, d := make([]float64, 0, 2*n), make([]float64, n), make([]float64, n)
	for i, k := range keys {
		p = append(p, float64(k/to), float64(k%to))
		w[i], d[i] = float64(r.IntN(255)-127)/16, float64(1+r.IntN(16))
	}
	return encodeNPY("<i4", false, []int{n, 2}, p), encodeNPY("<f4", false, []int{n}, w), encodeNPY("<u2", false, []int{n}, d)
}

// BenchmarkPairs reads 10^6 pairs into a cuba_lif population: from .npy
// files (int32 pairs, float32 weights, uint16 delays) and from CSV files
// (a benchmark: timings are not asserted on shared machines).
func BenchmarkPairs(b *testing.B) {
	const n = 1_000_000
	p, w, d := manyPairs(n, 20_000, 20_000)
	files := map[string][]byte{"p.npy": p, "w.npy": w, "d.npy": d}
	for _, name := range []string{"p", "w", "d"} {
		a, _ := parseNPY(files[name+".npy"])
		var text strings.Builder
		for i := range a.shape[0] {
			if name == "p" {
				v0, _ := a.checkedElement(2*i, intSpec{min: 0, max: 1 << 30})
				v1, _ := a.checkedElement(2*i+1, intSpec{min: 0, max: 1 << 30})
				fmt.Fprintf(&text, "%d,%d\n", v0, v1)
			} else {
				v, _ := npyFloat(a, i)
				fmt.Fprintf(&text, "%v\n", v)
			}
		}
		files[name+".csv"] = []byte(text.String())
	}
	for _, ext := range []string{"npy", "csv"} {
		b.Run(ext, func(b *testing.B) {
			src := "version: 1\npopulations:\n  - {name: a, size: 20000, model: input}\n  - {name: b, size: 20000, model: cuba_lif, params: {tau_syn: 2, tau_mem: 0, v_th: 1}}\nprojections:\n" +
				"  - {from: a, to: b, connect: {pairs: {file: p." + ext + "}}, weights: {file: w." + ext + "}, delays: {file: d." + ext + "}}\n"
			b.ReportAllocs()
			for b.Loop() {
				net, err := parseString(b, src, files)
				if err != nil {
					b.Fatal(err)
				}
				if net.Projections[0].Syn.Len() != n {
					b.Fatalf("%d synapses", net.Projections[0].Syn.Len())
				}
			}
		})
	}
}
