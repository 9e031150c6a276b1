package compiler

import (
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/snnc/snnc/ir"
)

// intSpec says which integers a field accepts.
type intSpec struct {
	min, max int64
	// time: a duration such as "3ms" is accepted and converted to steps
	// (only when the description sets timestep).
	time bool
	// delay: 0 gets its own message, which explains why it is wrong.
	delay bool
}

var (
	weightSpec = intSpec{min: ir.WeightMin, max: ir.WeightMax}
	delaySpec  = intSpec{min: 1, max: ir.MaxDelay, time: true, delay: true}
)

// check returns what is wrong with v (written as text), or "".
func (s intSpec) check(v int64, text string) string {
	if s.delay && v == 0 {
		return fmt.Sprintf("delay %s is not allowed: a spike arrives at the earliest on the next step (allowed: %d..%d)", text, s.min, s.max)
	}
	if v < s.min || v > s.max {
		return fmt.Sprintf("%s is out of range (allowed: %s)", text, s.allowed())
	}
	return ""
}

func (s intSpec) allowed() string {
	a := fmt.Sprintf("%d..%d", s.min, s.max)
	if s.time {
		a += " steps, or a time such as 2ms when timestep is set"
	}
	return a
}

// wholeNumber converts a float that must hold an integer, as YAML "1e3",
// CSV "2.0" or a float .npy element; msg is non-empty when it does not.
func wholeNumber(f float64, text string, spec intSpec) (v int64, msg string) {
	switch {
	case math.IsNaN(f) || math.IsInf(f, 0) || f != math.Trunc(f):
		return 0, fmt.Sprintf("%s is not an integer (allowed: %s)", text, spec.allowed())
	case f < -0x1p63 || f >= 0x1p63:
		return 0, fmt.Sprintf("%s is out of range (allowed: %s)", text, spec.allowed())
	}
	return int64(f), ""
}

// parseNumberText reads an integer written in a CSV file: decimal, or a
// float that is a whole number.
func parseNumberText(s string, spec intSpec) (int64, string) {
	if v, err := strconv.ParseInt(s, 10, 64); err == nil {
		return v, ""
	} else if err.(*strconv.NumError).Err == strconv.ErrRange {
		return 0, fmt.Sprintf("%s is out of range (allowed: %s)", s, spec.allowed())
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		if s == "" {
			return 0, fmt.Sprintf("empty value (allowed: %s)", spec.allowed())
		}
		return 0, fmt.Sprintf("%s is not an integer (allowed: %s)", quote(s), spec.allowed())
	}
	return wholeNumber(f, s, spec)
}

// integer reads an integer scalar (or, where spec.time, a duration) and
// checks it against spec.
func (p *parser) integer(n *yaml.Node, path string, spec intSpec) (int64, error) {
	n = resolve(n)
	v, text, msg := p.scalarInt(n, spec)
	if msg == "" {
		msg = spec.check(v, text)
	}
	if msg != "" {
		return 0, p.errorf(n, path, "%s", msg)
	}
	return v, nil
}

// scalarInt converts one resolved scalar node; text is how to show the
// value in a message.
func (p *parser) scalarInt(n *yaml.Node, spec intSpec) (v int64, text, msg string) {
	if n.Kind != yaml.ScalarNode {
		return 0, "", fmt.Sprintf("expected an integer (allowed: %s); found %s", spec.allowed(), describe(n))
	}
	text = n.Value
	switch n.ShortTag() {
	case tagInt:
		if v, err := strconv.ParseInt(n.Value, 10, 64); err == nil {
			return v, text, "" // the common case, without the decoder's cost
		}
		var i int64
		if err := n.Decode(&i); err != nil {
			return 0, text, fmt.Sprintf("%s is out of range (allowed: %s)", text, spec.allowed())
		}
		return i, text, ""
	case tagFloat:
		var f float64
		if err := n.Decode(&f); err != nil {
			return 0, text, fmt.Sprintf("%s is not an integer (allowed: %s)", text, spec.allowed())
		}
		v, msg = wholeNumber(f, text, spec)
		return v, text, msg
	case tagStr:
		if t, ok := parseTime(n.Value); ok {
			return p.steps(t, n.Value, spec)
		}
		return 0, text, fmt.Sprintf("%s is not an integer (allowed: %s)", quote(n.Value), spec.allowed())
	}
	return 0, text, fmt.Sprintf("expected an integer (allowed: %s); found %s", spec.allowed(), describe(n))
}

// steps converts a duration to a whole number of timesteps.
func (p *parser) steps(t *big.Rat, text string, spec intSpec) (int64, string, string) {
	switch {
	case !spec.time:
		return 0, text, fmt.Sprintf("%s: a time is not allowed here (allowed: %s)", quote(text), spec.allowed())
	case p.timestep == nil:
		return 0, text, fmt.Sprintf("%s: a time needs the step length: set timestep at the top level (e.g. timestep: 1ms) or write the number of steps", quote(text))
	}
	q := new(big.Rat).Quo(t, p.timestep)
	if !q.IsInt() {
		return 0, text, fmt.Sprintf("%s is not a whole number of timesteps (timestep: %s)", quote(text), p.timestepText)
	}
	shown := fmt.Sprintf("%s (%s steps)", text, q.Num())
	if !q.Num().IsInt64() {
		return 0, shown, fmt.Sprintf("%s is out of range (allowed: %s)", shown, spec.allowed())
	}
	return q.Num().Int64(), shown, ""
}

// timeUnits are the units a duration may have, longest suffix first.
var timeUnits = []struct {
	suffix    string
	perSecond int64
}{{"us", 1_000_000}, {"ms", 1_000}, {"s", 1}}

// parseTime reads a duration such as "1ms", "0.5 us" or "2s" as an exact
// number of seconds. Exact fractions make "3ms" with timestep 1ms exactly 3
// steps, where float64 would give 2.9999999999999996.
func parseTime(s string) (*big.Rat, bool) {
	for _, u := range timeUnits {
		num, ok := strings.CutSuffix(s, u.suffix)
		if !ok {
			continue
		}
		num = strings.TrimRight(num, " ")
		if !isDecimal(num) {
			return nil, false
		}
		r, ok := new(big.Rat).SetString(num)
		if !ok {
			return nil, false
		}
		return r.Quo(r, big.NewRat(u.perSecond, 1)), true
	}
	return nil, false
}

// isDecimal accepts digits with at most one decimal point ("3", "0.5",
// ".5"), at most 40 characters: no signs, exponents or fractions, which
// keeps big.Rat away from inputs such as 1e999999999.
func isDecimal(s string) bool {
	if s == "" || s == "." || len(s) > 40 {
		return false
	}
	dot := false
	for _, c := range s {
		switch {
		case c == '.' && !dot:
			dot = true
		case c < '0' || c > '9':
			return false
		}
	}
	return true
}

// probability reads p of the random pattern: a number in (0, 1].
func (p *parser) probability(n *yaml.Node, path string) (float64, error) {
	n = resolve(n)
	const allowed = "(allowed: a number with 0 < p <= 1)"
	if n.Kind != yaml.ScalarNode || (n.ShortTag() != tagInt && n.ShortTag() != tagFloat) {
		return 0, p.errorf(n, path, "expected a probability %s; found %s", allowed, describe(n))
	}
	var f float64
	if err := n.Decode(&f); err != nil || math.IsNaN(f) || f <= 0 || f > 1 {
		return 0, p.errorf(n, path, "%s is out of range %s", n.Value, allowed)
	}
	return f, nil
}

// seed reads the seed of a generator: any integer 0..2^64-1.
func (p *parser) seed(n *yaml.Node, path string) (uint64, error) {
	n = resolve(n)
	const allowed = "(allowed: an integer 0..18446744073709551615)"
	if n.Kind != yaml.ScalarNode || n.ShortTag() != tagInt {
		return 0, p.errorf(n, path, "expected a seed %s; found %s", allowed, describe(n))
	}
	var s uint64
	if err := n.Decode(&s); err != nil {
		return 0, p.errorf(n, path, "%s is out of range %s", n.Value, allowed)
	}
	return s, nil
}

// timestepValue reads the top-level timestep: a positive duration with a unit.
func (p *parser) timestepValue(n *yaml.Node, path string) (*big.Rat, error) {
	n = resolve(n)
	const allowed = "(allowed: a positive number with unit s, ms or us, e.g. 1ms)"
	tag := n.ShortTag()
	if n.Kind != yaml.ScalarNode || (tag != tagStr && tag != tagInt && tag != tagFloat) {
		return nil, p.errorf(n, path, "expected a duration %s; found %s", allowed, describe(n))
	}
	t, ok := parseTime(n.Value)
	switch {
	case !ok && tag != tagStr:
		return nil, p.errorf(n, path, "%s needs a unit %s", n.Value, allowed)
	case !ok:
		return nil, p.errorf(n, path, "%s is not a duration %s", quote(n.Value), allowed)
	case t.Sign() <= 0:
		return nil, p.errorf(n, path, "%s is not positive %s", n.Value, allowed)
	}
	return t, nil
}
