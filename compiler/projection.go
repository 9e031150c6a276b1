package compiler

import (
	"strconv"
	"unicode"

	"go.yaml.in/yaml/v3"

	"github.com/snnc/snnc/ir"
)

// This file reads projections: which populations they join, their weight
// preparation parameters, and their synapses from a dense matrix, a
// generated pattern or a list of pairs (pairs.go), with weights and delays.

var projectionKeys = []string{"name", "from", "to", "connect", "weights", "weight_exp", "weight_bits", "sign_mode", "delays"}

func (p *parser) projections(n *yaml.Node, net *ir.Network) ([]ir.Projection, error) {
	items, err := p.list(n, "projections", "projections")
	if err != nil {
		return nil, err
	}
	prs := make([]ir.Projection, 0, len(items))
	builds := make([]synapseBuild, 0, len(items))
	named := map[string]int{} // explicit name -> projection index
	for i, item := range items {
		pr, build, err := p.projection(item, joinIndex("projections", i), net, named)
		if err != nil {
			return nil, err
		}
		prs = append(prs, pr)
		builds = append(builds, build)
	}
	// Every projection is checked and the whole network fits in the memory
	// budget: only now generate the synapses of patterns, the part of a
	// network that a few words can make huge.
	for i := range prs {
		var err error
		if prs[i].Syn, err = builds[i](); err != nil {
			return nil, err
		}
		// Float projections get their sign mode from the quantise pass.
		if prs[i].SignMode == 0 && prs[i].Syn.FloatWeight == nil && net.Populations[prs[i].To].Model != ir.ModelCUBALIF {
			prs[i].SignMode, prs[i].SignModeDerived = ir.DeriveSignMode(prs[i].Syn.Weight), true
		}
	}
	assignDefaultNames(prs, net, named)
	return prs, nil
}

// synapseBuild makes a projection's synapses once every projection has
// been checked.
type synapseBuild func() (ir.Synapses, error)

// assignDefaultNames names unnamed projections "FROM->TO", then
// "FROM->TO#2", "#3", ... when the same default repeats, skipping names
// that are already given explicitly.
func assignDefaultNames(prs []ir.Projection, net *ir.Network, named map[string]int) {
	taken := make(map[string]bool, len(prs))
	for name := range named {
		taken[name] = true
	}
	uses := map[string]int{}
	for i := range prs {
		if prs[i].Name != "" {
			continue
		}
		base := net.Populations[prs[i].From].Name + "->" + net.Populations[prs[i].To].Name
		name := base
		for {
			uses[base]++
			if uses[base] > 1 {
				name = base + "#" + strconv.Itoa(uses[base])
			}
			if !taken[name] {
				break
			}
		}
		taken[name] = true
		prs[i].Name = name
	}
}

// projection checks one projection and returns it without its synapses,
// and how to build them.
func (p *parser) projection(item *yaml.Node, path string, net *ir.Network, named map[string]int) (ir.Projection, synapseBuild, error) {
	m, err := p.mapping(item, path, projectionKeys, []string{"from", "to", "weights"})
	if err != nil {
		return ir.Projection{}, nil, err
	}
	pr := ir.Projection{Pos: p.pos(m.node), WeightBits: ir.DefaultWeightBits}
	if n := m.get("name"); n != nil {
		if pr.Name, err = p.projectionName(n, m.field("name"), named); err != nil {
			return ir.Projection{}, nil, err
		}
		named[pr.Name] = len(named)
	}
	if pr.From, err = p.populationRef(m.get("from"), m.field("from"), net); err != nil {
		return ir.Projection{}, nil, err
	}
	if pr.To, err = p.populationRef(m.get("to"), m.field("to"), net); err != nil {
		return ir.Projection{}, nil, err
	}
	from, to := &net.Populations[pr.From], &net.Populations[pr.To]
	if to.Model == ir.ModelInput {
		return ir.Projection{}, nil, p.errorf(resolve(m.get("to")), m.field("to"),
			"population %q has model %s, which cannot receive synapses (allowed: a lif or cuba_lif population)", to.Name, to.Model)
	}
	if to.Model == ir.ModelCUBALIF {
		for _, key := range []string{"weight_exp", "weight_bits", "sign_mode"} {
			if n := m.get(key); n != nil {
				return ir.Projection{}, nil, p.errorf(resolve(n), m.field(key),
					"not allowed on a projection into a cuba_lif population: the quantise pass chooses it (set the bits with --weight-bits; docs/quantization.md)")
			}
		}
	}
	if n := m.get("weight_exp"); n != nil {
		v, err := p.integer(n, m.field("weight_exp"), intSpec{min: ir.WeightExpMin, max: ir.WeightExpMax})
		if err != nil {
			return ir.Projection{}, nil, err
		}
		pr.WeightExp = int(v)
	}
	if n := m.get("weight_bits"); n != nil {
		v, err := p.integer(n, m.field("weight_bits"), intSpec{min: 1, max: 8})
		if err != nil {
			return ir.Projection{}, nil, err
		}
		pr.WeightBits = int(v)
	}
	if n := m.get("sign_mode"); n != nil {
		s, err := p.str(n, m.field("sign_mode"), "a sign mode (allowed: mixed, excitatory, inhibitory)")
		if err != nil {
			return ir.Projection{}, nil, err
		}
		var ok bool
		if pr.SignMode, ok = ir.ParseSignMode(s); !ok {
			return ir.Projection{}, nil, p.errorf(resolve(n), m.field("sign_mode"), "unknown sign mode %s (allowed: mixed, excitatory, inhibitory)", quote(s))
		}
	}
	build, err := p.synapses(m, from, to)
	if err != nil {
		return ir.Projection{}, nil, err
	}
	return pr, build, nil
}

// projectionName checks an explicit name: any non-empty text without
// control characters, not used by another projection.
func (p *parser) projectionName(n *yaml.Node, path string, named map[string]int) (string, error) {
	name, err := p.str(n, path, "a projection name")
	if err != nil {
		return "", err
	}
	n = resolve(n)
	for _, r := range name {
		if !unicode.IsPrint(r) {
			return "", p.errorf(n, path, "%s is not a valid name (allowed: printable characters)", quote(name))
		}
	}
	if name == "" {
		return "", p.errorf(n, path, "the name is empty (allowed: a non-empty name, or no name for the default FROM->TO)")
	}
	if _, dup := named[name]; dup {
		return "", p.errorf(n, path, "%s is already the name of another projection", quote(name))
	}
	return name, nil
}

// populationRef looks up a population by name, in O(1).
func (p *parser) populationRef(n *yaml.Node, path string, net *ir.Network) (int, error) {
	name, err := p.str(n, path, "a population name")
	if err != nil {
		return 0, err
	}
	if i, ok := p.popIndex[name]; ok {
		return i, nil
	}
	names := make([]string, len(net.Populations))
	for i, pop := range net.Populations {
		names[i] = pop.Name
	}
	return 0, p.errorf(resolve(n), path, "unknown population %s (allowed: %s)", quote(name), fmtAllowed(names))
}

// perSynapse is how weights: or delays: give each synapse its value: one
// number, a uniform draw (one per synapse, in CSR order, from a stream of
// its own: that is what makes uniform draws reproducible), or the entry of
// a [to.size, from.size] matrix.
// Float weights (of projections into cuba_lif populations) are isFloat:
// fvalue or a float draw (a float matrix is read by floatDenseWeights).
type perSynapse struct {
	value  int64
	draw   *uniformDraw
	matrix *matrix

	isFloat bool
	fvalue  float64
}

// uniformDraw is {uniform: {min, max, seed}}: integers in [lo, hi], or
// floats in [flo, fhi), from the generator that starts at state.
type uniformDraw struct {
	lo, hi   int64
	flo, fhi float64
	state    uint64
}

// from returns the values of the synapses from the k-th one on, in CSR
// order, assuming that every draw before the k-th took one number of the
// stream (rng.below draws again with probability below 2^-48 for these
// ranges; the caller checks r.rejects to see whether that held within its
// own synapses).
func (v perSynapse) from(k int64) valueCursor {
	c := valueCursor{value: v.value, matrix: v.matrix, fvalue: v.fvalue}
	if v.draw != nil {
		c.uniform, c.lo, c.hi, c.flo, c.fhi = true, v.draw.lo, v.draw.hi, v.draw.flo, v.draw.fhi
		c.r = rng{state: v.draw.state + uint64(k)*goldenGamma}
	}
	return c
}

// valueCursor gives the values of successive synapses (perSynapse.from).
type valueCursor struct {
	uniform  bool
	lo, hi   int64
	flo, fhi float64
	r        rng
	value    int64
	matrix   *matrix
	fvalue   float64
}

// nextFloat is next for float values. A uniform float takes one number
// of the stream: the top 53 bits as a fraction in [0, 1).
func (c *valueCursor) nextFloat() float64 {
	if c.uniform {
		x := float64(c.r.next()>>11) * 0x1p-53
		return c.flo + float64((c.fhi-c.flo)*x)
	}
	return c.fvalue
}

func (c *valueCursor) next(src, tgt int) int64 {
	switch {
	case c.uniform:
		return c.r.between(c.lo, c.hi)
	case c.matrix != nil:
		return int64(c.matrix.at(tgt, src))
	}
	return c.value
}

// synapses checks the projection's connect:, weights: and delays:, and
// its estimated size against the memory budget, and returns how to build
// its synapses: from a dense weight matrix (built at once: its size is
// bounded by the matrix read), or from a pattern (generated later).
func (p *parser) synapses(m *mapping, from, to *ir.Population) (synapseBuild, error) {
	shape := matrixShape{rows: to.Size, cols: from.Size, rowPop: to.Name, colPop: from.Name}
	if c := m.get("connect"); c != nil {
		if isPairs(c) {
			return p.pairsSynapses(m, c, from, to)
		}
		return p.patternSynapses(m, c, from, to, shape)
	}
	if n := resolve(m.get("weights")); flatList(n) {
		return nil, p.errorf(n, m.field("weights"), "a list of single weights needs connect: {pairs: ...} to say which synapse each is for (allowed: without connect, a matrix with one row per neuron of %q and one column per neuron of %q)", to.Name, from.Name)
	}
	float := to.Model == ir.ModelCUBALIF
	var w *matrix
	var fw []float64
	var err error
	if float {
		fw, err = p.floatDenseWeights(m.get("weights"), m.field("weights"), shape)
	} else {
		w, err = p.denseWeights(m.get("weights"), m.field("weights"), shape)
	}
	if err != nil {
		return nil, err
	}
	delay, err := p.delays(m.get("delays"), m.field("delays"), shape)
	if err != nil {
		return nil, err
	}
	delays := delay.from(0)
	nonzero := 0
	if float {
		for _, v := range fw {
			if v != 0 {
				nonzero++
			}
		}
	} else {
		for _, v := range w.vals {
			if v != 0 {
				nonzero++
			}
		}
	}
	if int64(nonzero) > p.limits.maxSynapses {
		return nil, p.errorf(resolve(m.get("weights")), m.field("weights"), "%d synapses (allowed: at most %d per projection)", nonzero, p.limits.maxSynapses)
	}
	if err := p.reserveSynapses(resolve(m.get("weights")), m.field("weights"), "the matrix has", float64(nonzero), from.Size); err != nil {
		return nil, err
	}
	// Walk column by column: a column is a source's row of the CSR.
	b := ir.NewRowBuilder(from.Size, nonzero)
	for src := range shape.cols {
		for tgt := range shape.rows {
			switch {
			case float:
				if v := fw[tgt*shape.cols+src]; v != 0 {
					b.AddFloat(src, tgt, v, uint16(delays.next(src, tgt)))
				}
			case w.at(tgt, src) != 0:
				b.Add(src, tgt, int16(w.at(tgt, src)), uint16(delays.next(src, tgt)))
			}
		}
	}
	syn := b.Finish()
	return func() (ir.Synapses, error) { return syn, nil }, nil
}

func (p *parser) patternSynapses(m *mapping, c *yaml.Node, from, to *ir.Population, shape matrixShape) (synapseBuild, error) {
	pt, capacity, err := p.pattern(c, m.field("connect"), from, to)
	if err != nil {
		return nil, err
	}
	weight, err := p.patternWeights(m.get("weights"), m.field("weights"), to.Model == ir.ModelCUBALIF)
	if err != nil {
		return nil, err
	}
	delay, err := p.delays(m.get("delays"), m.field("delays"), shape)
	if err != nil {
		return nil, err
	}
	limit := p.limits.maxSynapses
	return func() (ir.Synapses, error) {
		if syn, ok := pt.generateRows(from.Size, to.Size, weight, delay, limit); ok {
			return syn, nil
		}
		b := ir.NewRowBuilder(from.Size, int(capacity))
		count, overflow := int64(0), false
		weights, delays := weight.from(0), delay.from(0)
		pt.generate(from.Size, to.Size, func(src, tgt int) bool {
			if count == limit {
				overflow = true
				return false
			}
			count++
			if weight.isFloat {
				b.AddFloat(src, tgt, weights.nextFloat(), uint16(delays.next(src, tgt)))
			} else {
				b.Add(src, tgt, int16(weights.next(src, tgt)), uint16(delays.next(src, tgt)))
			}
			return true
		})
		if overflow {
			return ir.Synapses{}, p.errorf(resolve(c), m.field("connect"), "%s made more than %d synapses (allowed: at most %d per projection)", pt.kind, limit, limit)
		}
		return b.Finish(), nil
	}, nil
}

// flatList reports whether n is a list whose first item is not a list:
// one value per synapse, which only connect: {pairs} can place, where a
// matrix (a list of rows) is expected.
func flatList(n *yaml.Node) bool {
	n = resolve(n)
	return n != nil && n.Kind == yaml.SequenceNode && len(n.Content) > 0 && resolve(n.Content[0]).Kind != yaml.SequenceNode
}

// denseWeights reads a weight matrix, inline or from a file.
func (p *parser) denseWeights(n *yaml.Node, path string, shape matrixShape) (*matrix, error) {
	vals, err := denseCells(p, n, path, func(n *yaml.Node, path string) ([]int32, error) {
		m, err := p.inlineMatrix(n, path, shape, weightSpec)
		if err != nil {
			return nil, err
		}
		return m.vals, nil
	}, func(file *yaml.Node, filePath string) ([]int32, error) {
		m, err := p.matrixFile(file, filePath, path, shape, weightSpec)
		if err != nil {
			return nil, err
		}
		return m.vals, nil
	})
	if err != nil {
		return nil, err
	}
	return &matrix{rows: shape.rows, cols: shape.cols, vals: vals}, nil
}

// denseCells reads the cells of a matrix of weights: inline (a list of
// rows) or {file: ...}, by the readers given (file gets the file: node and
// its path).
func denseCells[T any](p *parser, n *yaml.Node, path string, inline, file func(n *yaml.Node, path string) ([]T, error)) ([]T, error) {
	n = resolve(n)
	switch n.Kind {
	case yaml.SequenceNode:
		return inline(n, path)
	case yaml.MappingNode:
		m, err := p.mapping(n, path, []string{"file"}, []string{"file"})
		if err != nil {
			return nil, err
		}
		return file(m.get("file"), m.field("file"))
	}
	return nil, p.errorf(n, path, "%s without connect: does not say which synapses exist (allowed: a matrix, {file: ...}; or a number or {uniform: ...} together with connect:)", describe(n))
}

// patternWeights reads the weights of a generated pattern: one number, or
// {uniform: {min, max, seed}}; integers, or floats for a projection into
// a cuba_lif population.
func (p *parser) patternWeights(n *yaml.Node, path string, float bool) (perSynapse, error) {
	n = resolve(n)
	switch n.Kind {
	case yaml.SequenceNode:
		if flatList(n) {
			return perSynapse{}, p.errorf(n, path, "a list of single weights needs connect: {pairs: ...} to say which synapse each is for (allowed: with this pattern, a number or {uniform: {min, max, seed}})")
		}
		return perSynapse{}, p.errorf(n, path, "a matrix cannot be combined with connect: (a matrix already says which synapses exist; remove connect:, or give a number or {uniform: {min, max, seed}})")
	case yaml.MappingNode:
		m, err := p.mapping(n, path, []string{"uniform"}, []string{"uniform"})
		if err != nil {
			return perSynapse{}, err
		}
		var draw *uniformDraw
		if float {
			draw, err = p.floatUniform(m.get("uniform"), m.field("uniform"), streamWeights)
		} else {
			draw, err = p.uniform(m.get("uniform"), m.field("uniform"), weightSpec, streamWeights)
		}
		return perSynapse{draw: draw, isFloat: float}, err
	}
	if float {
		w, err := p.float(n, path, floatSpec{})
		return perSynapse{isFloat: true, fvalue: w}, err
	}
	w, err := p.integer(n, path, weightSpec)
	return perSynapse{value: w}, err
}

// delays reads delays: absent (1 step), one value, {uniform: ...}, or a
// [to.size, from.size] matrix (inline or {file: ...}) from which each
// synapse takes its entry.
func (p *parser) delays(n *yaml.Node, path string, shape matrixShape) (perSynapse, error) {
	if n == nil {
		return perSynapse{value: 1}, nil
	}
	n = resolve(n)
	var mat *matrix
	var err error
	switch n.Kind {
	case yaml.SequenceNode:
		if flatList(n) {
			return perSynapse{}, p.errorf(n, path, "a list of single delays needs connect: {pairs: ...} to say which synapse each is for (allowed: a number, {uniform: {min, max, seed}}, or a matrix with one row per neuron of %q and one column per neuron of %q)", shape.rowPop, shape.colPop)
		}
		mat, err = p.inlineMatrix(n, path, shape, delaySpec)
	case yaml.MappingNode:
		m, merr := p.mapping(n, path, []string{"file", "uniform"}, nil)
		if merr != nil {
			return perSynapse{}, merr
		}
		if len(m.vals) != 1 {
			return perSynapse{}, p.errorf(n, path, "expected exactly one of file, uniform; found %d keys", len(m.vals))
		}
		if u := m.get("uniform"); u != nil {
			draw, err := p.uniform(u, m.field("uniform"), delaySpec, streamDelays)
			return perSynapse{draw: draw}, err
		}
		mat, err = p.matrixFile(m.get("file"), m.field("file"), path, shape, delaySpec)
	default:
		d, derr := p.integer(n, path, delaySpec)
		return perSynapse{value: d}, derr
	}
	return perSynapse{matrix: mat}, err
}

// uniform reads {min, max, seed}: integers drawn uniformly in [min, max]
// from their own stream.
func (p *parser) uniform(n *yaml.Node, path string, spec intSpec, stream uint64) (*uniformDraw, error) {
	keys := []string{"min", "max", "seed"}
	m, err := p.mapping(n, path, keys, keys)
	if err != nil {
		return nil, err
	}
	lo, err := p.integer(m.get("min"), m.field("min"), spec)
	if err != nil {
		return nil, err
	}
	hi, err := p.integer(m.get("max"), m.field("max"), spec)
	if err != nil {
		return nil, err
	}
	if lo > hi {
		return nil, p.errorf(resolve(m.get("max")), m.field("max"), "max %d is below min %d (allowed: min <= max)", hi, lo)
	}
	seed, err := p.seed(m.get("seed"), m.field("seed"))
	if err != nil {
		return nil, err
	}
	return &uniformDraw{lo: lo, hi: hi, state: newRNG(seed, stream).state}, nil
}
