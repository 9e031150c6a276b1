package compiler

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"math/big"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/snnc/snnc/ir"
)

// Size limits of the format: they keep indices within int32. They are far
// above what fits in memory (2^31 - 1 synapses take 16 GiB), so they do
// not stop a typo such as size: 1e9 from exhausting memory: the memory
// budget does (budget.go, ParseOptions.MemoryBudget), and it is checked
// before anything large is allocated.
const (
	// MaxNeurons bounds the neurons of all populations together, so that
	// every neuron has an int32 global index.
	MaxNeurons = math.MaxInt32
	// MaxSynapsesPerProjection bounds one projection's synapses (8 bytes
	// each, so 16 GiB at most). Row offsets are int64 and would allow more;
	// the limit keeps synapse indices within int32 for backends.
	MaxSynapsesPerProjection = math.MaxInt32
)

// limits are the size limits in force; tests and the fuzzer lower them.
type limits struct {
	maxNeurons  int64
	maxSynapses int64
	// budget is ParseOptions.MemoryBudget: 0 for the default, negative for none.
	budget int64
}

var defaultLimits = limits{maxNeurons: MaxNeurons, maxSynapses: MaxSynapsesPerProjection}

// ParseFile reads and checks the description at path; files named inside
// it resolve against its directory.
func ParseFile(path string) (*ir.Network, error) {
	return parseFile(path, ParseOptions{})
}

func parseFile(path string, opt ParseOptions) (*ir.Network, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, newError(ir.Pos{File: path}, "", "cannot read the description: %s", ioReason(err))
	}
	dir := filepath.Dir(path)
	return ParseWithOptions(path, data, func(name string) ([]byte, error) {
		if !filepath.IsAbs(name) {
			name = filepath.Join(dir, name)
		}
		return os.ReadFile(name)
	}, opt)
}

// Parse checks a description held in memory. name is used in messages;
// readFile opens files named in the description, as written there (making
// them relative to the description's directory is the caller's job, as
// ParseFile does). readFile may be nil: then any file reference is an
// error. Bad input gives an *Error; any other error is a bug in snnc.
// The network must fit in DefaultMemoryBudget (ParseWithOptions takes
// another budget).
func Parse(name string, data []byte, readFile func(path string) ([]byte, error)) (*ir.Network, error) {
	return ParseWithOptions(name, data, readFile, ParseOptions{})
}

func parseWithLimits(name string, data []byte, readFile func(string) ([]byte, error), lim limits) (*ir.Network, error) {
	p := newParser(name, readFile, lim)
	root, err := p.decode(data)
	if err != nil {
		return nil, err
	}
	net, err := p.document(root)
	if err != nil {
		return nil, err
	}
	if err := net.Validate(); err != nil {
		return nil, internalError(err)
	}
	return net, nil
}

// parser holds what the walk over one description needs.
type parser struct {
	name     string // the description's name, for positions
	readFile func(string) ([]byte, error)
	limits   limits
	// timestep is the step length in seconds, nil when not given; the
	// text is as written, for messages.
	timestep     *big.Rat
	timestepText string
	// budget is the memory budget in bytes; used is the estimated memory
	// of the populations and projections read so far (budget.go).
	budget, used int64
	// popIndex maps population names to their index: projections look
	// up two names each, so a linear search would make a description with
	// many populations and projections quadratic.
	popIndex map[string]int
}

func newParser(name string, readFile func(string) ([]byte, error), lim limits) *parser {
	return &parser{name: name, readFile: readFile, limits: lim, budget: resolveBudget(lim.budget)}
}

func (p *parser) errorf(n *yaml.Node, field, format string, args ...any) *Error {
	return newError(p.pos(n), field, format, args...)
}

func (p *parser) pos(n *yaml.Node) ir.Pos {
	if n == nil {
		return ir.Pos{File: p.name}
	}
	return ir.Pos{File: p.name, Line: n.Line, Col: n.Column}
}

// yamlLine finds the line number in the YAML library's messages, which are
// "yaml: line 3: could not find expected ':'".
var yamlLine = regexp.MustCompile(`^yaml: (?:line (\d+): )?(.*)$`)

// decode parses the YAML text into a node tree: exactly one document whose
// aliases stay within bounds.
func (p *parser) decode(data []byte) (root *yaml.Node, err error) {
	// The YAML library reports its own errors, but a panic inside it must
	// not take the caller down with it: report it as a syntax problem.
	defer func() {
		if r := recover(); r != nil {
			root, err = nil, newError(ir.Pos{File: p.name}, "", "the YAML parser failed: %v", r)
		}
	}()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if err == io.EOF {
			return nil, newError(ir.Pos{File: p.name, Line: 1, Col: 1}, "", "the description is empty (expected a mapping with version: 1 and populations)")
		}
		return nil, p.syntaxError(err, data)
	}
	var next yaml.Node
	switch err := dec.Decode(&next); {
	case err == nil:
		return nil, p.errorf(&next, "", "a second YAML document (allowed: one document per description)")
	case err != io.EOF:
		return nil, p.syntaxError(err, data)
	}
	if len(doc.Content) != 1 {
		return nil, newError(ir.Pos{File: p.name, Line: 1, Col: 1}, "", "the description is empty (expected a mapping with version: 1 and populations)")
	}
	if err := p.checkAliases(doc.Content[0]); err != nil {
		return nil, err
	}
	return doc.Content[0], nil
}

func (p *parser) syntaxError(err error, data []byte) *Error {
	pos := ir.Pos{File: p.name}
	msg := err.Error()
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		pos.Line, _ = strconv.Atoi(m[1])
		msg = m[2]
	}
	// The YAML library numbers lines from 1 for its scanner's errors but
	// from 0 for its parser's (and then leaves out line 0): correct those.
	if context, ok := yamlParserErrors[msg]; ok {
		pos.Line++
		msg += context
	}
	if pos.Line > 0 {
		pos.Col = guessColumn(data, pos.Line, msg)
	}
	return newError(pos, "", "YAML syntax error: %s", msg)
}

// guessColumn finds the column of a syntax error on a line, since the YAML
// library reports only the line: an unclosed bracket for unclosed flow
// collections, a character that cannot start a token, else the first
// character that is not blank.
func guessColumn(data []byte, line int, msg string) int {
	lines := bytes.Split(data, []byte("\n"))
	if line > len(lines) {
		return 1
	}
	text := lines[line-1]
	firstText := bytes.IndexFunc(text, func(r rune) bool { return r != ' ' && r != '\t' }) + 1
	switch {
	case strings.HasPrefix(msg, "did not find expected ',' or"):
		var open []int // columns of brackets not yet closed
		var quote byte
	scan:
		for i, c := range text {
			switch {
			case quote != 0:
				if c == quote {
					quote = 0
				}
			case c == '"' || c == '\'':
				quote = c
			case c == '#' && (i == 0 || text[i-1] == ' '):
				break scan
			case c == '[' || c == '{':
				open = append(open, i+1)
			case (c == ']' || c == '}') && len(open) > 0:
				open = open[:len(open)-1]
			}
		}
		if len(open) > 0 {
			return open[len(open)-1]
		}
	case strings.Contains(msg, "tab character"):
		if i := bytes.IndexByte(text, '\t'); i >= 0 {
			return i + 1
		}
	case strings.Contains(msg, "cannot start any token"):
		if i := bytes.IndexAny(text, "@`\t"); i >= 0 {
			return i + 1
		}
	}
	return max(firstText, 1)
}

// yamlParserErrors are the messages of the YAML library's parser, with
// what the line it reports points at: for unclosed collections, the line
// where the collection starts, not where the problem was found.
var yamlParserErrors = map[string]string{
	"did not find expected ',' or ']'":       " (a flow sequence [ starting here is not closed)",
	"did not find expected ',' or '}'":       " (a flow mapping { starting here is not closed)",
	"did not find expected '-' indicator":    " (in the block sequence starting here)",
	"did not find expected key":              " (in the block mapping starting here)",
	"did not find expected node content":     "",
	"did not find expected <document start>": "",
	"did not find expected <stream-start>":   "",
	"found duplicate %TAG directive":         "",
	"found duplicate %YAML directive":        "",
	"found incompatible YAML document":       "",
	"found undefined tag handle":             "",
}

var topKeys = []string{"version", "timestep", "populations", "projections"}

// document walks the top-level mapping.
func (p *parser) document(root *yaml.Node) (*ir.Network, error) {
	// The version comes first: a description of a later version should
	// hear that, not that its new keys are unknown.
	if v := lookup(root, "version"); v != nil {
		if err := p.version(v); err != nil {
			return nil, err
		}
	}
	m, err := p.mapping(root, "", topKeys, []string{"version", "populations"})
	if err != nil {
		return nil, err
	}
	net := &ir.Network{Source: p.name}
	if n := m.get("timestep"); n != nil {
		if p.timestep, err = p.timestepValue(n, "timestep"); err != nil {
			return nil, err
		}
		p.timestepText = resolve(n).Value
		net.Timestep, _ = p.timestep.Float64()
	} else if hasFloatModel(m.get("populations")) {
		// Float models are written in time constants: 1ms unless told.
		p.timestep, p.timestepText = big.NewRat(1, 1000), defaultFloatTimestep
		net.Timestep = 1e-3
	}
	if net.Populations, err = p.populations(m.get("populations")); err != nil {
		return nil, err
	}
	if n := m.get("projections"); n != nil && resolve(n).ShortTag() != tagNull {
		if net.Projections, err = p.projections(n, net); err != nil {
			return nil, err
		}
	}
	return net, nil
}

// defaultFloatTimestep is the timestep of a network with cuba_lif
// populations that does not set one.
const defaultFloatTimestep = "1ms"

// hasFloatModel reports whether a populations list (not yet checked) has
// a population of model cuba_lif.
func hasFloatModel(n *yaml.Node) bool {
	if n = resolve(n); n == nil || n.Kind != yaml.SequenceNode {
		return false
	}
	for _, item := range n.Content {
		if m := lookup(resolve(item), "model"); m != nil && resolve(m).Value == ir.ModelCUBALIF.String() {
			return true
		}
	}
	return false
}

func (p *parser) version(n *yaml.Node) error {
	n = resolve(n)
	v, text, msg := p.scalarInt(n, intSpec{min: ir.FormatVersion, max: ir.FormatVersion})
	switch {
	case msg != "":
		return p.errorf(n, "version", "%s is not a version number (allowed: %d)", describe(n), ir.FormatVersion)
	case v != ir.FormatVersion:
		return p.errorf(n, "version", "%s is not supported (allowed: %d)", text, ir.FormatVersion)
	}
	return nil
}

// namePattern is what population names may look like: identifiers, so
// that they can name signals, files and spike-file columns.
var namePattern = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

var populationKeys = []string{"name", "size", "model", "params"}

func (p *parser) populations(n *yaml.Node) ([]ir.Population, error) {
	items, err := p.list(n, "populations", "populations")
	if err != nil {
		return nil, err
	}
	if len(items) == 0 {
		return nil, p.errorf(resolve(n), "populations", "the list is empty (allowed: at least one population)")
	}
	pops := make([]ir.Population, 0, len(items))
	p.popIndex = make(map[string]int, len(items))
	var neurons int64
	for i, item := range items {
		path := joinIndex("populations", i)
		m, err := p.mapping(item, path, populationKeys, []string{"name", "size", "model"})
		if err != nil {
			return nil, err
		}
		pop := ir.Population{Pos: p.pos(m.node)}
		if pop.Name, err = p.str(m.get("name"), m.field("name"), "a name"); err != nil {
			return nil, err
		}
		if !namePattern.MatchString(pop.Name) {
			return nil, p.errorf(resolve(m.get("name")), m.field("name"), "%s is not a valid name (allowed: a letter or _ followed by letters, digits or _)", quote(pop.Name))
		}
		if j, dup := p.popIndex[pop.Name]; dup {
			return nil, p.errorf(resolve(m.get("name")), m.field("name"), "%s is already the name of populations[%d] (line %d)", quote(pop.Name), j, pops[j].Pos.Line)
		}
		p.popIndex[pop.Name] = i
		size, err := p.integer(m.get("size"), m.field("size"), intSpec{min: 1, max: p.limits.maxNeurons})
		if err != nil {
			return nil, err
		}
		if neurons += size; neurons > p.limits.maxNeurons {
			return nil, p.errorf(resolve(m.get("size")), m.field("size"), "%d brings the network to %d neurons (allowed: at most %d in all populations)", size, neurons, p.limits.maxNeurons)
		}
		if err := p.reserveNeurons(resolve(m.get("size")), m.field("size"), size, neurons); err != nil {
			return nil, err
		}
		pop.Size = int(size)
		modelName, err := p.str(m.get("model"), m.field("model"), "a model name")
		if err != nil {
			return nil, err
		}
		var ok bool
		if pop.Model, ok = ir.ParseModel(modelName); !ok {
			return nil, p.errorf(resolve(m.get("model")), m.field("model"), "unknown model %s (allowed: %s)", quote(modelName), modelNames())
		}
		// A network is integer (lif) or float (cuba_lif), not both: the
		// quantise pass turns a whole float network into an integer one.
		if pop.Model == ir.ModelLIF || pop.Model == ir.ModelCUBALIF {
			for j := range pops {
				if other := pops[j].Model; other != ir.ModelInput && other != pop.Model {
					return nil, p.errorf(resolve(m.get("model")), m.field("model"), "%s, but populations[%d] %q is %s (allowed: lif and input, or cuba_lif and input, in one network)", pop.Model, j, pops[j].Name, other)
				}
			}
		}
		params := m.get("params")
		switch {
		case pop.Model == ir.ModelLIF && params == nil:
			return nil, p.errorf(m.node, path, "missing key \"params\" (a lif population needs at least vth)")
		case pop.Model == ir.ModelCUBALIF && params == nil:
			return nil, p.errorf(m.node, path, "missing key \"params\" (a cuba_lif population needs tau_syn, tau_mem and v_th)")
		case pop.Model == ir.ModelLIF:
			if pop.LIF, err = p.lifParams(params, m.field("params"), &pop); err != nil {
				return nil, err
			}
		case pop.Model == ir.ModelCUBALIF:
			if pop.CUBA, err = p.cubaParams(params, m.field("params"), &pop); err != nil {
				return nil, err
			}
		case params != nil:
			return nil, p.errorf(resolve(params), m.field("params"), "a population of model %s takes no params", pop.Model)
		}
		pops = append(pops, pop)
	}
	p.used += neurons * bytesPerNeuron
	return pops, nil
}

func modelNames() string {
	names := make([]string, len(ir.Models))
	for i, m := range ir.Models {
		names[i] = m.String()
	}
	return strings.Join(names, ", ")
}

// timeParams are the LIF parameters that count steps, so they may also be
// written as a time when timestep is set.
var timeParams = map[string]bool{"refractory": true}

// lifParams reads the params mapping of a lif population, keyed and ranged
// by ir.LIFParamTable.
func (p *parser) lifParams(n *yaml.Node, path string, pop *ir.Population) (*ir.LIFParams, error) {
	var allowed, required []string
	for _, d := range ir.LIFParamTable {
		allowed = append(allowed, d.Name)
		if d.Required {
			required = append(required, d.Name)
		}
	}
	m, err := p.mapping(n, path, append(allowed, "reset"), required)
	if err != nil {
		return nil, err
	}
	lif := &ir.LIFParams{}
	if lif.Reset, err = p.reset(m.get("reset"), m.field("reset")); err != nil {
		return nil, err
	}
	for _, d := range ir.LIFParamTable {
		spec := intSpec{min: d.Min, max: d.Max, time: timeParams[d.Name]}
		v := m.get(d.Name)
		if v == nil {
			*d.Field(lif) = ir.Param{int32(d.Default)}
			continue
		}
		if *d.Field(lif), err = p.param(v, m.field(d.Name), pop, spec); err != nil {
			return nil, err
		}
	}
	return lif, nil
}

// param reads one parameter: a value for every neuron, a list with one
// value per neuron, or {file: path}.
func (p *parser) param(n *yaml.Node, path string, pop *ir.Population, spec intSpec) (ir.Param, error) {
	n = resolve(n)
	switch n.Kind {
	case yaml.SequenceNode:
		if len(n.Content) != pop.Size {
			return nil, p.errorf(n, path, "%d values, expected %d (one per neuron of %q, or a single value for all)", len(n.Content), pop.Size, pop.Name)
		}
		vals := make(ir.Param, len(n.Content))
		for i, item := range n.Content {
			v, err := p.integer(item, joinIndex(path, i), spec)
			if err != nil {
				return nil, err
			}
			vals[i] = int32(v)
		}
		return vals, nil
	case yaml.MappingNode:
		m, err := p.mapping(n, path, []string{"file"}, []string{"file"})
		if err != nil {
			return nil, err
		}
		return p.vectorFile(m.get("file"), m.field("file"), path, pop, spec)
	}
	v, err := p.integer(n, path, spec)
	if err != nil {
		return nil, err
	}
	return ir.Param{int32(v)}, nil
}

// arrayFile reads a file named by {file: path} in the description. kind
// is ".csv" or ".npy"; display is the name to use in messages: relative to
// the description's directory, as ParseFile resolves it.
func (p *parser) arrayFile(n *yaml.Node, path string) (data []byte, kind, display string, err error) {
	ref, err := p.str(n, path, "a file name")
	if err != nil {
		return nil, "", "", err
	}
	n = resolve(n)
	switch kind = strings.ToLower(filepath.Ext(ref)); {
	case ref == "":
		return nil, "", "", p.errorf(n, path, "the file name is empty")
	case kind != ".csv" && kind != ".npy":
		return nil, "", "", p.errorf(n, path, "%s: unknown file type (allowed: .csv, .npy)", quote(ref))
	case p.readFile == nil:
		return nil, "", "", p.errorf(n, path, "cannot read %s: this description was given without a way to read files", quote(ref))
	}
	if data, err = p.readFile(ref); err != nil {
		return nil, "", "", p.errorf(n, path, "cannot read %s: %s", quote(ref), ioReason(err))
	}
	display = ref
	if !filepath.IsAbs(ref) {
		display = filepath.Join(filepath.Dir(p.name), ref)
	}
	return data, kind, display, nil
}

// ioReason is an I/O error without the path, which the message already names.
func ioReason(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// vectorFile reads one value per neuron from a CSV or .npy file; field is
// the parameter's path, for messages about values.
func (p *parser) vectorFile(n *yaml.Node, path, field string, pop *ir.Population, spec intSpec) (ir.Param, error) {
	data, kind, display, err := p.arrayFile(n, path)
	if err != nil {
		return nil, err
	}
	var vals []int32
	if kind == ".csv" {
		vals, err = readCSVVector(display, data, field, pop.Size, pop.Name, spec)
	} else {
		vals, err = readNPYVector(display, data, field, pop.Size, pop.Name, spec)
	}
	return ir.Param(vals), err
}

// matrixFile reads a [to.size, from.size] matrix from a CSV or .npy file.
func (p *parser) matrixFile(n *yaml.Node, path, field string, shape matrixShape, spec intSpec) (*matrix, error) {
	data, kind, display, err := p.arrayFile(n, path)
	if err != nil {
		return nil, err
	}
	if kind == ".csv" {
		return readCSVMatrix(display, data, field, shape, spec)
	}
	return readNPYMatrix(display, data, field, shape, spec)
}

// inlineMatrix reads a matrix written as a YAML list of rows.
func (p *parser) inlineMatrix(n *yaml.Node, path string, shape matrixShape, spec intSpec) (*matrix, error) {
	vals, err := inlineCells(p, n, path, shape, func(cell *yaml.Node, path string) (int32, error) {
		v, err := p.integer(cell, path, spec)
		return int32(v), err
	})
	if err != nil {
		return nil, err
	}
	return &matrix{rows: shape.rows, cols: shape.cols, vals: vals}, nil
}

// inlineCells reads the cells of a matrix written as a YAML list of rows,
// in row-major order, converting each by conv.
func inlineCells[T any](p *parser, n *yaml.Node, path string, shape matrixShape, conv func(cell *yaml.Node, path string) (T, error)) ([]T, error) {
	n = resolve(n)
	if len(n.Content) != shape.rows {
		return nil, p.errorf(n, path, "%s", shape.rowsMsg(len(n.Content)))
	}
	// Check the shape before allocating: then rows*cols values are really
	// there (aliases included, which checkAliases bounds).
	for r, rowNode := range n.Content {
		rowPath := joinIndex(path, r)
		row, err := p.list(rowNode, rowPath, "values (a matrix row)")
		if err != nil {
			return nil, err
		}
		if len(row) != shape.cols {
			return nil, p.errorf(resolve(rowNode), rowPath, "%s", shape.colsMsg(len(row)))
		}
	}
	vals := make([]T, 0, shape.rows*shape.cols)
	for r, rowNode := range n.Content {
		rowPath := joinIndex(path, r)
		for c, cell := range resolve(rowNode).Content {
			v, err := conv(cell, joinIndex(rowPath, c))
			if err != nil {
				return nil, err
			}
			vals = append(vals, v)
		}
	}
	return vals, nil
}

// fmtAllowed lists names for "(allowed: ...)", shortened when long.
func fmtAllowed(names []string) string {
	const max = 10
	if len(names) > max {
		return strings.Join(names[:max], ", ") + fmt.Sprintf(", ... (%d more)", len(names)-max)
	}
	return strings.Join(names, ", ")
}
