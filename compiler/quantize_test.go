package compiler

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/snnc/snnc/backend/floatsim"
	loihisim "github.com/snnc/snnc/backend/loihi-sim"
	"github.com/snnc/snnc/ir"
)

// quantized parses a float description and runs the quantise pass alone.
func quantized(t *testing.T, src string, opt QuantizeOptions) (*ir.Network, *QuantReport) {
	t.Helper()
	net := mustParse(t, src, nil)
	res, err := Compile(net, Options{Quantize: opt, CheckIR: true})
	if err != nil {
		t.Fatal(err)
	}
	return res.Net, res.Report.Quantization
}

func TestParseFloatNetwork(t *testing.T) {
	net, err := ParseFile("testdata/float.yaml")
	if err != nil {
		t.Fatal(err)
	}
	hid, out := net.Populations[1].CUBA, net.Populations[2].CUBA
	if hid.TauSyn != 5 || hid.TauMem != 20 || hid.VTh != 1.25 || !slices.Equal(hid.Bias, []float64{0.01, -0.02}) || hid.Reset != ir.ResetSubtract {
		t.Errorf("hid params %+v (taus in steps of 0.5ms: 5 and 20)", *hid)
	}
	if out.TauSyn != 0 || !math.IsInf(out.TauMem, 1) || out.Reset != ir.ResetZero {
		t.Errorf("out params %+v", *out)
	}
	for _, c := range []struct {
		proj int
		want []float64 // CSR order: by source, then target
	}{
		{0, []float64{0.5, -0.25, 0.75, 0.1, -1.5}}, // CSV rows are targets: w[t][s]
		{1, []float64{0.5, 0.25, -0.375}},           // .npy float32
		{2, []float64{-0.125, -0.125}},
	} {
		if got := net.Projections[c.proj].Syn.FloatWeight; !slices.Equal(got, c.want) {
			t.Errorf("%s: float weights %v, want %v", net.Projections[c.proj].Name, got, c.want)
		}
	}
	u := net.Projections[3].Syn.FloatWeight
	if len(u) != 3 {
		t.Fatalf("uniform weights %v", u)
	}
	for _, w := range u {
		if w < -0.5 || w >= 0.5 {
			t.Errorf("uniform weight %v outside [-0.5, 0.5)", w)
		}
	}
	again, _ := ParseFile("testdata/float.yaml")
	if !slices.Equal(again.Projections[3].Syn.FloatWeight, u) {
		t.Errorf("uniform float weights differ between two parses")
	}
	// Without timestep a float network counts time in milliseconds.
	n := mustParse(t, "version: 1\npopulations:\n  - {name: a, size: 1, model: cuba_lif, params: {tau_syn: 5ms, tau_mem: 3, v_th: 1}}\n", nil)
	if c := n.Populations[0].CUBA; n.Timestep != 1e-3 || c.TauSyn != 5 || c.TauMem != 3 {
		t.Errorf("default timestep %v, tau_syn %v, tau_mem %v; want 1ms, 5, 3", n.Timestep, c.TauSyn, c.TauMem)
	}
}

// exactNet's float values are all exactly representable at the scale the
// pass chooses (2^16 for v_th 2): weights are multiples of 1/64 up to
// 127/64, the bias 3/64; no leak (tau_mem .inf) and no current filter
// (tau_syn 0), so the integer arithmetic equals the float one.
const exactNet = `version: 1
populations:
  - {name: in, size: 4, model: input}
  - name: x
    size: 3
    model: cuba_lif
    params: {tau_syn: 0, tau_mem: .inf, v_th: 2, bias: [0.046875, 0, 0.015625], reset: subtract}
projections:
  - from: in
    to: x
    weights: [[1.984375, -0.5, 0, 0.25], [0.015625, 0.75, 1.5, 0], [0, 0, -0.25, 0.5]]
    delays: [[1, 2, 1, 3], [4, 1, 1, 1], [1, 1, 2, 5]]
  - {from: x, to: x, weights: [[0, 0.5, 0], [-0.25, 0, 0.5], [0, 0.0625, 0]]}
`

func TestQuantizeExact(t *testing.T) {
	net, rep := quantized(t, exactNet, QuantizeOptions{})
	p := rep.Populations[0]
	if p.Scale != 1<<16 || p.Du != ir.DecayMax || p.Dv != 0 || p.Vth != 2048 || p.VThInt != 2 || p.BiasMaxError != 0 {
		t.Errorf("population %+v", p)
	}
	lif := net.Populations[1].LIF
	if net.Populations[1].Model != ir.ModelLIF || lif.Reset != ir.ResetSubtract || !slices.Equal(lif.BiasMant, ir.Param{3072, 0, 1024}) {
		t.Errorf("lowered to %v %+v", net.Populations[1].Model, lif)
	}
	for _, pr := range rep.Projections {
		if !pr.Exact || pr.SQNRdB != nil || pr.Clipped != 0 || pr.Zeroed != 0 || pr.MaxAbsError != 0 {
			t.Errorf("%s: not exact: %+v", pr.Name, pr)
		}
	}
	// Every synapse adds exactly s·w to u.
	for _, pr := range net.Projections {
		orig := mustParse(t, exactNet, nil)
		fw := orig.Projections[slices.IndexFunc(orig.Projections, func(o ir.Projection) bool { return o.Name == pr.Name })].Syn.FloatWeight
		for i, w := range pr.Syn.Weight {
			if got, want := float64(loihisim.Increment(int32(w), pr.WeightExp)), fw[i]*p.Scale; got != want {
				t.Errorf("%s synapse %d: increment %v, want s·w = %v", pr.Name, i, got, want)
			}
		}
	}
}

// randomFloatNet is a float network with Gaussian-like weights of one
// projection of n synapses into a population of 16, plus a recurrent one.
func randomFloatNet(seed uint64, outlier float64) string {
	r := rand.New(rand.NewPCG(seed, 1))
	var b strings.Builder
	b.WriteString("version: 1\npopulations:\n  - {name: in, size: 32, model: input}\n")
	b.WriteString("  - {name: x, size: 16, model: cuba_lif, params: {tau_syn: 5ms, tau_mem: 20ms, v_th: 1}}\n")
	b.WriteString("projections:\n  - from: in\n    to: x\n    weights:\n")
	for tgt := range 16 {
		row := make([]string, 32)
		for src := range row {
			w := r.NormFloat64() * 0.1
			if tgt == 3 && src == 7 && outlier != 0 {
				w = outlier
			}
			row[src] = fmt.Sprint(w)
		}
		b.WriteString("      - [" + strings.Join(row, ", ") + "]\n")
	}
	b.WriteString("  - {from: x, to: x, connect: all_to_all, weights: {uniform: {min: -0.05, max: 0.02, seed: 5}}}\n")
	return b.String()
}

// The SQNR, clipped and zeroed counts of the report are what a direct
// computation gives from the integer network: each synapse stands for
// Increment(w, weight_exp)/s, the current it adds in float units.
func TestQuantizeReportMatchesDirectComputation(t *testing.T) {
	src := randomFloatNet(1, 0)
	orig := mustParse(t, src, nil)
	for _, bits := range []int{8, 6, 4, 2} {
		net, rep := quantized(t, src, QuantizeOptions{WeightBits: bits})
		s := rep.Populations[0].Scale
		for i, pr := range net.Projections {
			fw := orig.Projections[i].Syn.FloatWeight
			var sig, noise float64
			zeroed := 0
			for k, w := range pr.Syn.Weight {
				if got := loihisim.PrepareWeight(int32(w), pr.SignMode, pr.WeightBits); got != int32(w) {
					t.Fatalf("%d bits, %s: weight %d is not a level (weight preparation makes it %d)", bits, pr.Name, w, got)
				}
				hat := float64(loihisim.Increment(int32(w), pr.WeightExp)) / s
				sig += fw[k] * fw[k]
				noise += (fw[k] - hat) * (fw[k] - hat)
				if w == 0 && fw[k] != 0 {
					zeroed++
				}
			}
			q := rep.Projections[i]
			want := 10 * math.Log10(sig/noise)
			if q.SQNRdB == nil || math.Abs(*q.SQNRdB-want) > 1e-9*math.Abs(want) || q.Zeroed != zeroed || q.Clipped != 0 {
				t.Errorf("%d bits, %s: report %+v; direct SQNR %.6f dB, zeroed %d", bits, pr.Name, q, want, zeroed)
			}
			if q.Bits != bits || pr.WeightBits != bits {
				t.Errorf("%d bits, %s: bits %d in the report, %d in the IR", bits, pr.Name, q.Bits, pr.WeightBits)
			}
		}
	}
}

// More bits, more SQNR: about 6 dB a bit; and the fitted projection's
// largest weight lands on its largest level (no bit wasted).
func TestQuantizeBitsAndFit(t *testing.T) {
	src := randomFloatNet(2, 0)
	var last float64
	for _, bits := range []int{2, 4, 6, 8} {
		net, rep := quantized(t, src, QuantizeOptions{WeightBits: bits})
		q := rep.Projections[0]
		if bits > 2 && *q.SQNRdB < last+2*6-3 {
			t.Errorf("%d bits: SQNR %.1f dB, not about 12 dB above %.1f at %d bits", bits, *q.SQNRdB, last, bits-2)
		}
		last = *q.SQNRdB
		top := slices.Max(absInts(net.Projections[0].Syn.Weight))
		if want := q.Levels << (8 - bits + 1); top != want {
			t.Errorf("%d bits: largest |weight| %d, want the top level %d", bits, top, want)
		}
	}
}

func absInts(w []int16) []int {
	out := make([]int, len(w))
	for i, x := range w {
		out[i] = int(math.Abs(float64(x)))
	}
	return out
}

// Clipping at a percentile gives up the outlier for the resolution of
// the rest.
func TestQuantizeClipPercentile(t *testing.T) {
	src := randomFloatNet(3, 3.0) // one weight 10x the others
	_, full := quantized(t, src, QuantizeOptions{})
	_, clipped := quantized(t, src, QuantizeOptions{ClipPercentile: 99})
	a, b := full.Projections[0], clipped.Projections[0]
	if a.Clipped != 0 || b.Clipped < 1 || b.Clipped > 6 {
		t.Errorf("clipped %d without, %d with the 99th percentile", a.Clipped, b.Clipped)
	}
	if b.Step >= a.Step/4 {
		t.Errorf("step %v with clipping, %v without: clipping the outlier should refine it", b.Step, a.Step)
	}
	if b.Zeroed >= a.Zeroed && a.Zeroed > 0 {
		t.Errorf("zeroed %d with clipping, %d without", b.Zeroed, a.Zeroed)
	}
}

func TestQuantizeOptionsChecked(t *testing.T) {
	for _, opt := range []QuantizeOptions{{WeightBits: 9}, {WeightBits: -1}, {ClipPercentile: 101}, {ClipPercentile: 10}, {ClipPercentile: math.NaN()}} {
		net := mustParse(t, exactNet, nil)
		if _, err := Compile(net, Options{Quantize: opt}); err == nil {
			t.Errorf("%+v accepted", opt)
		}
	}
}

// The float description's output is byte for byte the same each time.
func TestQuantizeDeterministic(t *testing.T) {
	var dumps []string
	for range 2 {
		net, _ := quantized(t, randomFloatNet(4, 0), QuantizeOptions{WeightBits: 6, ClipPercentile: 99.5})
		dumps = append(dumps, dump(net))
	}
	if dumps[0] != dumps[1] {
		t.Errorf("two quantisations differ:\n%s\n%s", dumps[0], dumps[1])
	}
}

// A float network whose values are all exact at the chosen scale spikes
// in the integer model exactly as in the float one, step for step, with
// both resets and recurrence (the issue's "quantises without error and
// gives identical spikes").
func TestExactFloatNetworkSpikesAlike(t *testing.T) {
	floatNet := mustParse(t, exactNet, nil)
	intNet, rep := quantized(t, exactNet, QuantizeOptions{})
	for _, p := range rep.Projections {
		if !p.Exact {
			t.Fatalf("%s is not exact", p.Name)
		}
	}
	fsim, err := floatsim.New(floatNet, floatsim.Options{})
	if err != nil {
		t.Fatal(err)
	}
	isim, err := loihisim.New(intNet, loihisim.Options{})
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(9, 9))
	total := 0
	for step := range 500 {
		var in []int32
		for i := range int32(4) {
			if r.IntN(3) == 0 {
				in = append(in, i)
			}
		}
		f, i := slices.Clone(fsim.Step(in)), isim.Step(in)
		if !slices.Equal(f, i) {
			t.Fatalf("step %d: float spikes %v, integer %v", step, f, i)
		}
		total += len(f)
		for g := 4; g < 7; g++ {
			if fv, iv := fsim.State(g).V, float64(isim.State(g).V)/rep.Populations[0].Scale; fv != iv {
				t.Fatalf("step %d, neuron %d: float v %v, integer v/s %v", step, g, fv, iv)
			}
		}
	}
	if total < 100 {
		t.Errorf("only %d spikes in 500 steps: the test network is too quiet to test much", total)
	}
}

// tau_mem: 0 is a unit without memory, v = i + bias (what a logistic
// regression layer exported as a spiking layer needs): α_mem = 0, the
// float simulator's v is exactly i + bias at every step, and the quantise
// pass gives the integer model's strongest forgetting, dv = 4095 (v keeps
// trunc(v/4096): the integer model cannot forget completely), as tau_syn 0
// gives du = 4095.
func TestTauMemZero(t *testing.T) {
	const src = `version: 1
populations:
  - {name: in, size: 3, model: input}
  - name: x
    size: 2
    model: cuba_lif
    params: {tau_syn: 3ms, tau_mem: 0ms, v_th: 0.9, bias: [0.125, -0.25], reset: subtract}
projections:
  - {from: in, to: x, connect: {pairs: [[0, 0], [1, 1], [2, 0], [2, 1]]}, weights: [0.5, 0.75, -0.375, 0.25], delays: [1, 2, 1, 3]}
`
	net := mustParse(t, src, nil)
	c := net.Populations[1].CUBA
	if c.TauMem != 0 || c.TauSyn != 3 {
		t.Fatalf("tau_mem %v, tau_syn %v; want 0 and 3", c.TauMem, c.TauSyn)
	}
	if _, aMem := c.Decays(); aMem != 0 {
		t.Fatalf("α_mem %v, want 0", aMem)
	}
	sim, err := floatsim.New(net, floatsim.Options{})
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(5, 5))
	spikes := 0
	for step := range 200 {
		var in []int32
		for i := range int32(3) {
			if r.IntN(2) == 0 {
				in = append(in, i)
			}
		}
		out := sim.Step(in)
		for j := range 2 {
			n := sim.State(3 + j)
			v := n.I + c.BiasAt(j)
			if slices.Contains(out, int32(3+j)) {
				spikes++
				v -= c.VTh // reset: subtract, of this step's v alone
			}
			if n.V != v {
				t.Fatalf("step %d, neuron %d: v %v, want i + bias (after the reset) %v", step, j, n.V, v)
			}
		}
	}
	if spikes == 0 {
		t.Errorf("no spikes in 200 steps: the test network is too quiet to test the reset")
	}
	_, rep := quantized(t, src, QuantizeOptions{})
	p := rep.Populations[0]
	if p.Dv != ir.DecayMax || p.AlphaMem != 0 || p.AlphaMemInt != 1.0/4096 || p.Du != ir.DecayMax-int32(math.Round(4096*math.Exp(-1.0/3))) {
		t.Errorf("tau_mem 0 lowered to %+v; want dv 4095 (α_mem 0, the integer α 1/4096)", p)
	}
}
