package compiler

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"

	"github.com/snnc/snnc/ir"
)

// This file reads the arrays a description may keep in files: CSV text and
// NumPy .npy. Readers check every element against the field's intSpec as
// they go, so an error names the file, the element and, for CSV, the line
// and column; and they never allocate more than the file's contents
// justify, whatever shape the description or an .npy header claims.

// matrix is a dense matrix of checked integers in row-major order.
type matrix struct {
	rows, cols int
	vals       []int32
}

func (m *matrix) at(r, c int) int32 { return m.vals[r*m.cols+c] }

// matrixShape is the shape a field expects, [to.size, from.size] with the
// population names to explain it.
type matrixShape struct {
	rows, cols     int
	rowPop, colPop string
}

const layoutNote = "row = target, column = source"

func (s matrixShape) rowsMsg(got int) string {
	return fmt.Sprintf("%d rows, expected %d (one per neuron of %q; %s)", got, s.rows, s.rowPop, layoutNote)
}

func (s matrixShape) colsMsg(got int) string {
	return fmt.Sprintf("%d columns, expected %d (one per neuron of %q; %s)", got, s.cols, s.colPop, layoutNote)
}

// csvLine is one non-blank line of a CSV file.
type csvLine struct {
	num  int    // 1-based line number
	text string // without the line ending
}

// csvLines splits a CSV file into lines, dropping a UTF-8 byte order mark
// and trailing blank lines. A blank line between rows is an error: it would
// silently shift every row after it.
func csvLines(display string, data []byte, field string) ([]csvLine, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	text := strings.TrimRight(string(data), " \t\r\n")
	if text == "" {
		return nil, newError(ir.Pos{File: display}, field, "the file is empty")
	}
	raw := strings.Split(text, "\n")
	lines := make([]csvLine, len(raw))
	for i, l := range raw {
		l = strings.TrimSuffix(l, "\r")
		if strings.TrimSpace(l) == "" {
			return nil, newError(ir.Pos{File: display, Line: i + 1, Col: 1}, field, "blank line between values (allowed: one row per line, no blank lines)")
		}
		lines[i] = csvLine{num: i + 1, text: l}
	}
	return lines, nil
}

// csvCell is one comma-separated value of a line, with its 1-based column.
type csvCell struct {
	col  int
	text string
}

// splitCells splits a line at commas and trims the spaces and tabs around
// values.
func splitCells(line string, cells []csvCell) []csvCell {
	cells = cells[:0]
	start := 0
	for i := 0; i <= len(line); i++ {
		if i < len(line) && line[i] != ',' {
			continue
		}
		lo, hi := start, i
		for lo < hi && (line[lo] == ' ' || line[lo] == '\t') {
			lo++
		}
		for hi > lo && (line[hi-1] == ' ' || line[hi-1] == '\t') {
			hi--
		}
		cells = append(cells, csvCell{col: lo + 1, text: line[lo:hi]})
		start = i + 1
	}
	return cells
}

// readCSVMatrix reads a matrix written one row per line, values separated
// by commas, no header.
func readCSVMatrix(display string, data []byte, field string, shape matrixShape, spec intSpec) (*matrix, error) {
	vals, err := readCSVCells(display, data, field, shape, func(text string) (int32, string) {
		v, msg := parseNumberText(text, spec)
		if msg == "" {
			msg = spec.check(v, text)
		}
		return int32(v), msg
	})
	if err != nil {
		return nil, err
	}
	return &matrix{rows: shape.rows, cols: shape.cols, vals: vals}, nil
}

// readCSVCells reads the cells of a CSV matrix of the given shape in
// row-major order, converting each by conv, which says what is wrong with
// a cell's text.
func readCSVCells[T any](display string, data []byte, field string, shape matrixShape, conv func(text string) (T, string)) ([]T, error) {
	lines, err := csvLines(display, data, field)
	if err != nil {
		return nil, err
	}
	if len(lines) != shape.rows {
		return nil, newError(ir.Pos{File: display}, field, "%s", shape.rowsMsg(len(lines)))
	}
	var vals []T
	var cells []csvCell
	for r, l := range lines {
		cells = splitCells(l.text, cells)
		if len(cells) != shape.cols {
			return nil, newError(ir.Pos{File: display, Line: l.num, Col: 1}, joinIndex(field, r), "%s", shape.colsMsg(len(cells)))
		}
		if r == 0 {
			// Every value takes at least two bytes ("0,"), which bounds the
			// allocation by the file however the shape grew.
			vals = make([]T, 0, min(shape.rows*shape.cols, len(data)/2+1))
		}
		for c, cell := range cells {
			v, msg := conv(cell.text)
			if msg != "" {
				return nil, newError(ir.Pos{File: display, Line: l.num, Col: cell.col}, joinIndex(joinIndex(field, r), c), "%s", msg)
			}
			vals = append(vals, v)
		}
	}
	return vals, nil
}

// readCSVVector reads n values written one per line or all on one line.
func readCSVVector(display string, data []byte, field string, n int, pop string, spec intSpec) ([]int32, error) {
	return readCSVList(display, data, field, n, fmt.Sprintf("one per neuron of %q", pop), func(text string) (int32, string) {
		v, msg := parseNumberText(text, spec)
		if msg == "" {
			msg = spec.check(v, text)
		}
		return int32(v), msg
	})
}

// csvBlank reports whether a CSV file holds no values at all (only a byte
// order mark and blank space): a list of zero values, where zero are
// expected (the weights of a projection whose pairs are all pruned).
func csvBlank(data []byte) bool {
	return len(bytes.TrimSpace(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")))) == 0
}

// readCSVList reads n values written one per line or all on one line,
// converting each by conv; what says what the values are, for the message
// about their count ("one per neuron of \"a\""). A blank file is a list
// of no values.
func readCSVList[T any](display string, data []byte, field string, n int, what string, conv func(text string) (T, string)) ([]T, error) {
	if n == 0 && csvBlank(data) {
		return []T{}, nil
	}
	lines, err := csvLines(display, data, field)
	if err != nil {
		return nil, err
	}
	var cells []csvCell
	count := len(lines)
	if len(lines) == 1 {
		cells = splitCells(lines[0].text, cells)
		count = len(cells)
	} else {
		for _, l := range lines {
			if cells = splitCells(l.text, cells); len(cells) != 1 {
				return nil, newError(ir.Pos{File: display, Line: l.num, Col: 1}, field, "%d values on one line (allowed: one value per line, or all values on one line)", len(cells))
			}
		}
	}
	if count != n {
		return nil, newError(ir.Pos{File: display}, field, "%d values, expected %d (%s)", count, n, what)
	}
	vals := make([]T, n)
	for i := range vals {
		line := lines[0]
		if len(lines) > 1 {
			line = lines[i]
			cells = splitCells(line.text, cells)
		}
		c := cells[0]
		if len(lines) == 1 {
			c = cells[i]
		}
		v, msg := conv(c.text)
		if msg != "" {
			return nil, newError(ir.Pos{File: display, Line: line.num, Col: c.col}, joinIndex(field, i), "%s", msg)
		}
		vals[i] = v
	}
	return vals, nil
}

// npyArray is a parsed NumPy .npy file (format versions 1, 2 and 3).
type npyArray struct {
	descr   string
	shape   []int
	fortran bool
	kind    byte // 'i' signed, 'u' unsigned, 'f' float, 'b' bool
	width   int  // bytes per element
	order   binary.ByteOrder
	little  bool // order is little endian
	data    []byte
}

const npyDtypes = "i1 i2 i4 i8 u1 u2 u4 u8 f4 f8 b1, little or big endian"

// parseNPY reads the header of an .npy file and checks that the data has
// exactly the size the header announces. It returns a message on error.
func parseNPY(file []byte) (*npyArray, string) {
	const magic = "\x93NUMPY"
	if len(file) < 10 || string(file[:6]) != magic {
		return nil, "not a NumPy .npy file (it does not start with \\x93NUMPY)"
	}
	var headerLen, start int
	switch major := file[6]; major {
	case 1:
		headerLen, start = int(binary.LittleEndian.Uint16(file[8:10])), 10
	case 2, 3:
		if len(file) < 12 {
			return nil, "truncated .npy header"
		}
		headerLen, start = int(binary.LittleEndian.Uint32(file[8:12])), 12
	default:
		return nil, fmt.Sprintf(".npy format version %d (allowed: 1, 2, 3)", major)
	}
	if headerLen > len(file)-start {
		return nil, "truncated .npy header"
	}
	a := &npyArray{data: file[start+headerLen:]}
	msg := a.parseHeader(string(file[start : start+headerLen]))
	if msg != "" {
		return nil, msg
	}
	if msg := a.parseDescr(); msg != "" {
		return nil, msg
	}
	// A header may claim any shape: multiply exactly before comparing.
	need := big.NewInt(int64(a.width))
	for _, d := range a.shape {
		need.Mul(need, big.NewInt(int64(d)))
	}
	if !need.IsInt64() || need.Int64() != int64(len(a.data)) {
		return nil, fmt.Sprintf("shape %s of %s needs %s bytes of data, the file has %d", a.shapeText(), a.descr, need, len(a.data))
	}
	return a, ""
}

// parseHeader reads the Python dict literal of the header, e.g.
// {'descr': '<i4', 'fortran_order': False, 'shape': (3, 4), }.
func (a *npyArray) parseHeader(h string) string {
	lx := &pyLexer{s: strings.TrimSpace(h)}
	if !lx.eat('{') {
		return "bad .npy header: expected a dict"
	}
	seen := map[string]bool{}
	for !lx.eat('}') {
		key, ok := lx.str()
		if !ok || !lx.eat(':') {
			return "bad .npy header: expected 'key': value"
		}
		switch key {
		case "descr":
			if a.descr, ok = lx.str(); !ok {
				return "unsupported .npy dtype: only simple numeric dtypes are read (allowed: " + npyDtypes + ")"
			}
		case "fortran_order":
			if a.fortran, ok = lx.boolean(); !ok {
				return "bad .npy header: fortran_order is not True or False"
			}
		case "shape":
			if a.shape, ok = lx.tuple(); !ok {
				return "bad .npy header: shape is not a tuple of sizes"
			}
		default:
			return fmt.Sprintf("bad .npy header: unknown key %s", quote(key))
		}
		seen[key] = true
		if !lx.eat(',') && !lx.peek('}') {
			return "bad .npy header: expected , or }"
		}
	}
	for _, k := range []string{"descr", "fortran_order", "shape"} {
		if !seen[k] {
			return fmt.Sprintf("bad .npy header: no %s", k)
		}
	}
	return ""
}

// parseDescr reads a dtype such as "<i4", ">f8" or "|b1".
func (a *npyArray) parseDescr() string {
	bad := fmt.Sprintf("unsupported .npy dtype %s (allowed: %s)", quote(a.descr), npyDtypes)
	d := a.descr
	if len(d) != 3 || !strings.Contains("iufb", d[1:2]) {
		return bad
	}
	a.kind = d[1]
	a.width = int(d[2] - '0')
	switch {
	case a.kind == 'b' && a.width != 1,
		a.kind == 'f' && a.width != 4 && a.width != 8,
		a.width != 1 && a.width != 2 && a.width != 4 && a.width != 8:
		return bad
	}
	switch {
	case d[0] == '<' || (d[0] == '|' && a.width == 1):
		a.order, a.little = binary.LittleEndian, true
	case d[0] == '>':
		a.order = binary.BigEndian
	default:
		return bad
	}
	return ""
}

func (a *npyArray) shapeText() string {
	parts := make([]string, len(a.shape))
	for i, d := range a.shape {
		parts[i] = strconv.Itoa(d)
	}
	if len(parts) == 1 {
		return "(" + parts[0] + ",)"
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

// element converts element i (in storage order) to an integer; text is how
// to show it, msg says why it is not an integer.
func (a *npyArray) element(i int, spec intSpec) (v int64, text, msg string) {
	b := a.data[i*a.width : (i+1)*a.width]
	switch a.kind {
	case 'b':
		if b[0] != 0 {
			return 1, "true", ""
		}
		return 0, "false", ""
	case 'f':
		var f float64
		if a.width == 4 {
			f = float64(math.Float32frombits(a.order.Uint32(b)))
		} else {
			f = math.Float64frombits(a.order.Uint64(b))
		}
		text = strconv.FormatFloat(f, 'g', -1, 64)
		v, msg = wholeNumber(f, text, spec)
		return v, text, msg
	case 'u':
		u := a.unsigned(b)
		text = strconv.FormatUint(u, 10)
		if u > math.MaxInt64 {
			return 0, text, fmt.Sprintf("%s is out of range (allowed: %s)", text, spec.allowed())
		}
		return int64(u), text, ""
	}
	u := a.unsigned(b)
	shift := 64 - 8*a.width // sign-extend from the element's width
	v = int64(u<<shift) >> shift
	return v, strconv.FormatInt(v, 10), ""
}

func (a *npyArray) unsigned(b []byte) uint64 {
	if a.little { // the common case, without the interface calls
		switch a.width {
		case 1:
			return uint64(b[0])
		case 2:
			return uint64(binary.LittleEndian.Uint16(b))
		case 4:
			return uint64(binary.LittleEndian.Uint32(b))
		}
		return binary.LittleEndian.Uint64(b)
	}
	switch a.width {
	case 1:
		return uint64(b[0])
	case 2:
		return uint64(a.order.Uint16(b))
	case 4:
		return uint64(a.order.Uint32(b))
	}
	return a.order.Uint64(b)
}

// checkedElement converts and checks element i. Integer elements within
// range take a path without the text of the value, which only a message
// needs: that keeps 10^6-element arrays (a list of pairs) free of an
// allocation per element.
func (a *npyArray) checkedElement(i int, spec intSpec) (int32, string) {
	if a.kind == 'i' || a.kind == 'u' {
		u := a.unsigned(a.data[i*a.width : (i+1)*a.width])
		v := int64(u)
		if a.kind == 'i' {
			shift := 64 - 8*a.width
			v = int64(u<<shift) >> shift
		}
		if (a.kind == 'i' || u <= math.MaxInt64) && v >= spec.min && v <= spec.max && !(spec.delay && v == 0) {
			return int32(v), "" // what spec.check accepts
		}
	}
	v, text, msg := a.element(i, spec)
	if msg == "" {
		msg = spec.check(v, text)
	}
	return int32(v), msg
}

// readNPYMatrix reads a 2-D array of shape [rows, cols].
func readNPYMatrix(display string, data []byte, field string, shape matrixShape, spec intSpec) (*matrix, error) {
	vals, err := readNPYCells(display, data, field, shape, func(a *npyArray, i int) (int32, string) { return a.checkedElement(i, spec) })
	if err != nil {
		return nil, err
	}
	return &matrix{rows: shape.rows, cols: shape.cols, vals: vals}, nil
}

// readNPYCells reads a 2-D array of the given shape in row-major order,
// converting element i (in storage order) by conv.
func readNPYCells[T any](display string, data []byte, field string, shape matrixShape, conv func(a *npyArray, i int) (T, string)) ([]T, error) {
	pos := ir.Pos{File: display}
	a, msg := parseNPY(data)
	if msg != "" {
		return nil, newError(pos, field, "%s", msg)
	}
	if len(a.shape) == 1 {
		return nil, newError(pos, field, "array of shape %s, expected 2-D of shape (%d, %d) (%s; one value per synapse, 1-D, needs connect: {pairs: ...})", a.shapeText(), shape.rows, shape.cols, layoutNote)
	}
	if len(a.shape) != 2 {
		return nil, newError(pos, field, "array of shape %s, expected 2-D of shape (%d, %d) (%s)", a.shapeText(), shape.rows, shape.cols, layoutNote)
	}
	if a.shape[0] != shape.rows {
		return nil, newError(pos, field, "%s", shape.rowsMsg(a.shape[0]))
	}
	if a.shape[1] != shape.cols {
		return nil, newError(pos, field, "%s", shape.colsMsg(a.shape[1]))
	}
	vals := make([]T, shape.rows*shape.cols)
	for r := range shape.rows {
		for c := range shape.cols {
			i := r*shape.cols + c
			if a.fortran {
				i = c*shape.rows + r
			}
			v, msg := conv(a, i)
			if msg != "" {
				return nil, newError(pos, joinIndex(joinIndex(field, r), c), "%s", msg)
			}
			vals[r*shape.cols+c] = v
		}
	}
	return vals, nil
}

// readNPYVector reads a 1-D array of n values.
func readNPYVector(display string, data []byte, field string, n int, pop string, spec intSpec) ([]int32, error) {
	return readNPYList(display, data, field, n, fmt.Sprintf("one value per neuron of %q", pop), func(a *npyArray, i int) (int32, string) {
		return a.checkedElement(i, spec)
	})
}

// readNPYList reads a 1-D array of n values, converting element i by
// conv; what says what the values are, for the message about the shape.
func readNPYList[T any](display string, data []byte, field string, n int, what string, conv func(a *npyArray, i int) (T, string)) ([]T, error) {
	pos := ir.Pos{File: display}
	a, msg := parseNPY(data)
	if msg != "" {
		return nil, newError(pos, field, "%s", msg)
	}
	if len(a.shape) != 1 || a.shape[0] != n {
		return nil, newError(pos, field, "array of shape %s, expected 1-D of shape (%d,) (%s)", a.shapeText(), n, what)
	}
	vals := make([]T, n)
	for i := range vals {
		v, msg := conv(a, i)
		if msg != "" {
			return nil, newError(pos, joinIndex(field, i), "%s", msg)
		}
		vals[i] = v
	}
	return vals, nil
}

// pyLexer reads the few Python literals an .npy header holds.
type pyLexer struct {
	s string
	i int
}

func (l *pyLexer) skipSpace() {
	for l.i < len(l.s) && (l.s[l.i] == ' ' || l.s[l.i] == '\t' || l.s[l.i] == '\n') {
		l.i++
	}
}

func (l *pyLexer) peek(c byte) bool {
	l.skipSpace()
	return l.i < len(l.s) && l.s[l.i] == c
}

func (l *pyLexer) eat(c byte) bool {
	if l.peek(c) {
		l.i++
		return true
	}
	return false
}

// str reads a quoted string without escapes (dtype names need none).
func (l *pyLexer) str() (string, bool) {
	l.skipSpace()
	if l.i >= len(l.s) || (l.s[l.i] != '\'' && l.s[l.i] != '"') {
		return "", false
	}
	q := l.s[l.i]
	end := strings.IndexByte(l.s[l.i+1:], q)
	if end < 0 {
		return "", false
	}
	s := l.s[l.i+1 : l.i+1+end]
	l.i += end + 2
	return s, true
}

func (l *pyLexer) boolean() (bool, bool) {
	l.skipSpace()
	for _, w := range []string{"True", "False"} {
		if strings.HasPrefix(l.s[l.i:], w) {
			l.i += len(w)
			return w == "True", true
		}
	}
	return false, false
}

// tuple reads (3, 4) or (12,) or (); Python 2 numpy wrote 3L for sizes.
func (l *pyLexer) tuple() ([]int, bool) {
	if !l.eat('(') {
		return nil, false
	}
	dims := []int{}
	for !l.eat(')') {
		l.skipSpace()
		j := l.i
		for j < len(l.s) && l.s[j] >= '0' && l.s[j] <= '9' {
			j++
		}
		d, err := strconv.ParseInt(l.s[l.i:j], 10, 64)
		if err != nil || d > math.MaxInt32 || len(dims) > 32 {
			return nil, false
		}
		dims = append(dims, int(d))
		l.i = j
		if l.i < len(l.s) && l.s[l.i] == 'L' {
			l.i++
		}
		if !l.eat(',') && !l.peek(')') {
			return nil, false
		}
	}
	return dims, true
}
