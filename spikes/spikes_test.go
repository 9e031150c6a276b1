package spikes

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"runtime"
	"slices"
	"strings"
	"testing"
	"unsafe"

	"github.com/snnc/snnc/ir"
)

func testNet() *ir.Network {
	return &ir.Network{Populations: []ir.Population{
		{Name: "a", Size: 3, Model: ir.ModelInput},
		{Name: "x", Size: 2, Model: ir.ModelLIF},
		{Name: "b", Size: 2, Model: ir.ModelInput},
	}}
}

func TestReadInputSortsAndMaps(t *testing.T) {
	in := "step, population, index\n# comment\n3,b,1\n0,a,2\n\n0,a,0\n3,a,1\n"
	tr, err := ReadInput(strings.NewReader(in), "in.csv", testNet())
	if err != nil {
		t.Fatal(err)
	}
	want := Train{{0, 0}, {0, 2}, {3, 1}, {3, 6}}
	if len(tr) != len(want) {
		t.Fatalf("got %v, want %v", tr, want)
	}
	for i := range want {
		if tr[i] != want[i] {
			t.Fatalf("got %v, want %v", tr, want)
		}
	}
	if n := tr.Beyond(3); n != 2 {
		t.Errorf("Beyond(3) = %d, want 2", n)
	}
	st := NewStepper(tr)
	if got := st.At(0); len(got) != 2 || got[0] != 0 || got[1] != 2 {
		t.Errorf("At(0) = %v", got)
	}
	if got := st.At(1); len(got) != 0 {
		t.Errorf("At(1) = %v", got)
	}
	if got := st.At(3); len(got) != 2 || got[0] != 1 || got[1] != 6 {
		t.Errorf("At(3) = %v", got)
	}
}

// ReadFile reads spikes of any population (what snnc simulate writes) with
// the same checks, and names every population in its messages.
func TestReadFileAnyPopulation(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		path := dir + "/" + name
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	tr, err := ReadFile(write("out.csv", "step,population,index\n2,x,1\n0,a,2\n2,b,0\n"), testNet())
	if err != nil {
		t.Fatal(err)
	}
	if want := (Train{{0, 2}, {2, 4}, {2, 5}}); !slices.Equal(tr, want) {
		t.Errorf("got %v, want %v", tr, want)
	}
	for _, c := range []struct{ in, want string }{
		{"step,population,index\n0,zz,0\n", `:2:3: population "zz" does not exist (allowed: a, x, b)`},
		{"step,population,index\n0,x,2\n", ":2:5: neuron x[2] does not exist (allowed: 0..1)"},
		{"step,population,index\n0,x,1\n0,x,1\n", ":3:1: spike of x[1] at step 0 is listed twice (also on line 2)"},
	} {
		_, err := ReadFile(write("bad.csv", c.in), testNet())
		if err == nil || !strings.HasSuffix(err.Error(), c.want) {
			t.Errorf("%q: error %v, want ...%s", c.in, err, c.want)
		}
	}
	x, err := ReadPopulationFile(write("out.csv", "step,population,index\n2,x,1\n0,a,2\n2,b,0\n3,x,0\n"), testNet(), "x")
	if want := (Train{{2, 1}, {3, 0}}); err != nil || !slices.Equal(x, want) {
		t.Errorf("population x: got %v, %v; want %v", x, err, want)
	}
	if _, err := ReadPopulationFile(write("out.csv", "step,population,index\n"), testNet(), "zz"); err == nil || !strings.Contains(err.Error(), `no population "zz" (allowed: a, x, b)`) {
		t.Errorf("population zz: error %v", err)
	}
	if _, err := ReadInputFile(write("in.csv", "step,population,index\n0,x,1\n"), testNet()); err == nil {
		t.Error("ReadInputFile took a spike of a lif population")
	}
}

// A file may start with a UTF-8 byte order mark (as some spreadsheets and
// editors write it); rows may come with \r\n line ends.
func TestReadInputBOM(t *testing.T) {
	tr, err := ReadInput(strings.NewReader("\uFEFFstep,population,index\r\n1,b,0\r\n"), "in.csv", testNet())
	if err != nil {
		t.Fatal(err)
	}
	if len(tr) != 1 || tr[0] != (Spike{1, 5}) {
		t.Errorf("got %v, want [{1 5}]", tr)
	}
	// Only at the very start: elsewhere it is part of a field.
	_, err = ReadInput(strings.NewReader("step,population,index\n1,\uFEFFb,0\n"), "in.csv", testNet())
	if err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Errorf("BOM inside a row: %v", err)
	}
}

// A spike takes 8 bytes, and reading a file allocates little more than the
// train it returns and its growth: the reader once kept about 73 bytes per
// spike at its peak, 1.46 GB for 2·10^7 spikes.
func TestReadInputCompact(t *testing.T) {
	if s := unsafe.Sizeof(Spike{}); s != 8 {
		t.Errorf("Spike is %d bytes, want 8", s)
	}
	const n = 200_000
	net := &ir.Network{Populations: []ir.Population{{Name: "in", Size: 1000, Model: ir.ModelInput}}}
	for _, sorted := range []bool{true, false} {
		var b strings.Builder
		b.WriteString(Header + "\n")
		for i := range n {
			if !sorted {
				i = i * 7919 % n // a permutation: 7919 is prime to n
			}
			fmt.Fprintf(&b, "%d,in,%d\n", i/100, (i*37)%100+100*(i%10))
		}
		in := b.String()
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		tr, err := ReadInput(strings.NewReader(in), "in.csv", net)
		runtime.ReadMemStats(&after)
		if err != nil {
			t.Fatal(err)
		}
		if len(tr) != n || !slices.IsSortedFunc(tr, compare) {
			t.Fatalf("sorted %v: read %d spikes, sorted %v", sorted, len(tr), slices.IsSortedFunc(tr, compare))
		}
		// What stays is the train; what was allocated on the way is the
		// first rows' train, the train sized from the file's length (a
		// sixteenth more than needed) and the scanner's buffer: nothing
		// per row.
		runtime.GC()
		var kept runtime.MemStats
		runtime.ReadMemStats(&kept)
		if perSpike := float64(int64(kept.HeapAlloc)-int64(before.HeapAlloc)) / n; perSpike > 10 {
			t.Errorf("sorted %v: kept %.1f bytes per spike, want at most 10", sorted, perSpike)
		}
		if perSpike := float64(after.TotalAlloc-before.TotalAlloc) / n; perSpike > 16 {
			t.Errorf("sorted %v: allocated %.1f bytes per spike, want at most 16", sorted, perSpike)
		}
		runtime.KeepAlive(tr)
	}
}

func TestReadInputErrors(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", "in.csv:1:1: empty file"},
		{"step,pop,index\n", `in.csv:1:1: header is "step,pop,index" (allowed: "step,population,index")`},
		{"step,population,index\n0,a\n", "in.csv:2:1: 2 fields (allowed: 3: step,population,index)"},
		{"step,population,index\n-1,a,0\n", `in.csv:2:1: step "-1" is not a step number`},
		{"step,population,index\n1.5,a,0\n", `in.csv:2:1: step "1.5" is not a step number`},
		{"step,population,index\n0,zz,0\n", `in.csv:2:3: population "zz" does not exist (allowed: a, b)`},
		{"step,population,index\n0,x,0\n", `in.csv:2:3: population "x" is not an input population (allowed: a, b)`},
		{"step,population,index\n0,a,3\n", "in.csv:2:5: neuron a[3] does not exist (allowed: 0..2)"},
		{"step,population,index\n0, a, x\n", `in.csv:2:7: index "x" is not an integer (allowed: 0..2)`},
		{"step,population,index\n0,a,1\n0,a,1\n", "in.csv:3:1: spike of a[1] at step 0 is listed twice (also on line 2)"},
		{"step,population,index\n5,b,0\n0,a,1\n# c\n3,a,0\n3,a,0\n0,a,1\n", "in.csv:7:1: spike of a[1] at step 0 is listed twice (also on line 3)"},
		{"step,population,index\n2,b,1\n1,a,0\n2, b ,1\n", "in.csv:4:1: spike of b[1] at step 2 is listed twice (also on line 2)"},
		{"\uFEFFstep,population,index\n0,a,0,\n", "in.csv:2:1: 4 fields (allowed: 3: step,population,index)"},
		{"step,population,index\n2147483648,a,0\n", `in.csv:2:1: step "2147483648" is not a step number`},
		{"step,population,index\n 1,a,99999999999999999999\n", `in.csv:2:6: index "99999999999999999999" is not an integer (allowed: 0..2)`},
		{"step,population,index\n1,a,0\n" + strings.Repeat("x", 1<<20) + "\n", "in.csv:3:1: cannot read: a line is longer than 1048576 bytes"},
	}
	for _, tt := range tests {
		_, err := ReadInput(strings.NewReader(tt.in), "in.csv", testNet())
		var e *Error
		if !errors.As(err, &e) {
			t.Errorf("%.80q: error %v, want *Error", tt.in, err)
			continue
		}
		if !strings.HasPrefix(err.Error(), tt.want) {
			t.Errorf("%.80q:\n got %s\nwant %s", tt.in, err, tt.want)
		}
	}
}

func TestWriterRoundTrip(t *testing.T) {
	net := testNet()
	var buf bytes.Buffer
	w := NewWriter(&buf, net)
	w.WriteHeader(Header)
	w.WriteSpikes(0, []int32{1, 3})
	w.WriteSpikes(7, []int32{6})
	w.Flush()
	if want := "step,population,index\n0,a,1\n0,x,0\n7,b,1\n"; buf.String() != want {
		t.Fatalf("wrote %q, want %q", buf.String(), want)
	}
	buf.Reset()
	w = NewWriter(&buf, net)
	w.WriteHeader(TraceHeader)
	w.WriteState(2, 4, -5, 99)
	w.Flush()
	if want := "step,population,index,u,v\n2,x,1,-5,99\n"; buf.String() != want {
		t.Errorf("trace %q, want %q", buf.String(), want)
	}
}

// FuzzReadInput: no input file makes the reader panic; every failure is an *Error.
func FuzzReadInput(f *testing.F) {
	f.Add("step,population,index\n0,a,1\n")
	f.Add("step,population,index\n3,b,1\n0,a,2\n0,a,2\n")
	f.Add("step,population,index\n99999999999,a,1\n")
	f.Fuzz(func(t *testing.T, in string) {
		tr, err := ReadInput(strings.NewReader(in), "in.csv", testNet())
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Pos.Line == 0 {
				t.Fatalf("error without a position: %v", err)
			}
			return
		}
		for i, s := range tr {
			if s.Step < 0 || s.Neuron < 0 || s.Neuron == 3 || s.Neuron == 4 || s.Neuron > 6 {
				t.Fatalf("bad spike %v", s)
			}
			if i > 0 && (tr[i-1].Step > s.Step || tr[i-1] == s) {
				t.Fatalf("not sorted or duplicate at %d: %v", i, tr)
			}
		}
	})
}
