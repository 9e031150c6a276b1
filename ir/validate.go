package ir

import (
	"errors"
	"fmt"
	"math"
)

// Validate checks every invariant of the IR: names, sizes, parameter
// ranges, CSR structure, targets and delays. The frontend reports bad input
// with positions before it builds a Network, so a failure here after the
// frontend is a bug in snnc (tests call Validate between passes).
func (n *Network) Validate() error {
	var errs []error
	fail := func(pos Pos, format string, args ...any) {
		msg := fmt.Sprintf(format, args...)
		if s := pos.String(); s != "" {
			msg = s + ": " + msg
		}
		errs = append(errs, errors.New(msg))
	}
	names := map[string]bool{}
	for _, p := range n.Populations {
		if p.Name == "" {
			fail(p.Pos, "population without a name")
		}
		if names[p.Name] {
			fail(p.Pos, "population %q declared twice", p.Name)
		}
		names[p.Name] = true
		if p.Size < 1 {
			fail(p.Pos, "population %q: size %d (allowed: >= 1)", p.Name, p.Size)
		}
		if p.Relay && p.Model != ModelLIF {
			fail(p.Pos, "population %q: a relay population must be lif", p.Name)
		}
		switch p.Model {
		case ModelInput:
			if p.LIF != nil || p.CUBA != nil {
				fail(p.Pos, "population %q: input population with neuron parameters", p.Name)
			}
		case ModelCUBALIF:
			if p.LIF != nil || p.CUBA == nil {
				fail(p.Pos, "population %q: cuba_lif population needs CUBA parameters and no LIF ones", p.Name)
				continue
			}
			if err := p.CUBA.validate(p.Size); err != nil {
				fail(p.Pos, "population %q: %v", p.Name, err)
			}
		case ModelLIF:
			if p.LIF == nil || p.CUBA != nil {
				fail(p.Pos, "population %q: lif population needs LIF parameters and no CUBA ones", p.Name)
				continue
			}
			if p.LIF.Reset != ResetZero && p.LIF.Reset != ResetSubtract {
				fail(p.Pos, "population %q: reset %v", p.Name, p.LIF.Reset)
			}
			for _, d := range LIFParamTable {
				v := *d.Field(p.LIF)
				if len(v) != 1 && len(v) != p.Size {
					fail(p.Pos, "population %q: %s has %d values (allowed: 1 or %d)", p.Name, d.Name, len(v), p.Size)
				}
				for i, x := range v {
					if int64(x) < d.Min || int64(x) > d.Max {
						fail(p.Pos, "population %q: %s[%d] = %d (allowed: %d..%d)", p.Name, d.Name, i, x, d.Min, d.Max)
						break
					}
				}
			}
		default:
			fail(p.Pos, "population %q: unknown model %v", p.Name, p.Model)
		}
	}
	for i := range n.Projections {
		pr := &n.Projections[i]
		if pr.From < 0 || pr.From >= len(n.Populations) || pr.To < 0 || pr.To >= len(n.Populations) {
			fail(pr.Pos, "projection %q: population index out of range", pr.Name)
			continue
		}
		to := n.Populations[pr.To]
		if to.Model == ModelInput {
			fail(pr.Pos, "projection %q: target %q is an input population", pr.Name, to.Name)
		}
		if pr.WeightExp < WeightExpMin || pr.WeightExp > WeightExpMax {
			fail(pr.Pos, "projection %q: weight_exp %d (allowed: %d..%d)", pr.Name, pr.WeightExp, WeightExpMin, WeightExpMax)
		}
		if pr.WeightBits < 1 || pr.WeightBits > 8 {
			fail(pr.Pos, "projection %q: weight_bits %d (allowed: 1..8)", pr.Name, pr.WeightBits)
		}
		float := to.Model == ModelCUBALIF
		if _, ok := signModeNames[pr.SignMode]; !ok && !(float && pr.SignMode == 0) {
			fail(pr.Pos, "projection %q: sign mode %v", pr.Name, pr.SignMode)
		}
		switch {
		case float && len(pr.Syn.FloatWeight) != len(pr.Syn.Target):
			fail(pr.Pos, "projection %q into cuba_lif: %d float weights for %d synapses", pr.Name, len(pr.Syn.FloatWeight), len(pr.Syn.Target))
		case !float && pr.Syn.FloatWeight != nil:
			fail(pr.Pos, "projection %q into %v: float weights", pr.Name, to.Model)
		}
		for _, w := range pr.Syn.FloatWeight {
			if math.IsNaN(w) || math.IsInf(w, 0) {
				fail(pr.Pos, "projection %q: float weight %v (allowed: finite)", pr.Name, w)
				break
			}
		}
		if err := pr.Syn.validate(n.Populations[pr.From].Size, to.Size); err != nil {
			fail(pr.Pos, "projection %q: %v", pr.Name, err)
		}
	}
	return errors.Join(errs...)
}

func (c *CUBAParams) validate(size int) error {
	switch {
	case !(c.TauSyn >= 0) || !(c.TauMem >= 0):
		return fmt.Errorf("tau_syn %v, tau_mem %v (allowed: >= 0, +Inf for no decay)", c.TauSyn, c.TauMem)
	case !(c.VTh > 0) || math.IsInf(c.VTh, 0):
		return fmt.Errorf("v_th %v (allowed: finite, > 0)", c.VTh)
	case len(c.Bias) != 1 && len(c.Bias) != size:
		return fmt.Errorf("bias has %d values (allowed: 1 or %d)", len(c.Bias), size)
	case c.Reset != ResetZero && c.Reset != ResetSubtract:
		return fmt.Errorf("reset %v", c.Reset)
	}
	for i, b := range c.Bias {
		if math.IsNaN(b) || math.IsInf(b, 0) {
			return fmt.Errorf("bias[%d] = %v (allowed: finite)", i, b)
		}
	}
	return nil
}

func (s *Synapses) validate(sources, targets int) error {
	if len(s.Start) != sources+1 {
		return fmt.Errorf("CSR has %d row starts for %d sources", len(s.Start), sources)
	}
	n := len(s.Target)
	if len(s.Weight) != n || len(s.Delay) != n {
		return fmt.Errorf("CSR arrays differ in length: %d targets, %d weights, %d delays", n, len(s.Weight), len(s.Delay))
	}
	if s.Start[0] != 0 || s.Start[sources] != int64(n) {
		return fmt.Errorf("CSR row starts run %d..%d for %d synapses", s.Start[0], s.Start[sources], n)
	}
	for src := range sources {
		lo, hi := s.Start[src], s.Start[src+1]
		if hi < lo {
			return fmt.Errorf("CSR row %d ends before it starts", src)
		}
		for i := lo; i < hi; i++ {
			t := s.Target[i]
			if t < 0 || int(t) >= targets {
				return fmt.Errorf("source %d: target %d (allowed: 0..%d)", src, t, targets-1)
			}
			if i > lo && s.Target[i-1] >= t {
				return fmt.Errorf("source %d: targets not strictly increasing (%d then %d)", src, s.Target[i-1], t)
			}
			if d := s.Delay[i]; d < 1 {
				return fmt.Errorf("source %d, target %d: delay %d (allowed: 1..%d)", src, t, d, MaxDelay)
			}
		}
	}
	return nil
}
