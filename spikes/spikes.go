// Package spikes reads and writes spike files: CSV with the header
// `step,population,index`, 0-based steps and indices, rows sorted by step,
// then population in the network's order, then index (docs/format.md).
// The same format carries input spikes into a simulation or a board and
// output spikes out of it; traces add the neuron state.
package spikes

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
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

// Spike is one spike of a neuron (a global index) at a step.
type Spike struct {
	Step   int
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
	f, err := os.Open(path)
	if err != nil {
		return nil, &Error{Pos: ir.Pos{File: path}, Msg: fmt.Sprintf("cannot read input spikes: %v", unwrapPathError(err))}
	}
	defer f.Close()
	return ReadInput(f, path, net)
}

func unwrapPathError(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err
	}
	return err
}

// ReadInput reads input spikes from r; name is used in messages.
func ReadInput(r io.Reader, name string, net *ir.Network) (Train, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	var tr Train
	var lines []int // line of each spike, for duplicate messages
	line := 0
	sawHeader := false
	for sc.Scan() {
		line++
		text := strings.TrimRight(sc.Text(), "\r")
		if strings.TrimSpace(text) == "" || strings.HasPrefix(strings.TrimSpace(text), "#") {
			continue
		}
		if !sawHeader {
			if normaliseHeader(text) != Header {
				return nil, &Error{Pos: ir.Pos{File: name, Line: line, Col: 1}, Msg: fmt.Sprintf("header is %q (allowed: %q)", text, Header)}
			}
			sawHeader = true
			continue
		}
		sp, err := parseRow(text, name, line, net)
		if err != nil {
			return nil, err
		}
		tr = append(tr, sp)
		lines = append(lines, line)
	}
	if err := sc.Err(); err != nil {
		return nil, &Error{Pos: ir.Pos{File: name, Line: line + 1, Col: 1}, Msg: fmt.Sprintf("cannot read: %v", err)}
	}
	if !sawHeader {
		return nil, &Error{Pos: ir.Pos{File: name, Line: 1, Col: 1}, Msg: fmt.Sprintf("empty file (allowed: a header %q, then one spike per line)", Header)}
	}
	order := make([]int, len(tr))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		if tr[a].Step != tr[b].Step {
			return tr[a].Step - tr[b].Step
		}
		return int(tr[a].Neuron - tr[b].Neuron)
	})
	sorted := make(Train, len(tr))
	for i, j := range order {
		sorted[i] = tr[j]
		if i > 0 && sorted[i] == sorted[i-1] {
			p, idx := locate(net, int(tr[j].Neuron))
			return nil, &Error{Pos: ir.Pos{File: name, Line: lines[j], Col: 1},
				Msg: fmt.Sprintf("spike of %s[%d] at step %d is listed twice (also on line %d)", net.Populations[p].Name, idx, tr[j].Step, lines[order[i-1]])}
		}
	}
	return sorted, nil
}

func normaliseHeader(s string) string {
	fields := strings.Split(s, ",")
	for i := range fields {
		fields[i] = strings.TrimSpace(fields[i])
	}
	return strings.Join(fields, ",")
}

func parseRow(text, name string, line int, net *ir.Network) (Spike, error) {
	fields := strings.Split(text, ",")
	cols := make([]int, len(fields)) // 1-based column of each field
	c := 1
	for i, f := range fields {
		cols[i] = c + len(f) - len(strings.TrimLeft(f, " \t"))
		c += len(f) + 1
		fields[i] = strings.TrimSpace(f)
	}
	at := func(i int) ir.Pos { return ir.Pos{File: name, Line: line, Col: cols[min(i, len(cols)-1)]} }
	if len(fields) != 3 {
		return Spike{}, &Error{Pos: at(0), Msg: fmt.Sprintf("%d fields (allowed: 3: %s)", len(fields), Header)}
	}
	step, err := strconv.ParseInt(fields[0], 10, 32)
	if err != nil || step < 0 {
		return Spike{}, &Error{Pos: at(0), Msg: fmt.Sprintf("step %q is not a step number (allowed: an integer 0..%d)", fields[0], int32(^uint32(0)>>1))}
	}
	k := net.Population(fields[1])
	if k < 0 {
		return Spike{}, &Error{Pos: at(1), Msg: fmt.Sprintf("population %q does not exist (allowed: %s)", fields[1], inputNames(net))}
	}
	p := net.Populations[k]
	if p.Model != ir.ModelInput {
		return Spike{}, &Error{Pos: at(1), Msg: fmt.Sprintf("population %q is not an input population (allowed: %s)", fields[1], inputNames(net))}
	}
	idx, err := strconv.ParseInt(fields[2], 10, 64)
	if err != nil {
		return Spike{}, &Error{Pos: at(2), Msg: fmt.Sprintf("index %q is not an integer (allowed: 0..%d)", fields[2], p.Size-1)}
	}
	if idx < 0 || idx >= int64(p.Size) {
		return Spike{}, &Error{Pos: at(2), Msg: fmt.Sprintf("neuron %s[%d] does not exist (allowed: 0..%d)", p.Name, idx, p.Size-1)}
	}
	return Spike{Step: int(step), Neuron: int32(net.Offset(k) + int(idx))}, nil
}

func inputNames(net *ir.Network) string {
	var names []string
	for _, p := range net.Populations {
		if p.Model == ir.ModelInput {
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
	for s.i < len(s.tr) && s.tr[s.i].Step < step {
		s.i++
	}
	s.buf = s.buf[:0]
	for s.i < len(s.tr) && s.tr[s.i].Step == step {
		s.buf = append(s.buf, s.tr[s.i].Neuron)
		s.i++
	}
	return s.buf
}

// Beyond counts the spikes at steps >= steps.
func (tr Train) Beyond(steps int) int {
	i, _ := slices.BinarySearchFunc(tr, steps, func(s Spike, step int) int { return s.Step - step })
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
	for k, p := range net.Populations {
		wr.names = append(wr.names, []byte(","+p.Name+","))
		off := net.Offset(k)
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

// ReadOutput reads a spike file written by Writer (or any spike file of
// net, input populations included) back into a Train, for comparisons.
func ReadOutput(data []byte, name string, net *ir.Network) (Train, error) {
	var tr Train
	lines := bytes.Split(data, []byte("\n"))
	for i, l := range lines {
		text := strings.TrimSpace(string(l))
		if text == "" {
			continue
		}
		if i == 0 {
			if normaliseHeader(text) != Header {
				return nil, &Error{Pos: ir.Pos{File: name, Line: 1, Col: 1}, Msg: fmt.Sprintf("header is %q (allowed: %q)", text, Header)}
			}
			continue
		}
		f := strings.Split(text, ",")
		if len(f) != 3 {
			return nil, &Error{Pos: ir.Pos{File: name, Line: i + 1, Col: 1}, Msg: fmt.Sprintf("%d fields (allowed: 3)", len(f))}
		}
		step, err1 := strconv.Atoi(f[0])
		k := net.Population(f[1])
		idx, err2 := strconv.Atoi(f[2])
		if err1 != nil || err2 != nil || k < 0 || idx < 0 || idx >= net.Populations[k].Size || step < 0 {
			return nil, &Error{Pos: ir.Pos{File: name, Line: i + 1, Col: 1}, Msg: fmt.Sprintf("not a spike of this network: %q", text)}
		}
		tr = append(tr, Spike{Step: step, Neuron: int32(net.Offset(k) + idx)})
	}
	return tr, nil
}
