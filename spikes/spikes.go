// Package spikes reads and writes spike files: CSV with the header
// `step,population,index`, 0-based steps and indices, rows sorted by step,
// then population in the network's order, then index (docs/format.md).
// The same format carries input spikes into a simulation or a board and
// output spikes out of it; traces add the neuron state.
package spikes

import (
	"bufio"
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/snnc/snnc/ir"
)

// Header is the first line of every spike file.
const Header = "step,population,index"

// TraceHeader is the first line of a trace file.
const TraceHeader = "step,population,index,u,v"

// Spike is one spike of a neuron (a global index) at a step: 8 bytes, so
// that 10^7 input spikes take 80 MB.
type Spike struct {
	Step   int32
	Neuron int32
}

// Train is a list of spikes sorted by step, then neuron.
type Train []Spike

// Error is a problem in a spike file, at a line and column.
type Error struct {
	Pos ir.Pos
	Msg string
}

func (e *Error) Error() string { return e.Pos.String() + ": " + e.Msg }

// UserError marks the error as the user's input, not a fault of snnc.
func (e *Error) UserError() {}

// ReadInputFile reads input spikes for net from a CSV file. Every spike must
// name an input population of net and a neuron inside it; rows may come in
// any order, but a spike may not be listed twice.
func ReadInputFile(path string, net *ir.Network) (Train, error) {
	return readFile(path, net, true)
}

// ReadFile reads the spikes of any populations of net from a CSV file, as
// snnc simulate and snnc run write them: the checks of ReadInputFile, but
// a spike may be of any population, not only an input one.
func ReadFile(path string, net *ir.Network) (Train, error) {
	return readFile(path, net, false)
}

// ReadPopulationFile reads a spike file of net (ReadFile) and returns the
// spikes of population pop, each with its index within pop as Neuron.
func ReadPopulationFile(path string, net *ir.Network, pop string) (Train, error) {
	k := net.Population(pop)
	if k < 0 {
		return nil, &Error{Pos: ir.Pos{File: path}, Msg: fmt.Sprintf("the network has no population %q (allowed: %s)", pop, populationNames(net, false))}
	}
	tr, err := ReadFile(path, net)
	if err != nil {
		return nil, err
	}
	first, last := int32(net.Offset(k)), int32(net.Offset(k+1))
	out := tr[:0]
	for _, sp := range tr {
		if sp.Neuron >= first && sp.Neuron < last {
			out = append(out, Spike{Step: sp.Step, Neuron: sp.Neuron - first})
		}
	}
	return out, nil
}

func readFile(path string, net *ir.Network, inputsOnly bool) (Train, error) {
	f, err := os.Open(path)
	if err != nil {
		what := "spikes"
		if inputsOnly {
			what = "input spikes"
		}
		return nil, &Error{Pos: ir.Pos{File: path}, Msg: fmt.Sprintf("cannot read %s: %v", what, unwrapPathError(err))}
	}
	defer f.Close()
	return read(f, path, net, inputsOnly)
}

func unwrapPathError(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err
	}
	return err
}

// maxLine bounds the length of one line of a spike file.
const maxLine = 1 << 20

// bom is the UTF-8 byte order mark some editors put at the start of a file.
var bom = []byte("\uFEFF")

// ReadInput reads input spikes from r; name is used in messages. It keeps
// about 8 bytes per spike: rows are parsed without copies into a train
// sized from the file's length, sorted in place (not at all when they come
// sorted), and r is read a second time for line numbers only when a spike
// is listed twice.
func ReadInput(r io.ReadSeeker, name string, net *ir.Network) (Train, error) {
	return read(r, name, net, true)
}

// read reads a spike file; inputsOnly refuses spikes of populations that
// are not inputs.
func read(r io.ReadSeeker, name string, net *ir.Network, inputsOnly bool) (Train, error) {
	start, size := remaining(r)
	rd := newRowReader(r, name, net, inputsOnly)
	var tr Train
	sorted := true
	for {
		sp, ok, err := rd.next()
		if err != nil {
			return nil, err
		}
		if !ok {
			break
		}
		if n := len(tr); n > 0 && less(sp, tr[n-1]) {
			sorted = false
		}
		tr = append(tr, sp)
		if len(tr) == sizeSample && size > 2*rd.bytes {
			// Size the train once from the rows so far, rather than
			// letting append copy it again and again.
			rows := size * sizeSample / rd.bytes
			tr = slices.Grow(tr, int(rows+rows/16))
		}
	}
	if !sorted {
		slices.SortFunc(tr, compare)
	}
	for i := 1; i < len(tr); i++ {
		if tr[i] == tr[i-1] {
			return nil, duplicate(r, start, rd, tr[i])
		}
	}
	return tr, nil
}

// sizeSample is the number of rows from which ReadInput estimates a file's.
const sizeSample = 4096

// remaining returns r's offset and the number of bytes from there to the
// end, or 0 when r cannot tell.
func remaining(r io.Seeker) (start, n int64) {
	start, err := r.Seek(0, io.SeekCurrent)
	if err != nil {
		return 0, 0
	}
	end, err := r.Seek(0, io.SeekEnd)
	if _, err2 := r.Seek(start, io.SeekStart); err != nil || err2 != nil {
		return start, 0
	}
	return start, end - start
}

func key(s Spike) uint64 { return uint64(uint32(s.Step))<<32 | uint64(uint32(s.Neuron)) }

func less(a, b Spike) bool { return key(a) < key(b) }

func compare(a, b Spike) int { return cmp.Compare(key(a), key(b)) }

// duplicate reads r again from start to find the first two lines that list
// sp, and returns the error for the second.
func duplicate(r io.ReadSeeker, start int64, first *rowReader, sp Spike) error {
	name, net := first.name, first.net
	p, idx := locate(net, int(sp.Neuron))
	e := &Error{Pos: ir.Pos{File: name, Line: 1, Col: 1},
		Msg: fmt.Sprintf("spike of %s[%d] at step %d is listed twice", net.Populations[p].Name, idx, sp.Step)}
	if _, err := r.Seek(start, io.SeekStart); err != nil {
		return e
	}
	rd := newRowReader(r, name, net, first.inputsOnly)
	line := 0
	for {
		s, ok, err := rd.next()
		if err != nil || !ok {
			return e // the file changed under us: no line numbers
		}
		if s != sp {
			continue
		}
		if line == 0 {
			line = rd.line
			continue
		}
		e.Pos.Line = rd.line
		e.Msg += fmt.Sprintf(" (also on line %d)", line)
		return e
	}
}

// rowReader reads the rows of a spike file one at a time, checking the
// header and every field.
type rowReader struct {
	sc         *bufio.Scanner
	name       string
	net        *ir.Network
	inputsOnly bool           // refuse spikes of populations that are not inputs
	pops       map[string]int // population index by name
	offs       []int          // net.Offsets()
	line       int
	bytes      int64 // bytes read, line ends included
	sawHeader  bool
	fields     [3][]byte
	cols       [3]int // 1-based column of each field
}

func newRowReader(r io.Reader, name string, net *ir.Network, inputsOnly bool) *rowReader {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), maxLine)
	rd := &rowReader{sc: sc, name: name, net: net, inputsOnly: inputsOnly, pops: make(map[string]int, len(net.Populations)), offs: net.Offsets()}
	for k, p := range net.Populations {
		if _, dup := rd.pops[p.Name]; !dup {
			rd.pops[p.Name] = k
		}
	}
	return rd
}

// next returns the next spike, or ok false at the end of the file.
func (rd *rowReader) next() (sp Spike, ok bool, err error) {
	for rd.sc.Scan() {
		rd.line++
		text := rd.sc.Bytes()
		rd.bytes += int64(len(text)) + 1
		if rd.line == 1 {
			text = bytes.TrimPrefix(text, bom)
		}
		text = bytes.TrimSuffix(text, []byte("\r"))
		if t := bytes.TrimSpace(text); len(t) == 0 || t[0] == '#' {
			continue
		}
		if !rd.sawHeader {
			if normaliseHeader(string(text)) != Header {
				return Spike{}, false, rd.errorf(1, "header is %q (allowed: %q)", text, Header)
			}
			rd.sawHeader = true
			continue
		}
		sp, err := rd.parseRow(text)
		return sp, err == nil, err
	}
	if err := rd.sc.Err(); err != nil {
		msg := err.Error()
		if errors.Is(err, bufio.ErrTooLong) {
			msg = fmt.Sprintf("a line is longer than %d bytes", maxLine)
		}
		return Spike{}, false, &Error{Pos: ir.Pos{File: rd.name, Line: rd.line + 1, Col: 1}, Msg: "cannot read: " + msg}
	}
	if !rd.sawHeader {
		return Spike{}, false, &Error{Pos: ir.Pos{File: rd.name, Line: 1, Col: 1}, Msg: fmt.Sprintf("empty file (allowed: a header %q, then one spike per line)", Header)}
	}
	return Spike{}, false, nil
}

func (rd *rowReader) errorf(col int, format string, args ...any) error {
	return &Error{Pos: ir.Pos{File: rd.name, Line: rd.line, Col: col}, Msg: fmt.Sprintf(format, args...)}
}

func normaliseHeader(s string) string {
	fields := strings.Split(s, ",")
	for i := range fields {
		fields[i] = strings.TrimSpace(fields[i])
	}
	return strings.Join(fields, ",")
}

// parseRow parses step,population,index without allocating, except for
// the message of an error.
func (rd *rowReader) parseRow(text []byte) (Spike, error) {
	n, c := 0, 1
	for rest := text; ; n++ {
		f := rest
		i := bytes.IndexByte(rest, ',')
		if i >= 0 {
			f, rest = rest[:i], rest[i+1:]
		}
		if n < len(rd.fields) {
			rd.cols[n] = c + len(f) - len(bytes.TrimLeft(f, " \t"))
			rd.fields[n] = bytes.TrimSpace(f)
		}
		c += len(f) + 1
		if i < 0 {
			n++
			break
		}
	}
	if n != 3 {
		return Spike{}, rd.errorf(rd.cols[0], "%d fields (allowed: 3: %s)", n, Header)
	}
	step, err := strconv.ParseInt(string(rd.fields[0]), 10, 32)
	if err != nil || step < 0 {
		return Spike{}, rd.errorf(rd.cols[0], "step %q is not a step number (allowed: an integer 0..%d)", rd.fields[0], math.MaxInt32)
	}
	k, found := rd.pops[string(rd.fields[1])]
	if !found {
		return Spike{}, rd.errorf(rd.cols[1], "population %q does not exist (allowed: %s)", rd.fields[1], populationNames(rd.net, rd.inputsOnly))
	}
	p := &rd.net.Populations[k]
	if rd.inputsOnly && p.Model != ir.ModelInput {
		return Spike{}, rd.errorf(rd.cols[1], "population %q is not an input population (allowed: %s)", rd.fields[1], populationNames(rd.net, true))
	}
	idx, err := strconv.ParseInt(string(rd.fields[2]), 10, 64)
	if err != nil {
		return Spike{}, rd.errorf(rd.cols[2], "index %q is not an integer (allowed: 0..%d)", rd.fields[2], p.Size-1)
	}
	if idx < 0 || idx >= int64(p.Size) {
		return Spike{}, rd.errorf(rd.cols[2], "neuron %s[%d] does not exist (allowed: 0..%d)", p.Name, idx, p.Size-1)
	}
	return Spike{Step: int32(step), Neuron: int32(rd.offs[k] + int(idx))}, nil
}

// populationNames lists net's populations, or only its input ones.
func populationNames(net *ir.Network, inputsOnly bool) string {
	var names []string
	for _, p := range net.Populations {
		if !inputsOnly || p.Model == ir.ModelInput {
			names = append(names, p.Name)
		}
	}
	if len(names) == 0 {
		return "none: the network has no input population"
	}
	return strings.Join(names, ", ")
}

// locate returns the population and local index of global neuron g.
func locate(net *ir.Network, g int) (pop, index int) {
	for k, p := range net.Populations {
		if g < p.Size {
			return k, g
		}
		g -= p.Size
	}
	panic(fmt.Sprintf("spikes: neuron %d beyond the network", g))
}

// Stepper hands out a train's spikes one step at a time.
type Stepper struct {
	tr  Train
	i   int
	buf []int32
}

// NewStepper returns a Stepper at the start of tr.
func NewStepper(tr Train) *Stepper { return &Stepper{tr: tr} }

// At returns the neurons spiking at step, which must not be less than at
// the previous call. The slice is valid until the next call.
func (s *Stepper) At(step int) []int32 {
	for s.i < len(s.tr) && int(s.tr[s.i].Step) < step {
		s.i++
	}
	s.buf = s.buf[:0]
	for s.i < len(s.tr) && int(s.tr[s.i].Step) == step {
		s.buf = append(s.buf, s.tr[s.i].Neuron)
		s.i++
	}
	return s.buf
}

// Beyond counts the spikes at steps >= steps.
func (tr Train) Beyond(steps int) int {
	i, _ := slices.BinarySearchFunc(tr, steps, func(s Spike, step int) int { return cmp.Compare(int(s.Step), step) })
	return len(tr) - i
}

// Writer writes spikes or traces as CSV.
type Writer struct {
	w     *bufio.Writer
	names [][]byte // population name of each population, with commas around
	pop   []int32  // population of each neuron
	local []int32  // index within its population
	line  []byte
}

// NewWriter returns a Writer for net's neurons.
func NewWriter(w io.Writer, net *ir.Network) *Writer {
	n := net.Neurons()
	wr := &Writer{w: bufio.NewWriterSize(w, 1<<16), pop: make([]int32, n), local: make([]int32, n)}
	offs := net.Offsets()
	for k, p := range net.Populations {
		wr.names = append(wr.names, []byte(","+p.Name+","))
		off := offs[k]
		for i := range p.Size {
			wr.pop[off+i], wr.local[off+i] = int32(k), int32(i)
		}
	}
	return wr
}

// WriteHeader writes a header line such as Header or TraceHeader.
func (w *Writer) WriteHeader(h string) error {
	_, err := w.w.WriteString(h + "\n")
	return err
}

// WriteSpikes writes the spikes of neurons (increasing global indices) at step.
func (w *Writer) WriteSpikes(step int, neurons []int32) error {
	for _, g := range neurons {
		w.row(step, g)
		w.line = append(w.line, '\n')
		if _, err := w.w.Write(w.line); err != nil {
			return err
		}
	}
	return nil
}

// WriteState writes one trace row: neuron g's u and v after step.
func (w *Writer) WriteState(step int, g int32, u, v int32) error {
	w.row(step, g)
	w.line = append(w.line, ',')
	w.line = strconv.AppendInt(w.line, int64(u), 10)
	w.line = append(w.line, ',')
	w.line = strconv.AppendInt(w.line, int64(v), 10)
	w.line = append(w.line, '\n')
	_, err := w.w.Write(w.line)
	return err
}

func (w *Writer) row(step int, g int32) {
	w.line = strconv.AppendInt(w.line[:0], int64(step), 10)
	w.line = append(w.line, w.names[w.pop[g]]...)
	w.line = strconv.AppendInt(w.line, int64(w.local[g]), 10)
}

// Flush writes what is buffered.
func (w *Writer) Flush() error { return w.w.Flush() }
