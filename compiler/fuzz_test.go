package compiler

import (
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/snnc/snnc/ir"
)

// fuzzLimits keep generated networks small, so that the fuzzer explores
// inputs instead of building billions of synapses the real limits allow.
var fuzzLimits = limits{maxNeurons: 1 << 16, maxSynapses: 1 << 16, budget: 16 << 20}

// FuzzParse checks that no description makes the frontend panic, and that
// it returns either a network that validates or an *Error with a position.
// The corpus is testdata/*.yaml and the error cases; files they name come
// from testdata/.
func FuzzParse(f *testing.F) {
	paths, _ := filepath.Glob("testdata/*.yaml")
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	for _, c := range errorCases {
		f.Add([]byte(c.src))
	}
	// Lists of pairs, inline and from the files of testdata.
	f.Add([]byte(proj("connect: {pairs: [[2, 3], [0, 0], [1, 2], [0, 2]]}, weights: [1, -2, 0, 4], delays: [1, 2, 3, 4]")))
	f.Add([]byte(proj("connect: {pairs: {file: pairs.npy}}, weights: {file: pairs_weights.npy}, delays: {file: pairs_delays.npy}")))
	f.Add([]byte(proj("connect: {pairs: {file: pairs.csv}}, weights: {uniform: {min: -3, max: 3, seed: 1}}, delays: {file: pairs_delays.npy}")))
	files := map[string][]byte{}
	entries, _ := os.ReadDir("testdata")
	for _, e := range entries {
		if !e.IsDir() {
			data, err := os.ReadFile(filepath.Join("testdata", e.Name()))
			if err != nil {
				f.Fatal(err)
			}
			files[e.Name()] = data
		}
	}
	readFile := mapFiles(files)
	f.Fuzz(func(t *testing.T, data []byte) {
		net, err := parseWithLimits("fuzz.yaml", data, readFile, fuzzLimits)
		if err == nil {
			if verr := net.Validate(); verr != nil {
				t.Fatalf("network does not validate: %v", verr)
			}
			return
		}
		var e *Error
		if !errors.As(err, &e) {
			t.Fatalf("not an *Error: %v", err)
		}
		if e.Pos.File == "" && e.Pos.Line == 0 {
			t.Fatalf("error without a position: %v", err)
		}
		if e.Msg == "" {
			t.Fatalf("error without a message: %+v", e)
		}
	})
}

// arrayCheck runs one array reader and checks what every reader promises
// whatever the file and the shape it is asked for: no panic, memory
// bounded by the file (perByte bytes per byte of it, plus 1 MiB; a shape
// read from a header or asked for by the description must not make it
// allocate more), and any failure an *Error that names the file.
func arrayCheck(t *testing.T, data []byte, perByte int, read func() error) {
	t.Helper()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	err := read()
	runtime.ReadMemStats(&after)
	if alloc, bound := after.TotalAlloc-before.TotalAlloc, uint64(perByte*len(data)+1<<20); alloc > bound {
		t.Errorf("allocated %d bytes for a file of %d bytes (bound %d)", alloc, len(data), bound)
	}
	if err == nil {
		return
	}
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("not an *Error: %v", err)
	}
	if e.Pos.File != "f.csv" && e.Pos.File != "f.npy" {
		t.Fatalf("error without the file name: %v", err)
	}
	if e.Msg == "" || strings.ContainsAny(err.Error(), "\r\n") {
		t.Fatalf("empty or multi-line message: %q", err)
	}
}

// checkValues checks a reader's result: n values, each allowed by spec.
func checkValues(t *testing.T, vals []int32, n int, spec intSpec) {
	t.Helper()
	if len(vals) != n {
		t.Fatalf("%d values, want %d", len(vals), n)
	}
	for i, v := range vals {
		if msg := spec.check(int64(v), fmt.Sprint(v)); msg != "" {
			t.Fatalf("value %d: %s", i, msg)
		}
	}
}

// testdataArrays returns the files in testdata with the given extension,
// with the shape the descriptions there read them as ([n] for a vector).
func testdataArrays(f *testing.F, ext string) map[string][]int {
	shapes := map[string][]int{"weights": {4, 3}, "delays": {4, 3}, "vth": {4}, "du": {4}, "float_weights": {2, 3}, "float_bias": {2},
		"pairs": {7, 2}, "pairs_weights": {7}, "pairs_delays": {7}}
	out := map[string][]int{}
	paths, _ := filepath.Glob("testdata/*" + ext)
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		shape, ok := shapes[strings.TrimSuffix(filepath.Base(p), ext)]
		if !ok {
			f.Fatalf("%s: no shape known for it", p)
		}
		out[string(data)] = shape
	}
	return out
}

// readArrays reads data as a [rows, cols] matrix and as a vector of rows
// values, with the reader of the given kind, and checks both.
func readArrays(t *testing.T, kind string, data []byte, rows, cols int, delays bool) {
	spec := weightSpec
	if delays {
		spec = delaySpec
	}
	shape := matrixShape{rows: rows, cols: cols, rowPop: "to", colPop: "from"}
	readMatrix, readVector := readCSVMatrix, readCSVVector
	perByte := 64 // lines and cells as strings, at least 2 bytes per value
	if kind == ".npy" {
		readMatrix, readVector = readNPYMatrix, readNPYVector
		perByte = 8 // an int32 per element of at least one byte, and the header
	}
	arrayCheck(t, data, perByte, func() error {
		m, err := readMatrix("f"+kind, data, "w", shape, spec)
		if err == nil {
			if m.rows != rows || m.cols != cols {
				t.Fatalf("matrix %dx%d, asked for %dx%d", m.rows, m.cols, rows, cols)
			}
			checkValues(t, m.vals, rows*cols, spec)
		}
		return err
	})
	arrayCheck(t, data, perByte, func() error {
		vals, err := readVector("f"+kind, data, "p", rows, "pop", spec)
		if err == nil {
			checkValues(t, vals, rows, spec)
		}
		return err
	})
	// The readers of lists of pairs, from rows sources to cols targets:
	// pairs in range, as many sources as targets.
	arrayCheck(t, data, perByte, func() error {
		shape := pairShape{from: &ir.Population{Name: "from", Size: rows}, to: &ir.Population{Name: "to", Size: cols}}
		var pl *pairList
		var err error
		if kind == ".npy" {
			pl, err = readNPYPairs("f"+kind, data, "pairs", shape)
		} else {
			pl, err = readCSVPairs("f"+kind, data, "pairs", shape)
		}
		if err == nil {
			if len(pl.src) != len(pl.tgt) {
				t.Fatalf("%d sources, %d targets", len(pl.src), len(pl.tgt))
			}
			for i := range pl.src {
				if pl.src[i] < 0 || int(pl.src[i]) >= rows || pl.tgt[i] < 0 || int(pl.tgt[i]) >= cols {
					t.Fatalf("pair %d (%d, %d) outside %dx%d", i, pl.src[i], pl.tgt[i], rows, cols)
				}
			}
		}
		return err
	})
	// The float readers of cuba_lif weights: finite values of the shape.
	arrayCheck(t, data, 2*perByte, func() error {
		var vals []float64
		var err error
		if kind == ".npy" {
			vals, err = readNPYCells("f"+kind, data, "w", shape, npyFloat)
		} else {
			vals, err = readCSVCells("f"+kind, data, "w", shape, floatCell)
		}
		if err == nil {
			if len(vals) != rows*cols {
				t.Fatalf("%d float values, asked for %dx%d", len(vals), rows, cols)
			}
			for _, v := range vals {
				if math.IsNaN(v) || math.IsInf(v, 0) {
					t.Fatalf("float value %v accepted", v)
				}
			}
		}
		return err
	})
}

// FuzzReadCSV fuzzes the CSV readers with any text and any shape.
func FuzzReadCSV(f *testing.F) {
	for data, shape := range testdataArrays(f, ".csv") {
		cols := 1
		if len(shape) == 2 {
			cols = shape[1]
		}
		f.Add([]byte(data), shape[0], cols, false)
		f.Add([]byte(data), shape[0], cols, true)
	}
	f.Add([]byte("\xef\xbb\xbf1,2\r\n3,4\r\n\r\n"), 2, 2, false)
	f.Add([]byte("1e3, 0x10 ,010,\t1_000,-2.0\n"), 5, 1, false)
	f.Add([]byte("1,2\n\n3,4\n"), 3, 2, false)
	f.Add([]byte("9999999999999999999999,1e999999999,.5e1\n"), 1, 3, true)
	f.Add([]byte("1\n"), 1<<40, 1<<40, false)
	f.Add([]byte("0, 1\r\n2,0\n1 ,1\n"), 3, 2, false)
	f.Add([]byte("\xef\xbb\xbf \n"), 0, 2, false)
	f.Fuzz(func(t *testing.T, data []byte, rows, cols int, delays bool) {
		readArrays(t, ".csv", data, rows, cols, delays)
	})
}

// FuzzReadNPY fuzzes the .npy readers with any file and any shape; the
// seeds include headers that claim more data than the file has.
func FuzzReadNPY(f *testing.F) {
	for data, shape := range testdataArrays(f, ".npy") {
		cols := 1
		if len(shape) == 2 {
			cols = shape[1]
		}
		f.Add([]byte(data), shape[0], cols, false)
	}
	f.Add(encodeNPY(">f8", true, []int{2, 3}, []float64{1, 2, 3, 4, 5, 6}), 2, 3, true)
	f.Add(encodeNPY("|b1", false, []int{3}, []float64{1, 0, 1}), 3, 1, false)
	f.Add(encodeNPY("<u8", false, []int{2}, []float64{1, 1 << 63}), 2, 1, false)
	f.Add(encodeNPY("<i1", false, []int{1 << 30, 1 << 30}, nil), 1<<30, 1<<30, false)
	f.Add(encodeNPY("<i8", false, []int{1 << 20}, []float64{1, 2}), 1<<20, 1, false)
	f.Add(encodeNPY(">i4", true, []int{3, 2}, []float64{0, 1, 2, 0, 1, 1}), 3, 2, false)
	f.Add(encodeNPY("<f4", false, []int{0, 2}, nil), 0, 0, false)
	f.Add(encodeNPY("<i2", false, []int{1 << 30, 2}, nil), 5, 5, false)
	v1 := encodeNPY("<i4", false, []int{2, 2}, []float64{1, 2, 3, 4})
	v2 := append([]byte("\x93NUMPY\x02\x00"), v1[8], v1[9], 0, 0) // format 2.0: a 4-byte header length
	f.Add(append(v2, v1[10:]...), 2, 2, false)
	f.Fuzz(func(t *testing.T, data []byte, rows, cols int, delays bool) {
		readArrays(t, ".npy", data, rows, cols, delays)
	})
}
