package main

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/snnc/snnc/compiler"
	"github.com/snnc/snnc/spikes"
)

func TestInputIndex(t *testing.T) {
	const size = 5
	cases := []struct {
		e    Event
		want int
	}{
		{Event{X: 0, Y: 0, On: false}, 0},
		{Event{X: 4, Y: 0, On: false}, 4},
		{Event{X: 0, Y: 1, On: false}, 5},
		{Event{X: 4, Y: 4, On: false}, 24},
		{Event{X: 0, Y: 0, On: true}, 25},
		{Event{X: 2, Y: 3, On: true}, 25 + 17},
		{Event{X: 4, Y: 4, On: true}, 49},
	}
	for _, c := range cases {
		if got := InputIndex(size, c.e); got != c.want {
			t.Errorf("InputIndex(%d, %+v) = %d, want %d", size, c.e, got, c.want)
		}
	}
	// A bijection onto 0..2·size²-1.
	seen := make([]bool, 2*size*size)
	for _, on := range []bool{false, true} {
		for y := range int16(size) {
			for x := range int16(size) {
				i := InputIndex(size, Event{X: x, Y: y, On: on})
				if i < 0 || i >= len(seen) || seen[i] {
					t.Fatalf("pixel (%d, %d) on=%v: index %d taken twice or out of range", x, y, on, i)
				}
				seen[i] = true
			}
		}
	}
}

func TestWriteSpikeCSV(t *testing.T) {
	events := []Event{{0, 1, 0, false}, {0, 0, 1, true}, {3, 2, 2, true}}
	var b bytes.Buffer
	if err := WriteSpikeCSV(&b, "events", 3, 10, events); err != nil {
		t.Fatal(err)
	}
	want := "step,population,index\n10,events,1\n10,events,12\n13,events,17\n"
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
	b.Reset()
	if err := WriteSpikeRows(&b, "in", 3, 0, events[2:]); err != nil {
		t.Fatal(err)
	}
	if b.String() != "3,in,17\n" {
		t.Errorf("rows %q, want %q", b.String(), "3,in,17\n")
	}
}

func TestWriteSpikeRowsErrors(t *testing.T) {
	ok := []Event{{0, 1, 1, true}}
	for _, c := range []struct {
		pop    string
		offset int
		events []Event
	}{
		{"", 0, ok},
		{"2x", 0, ok},
		{"a,b", 0, ok},
		{"in", -1, ok},
		{"in", 1 << 31, ok},
		{"in", 0, []Event{{0, 3, 0, true}}},
		{"in", 0, []Event{{0, 0, -1, false}}},
	} {
		var b bytes.Buffer
		err := WriteSpikeRows(&b, c.pop, 3, c.offset, c.events)
		if err == nil {
			t.Errorf("pop %q, offset %d, events %v: no error", c.pop, c.offset, c.events)
		}
		if b.Len() != 0 {
			t.Errorf("pop %q, offset %d, events %v: wrote %q before the error", c.pop, c.offset, c.events, b.String())
		}
	}
}

// TestSpikeCSVReadBySnnc writes two streams one after the other, with a
// gap, and reads them back with snnc's own reader of input spikes.
func TestSpikeCSVReadBySnnc(t *testing.T) {
	s := DefaultScene()
	s.Size, s.Steps = 8, 12
	yaml := fmt.Sprintf("version: 1\npopulations:\n  - {name: events, size: %d, model: input}\n", 2*s.Size*s.Size)
	net, err := compiler.Parse("net.yaml", []byte(yaml), func(string) ([]byte, error) { return nil, errors.New("no files") })
	if err != nil {
		t.Fatal(err)
	}
	a, b := Stream(s, 1, 1), Stream(s, 7, 2)
	const start = 30
	var buf bytes.Buffer
	if err := WriteSpikeCSV(&buf, "events", s.Size, 0, a); err != nil {
		t.Fatal(err)
	}
	if err := WriteSpikeRows(&buf, "events", s.Size, start, b); err != nil {
		t.Fatal(err)
	}
	train, err := spikes.ReadInput(bytes.NewReader(buf.Bytes()), "input.csv", net)
	if err != nil {
		t.Fatal(err)
	}
	var want spikes.Train
	for _, e := range a {
		want = append(want, spikes.Spike{Step: e.T, Neuron: int32(InputIndex(s.Size, e))})
	}
	for _, e := range b {
		want = append(want, spikes.Spike{Step: start + e.T, Neuron: int32(InputIndex(s.Size, e))})
	}
	if len(train) != len(want) {
		t.Fatalf("read %d spikes, wrote %d", len(train), len(want))
	}
	for i := range want {
		if train[i] != want[i] {
			t.Fatalf("spike %d: read %+v, wrote %+v (the rows must come sorted as snnc sorts them)", i, train[i], want[i])
		}
	}
}

// parseEventsNPY reads what WriteEventsNPY writes, checking the format
// 1.0 layout on the way.
func parseEventsNPY(t *testing.T, data []byte) (header string, events []Event) {
	t.Helper()
	if len(data) < 10 || string(data[:6]) != "\x93NUMPY" || data[6] != 1 || data[7] != 0 {
		t.Fatalf("not a .npy 1.0 file: % x", data[:min(10, len(data))])
	}
	hlen := int(binary.LittleEndian.Uint16(data[8:]))
	if (10+hlen)%64 != 0 {
		t.Errorf("the data start at byte %d, not a multiple of 64", 10+hlen)
	}
	header = string(data[10 : 10+hlen])
	if !strings.HasSuffix(header, "\n") {
		t.Errorf("the header %q does not end in a newline", header)
	}
	body := data[10+hlen:]
	if len(body)%eventsNPYRecord != 0 {
		t.Fatalf("%d bytes of data, not a whole number of %d-byte records", len(body), eventsNPYRecord)
	}
	for i := 0; i < len(body); i += eventsNPYRecord {
		us := int64(binary.LittleEndian.Uint64(body[i+4:]))
		if us%1000 != 0 {
			t.Fatalf("record %d: t = %d µs is not a whole step", i/eventsNPYRecord, us)
		}
		events = append(events, Event{
			T:  int32(us / 1000),
			X:  int16(binary.LittleEndian.Uint16(body[i:])),
			Y:  int16(binary.LittleEndian.Uint16(body[i+2:])),
			On: body[i+12] == 1,
		})
	}
	return header, events
}

func TestWriteEventsNPY(t *testing.T) {
	for _, events := range [][]Event{nil, {{0, 1, 2, true}, {5, 31, 0, false}}, Stream(DefaultScene(), 2, 3)} {
		var b bytes.Buffer
		if err := WriteEventsNPY(&b, events); err != nil {
			t.Fatal(err)
		}
		header, got := parseEventsNPY(t, b.Bytes())
		want := fmt.Sprintf("{'descr': [('x', '<i2'), ('y', '<i2'), ('t', '<i8'), ('p', '|i1')], 'fortran_order': False, 'shape': (%d,), }", len(events))
		if strings.TrimRight(header, " \n") != want {
			t.Errorf("header %q, want %q", header, want)
		}
		if len(got) != len(events) {
			t.Fatalf("%d records, want %d", len(got), len(events))
		}
		for i := range events {
			if got[i] != events[i] {
				t.Fatalf("record %d: %+v, want %+v", i, got[i], events[i])
			}
		}
	}
}

// TestWriteEventsNPYNumpy loads the file with NumPy itself when python3
// and NumPy are installed (skipped otherwise).
func TestWriteEventsNPYNumpy(t *testing.T) {
	// The system's Python first (where apt-get installs python3-numpy),
	// then the one on PATH.
	python := ""
	for _, p := range []string{"/usr/bin/python3", "python3"} {
		if exec.Command(p, "-c", "import numpy").Run() == nil {
			python = p
			break
		}
	}
	if python == "" {
		t.Skip("no python3 with NumPy (apt-get install python3-numpy)")
	}
	events := []Event{{0, 1, 2, true}, {5, 31, 0, false}, {1 << 20, 7, 9, true}}
	path := filepath.Join(t.TempDir(), "events.npy")
	var b bytes.Buffer
	if err := WriteEventsNPY(&b, events); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	script := `
import sys, numpy as np
a = np.load(sys.argv[1])
assert a.shape == (3,), a.shape
assert a.dtype.names == ('x', 'y', 't', 'p'), a.dtype.names
assert a.dtype == np.dtype([('x', '<i2'), ('y', '<i2'), ('t', '<i8'), ('p', 'i1')]), a.dtype
np.save(sys.argv[2], a)
print(' '.join('%d,%d,%d,%d' % (r['x'], r['y'], r['t'], r['p']) for r in a))
`
	resaved := filepath.Join(t.TempDir(), "numpy.npy")
	out, err := exec.Command(python, "-c", script, path, resaved).CombinedOutput()
	if err != nil {
		t.Fatalf("numpy.load: %v\n%s", err, out)
	}
	want := "1,2,0,1 31,0,5000,0 7,9,1048576000,1"
	if strings.TrimSpace(string(out)) != want {
		t.Errorf("NumPy read %q, want %q", strings.TrimSpace(string(out)), want)
	}
	// numpy.save writes the same bytes (its header has had the same
	// layout since NumPy 1.23; an older one pads differently).
	again, err := os.ReadFile(resaved)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(again, b.Bytes()) {
		t.Logf("numpy.save writes other bytes:\n%q\nWriteEventsNPY:\n%q", again, b.Bytes())
	}
}
