package compiler

import (
	"encoding/binary"
	"fmt"
	"io/fs"
	"math"
	"strings"
	"testing"

	"github.com/snnc/snnc/ir"
)

// mapFiles serves the files a test description names from memory.
func mapFiles(files map[string][]byte) func(string) ([]byte, error) {
	return func(name string) ([]byte, error) {
		if data, ok := files[name]; ok {
			return data, nil
		}
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
}

// parseString parses a test description called net.yaml, without a
// memory budget, so that what it accepts does not depend on the machine's
// memory (budget_test.go tests the budget).
func parseString(t testing.TB, src string, files map[string][]byte) (*ir.Network, error) {
	t.Helper()
	return ParseWithOptions("net.yaml", []byte(src), mapFiles(files), ParseOptions{MemoryBudget: -1})
}

// mustParse parses a description that must be valid.
func mustParse(t testing.TB, src string, files map[string][]byte) *ir.Network {
	t.Helper()
	net, err := parseString(t, src, files)
	if err != nil {
		t.Fatalf("unexpected error: %v\n%s", err, src)
	}
	return net
}

// dump is the network's text form, for readable diffs.
func dump(net *ir.Network) string {
	var b strings.Builder
	ir.WriteText(&b, net)
	return b.String()
}

// encodeNPY writes an .npy file (format 1.0) as numpy.save does: the
// header padded with spaces to a multiple of 64 bytes. vals are in logical
// row-major order; they are stored in C or Fortran order as asked and
// converted to descr ("<i2", ">f8", "|b1", ...).
func encodeNPY(descr string, fortran bool, shape []int, vals []float64) []byte {
	dims := make([]string, len(shape))
	for i, d := range shape {
		dims[i] = fmt.Sprint(d)
	}
	shapeText := "(" + strings.Join(dims, ", ") + ")"
	if len(shape) == 1 {
		shapeText = "(" + dims[0] + ",)"
	}
	order := "False"
	if fortran {
		order = "True"
	}
	header := fmt.Sprintf("{'descr': '%s', 'fortran_order': %s, 'shape': %s, }", descr, order, shapeText)
	pad := (64 - (10+len(header)+1)%64) % 64
	header += strings.Repeat(" ", pad) + "\n"
	out := []byte("\x93NUMPY\x01\x00")
	out = binary.LittleEndian.AppendUint16(out, uint16(len(header)))
	out = append(out, header...)

	storage := vals
	if fortran && len(shape) == 2 {
		storage = make([]float64, len(vals))
		rows, cols := shape[0], shape[1]
		for r := range rows {
			for c := range cols {
				storage[c*rows+r] = vals[r*cols+c]
			}
		}
	}
	var bo binary.AppendByteOrder = binary.LittleEndian
	if descr[0] == '>' {
		bo = binary.BigEndian
	}
	for _, v := range storage {
		switch descr[1:] {
		case "i1", "u1":
			out = append(out, byte(int64(v)))
		case "b1":
			out = append(out, byte(min(v, 1)))
		case "i2", "u2":
			out = bo.AppendUint16(out, uint16(int64(v)))
		case "i4", "u4":
			out = bo.AppendUint32(out, uint32(int64(v)))
		case "i8":
			out = bo.AppendUint64(out, uint64(int64(v)))
		case "u8":
			out = bo.AppendUint64(out, uint64(v))
		case "f4":
			out = bo.AppendUint32(out, math.Float32bits(float32(v)))
		case "f8":
			out = bo.AppendUint64(out, math.Float64bits(v))
		default:
			panic("encodeNPY: dtype " + descr)
		}
	}
	return out
}

func pos(file string, line, col int) ir.Pos { return ir.Pos{File: file, Line: line, Col: col} }
