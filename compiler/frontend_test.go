package compiler

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/snnc/snnc/ir"
)

var update = flag.Bool("update", false, "rewrite generated files in testdata")

// specWeights are the weights of testdata/spec.yaml, row = target.
var specWeights = []float64{
	10, 0, -20,
	0, 5, 0,
	7, 7, 7,
	0, 0, 255,
}

// TestSpecExample checks the example of the format reference down to the
// CSR arrays.
func TestSpecExample(t *testing.T) {
	net, err := ParseFile("testdata/spec.yaml")
	if err != nil {
		t.Fatal(err)
	}
	lif := &ir.LIFParams{
		Du: ir.Param{410}, Dv: ir.Param{205}, Vth: ir.Param{100}, BiasMant: ir.Param{0},
		BiasExp: ir.Param{0}, Refractory: ir.Param{0}, U: ir.Param{0}, V: ir.Param{0},
	}
	want := &ir.Network{
		Source:   "testdata/spec.yaml",
		Timestep: 0.001,
		Populations: []ir.Population{
			{Name: "in", Size: 3, Model: ir.ModelInput, Pos: ir.Pos{File: "testdata/spec.yaml", Line: 5, Col: 5}},
			{Name: "exc", Size: 4, Model: ir.ModelLIF, LIF: lif, Pos: ir.Pos{File: "testdata/spec.yaml", Line: 8, Col: 5}},
		},
		Projections: []ir.Projection{{
			Name: "in->exc", From: 0, To: 1, WeightExp: 0, WeightBits: 8,
			SignMode: ir.SignMixed, SignModeDerived: true,
			Syn: ir.Synapses{
				// source 0: targets 0 (10), 2 (7); source 1: 1 (5), 2 (7);
				// source 2: 0 (-20), 2 (7), 3 (255).
				Start:  []int64{0, 2, 4, 7},
				Target: []int32{0, 2, 1, 2, 0, 2, 3},
				Weight: []int16{10, 7, 5, 7, -20, 7, 255},
				Delay:  []uint16{1, 1, 1, 1, 1, 1, 1},
			},
			Pos: ir.Pos{File: "testdata/spec.yaml", Line: 13, Col: 5},
		}},
	}
	if !reflect.DeepEqual(net, want) {
		t.Errorf("got\n%s\nwant\n%s", dump(net), dump(want))
		t.Errorf("got  %+v\nwant %+v", net.Projections[0], want.Projections[0])
	}
}

// TestTestdataNPY keeps testdata/weights.npy what encodeNPY makes of the
// example's weights (go test -run TestTestdataNPY -update rewrites it).
func TestTestdataNPY(t *testing.T) {
	want := encodeNPY("<i2", false, []int{4, 3}, specWeights)
	if *update {
		if err := os.WriteFile("testdata/weights.npy", want, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile("testdata/weights.npy")
	if err != nil || string(got) != string(want) {
		t.Fatalf("testdata/weights.npy is stale (err %v): run go test ./compiler -run TestTestdataNPY -update", err)
	}
	du := encodeNPY(">u2", true, []int{4}, []float64{4095, 0, 1, 2})
	if *update {
		os.WriteFile("testdata/du.npy", du, 0o644)
	}
	if got, err := os.ReadFile("testdata/du.npy"); err != nil || string(got) != string(du) {
		t.Fatalf("testdata/du.npy is stale (err %v): run go test ./compiler -run TestTestdataNPY -update", err)
	}
}

// TestFilesMatchInline checks that the same weights from CSV and .npy give
// the same synapses as the inline matrix.
func TestFilesMatchInline(t *testing.T) {
	inline, err := ParseFile("testdata/spec.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"testdata/spec_csv.yaml", "testdata/spec_npy.yaml"} {
		net, err := ParseFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(net.Projections[0].Syn, inline.Projections[0].Syn) {
			t.Errorf("%s: synapses differ from the inline matrix\n%s", f, dump(net))
		}
	}
}

// TestNPYLayouts reads the same matrix in every dtype, byte order and
// memory order.
func TestNPYLayouts(t *testing.T) {
	vals := []float64{1, 0, 2, 0, 3, 0, 4, 5, 6, 0, 0, 7}
	src := head + `  - {from: in, to: exc, weights: {file: w.npy}}` + "\n"
	ref := mustParse(t, head+`  - {from: in, to: exc, weights: [[1, 0, 2], [0, 3, 0], [4, 5, 6], [0, 0, 7]]}`+"\n", nil)
	for _, dt := range []string{"i1", "i2", "i4", "i8", "u1", "u2", "u4", "u8", "f4", "f8"} {
		for _, order := range []string{"<", ">"} {
			for _, fortran := range []bool{false, true} {
				descr := order + dt
				if dt[1] == '1' && order == ">" {
					descr = "|" + dt
				}
				net, err := parseString(t, src, map[string][]byte{"w.npy": encodeNPY(descr, fortran, []int{4, 3}, vals)})
				if err != nil {
					t.Errorf("%s fortran=%v: %v", descr, fortran, err)
					continue
				}
				if !reflect.DeepEqual(net.Projections[0].Syn, ref.Projections[0].Syn) {
					t.Errorf("%s fortran=%v: got\n%s", descr, fortran, dump(net))
				}
			}
		}
	}
	// bool: every true entry is a synapse of weight 1.
	net := mustParse(t, src, map[string][]byte{"w.npy": encodeNPY("|b1", false, []int{4, 3}, vals)})
	if got := net.Projections[0].Syn.Weight; !reflect.DeepEqual(got, []int16{1, 1, 1, 1, 1, 1, 1}) {
		t.Errorf("bool weights: %v", got)
	}
}

// head is the start of most test descriptions; projections follow on line 6.
const head = `version: 1
populations:
  - {name: in, size: 3, model: input}
  - {name: exc, size: 4, model: lif, params: {vth: 100}}
projections:
`

func TestParams(t *testing.T) {
	src := `version: 1
timestep: 0.5ms
populations:
  - name: exc
    size: 4
    model: lif
    params:
      du: [1, 2, 3, 4]
      dv: {file: dv.csv}
      vth: {file: vth.npy}
      bias_mant: -4096
      bias_exp: {file: be.csv}
      refractory: 2ms
      u: -8388608
      v: 8388607
`
	files := map[string][]byte{
		"dv.csv":  []byte("5\n6\n7\n8\n"),
		"vth.npy": encodeNPY("<i4", false, []int{4}, []float64{100, 200, 300, 131071}),
		"be.csv":  []byte("0, 1, 2, 7\n"),
	}
	net := mustParse(t, src, files)
	got := net.Populations[0].LIF
	want := &ir.LIFParams{
		Du: ir.Param{1, 2, 3, 4}, Dv: ir.Param{5, 6, 7, 8}, Vth: ir.Param{100, 200, 300, 131071},
		BiasMant: ir.Param{-4096}, BiasExp: ir.Param{0, 1, 2, 7}, Refractory: ir.Param{4},
		U: ir.Param{-8388608}, V: ir.Param{8388607},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v\nwant %+v", got, want)
	}
	if net.Timestep != 0.0005 {
		t.Errorf("timestep %v, want 0.0005", net.Timestep)
	}
}

func TestDelays(t *testing.T) {
	cases := []struct {
		name, delays string
		files        map[string][]byte
		want         []uint16
	}{
		{"default", ``, nil, []uint16{1, 1, 1, 1, 1, 1, 1}},
		{"scalar", `delays: 3`, nil, []uint16{3, 3, 3, 3, 3, 3, 3}},
		{"time", `delays: 3ms`, nil, []uint16{3, 3, 3, 3, 3, 3, 3}},
		{"max", `delays: 65535`, nil, []uint16{65535, 65535, 65535, 65535, 65535, 65535, 65535}},
		// Matrix entries of the synapses, in CSR order: (t0,s0) (t2,s0)
		// (t1,s1) (t2,s1) (t0,s2) (t2,s2) (t3,s2).
		{"matrix", `delays: [[1, 9, 2], [9, 3, 9], [4, 5, 6], [9, 9, 7]]`, nil, []uint16{1, 4, 3, 5, 2, 6, 7}},
		{"matrix with times", `delays: [[1ms, 9, 2], [9, 3, 9], [4, 5, 6], [9, 9, 7ms]]`, nil, []uint16{1, 4, 3, 5, 2, 6, 7}},
		{"csv", `delays: {file: d.csv}`, map[string][]byte{"d.csv": []byte("1,9,2\n9,3,9\n4,5,6\n9,9,7\n")}, []uint16{1, 4, 3, 5, 2, 6, 7}},
		{"npy", `delays: {file: d.npy}`, map[string][]byte{"d.npy": encodeNPY("<u2", true, []int{4, 3}, []float64{1, 9, 2, 9, 3, 9, 4, 5, 6, 9, 9, 7})}, []uint16{1, 4, 3, 5, 2, 6, 7}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			src := "version: 1\ntimestep: 1ms\n" + strings.TrimPrefix(head, "version: 1\n") +
				"  - from: in\n    to: exc\n    weights: [[10, 0, -20], [0, 5, 0], [7, 7, 7], [0, 0, 255]]\n    " + c.delays + "\n"
			net := mustParse(t, src, c.files)
			if got := net.Projections[0].Syn.Delay; !reflect.DeepEqual(got, c.want) {
				t.Errorf("delays %v, want %v", got, c.want)
			}
		})
	}
}

func TestUniformDelaysAndWeights(t *testing.T) {
	src := "version: 1\ntimestep: 1ms\n" + strings.TrimPrefix(head, "version: 1\n") + `  - from: in
    to: exc
    connect: all_to_all
    weights: {uniform: {min: -3, max: 3, seed: 1}}
    delays: {uniform: {min: 2ms, max: 4, seed: 2}}
`
	a := mustParse(t, src, nil)
	b := mustParse(t, src, nil)
	if !reflect.DeepEqual(a, b) {
		t.Fatal("the same description gave two networks")
	}
	syn := a.Projections[0].Syn
	if syn.Len() != 12 {
		t.Fatalf("%d synapses, want 12", syn.Len())
	}
	for i := range syn.Len() {
		if w := syn.Weight[i]; w < -3 || w > 3 {
			t.Errorf("weight %d outside [-3, 3]", w)
		}
		if d := syn.Delay[i]; d < 2 || d > 4 {
			t.Errorf("delay %d outside [2, 4]", d)
		}
	}
	// A different weight seed changes the weights, not the delays.
	c := mustParse(t, strings.Replace(src, "seed: 1", "seed: 5", 1), nil)
	if reflect.DeepEqual(c.Projections[0].Syn.Weight, syn.Weight) || !reflect.DeepEqual(c.Projections[0].Syn.Delay, syn.Delay) {
		t.Errorf("weight seed: weights %v -> %v, delays %v -> %v", syn.Weight, c.Projections[0].Syn.Weight, syn.Delay, c.Projections[0].Syn.Delay)
	}
}

func TestProjectionNamesAndSignModes(t *testing.T) {
	src := head + `  - {from: in, to: exc, connect: all_to_all, weights: 1}
  - {from: in, to: exc, connect: all_to_all, weights: -1, name: "in->exc#2"}
  - {from: in, to: exc, connect: all_to_all, weights: 0}
  - {from: exc, to: exc, connect: one_to_one, weights: 5, sign_mode: inhibitory}
  - {from: in, to: exc, connect: all_to_all, weights: 1, name: mine}
`
	net := mustParse(t, src, nil)
	var names, modes []string
	for _, pr := range net.Projections {
		names = append(names, pr.Name)
		m := pr.SignMode.String()
		if pr.SignModeDerived {
			m += " (derived)"
		}
		modes = append(modes, m)
	}
	wantNames := []string{"in->exc", "in->exc#2", "in->exc#3", "exc->exc", "mine"}
	wantModes := []string{"excitatory (derived)", "inhibitory (derived)", "excitatory (derived)", "inhibitory", "excitatory (derived)"}
	if !reflect.DeepEqual(names, wantNames) || !reflect.DeepEqual(modes, wantModes) {
		t.Errorf("names %q\nwant  %q\nmodes %q\nwant  %q", names, wantNames, modes, wantModes)
	}
	// Weight-0 synapses of a pattern exist.
	if n := net.Projections[2].Syn.Len(); n != 12 {
		t.Errorf("weights: 0 gave %d synapses, want 12", n)
	}
}

func TestParseFileErrors(t *testing.T) {
	_, err := ParseFile("testdata/no-such-file.yaml")
	var e *Error
	if !errors.As(err, &e) || e.Pos.File != "testdata/no-such-file.yaml" || !strings.Contains(e.Msg, "no such file") {
		t.Errorf("got %v", err)
	}
	_, err = Parse("net.yaml", []byte(head+"  - {from: in, to: exc, weights: {file: w.csv}}\n"), nil)
	if err == nil || err.Error() != `net.yaml:6:41: projections[0].weights.file: cannot read "w.csv": this description was given without a way to read files` {
		t.Errorf("got %v", err)
	}
}

// TestFilePositions checks that errors in a named file carry the file's
// name relative to the description, as ParseFile resolves it.
func TestFilePositions(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(dir+"/net.yaml", []byte(head+"  - {from: in, to: exc, weights: {file: w.csv}}\n"), 0o644)
	os.WriteFile(dir+"/w.csv", []byte("1,2,3\n1,2,3\n1,x,3\n1,2,3\n"), 0o644)
	_, err := ParseFile(dir + "/net.yaml")
	want := dir + `/w.csv:3:3: projections[0].weights[2][1]: "x" is not an integer (allowed: -32768..32767)`
	if err == nil || err.Error() != want {
		t.Errorf("got  %v\nwant %s", err, want)
	}
}

// TestTestdataExamples parses every example in testdata; each must be valid.
func TestTestdataExamples(t *testing.T) {
	paths, _ := filepath.Glob("testdata/*.yaml")
	if len(paths) < 4 {
		t.Fatalf("only %d examples", len(paths))
	}
	for _, p := range paths {
		if _, err := ParseFile(p); err != nil {
			t.Errorf("%v", err)
		}
	}
}

// TestNumberForms checks the integer spellings docs/format.md promises.
func TestNumberForms(t *testing.T) {
	src := `version: 1.0
timestep: 0.5 ms
populations:
  - {name: a, size: 0x4, model: lif, params: {vth: 1_000, du: 1e3, dv: 0o17, refractory: "1 ms", bias_mant: -0x10}}
`
	net := mustParse(t, src, nil)
	lif := net.Populations[0].LIF
	got := []int32{int32(net.Populations[0].Size), lif.Vth[0], lif.Du[0], lif.Dv[0], lif.Refractory[0], lif.BiasMant[0]}
	if want := []int32{4, 1000, 1000, 15, 2, -16}; !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

// TestAliases: anchors and aliases may share values between populations.
func TestAliases(t *testing.T) {
	src := `version: 1
populations:
  - {name: a, size: 2, model: lif, params: &lif {vth: 10, du: 5}}
  - {name: b, size: 2, model: lif, params: *lif}
projections:
  - {from: a, to: b, connect: one_to_one, weights: &w 7, delays: *w}
`
	net := mustParse(t, src, nil)
	if !reflect.DeepEqual(net.Populations[0].LIF, net.Populations[1].LIF) {
		t.Errorf("params differ: %+v, %+v", net.Populations[0].LIF, net.Populations[1].LIF)
	}
	if syn := net.Projections[0].Syn; syn.Weight[0] != 7 || syn.Delay[0] != 7 {
		t.Errorf("got %+v", syn)
	}
}

// manyPopulations is a description of n one-neuron populations, of which
// the last, a lif population, is called "last".
func manyPopulations(n int) []byte {
	var b strings.Builder
	b.WriteString("version: 1\npopulations:\n")
	for i := range n - 1 {
		fmt.Fprintf(&b, "  - {name: p%d, size: 1, model: input}\n", i)
	}
	b.WriteString("  - {name: last, size: 1, model: lif, params: {vth: 1}}\n")
	return []byte(b.String())
}

// BenchmarkPopulationLookup looks a population up by name among 10 and
// among 10,000 populations; the two should cost the same (a linear search
// made the second several hundred times slower). A benchmark, not a test:
// timings are not asserted on shared machines.
func BenchmarkPopulationLookup(b *testing.B) {
	for _, n := range []int{10, 10_000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			p := newParser("many.yaml", nil, defaultLimits)
			root, err := p.decode(manyPopulations(n))
			if err != nil {
				b.Fatal(err)
			}
			net, err := p.document(root)
			if err != nil {
				b.Fatal(err)
			}
			name := scalarNode(b, "last")
			for b.Loop() {
				if k, err := p.populationRef(name, "to", net); err != nil || k != n-1 {
					b.Fatalf("populationRef(last) = %d, %v; want %d", k, err, n-1)
				}
			}
		})
	}
}
