package compiler

import (
	"fmt"
	"math"
	"math/big"
	"math/bits"
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
	// of says what the values index, after the range in messages, as in
	// "0..2, a source neuron of \"in\"" (the pairs of connect: {pairs}).
	of string
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
	if s.of != "" {
		a += ", " + s.of
	}
	if s.time {
		a += " steps, or a time such as 2ms when timestep is set"
	}
	return a
}

// wholeNumber converts a float that must hold an integer, a float .npy
// element; msg is non-empty when it does not.
func wholeNumber(f float64, text string, spec intSpec) (v int64, msg string) {
	switch {
	case math.IsNaN(f) || math.IsInf(f, 0) || f != math.Trunc(f):
		return 0, fmt.Sprintf("%s is not an integer (allowed: %s)", text, spec.allowed())
	case f < -0x1p63 || f >= 0x1p63:
		return 0, fmt.Sprintf("%s is out of range (allowed: %s)", text, spec.allowed())
	}
	return int64(f), ""
}

// numberKind is what parseInteger made of a text.
type numberKind uint8

const (
	isInteger  numberKind = iota // an integer, whose magnitude is below 2^64
	tooLarge                     // an integer of 2^64 or more in magnitude
	notWhole                     // a number, but not a whole one (1.5, 1e-3)
	notANumber                   // not a number at all
)

// parseInteger reads an integer as every integer field of a description
// and every value of a CSV file is written (docs/format.md, "Numbers"):
// an optional sign; then decimal digits, in which a leading zero is still
// decimal (010 is ten, never octal), or digits after a 0x, 0o or 0b
// prefix; single underscores may group digits (1_000); and a whole number
// may be written with a fraction or an exponent (2.0, 1e3), read exactly
// rather than through a float. It returns the sign and the magnitude, so
// that seeds (up to 2^64-1) and signed fields share it.
func parseInteger(s string) (neg bool, mag uint64, kind numberKind) {
	if s != "" && (s[0] == '+' || s[0] == '-') {
		neg, s = s[0] == '-', s[1:]
	}
	if len(s) > 2 && s[0] == '0' {
		base := map[byte]uint64{'x': 16, 'X': 16, 'o': 8, 'O': 8, 'b': 2, 'B': 2}[s[1]]
		if base != 0 {
			mag, kind = prefixedDigits(s[2:], base)
			return neg, mag, kind
		}
	}
	mant, rest := digitRun(s)
	var frac string
	if strings.HasPrefix(rest, ".") {
		frac, rest = digitRun(rest[1:])
		if mant == "" && frac == "" {
			return neg, 0, notANumber
		}
	} else if mant == "" {
		return neg, 0, notANumber
	}
	exp := int64(0)
	if rest != "" && (rest[0] == 'e' || rest[0] == 'E') {
		var ok bool
		if exp, ok = exponent(rest[1:]); !ok {
			return neg, 0, notANumber
		}
		rest = ""
	}
	if rest != "" {
		return neg, 0, notANumber
	}
	// The value is the digits of mant and frac times 10^(exp - len(frac)).
	digits := strings.TrimLeft(mant+frac, "0")
	if digits == "" {
		return neg, 0, isInteger
	}
	shift := exp - int64(len(frac))
	if shift < 0 {
		if -shift >= int64(len(digits)) {
			return neg, 0, notWhole
		}
		cut := len(digits) - int(-shift)
		if strings.TrimLeft(digits[cut:], "0") != "" {
			return neg, 0, notWhole
		}
		digits, shift = digits[:cut], 0
	}
	if int64(len(digits))+shift > 20 { // at least 10^20 > 2^64
		return neg, 0, tooLarge
	}
	for i := range len(digits) + int(shift) {
		d := uint64(0)
		if i < len(digits) {
			d = uint64(digits[i] - '0')
		}
		hi, lo := bits.Mul64(mag, 10)
		lo, carry := bits.Add64(lo, d, 0)
		if hi != 0 || carry != 0 {
			return neg, 0, tooLarge
		}
		mag = lo
	}
	return neg, mag, isInteger
}

// digitRun splits off leading decimal digits, which single underscores may
// group, and returns them without the underscores. An underscore that is
// not between two digits ends the run (and then makes the text invalid).
func digitRun(s string) (digits, rest string) {
	i := 0
	for i < len(s) && (s[i] >= '0' && s[i] <= '9' || s[i] == '_' && i > 0 && i+1 < len(s) && isDigit(s[i-1]) && isDigit(s[i+1])) {
		i++
	}
	return strings.ReplaceAll(s[:i], "_", ""), s[i:]
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// exponent reads the exponent after e or E: an optional sign and digits.
// Exponents beyond ±10^9 saturate; nothing that large is an integer
// within range except 0e999..., which the caller handles.
func exponent(s string) (int64, bool) {
	neg := false
	if s != "" && (s[0] == '+' || s[0] == '-') {
		neg, s = s[0] == '-', s[1:]
	}
	digits, rest := digitRun(s)
	if digits == "" || rest != "" {
		return 0, false
	}
	e := int64(0)
	for _, c := range []byte(digits) {
		e = min(e*10+int64(c-'0'), 1e9)
	}
	if neg {
		e = -e
	}
	return e, true
}

// prefixedDigits reads the digits after 0x, 0o or 0b.
func prefixedDigits(s string, base uint64) (uint64, numberKind) {
	if s == "" || s[0] == '_' || s[len(s)-1] == '_' {
		return 0, notANumber
	}
	var v uint64
	large := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '_' && s[i-1] != '_' {
			continue
		}
		var d uint64
		switch {
		case c >= '0' && c <= '9':
			d = uint64(c - '0')
		case c >= 'a' && c <= 'f':
			d = uint64(c-'a') + 10
		case c >= 'A' && c <= 'F':
			d = uint64(c-'A') + 10
		default:
			return 0, notANumber
		}
		if d >= base {
			return 0, notANumber
		}
		hi, lo := bits.Mul64(v, base)
		lo, carry := bits.Add64(lo, d, 0)
		large = large || hi != 0 || carry != 0
		v = lo
	}
	if large {
		return 0, tooLarge
	}
	return v, isInteger
}

// signedInteger reads an integer field's text by parseInteger and checks
// that it fits an int64; msg says what is wrong (text as it should be
// shown: quoted when it is not a number at all).
func signedInteger(text string, spec intSpec) (int64, string) {
	neg, mag, kind := parseInteger(text)
	switch {
	case kind == notANumber && text == "":
		return 0, fmt.Sprintf("empty value (allowed: %s)", spec.allowed())
	case kind == notANumber:
		return 0, fmt.Sprintf("%s is not an integer (allowed: %s)", quote(text), spec.allowed())
	case kind == notWhole:
		return 0, fmt.Sprintf("%s is not an integer (allowed: %s)", text, spec.allowed())
	case kind == tooLarge, !neg && mag > math.MaxInt64, neg && mag > 1<<63:
		return 0, fmt.Sprintf("%s is out of range (allowed: %s)", text, spec.allowed())
	case neg:
		return int64(-mag), "" // also -2^63, whose negation wraps to itself
	}
	return int64(mag), ""
}

// parseNumberText reads an integer written in a CSV file.
func parseNumberText(s string, spec intSpec) (int64, string) {
	if v, err := strconv.ParseInt(s, 10, 64); err == nil {
		return v, "" // the common case; the same as parseInteger for it
	}
	return signedInteger(s, spec)
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

// numeric reports whether snnc reads n as a number: a scalar the YAML
// library resolves to an integer or a float, or a plain (unquoted) string,
// since the library's resolution is not snnc's (it reads 010 as octal and
// leaves 0x1ffffffffffffffff a string).
func numeric(n *yaml.Node) bool {
	if n.Kind != yaml.ScalarNode {
		return false
	}
	switch n.ShortTag() {
	case tagInt, tagFloat:
		return true
	case tagStr:
		// Plain: not quoted, not a block scalar, no explicit !!str tag.
		return n.Style&(yaml.TaggedStyle|yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle|yaml.LiteralStyle|yaml.FoldedStyle) == 0
	}
	return false
}

// scalarInt converts one resolved scalar node; text is how to show the
// value in a message.
func (p *parser) scalarInt(n *yaml.Node, spec intSpec) (v int64, text, msg string) {
	if n.Kind != yaml.ScalarNode {
		return 0, "", fmt.Sprintf("expected an integer (allowed: %s); found %s", spec.allowed(), describe(n))
	}
	text = n.Value
	if !numeric(n) {
		if n.ShortTag() == tagStr {
			if t, ok := parseTime(n.Value); ok {
				return p.steps(t, n.Value, spec)
			}
			return 0, text, fmt.Sprintf("%s is not an integer (allowed: %s)", quote(n.Value), spec.allowed())
		}
		return 0, text, fmt.Sprintf("expected an integer (allowed: %s); found %s", spec.allowed(), describe(n))
	}
	if v, err := strconv.ParseInt(n.Value, 10, 64); err == nil {
		return v, text, "" // the common case, the same as parseInteger for it
	}
	if _, _, kind := parseInteger(n.Value); kind == notANumber && n.ShortTag() == tagStr {
		if t, ok := parseTime(n.Value); ok {
			return p.steps(t, n.Value, spec)
		}
	}
	v, msg = signedInteger(n.Value, spec)
	return v, text, msg
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

// seed reads the seed of a generator: any integer 0..2^64-1, read by the
// same rules as every other integer (parseInteger).
func (p *parser) seed(n *yaml.Node, path string) (uint64, error) {
	n = resolve(n)
	const allowed = "(allowed: an integer 0..18446744073709551615)"
	if !numeric(n) {
		return 0, p.errorf(n, path, "expected a seed %s; found %s", allowed, describe(n))
	}
	neg, s, kind := parseInteger(n.Value)
	switch {
	case kind == notANumber:
		return 0, p.errorf(n, path, "expected a seed %s; found %s", allowed, describe(n))
	case kind == notWhole:
		return 0, p.errorf(n, path, "%s is not an integer %s", n.Value, allowed)
	case kind == tooLarge || neg && s != 0:
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
