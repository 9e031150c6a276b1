package compiler

import (
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"text/tabwriter"

	"github.com/snnc/snnc/ir"
)

// This file is the quantise pass: it lowers a float network (cuba_lif
// populations, float weights; docs/float-model.md) to the integer lif
// model, choosing per population one scale s (integer units of u and v per
// float unit of i and v) and per projection a weight exponent, and
// measuring what the rounding costs (docs/quantization.md).

// QuantizeOptions choose how the quantise pass spends the bits.
type QuantizeOptions struct {
	// WeightBits is the weight precision of every float projection, as
	// Lava's num_weight_bits: WeightBits magnitude bits for a projection
	// of one sign, WeightBits bits with the sign for a mixed one. 0: 8.
	WeightBits int `json:"weight_bits"`
	// ClipPercentile is the percentile of |w| a projection's largest level
	// stands for: weights above it are clipped, which buys resolution for
	// the rest. 0 or 100: the largest |w|, nothing clipped.
	ClipPercentile float64 `json:"clip_percentile"`
}

func (q QuantizeOptions) withDefaults() QuantizeOptions {
	if q.WeightBits == 0 {
		q.WeightBits = ir.DefaultWeightBits
	}
	if q.ClipPercentile == 0 {
		q.ClipPercentile = 100
	}
	return q
}

// Check reports options out of range, as an *Error naming the flag.
func (q QuantizeOptions) Check() error {
	switch {
	case q.WeightBits < 0 || q.WeightBits > 8:
		return &Error{Field: "--weight-bits", Msg: fmt.Sprintf("%d is out of range (allowed: 1..8)", q.WeightBits)}
	case math.IsNaN(q.ClipPercentile) || q.ClipPercentile < 0 || q.ClipPercentile > 100 || q.ClipPercentile > 0 && q.ClipPercentile < 50:
		return &Error{Field: "--clip-percentile", Msg: fmt.Sprintf("%v is out of range (allowed: 50..100)", q.ClipPercentile)}
	}
	return nil
}

// thresholdLimit bounds the integer threshold vth<<6 the pass aims at:
// 2^17 leaves u and v 64 times the threshold before they wrap or clip at
// 2^23, and still gives the threshold 11 bits (vth in 1024..2048).
const thresholdLimit = 1 << 17

// QuantReport is what the quantise pass chose and what it cost.
type QuantReport struct {
	WeightBits     int                     `json:"weight_bits"`
	ClipPercentile float64                 `json:"clip_percentile"`
	Populations    []QuantPopulationReport `json:"populations"`
	Projections    []QuantProjectionReport `json:"projections"`
}

// QuantPopulationReport is how one cuba_lif population became lif.
type QuantPopulationReport struct {
	Name string `json:"name"`
	// Scale is s: integer units of u and v per float unit of i and v.
	Scale float64 `json:"scale"`
	// AlphaSyn and AlphaMem are the float decays per step; AlphaSynInt
	// and AlphaMemInt the integer model's, (4095-du)/4096 and (4096-dv)/4096.
	AlphaSyn    float64 `json:"alpha_syn"`
	AlphaSynInt float64 `json:"alpha_syn_int"`
	AlphaMem    float64 `json:"alpha_mem"`
	AlphaMemInt float64 `json:"alpha_mem_int"`
	Du          int32   `json:"du"`
	Dv          int32   `json:"dv"`
	// VTh is the float threshold, Vth the integer one (vth, in units of
	// 64) and VThInt what it stands for: vth·64/s.
	VTh    float64 `json:"v_th"`
	Vth    int32   `json:"vth"`
	VThInt float64 `json:"v_th_int"`
	// BiasMaxError is the largest |bias - (bias_mant<<bias_exp)/s|;
	// BiasClipped counts biases beyond the integer range.
	BiasMaxError float64 `json:"bias_max_error"`
	BiasClipped  int     `json:"bias_clipped"`
	Reset        string  `json:"reset"`
}

// QuantProjectionReport is how one projection's float weights became
// integers.
type QuantProjectionReport struct {
	Name      string `json:"name"`
	From      string `json:"from"`
	To        string `json:"to"`
	Synapses  int    `json:"synapses"`
	SignMode  string `json:"sign_mode"`
	Bits      int    `json:"bits"`
	WeightExp int    `json:"weight_exp"`
	// Step is the float weight of one level; Clip the largest |w| that is
	// not clipped (Levels·Step).
	Step   float64 `json:"step"`
	Levels int     `json:"levels"`
	Clip   float64 `json:"clip"`
	// Clipped counts weights beyond Clip; Zeroed non-zero weights that
	// became 0.
	Clipped int `json:"clipped"`
	Zeroed  int `json:"zeroed"`
	// SQNRdB is 10·log10(Σw² / Σ(w-ŵ)²) over the synapses, ŵ the weight
	// the integer synapse stands for; nil when the error is zero (exact).
	SQNRdB      *float64 `json:"sqnr_db"`
	Exact       bool     `json:"exact"`
	MaxAbsError float64  `json:"max_abs_error"`
	SignalPower float64  `json:"signal_power"`
	ErrorPower  float64  `json:"error_power"`
}

// HasFloat reports whether net has cuba_lif populations for the quantise
// pass to lower.
func HasFloat(net *ir.Network) bool {
	for _, p := range net.Populations {
		if p.Model == ir.ModelCUBALIF {
			return true
		}
	}
	return false
}

// quantize lowers every cuba_lif population and the projections into it
// to the integer model.
func quantize(st *State) error {
	opt := st.Opt.Quantize.withDefaults()
	if err := opt.Check(); err != nil {
		return err
	}
	net := st.Net
	rep := &QuantReport{WeightBits: opt.WeightBits, ClipPercentile: opt.ClipPercentile}
	incoming := make([][]int, len(net.Populations))
	for i, pr := range net.Projections {
		incoming[pr.To] = append(incoming[pr.To], i)
	}
	// By projection index, so that they are reported in description order.
	byProjection := make([]*QuantProjectionReport, len(net.Projections))
	for k := range net.Populations {
		pop := &net.Populations[k]
		if pop.Model != ir.ModelCUBALIF {
			continue
		}
		plans := make([]weightPlan, len(incoming[k]))
		for j, i := range incoming[k] {
			plans[j] = planWeights(&net.Projections[i], opt)
		}
		s := populationScale(pop.CUBA.VTh, plans)
		prep, lif := lowerPopulation(pop, s)
		rep.Populations = append(rep.Populations, prep)
		for j, i := range incoming[k] {
			pr := &net.Projections[i]
			qr := plans[j].apply(pr, s)
			qr.Name, qr.From, qr.To = pr.Name, net.Populations[pr.From].Name, pop.Name
			byProjection[i] = &qr
			r := &st.Report.Projections[i]
			r.WeightExp, r.WeightBits, r.SignMode, r.SignModeDerived = pr.WeightExp, pr.WeightBits, pr.SignMode.String(), true
		}
		pop.Model, pop.LIF, pop.CUBA = ir.ModelLIF, lif, nil
	}
	for _, qr := range byProjection {
		if qr != nil {
			rep.Projections = append(rep.Projections, *qr)
		}
	}
	st.Report.Quantization = rep
	return nil
}

// weightPlan is a projection's weight format before the population's
// scale is known: sign mode, dropped bits k and levels q·2^k, |q| <= levels,
// and the |w| the largest level must reach.
type weightPlan struct {
	mode   ir.SignMode
	bits   int
	k      int
	levels int
	clip   float64
	// synapses is the projection's size: the largest is fitted exactly.
	synapses int
}

// planWeights chooses a projection's sign mode from its weights' signs
// (as Lava derives it from integers) and what its largest level stands for.
func planWeights(pr *ir.Projection, opt QuantizeOptions) weightPlan {
	w := pr.Syn.FloatWeight
	var neg, pos bool
	for _, x := range w {
		neg = neg || x < 0
		pos = pos || x > 0
	}
	pl := weightPlan{mode: ir.SignExcitatory, bits: opt.WeightBits, synapses: len(w)}
	switch {
	case neg && pos:
		pl.mode = ir.SignMixed
	case neg:
		pl.mode = ir.SignInhibitory
	}
	pl.k = 8 - opt.WeightBits
	if pl.mode == ir.SignMixed {
		pl.k++
	}
	// The levels Lava's preparation keeps: multiples of 2^k up to
	// 255>>k<<k in magnitude (mixed weights could also reach -256; the
	// pass keeps them symmetric).
	pl.levels = 255 >> pl.k
	pl.clip = clipValue(w, opt.ClipPercentile)
	return pl
}

// clipValue is the percentile pct of |w| by nearest rank (the largest
// |w| for 100), 0 for no weights.
func clipValue(w []float64, pct float64) float64 {
	if len(w) == 0 {
		return 0
	}
	abs := make([]float64, len(w))
	for i, x := range w {
		abs[i] = math.Abs(x)
	}
	if pct >= 100 {
		return slices.Max(abs)
	}
	slices.Sort(abs)
	rank := int(math.Ceil(pct / 100 * float64(len(abs))))
	return abs[min(max(rank, 1), len(abs))-1]
}

// populationScale chooses s. The projection with the most synapses is
// fitted: its largest level lands exactly on its clip value, so its
// weights use all their bits, at the largest weight exponent that keeps
// s·v_th <= thresholdLimit. Every other projection then takes the
// smallest exponent that reaches its clip value, which uses at least
// half its levels. s is lowered if a projection would need an exponent
// above the format's 7.
func populationScale(vth float64, plans []weightPlan) float64 {
	s := thresholdLimit / vth
	fit := -1
	for j, pl := range plans {
		if pl.clip > 0 && (fit < 0 || pl.synapses > plans[fit].synapses) {
			fit = j
		}
	}
	if fit >= 0 {
		pl := plans[fit]
		for e := ir.WeightExpMax; e >= pl.minExp(); e-- {
			if f := pl.levelUnits(e) / pl.clip; f <= s {
				s = f
				break
			}
		}
	}
	for _, pl := range plans {
		if pl.clip > 0 {
			s = min(s, pl.levelUnits(ir.WeightExpMax)/pl.clip)
		}
	}
	return s
}

// levelUnits is what the largest level adds to u at weight exponent e:
// levels·2^(k+6+e).
func (pl weightPlan) levelUnits(e int) float64 {
	return float64(pl.levels) * math.Exp2(float64(pl.k+6+e))
}

// minExp is the smallest weight exponent at which a level is a whole
// number of units of u (2^(k+6+e) >= 1), so that no synapse rounds.
func (pl weightPlan) minExp() int { return max(ir.WeightExpMin, -(6 + pl.k)) }

// apply quantises the projection's weights at scale s: the smallest weight
// exponent whose levels reach the clip value (and at least -(6+k), so a
// level is a whole number of units of u), then each weight to the nearest
// level. It sets the projection's integer weights and format.
func (pl weightPlan) apply(pr *ir.Projection, s float64) QuantProjectionReport {
	e := pl.minExp()
	for e < ir.WeightExpMax && pl.levelUnits(e) < s*pl.clip*(1-1e-12) {
		e++
	}
	unit := math.Exp2(float64(pl.k+6+e)) / s // float weight of one level
	lo, hi := -pl.levels, pl.levels
	switch pl.mode {
	case ir.SignExcitatory:
		lo = 0
	case ir.SignInhibitory:
		hi = 0
	}
	qr := QuantProjectionReport{Synapses: pr.Syn.Len(), SignMode: pl.mode.String(), Bits: pl.bits, WeightExp: e,
		Step: unit, Levels: pl.levels, Clip: float64(pl.levels) * unit}
	var maxErr float64
	for i, w := range pr.Syn.FloatWeight {
		q := math.Round(w / unit)
		if q < float64(lo) || q > float64(hi) {
			qr.Clipped++
			q = min(max(q, float64(lo)), float64(hi))
		}
		if q == 0 && w != 0 {
			qr.Zeroed++
		}
		pr.Syn.Weight[i] = int16(int(q) << pl.k)
		d := w - q*unit
		qr.SignalPower += w * w
		qr.ErrorPower += d * d
		maxErr = max(maxErr, math.Abs(d))
	}
	qr.MaxAbsError = maxErr
	qr.Exact = qr.ErrorPower == 0
	if !qr.Exact {
		db := 10 * math.Log10(qr.SignalPower/qr.ErrorPower)
		qr.SQNRdB = &db
	}
	pr.WeightExp, pr.WeightBits, pr.SignMode, pr.SignModeDerived = e, pl.bits, pl.mode, true
	pr.Syn.FloatWeight = nil
	return qr
}

// lowerPopulation turns a cuba_lif population's parameters into lif ones
// at scale s.
func lowerPopulation(pop *ir.Population, s float64) (QuantPopulationReport, *ir.LIFParams) {
	c := pop.CUBA
	aSyn, aMem := c.Decays()
	// tau 0 (α 0) clamps to du or dv 4095: u forgets at once, v keeps
	// trunc(v/4096), the nearest the integer model comes to forgetting.
	du := int32(min(max(ir.DecayMax-math.Round(4096*aSyn), 0), ir.DecayMax))
	dv := int32(min(max(math.Round(4096*(1-aMem)), 0), ir.DecayMax))
	vth := int32(min(max(math.Round(s*c.VTh/64), 0), ir.VthMax))
	rep := QuantPopulationReport{Name: pop.Name, Scale: s, AlphaSyn: aSyn, AlphaMem: aMem, Du: du, Dv: dv,
		AlphaSynInt: float64(ir.DecayMax-du) / 4096, AlphaMemInt: float64(4096-dv) / 4096,
		VTh: c.VTh, Vth: vth, VThInt: float64(vth) * 64 / s, Reset: c.Reset.String()}
	lif := &ir.LIFParams{Du: ir.Param{du}, Dv: ir.Param{dv}, Vth: ir.Param{vth}, Refractory: ir.Param{0},
		U: ir.Param{0}, V: ir.Param{0}, Reset: c.Reset}
	lif.BiasMant, lif.BiasExp = make(ir.Param, len(c.Bias)), make(ir.Param, len(c.Bias))
	for i, b := range c.Bias {
		mant, exp, clipped := biasMantExp(s * b)
		lif.BiasMant[i], lif.BiasExp[i] = mant, exp
		if clipped {
			rep.BiasClipped++
		}
		rep.BiasMaxError = max(rep.BiasMaxError, math.Abs(b-float64(mant<<exp)/s))
	}
	return rep, lif
}

// biasMantExp writes x (integer units) as bias_mant << bias_exp: the
// smallest exponent whose mantissa fits, rounded to nearest; clipped when
// even bias_exp 7 does not fit.
func biasMantExp(x float64) (mant, exp int32, clipped bool) {
	for exp = 0; exp < ir.BiasExpMax; exp++ {
		if math.Abs(math.Round(x/math.Exp2(float64(exp)))) <= ir.BiasMantMax {
			break
		}
	}
	m := math.Round(x / math.Exp2(float64(exp)))
	if math.Abs(m) > ir.BiasMantMax {
		m, clipped = math.Copysign(ir.BiasMantMax, m), true
	}
	return int32(m), exp, clipped
}

// WriteText writes what the pass chose: per population the scale and the
// integer parameters beside the float ones, per projection the weight
// format and its error.
func (r *QuantReport) WriteText(w io.Writer) {
	clip := "the largest |w|"
	if r.ClipPercentile < 100 {
		clip = fmt.Sprintf("the %g-th percentile of |w|", r.ClipPercentile)
	}
	fmt.Fprintf(w, "quantisation: %d-bit weights, each projection's top level at %s (docs/quantization.md)\n", r.WeightBits, clip)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "population\tscale s\tdu (α_syn)\tdv (α_mem)\tvth (v_th)\tbias error\tbiases clipped\treset")
	for _, p := range r.Populations {
		fmt.Fprintf(tw, "%s\t%.6g\t%d (%.6f for %.6f)\t%d (%.6f for %.6f)\t%d (%.6g for %.6g)\t%.3g\t%d\t%s\n", p.Name, p.Scale,
			p.Du, p.AlphaSynInt, p.AlphaSyn, p.Dv, p.AlphaMemInt, p.AlphaMem, p.Vth, p.VThInt, p.VTh, p.BiasMaxError, p.BiasClipped, p.Reset)
	}
	tw.Flush()
	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "projection\tsynapses\tsign mode\tbits\tweight exp\tstep\tclip\tclipped\tzeroed\tSQNR")
	for _, p := range r.Projections {
		fmt.Fprintf(tw, "%s\t%d\t%s\t%d\t%d\t%.4g\t%.4g\t%d\t%d\t%s\n", p.Name, p.Synapses, p.SignMode, p.Bits, p.WeightExp, p.Step, p.Clip, p.Clipped, p.Zeroed, p.SQNRText())
	}
	tw.Flush()
}

// SQNRText is the SQNR for people: "48.2 dB", or "exact".
func (p *QuantProjectionReport) SQNRText() string {
	if p.SQNRdB == nil {
		return "exact"
	}
	return strconv.FormatFloat(*p.SQNRdB, 'f', 1, 64) + " dB"
}
