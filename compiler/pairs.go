package compiler

import (
	"fmt"
	"slices"

	"go.yaml.in/yaml/v3"

	"github.com/snnc/snnc/ir"
)

// This file reads connect: {pairs: ...}: synapses listed one by one, a
// (source, target) pair each, as Brian2 (i, j) and Lava hand them over,
// with one weight and one delay per pair. It is what sparse, pruned
// connectivity with heterogeneous delays needs, where a dense matrix per
// delay would be mostly zeros. Pairs come in any order; they are sorted
// into CSR order (by source, then target) in O(pairs + sources) memory:
// a counting sort by source gives the rows, and each row is sorted by
// target, a pair's position in the list riding along in the low bits of
// its key so that its weight and delay follow it.

// pairsKey is the key of the pattern in connect:.
const pairsKey = "pairs"

// pairsValues says what a list of one value per pair must hold, for
// messages about its length.
const pairsValues = "one per pair of connect: {pairs}, in their order"

// pairShape is what the indices of a list of pairs refer to.
type pairShape struct {
	from, to *ir.Population
}

// spec is the range of column col of the pairs: 0 sources, 1 targets.
func (s pairShape) spec(col int) intSpec {
	if col == 0 {
		return intSpec{min: 0, max: int64(s.from.Size) - 1, of: fmt.Sprintf("a source neuron of %q", s.from.Name)}
	}
	return intSpec{min: 0, max: int64(s.to.Size) - 1, of: fmt.Sprintf("a target neuron of %q", s.to.Name)}
}

// pairList is a list of pairs as written: the source and target of each,
// in their order, and where each is, for messages.
type pairList struct {
	src, tgt []int32
	// field is the path of the list, e.g. projections[0].connect.pairs.
	field string
	// rowPos is where pair i is written.
	rowPos func(i int) ir.Pos
}

func (l *pairList) len() int { return len(l.src) }

// isPairs reports whether connect: is {pairs: ...} (one key), which
// pairsSynapses reads; anything else is pattern's to read or reject.
func isPairs(c *yaml.Node) bool {
	c = resolve(c)
	return c.Kind == yaml.MappingNode && len(c.Content) == 2 && resolve(c.Content[0]).Kind == yaml.ScalarNode && resolve(c.Content[0]).Value == pairsKey
}

// pairsSynapses reads a projection with connect: {pairs: ...}: the pairs,
// checked against the synapse limit and the memory budget, sorted into
// CSR order (a pair given twice is an error), then the weights and delays
// of the pairs; the synapses are built at once, since the pairs, read
// from the description or a file, already take memory in proportion.
func (p *parser) pairsSynapses(m *mapping, c *yaml.Node, from, to *ir.Population) (synapseBuild, error) {
	cm, err := p.mapping(c, m.field("connect"), []string{pairsKey}, []string{pairsKey})
	if err != nil {
		return nil, err
	}
	pairsNode := resolve(cm.get(pairsKey))
	pl, err := p.pairs(pairsNode, cm.field(pairsKey), pairShape{from: from, to: to})
	if err != nil {
		return nil, err
	}
	n := pl.len()
	if int64(n) > p.limits.maxSynapses {
		return nil, p.errorf(pairsNode, pl.field, "%d pairs (allowed: at most %d synapses per projection)", n, p.limits.maxSynapses)
	}
	if err := p.reserveSynapses(pairsNode, pl.field, "the list of pairs has", float64(n), from.Size); err != nil {
		return nil, err
	}
	start, keys, err := sortPairs(pl, from.Size)
	if err != nil {
		return nil, err
	}
	float := to.Model == ir.ModelCUBALIF
	w, fw, err := p.pairWeights(m.get("weights"), m.field("weights"), float, n)
	if err != nil {
		return nil, err
	}
	d, err := p.pairDelays(m.get("delays"), m.field("delays"), n)
	if err != nil {
		return nil, err
	}
	syn := ir.Synapses{Start: start, Target: make([]int32, n), Weight: make([]int16, n), Delay: make([]uint16, n)}
	if float && n > 0 {
		syn.FloatWeight = make([]float64, n)
	}
	for k, key := range keys {
		i := uint32(key)
		syn.Target[k] = int32(key >> 32)
		syn.Delay[k] = d[i]
		if float {
			syn.FloatWeight[k] = fw[i]
		} else {
			syn.Weight[k] = w[i]
		}
	}
	return func() (ir.Synapses, error) { return syn, nil }, nil
}

// sortPairs puts the pairs in CSR order: it returns the row starts of the
// sources and, for each synapse in CSR order, its target in the high 32
// bits and its index in the list in the low 32 bits. A pair written twice
// is an error at its second occurrence (the one that comes later in the
// list, of the duplicates, the first in the list).
func sortPairs(pl *pairList, sources int) ([]int64, []uint64, error) {
	n := pl.len()
	start := make([]int64, sources+1)
	for _, s := range pl.src {
		start[s+1]++
	}
	for s := range sources {
		start[s+1] += start[s]
	}
	// Place each pair at the next free slot of its row, moving start[s]
	// to the end of row s; then shift the starts back.
	keys := make([]uint64, n)
	for i, s := range pl.src {
		keys[start[s]] = uint64(uint32(pl.tgt[i]))<<32 | uint64(i)
		start[s]++
	}
	copy(start[1:], start[:sources])
	start[0] = 0
	dup, first := -1, -1
	for s := range sources {
		row := keys[start[s]:start[s+1]]
		if len(row) > 1 {
			slices.Sort(row) // by target, then by position in the list
		}
		for j := 1; j < len(row); j++ {
			if row[j]>>32 == row[j-1]>>32 && (dup < 0 || int(uint32(row[j])) < dup) {
				dup, first = int(uint32(row[j])), int(uint32(row[j-1]))
			}
		}
	}
	if dup >= 0 {
		// Of a pair given three times, name the first two occurrences.
		return nil, nil, newError(pl.rowPos(dup), joinIndex(pl.field, dup),
			"source %d and target %d are already joined by %s: two synapses between the same neurons need two projections, e.g. one per delay (allowed: each (source, target) pair once in a projection)",
			pl.src[dup], pl.tgt[dup], joinIndex("pairs", first))
	}
	return start, keys, nil
}

// pairs reads the list of pairs: inline [[s, t], ...], or {file: ...}, a
// CSV file of one "s, t" per line or a 2-D .npy array of shape [n, 2].
func (p *parser) pairs(n *yaml.Node, path string, shape pairShape) (*pairList, error) {
	n = resolve(n)
	switch n.Kind {
	case yaml.SequenceNode:
		return p.inlinePairs(n, path, shape)
	case yaml.MappingNode:
		m, err := p.mapping(n, path, []string{"file"}, []string{"file"})
		if err != nil {
			return nil, err
		}
		data, kind, display, err := p.arrayFile(m.get("file"), m.field("file"))
		if err != nil {
			return nil, err
		}
		if kind == ".csv" {
			return readCSVPairs(display, data, path, shape)
		}
		return readNPYPairs(display, data, path, shape)
	}
	return nil, p.errorf(n, path, "expected a list of pairs [[source, target], ...] or {file: ...} (.csv or .npy); found %s", describe(n))
}

func (p *parser) inlinePairs(n *yaml.Node, path string, shape pairShape) (*pairList, error) {
	rows := n.Content
	for i, r := range rows {
		row, err := p.list(r, joinIndex(path, i), "two indices [source, target]")
		if err != nil {
			return nil, err
		}
		if len(row) != 2 {
			return nil, p.errorf(resolve(r), joinIndex(path, i), "%d values, expected 2 ([source, target])", len(row))
		}
	}
	pl := &pairList{src: make([]int32, len(rows)), tgt: make([]int32, len(rows)), field: path,
		rowPos: func(i int) ir.Pos { return p.pos(resolve(rows[i])) }}
	for i, r := range rows {
		for c, cell := range resolve(r).Content {
			v, err := p.integer(cell, joinIndex(joinIndex(path, i), c), shape.spec(c))
			if err != nil {
				return nil, err
			}
			pl.set(i, c, v)
		}
	}
	return pl, nil
}

func (l *pairList) set(i, col int, v int64) {
	if col == 0 {
		l.src[i] = int32(v)
	} else {
		l.tgt[i] = int32(v)
	}
}

// readCSVPairs reads one pair a line, "source, target"; a blank file is
// no pairs.
func readCSVPairs(display string, data []byte, field string, shape pairShape) (*pairList, error) {
	// csvLines allows no blank line before or between rows, so row i is
	// on line i+1.
	pl := &pairList{field: field, rowPos: func(i int) ir.Pos { return ir.Pos{File: display, Line: i + 1, Col: 1} }}
	if csvBlank(data) {
		pl.src, pl.tgt = []int32{}, []int32{}
		return pl, nil
	}
	lines, err := csvLines(display, data, field)
	if err != nil {
		return nil, err
	}
	pl.src, pl.tgt = make([]int32, len(lines)), make([]int32, len(lines))
	specs := [2]intSpec{shape.spec(0), shape.spec(1)}
	var cells []csvCell
	for i, l := range lines {
		if cells = splitCells(l.text, cells); len(cells) != 2 {
			return nil, newError(ir.Pos{File: display, Line: l.num, Col: 1}, joinIndex(field, i), "%d values, expected 2 (one pair a line: source, target)", len(cells))
		}
		for c, cell := range cells {
			v, msg := parseNumberText(cell.text, specs[c])
			if msg == "" {
				msg = specs[c].check(v, cell.text)
			}
			if msg != "" {
				return nil, newError(ir.Pos{File: display, Line: l.num, Col: cell.col}, joinIndex(joinIndex(field, i), c), "%s", msg)
			}
			pl.set(i, c, v)
		}
	}
	return pl, nil
}

// readNPYPairs reads a 2-D array of shape [n, 2], in C or Fortran order,
// of any integer dtype (or floats that hold whole numbers).
func readNPYPairs(display string, data []byte, field string, shape pairShape) (*pairList, error) {
	pos := ir.Pos{File: display}
	a, msg := parseNPY(data)
	if msg != "" {
		return nil, newError(pos, field, "%s", msg)
	}
	if len(a.shape) != 2 || a.shape[1] != 2 {
		return nil, newError(pos, field, "array of shape %s, expected 2-D of shape (n, 2) (one row per synapse: source, target)", a.shapeText())
	}
	n := a.shape[0]
	pl := &pairList{src: make([]int32, n), tgt: make([]int32, n), field: field,
		rowPos: func(int) ir.Pos { return pos }}
	specs := [2]intSpec{shape.spec(0), shape.spec(1)}
	for c, spec := range specs {
		for i := range n {
			j := i*2 + c
			if a.fortran {
				j = c*n + i
			}
			v, msg := a.checkedElement(j, spec)
			if msg != "" {
				return nil, newError(pos, joinIndex(joinIndex(field, i), c), "%s", msg)
			}
			pl.set(i, c, int64(v))
		}
	}
	return pl, nil
}

// pairWeights reads the weights of a list of pairs: one number or
// {uniform: ...} for every pair (drawn in the pairs' order as written), or
// one weight per pair, inline or from a 1-D .npy or a CSV file. Integers
// into lif, floats into cuba_lif; it returns one of w, fw, of n values.
func (p *parser) pairWeights(n *yaml.Node, path string, float bool, count int) (w []int16, fw []float64, err error) {
	n = resolve(n)
	var fill perSynapse
	switch n.Kind {
	case yaml.SequenceNode:
		if len(n.Content) > 0 && resolve(n.Content[0]).Kind == yaml.SequenceNode {
			return nil, nil, p.errorf(n, path, "a weight matrix cannot be combined with connect: {pairs} (allowed: one weight per pair, a list [w0, w1, ...] or {file: ...} of %d values; a number; or {uniform: {min, max, seed}})", count)
		}
		if len(n.Content) != count {
			return nil, nil, p.errorf(n, path, "%d values, expected %d (%s)", len(n.Content), count, pairsValues)
		}
		if float {
			fw, err = inlineList(n, path, func(item *yaml.Node, path string) (float64, error) { return p.float(item, path, floatSpec{}) })
			return nil, fw, err
		}
		w, err = inlineList(n, path, func(item *yaml.Node, path string) (int16, error) {
			v, err := p.integer(item, path, weightSpec)
			return int16(v), err
		})
		return w, nil, err
	case yaml.MappingNode:
		m, err := p.mapping(n, path, []string{"file", "uniform"}, nil)
		if err != nil {
			return nil, nil, err
		}
		if len(m.vals) != 1 {
			return nil, nil, p.errorf(n, path, "expected exactly one of file, uniform; found %d keys", len(m.vals))
		}
		if u := m.get("uniform"); u != nil {
			if fill, err = p.patternWeights(n, path, float); err != nil {
				return nil, nil, err
			}
			break
		}
		data, kind, display, err := p.arrayFile(m.get("file"), m.field("file"))
		if err != nil {
			return nil, nil, err
		}
		what := "one weight per pair of connect: {pairs}, in their order"
		switch {
		case float && kind == ".npy":
			fw, err = readNPYList(display, data, path, count, what, npyFloat)
		case float:
			fw, err = readCSVList(display, data, path, count, pairsValues, floatCell)
		case kind == ".npy":
			w, err = readNPYList(display, data, path, count, what, func(a *npyArray, i int) (int16, string) {
				v, msg := a.checkedElement(i, weightSpec)
				return int16(v), msg
			})
		default:
			w, err = readCSVList(display, data, path, count, pairsValues, func(text string) (int16, string) {
				v, msg := parseNumberText(text, weightSpec)
				if msg == "" {
					msg = weightSpec.check(v, text)
				}
				return int16(v), msg
			})
		}
		return w, fw, err
	default:
		if fill, err = p.patternWeights(n, path, float); err != nil {
			return nil, nil, err
		}
	}
	// One value or a uniform draw for every pair, in the pairs' order.
	c := fill.from(0)
	if float {
		fw = make([]float64, count)
		for i := range fw {
			fw[i] = c.nextFloat()
		}
		return nil, fw, nil
	}
	w = make([]int16, count)
	for i := range w {
		w[i] = int16(c.next(0, 0))
	}
	return w, nil, nil
}

// pairDelays reads the delays of a list of pairs: absent (1), one value
// or {uniform: ...} for every pair (drawn in the pairs' order as written),
// or one delay per pair, inline (durations allowed) or from a 1-D .npy or
// a CSV file. A [to.size, from.size] delay matrix is an error.
func (p *parser) pairDelays(n *yaml.Node, path string, count int) ([]uint16, error) {
	fill := perSynapse{value: 1}
	if n != nil {
		n = resolve(n)
		switch n.Kind {
		case yaml.SequenceNode:
			if len(n.Content) > 0 && resolve(n.Content[0]).Kind == yaml.SequenceNode {
				return nil, p.errorf(n, path, "a delay matrix cannot be combined with connect: {pairs}: give one delay per pair (allowed: a list [d0, d1, ...] or {file: ...} of %d delays, a number, or {uniform: {min, max, seed}})", count)
			}
			if len(n.Content) != count {
				return nil, p.errorf(n, path, "%d values, expected %d (%s)", len(n.Content), count, pairsValues)
			}
			return inlineList(n, path, func(item *yaml.Node, path string) (uint16, error) {
				v, err := p.integer(item, path, delaySpec)
				return uint16(v), err
			})
		case yaml.MappingNode:
			m, err := p.mapping(n, path, []string{"file", "uniform"}, nil)
			if err != nil {
				return nil, err
			}
			if len(m.vals) != 1 {
				return nil, p.errorf(n, path, "expected exactly one of file, uniform; found %d keys", len(m.vals))
			}
			if u := m.get("uniform"); u != nil {
				draw, err := p.uniform(u, m.field("uniform"), delaySpec, streamDelays)
				if err != nil {
					return nil, err
				}
				fill = perSynapse{draw: draw}
				break
			}
			data, kind, display, err := p.arrayFile(m.get("file"), m.field("file"))
			if err != nil {
				return nil, err
			}
			if kind == ".npy" {
				return readNPYList(display, data, path, count, "one delay per pair of connect: {pairs}, in their order", func(a *npyArray, i int) (uint16, string) {
					v, msg := a.checkedElement(i, delaySpec)
					return uint16(v), msg
				})
			}
			return readCSVList(display, data, path, count, pairsValues, func(text string) (uint16, string) {
				v, msg := parseNumberText(text, delaySpec)
				if msg == "" {
					msg = delaySpec.check(v, text)
				}
				return uint16(v), msg
			})
		default:
			d, err := p.integer(n, path, delaySpec)
			if err != nil {
				return nil, err
			}
			fill = perSynapse{value: d}
		}
	}
	c := fill.from(0)
	d := make([]uint16, count)
	for i := range d {
		d[i] = uint16(c.next(0, 0))
	}
	return d, nil
}

// inlineList converts the items of a YAML list by conv.
func inlineList[T any](n *yaml.Node, path string, conv func(item *yaml.Node, path string) (T, error)) ([]T, error) {
	vals := make([]T, len(n.Content))
	for i, item := range n.Content {
		v, err := conv(item, joinIndex(path, i))
		if err != nil {
			return nil, err
		}
		vals[i] = v
	}
	return vals, nil
}
