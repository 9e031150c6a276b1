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

// This file reads what is float in a description: the parameters of
// cuba_lif populations (docs/float-model.md) and the weights of the
// projections into them. The quantise pass (quantize.go) turns both into
// the integers of the lif model.

// floatSpec says which floats a field accepts.
type floatSpec struct {
	// positive: > 0, else any finite number.
	positive bool
	// time: a duration such as "20ms" is accepted and converted to steps,
	// and .inf means "never decays".
	time bool
	// zero: 0 is accepted although positive is set (tau_syn, tau_mem: a
	// time constant of 0 forgets at once).
	zero bool
}

func (s floatSpec) allowed() string {
	bound := ""
	switch {
	case s.positive && s.zero:
		bound = " >= 0"
	case s.positive:
		bound = " > 0"
	}
	switch {
	case s.time:
		return "a number of steps" + bound + ", a time such as 5ms, or .inf for no decay"
	case bound != "":
		return "a number" + bound
	}
	return "a finite number"
}

// check returns what is wrong with f (written as text), or "".
func (s floatSpec) check(f float64, text string) string {
	switch {
	case math.IsNaN(f), math.IsInf(f, -1), math.IsInf(f, 1) && !s.time:
		return fmt.Sprintf("%s is not allowed (allowed: %s)", text, s.allowed())
	case s.positive && f < 0, s.positive && f == 0 && !s.zero:
		return fmt.Sprintf("%s is out of range (allowed: %s)", text, s.allowed())
	}
	return ""
}

// parseFloatText reads a float as written in a description or a CSV file:
// Go's syntax for decimal floats (1, -0.5, 2.5e-3), and .inf or inf.
func parseFloatText(text string) (float64, bool) {
	if plainDecimal(text) { // the common case, which the checks below let through unchanged
		f, err := strconv.ParseFloat(text, 64)
		return f, err == nil || isRangeError(err)
	}
	switch strings.ToLower(strings.TrimPrefix(text, "+")) {
	case ".inf", "inf":
		return math.Inf(1), true
	case "-.inf", "-inf":
		return math.Inf(-1), true
	}
	if strings.ContainsAny(text, "xXpP_") || strings.EqualFold(text, "nan") {
		return 0, false // hexadecimal floats and grouping are not float syntax here
	}
	f, err := strconv.ParseFloat(text, 64)
	if err != nil && !isRangeError(err) {
		return 0, false
	}
	return f, true
}

// plainDecimal reports whether text has only the characters of a decimal
// float: digits, signs, a point and an exponent, and so no word (inf,
// nan), hexadecimal digit or grouping for parseFloatText to look at.
func plainDecimal(text string) bool {
	for i := range len(text) {
		switch c := text[i]; {
		case c >= '0' && c <= '9', c == '.', c == '-', c == '+', c == 'e', c == 'E':
		default:
			return false
		}
	}
	return text != ""
}

func isRangeError(err error) bool {
	ne, ok := err.(*strconv.NumError)
	return ok && ne.Err == strconv.ErrRange
}

// float reads a float scalar (or, where spec.time, a duration in steps)
// and checks it against spec.
func (p *parser) float(n *yaml.Node, path string, spec floatSpec) (float64, error) {
	n = resolve(n)
	if n.Kind != yaml.ScalarNode {
		return 0, p.errorf(n, path, "expected a number (allowed: %s); found %s", spec.allowed(), describe(n))
	}
	f, ok := parseFloatText(n.Value)
	if !ok || !numeric(n) && n.ShortTag() != tagFloat {
		t, isTime := parseTime(n.Value)
		switch {
		case isTime && spec.time && p.timestep == nil:
			return 0, p.errorf(n, path, "%s: a time needs the step length: set timestep at the top level (e.g. timestep: 1ms) or write the number of steps", quote(n.Value))
		case isTime && spec.time:
			f, _ = new(big.Rat).Quo(t, p.timestep).Float64()
		case isTime:
			return 0, p.errorf(n, path, "%s: a time is not allowed here (allowed: %s)", quote(n.Value), spec.allowed())
		default:
			return 0, p.errorf(n, path, "%s is not a number (allowed: %s)", quote(n.Value), spec.allowed())
		}
	}
	if msg := spec.check(f, n.Value); msg != "" {
		return 0, p.errorf(n, path, "%s", msg)
	}
	return f, nil
}

// cubaParamKeys are the params of a cuba_lif population, in net.yaml order.
var cubaParamKeys = []string{"tau_syn", "tau_mem", "v_th", "bias", "reset"}

// cubaParams reads the params mapping of a cuba_lif population.
func (p *parser) cubaParams(n *yaml.Node, path string, pop *ir.Population) (*ir.CUBAParams, error) {
	m, err := p.mapping(n, path, cubaParamKeys, []string{"tau_syn", "tau_mem", "v_th"})
	if err != nil {
		return nil, err
	}
	c := &ir.CUBAParams{Bias: []float64{0}}
	if c.TauSyn, err = p.float(m.get("tau_syn"), m.field("tau_syn"), floatSpec{positive: true, zero: true, time: true}); err != nil {
		return nil, err
	}
	if c.TauMem, err = p.float(m.get("tau_mem"), m.field("tau_mem"), floatSpec{positive: true, zero: true, time: true}); err != nil {
		return nil, err
	}
	if c.VTh, err = p.float(m.get("v_th"), m.field("v_th"), floatSpec{positive: true}); err != nil {
		return nil, err
	}
	if b := m.get("bias"); b != nil {
		if c.Bias, err = p.floatParam(b, m.field("bias"), pop); err != nil {
			return nil, err
		}
	}
	if c.Reset, err = p.reset(m.get("reset"), m.field("reset")); err != nil {
		return nil, err
	}
	return c, nil
}

// reset reads reset: zero or subtract (absent: zero).
func (p *parser) reset(n *yaml.Node, path string) (ir.Reset, error) {
	if n == nil {
		return ir.ResetZero, nil
	}
	names := make([]string, len(ir.Resets))
	for i, r := range ir.Resets {
		names[i] = r.String()
	}
	allowed := strings.Join(names, ", ")
	s, err := p.str(n, path, "a reset mode (allowed: "+allowed+")")
	if err != nil {
		return 0, err
	}
	r, ok := ir.ParseReset(s)
	if !ok {
		return 0, p.errorf(resolve(n), path, "unknown reset %s (allowed: %s)", quote(s), allowed)
	}
	return r, nil
}

// floatParam reads a float parameter: one value for every neuron, a list
// with one value per neuron, or {file: path} (CSV or .npy).
func (p *parser) floatParam(n *yaml.Node, path string, pop *ir.Population) ([]float64, error) {
	spec := floatSpec{}
	n = resolve(n)
	switch n.Kind {
	case yaml.SequenceNode:
		if len(n.Content) != pop.Size {
			return nil, p.errorf(n, path, "%d values, expected %d (one per neuron of %q, or a single value for all)", len(n.Content), pop.Size, pop.Name)
		}
		vals := make([]float64, len(n.Content))
		for i, item := range n.Content {
			v, err := p.float(item, joinIndex(path, i), spec)
			if err != nil {
				return nil, err
			}
			vals[i] = v
		}
		return vals, nil
	case yaml.MappingNode:
		m, err := p.mapping(n, path, []string{"file"}, []string{"file"})
		if err != nil {
			return nil, err
		}
		// A vector file is read as a matrix of one row.
		shape := matrixShape{rows: 1, cols: pop.Size, rowPop: "(one row)", colPop: pop.Name}
		vals, err := p.floatMatrixFile(m.get("file"), m.field("file"), path, shape, true)
		if err != nil {
			return nil, err
		}
		return vals, nil
	}
	v, err := p.float(n, path, spec)
	return []float64{v}, err
}

// floatCell converts the text of a CSV cell or a float .npy element.
func floatCell(text string) (float64, string) {
	f, ok := parseFloatText(text)
	if !ok {
		return 0, fmt.Sprintf("%s is not a number (allowed: a finite number)", quote(text))
	}
	return f, floatSpec{}.check(f, text)
}

// npyFloat converts element i of an .npy array of any numeric dtype.
func npyFloat(a *npyArray, i int) (float64, string) {
	b := a.data[i*a.width : (i+1)*a.width]
	var f float64
	switch a.kind {
	case 'f':
		if a.width == 4 {
			f = float64(math.Float32frombits(a.order.Uint32(b)))
		} else {
			f = math.Float64frombits(a.order.Uint64(b))
		}
	case 'b':
		if b[0] != 0 {
			f = 1
		}
	case 'u':
		f = float64(a.unsigned(b))
	default:
		shift := 64 - 8*a.width
		f = float64(int64(a.unsigned(b)<<shift) >> shift)
	}
	if math.IsNaN(f) || math.IsInf(f, 0) { // the text only for a message
		return f, floatSpec{}.check(f, strconv.FormatFloat(f, 'g', -1, 64))
	}
	return f, ""
}

// floatMatrixFile reads a float matrix from a CSV or .npy file. With
// vector, the file holds one value per column: a 1-D .npy array, or CSV
// with all values on one line or one per line.
func (p *parser) floatMatrixFile(n *yaml.Node, path, field string, shape matrixShape, vector bool) ([]float64, error) {
	data, kind, display, err := p.arrayFile(n, path)
	if err != nil {
		return nil, err
	}
	switch {
	case kind == ".npy" && vector:
		a, msg := parseNPY(data)
		if msg != "" {
			return nil, newError(ir.Pos{File: display}, field, "%s", msg)
		}
		if len(a.shape) != 1 || a.shape[0] != shape.cols {
			return nil, newError(ir.Pos{File: display}, field, "array of shape %s, expected 1-D of shape (%d,) (one value per neuron of %q)", a.shapeText(), shape.cols, shape.colPop)
		}
		vals := make([]float64, shape.cols)
		for i := range vals {
			v, msg := npyFloat(a, i)
			if msg != "" {
				return nil, newError(ir.Pos{File: display}, joinIndex(field, i), "%s", msg)
			}
			vals[i] = v
		}
		return vals, nil
	case kind == ".npy":
		return readNPYCells(display, data, field, shape, npyFloat)
	case vector:
		lines, err := csvLines(display, data, field)
		if err != nil {
			return nil, err
		}
		if len(lines) > 1 {
			// One value per line: read it as a column.
			col := matrixShape{rows: shape.cols, cols: 1, rowPop: shape.colPop, colPop: "(one value per line)"}
			return readCSVCells(display, data, field, col, floatCell)
		}
	}
	return readCSVCells(display, data, field, shape, floatCell)
}

// floatDenseWeights reads the float weight matrix of a projection into a
// cuba_lif population, inline or from a file.
func (p *parser) floatDenseWeights(n *yaml.Node, path string, shape matrixShape) ([]float64, error) {
	return denseCells(p, n, path, func(n *yaml.Node, path string) ([]float64, error) {
		return inlineCells(p, n, path, shape, func(cell *yaml.Node, path string) (float64, error) {
			return p.float(cell, path, floatSpec{})
		})
	}, func(file *yaml.Node, filePath string) ([]float64, error) {
		return p.floatMatrixFile(file, filePath, path, shape, false)
	})
}

// floatUniform reads {min, max, seed} of float weights drawn in [min, max).
func (p *parser) floatUniform(n *yaml.Node, path string, stream uint64) (*uniformDraw, error) {
	keys := []string{"min", "max", "seed"}
	m, err := p.mapping(n, path, keys, keys)
	if err != nil {
		return nil, err
	}
	lo, err := p.float(m.get("min"), m.field("min"), floatSpec{})
	if err != nil {
		return nil, err
	}
	hi, err := p.float(m.get("max"), m.field("max"), floatSpec{})
	if err != nil {
		return nil, err
	}
	if lo > hi {
		return nil, p.errorf(resolve(m.get("max")), m.field("max"), "max %v is below min %v (allowed: min <= max)", hi, lo)
	}
	seed, err := p.seed(m.get("seed"), m.field("seed"))
	if err != nil {
		return nil, err
	}
	return &uniformDraw{flo: lo, fhi: hi, state: newRNG(seed, stream).state}, nil
}
