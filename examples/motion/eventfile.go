package main

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/snnc/snnc/spikes"
)

// InputIndex is the index of the event's input neuron in a population of
// 2·size·size: polarity-major, OFF first, then raster order:
// p·size² + Y·size + X, p = 0 for OFF, 1 for ON.
func InputIndex(size int, e Event) int {
	p := 0
	if e.On {
		p = 1
	}
	return p*size*size + int(e.Y)*size + int(e.X)
}

// WriteSpikeCSV writes events as a snnc spike file (docs/format.md): the
// header step,population,index, then WriteSpikeRows's rows.
func WriteSpikeCSV(w io.Writer, pop string, size int, offset int, events []Event) error {
	if _, err := io.WriteString(w, spikes.Header+"\n"); err != nil {
		return err
	}
	return WriteSpikeRows(w, pop, size, offset, events)
}

// WriteSpikeRows writes events as rows of a snnc spike file, without the
// header: one row step,pop,index per event, step = offset + T and index =
// InputIndex(size, e), in the order of events. Streams made by Stream are
// sorted by T, then polarity, Y, X, so their rows come sorted by step and
// index as snnc writes them; to concatenate streams, write the header once
// and each stream's rows with its own offset (a start beyond the previous
// stream's last step leaves a gap). It returns an error, before writing
// anything, if pop is not a population name, if an event lies outside the
// size×size sensor or if a step would be negative or beyond 2^31-1.
func WriteSpikeRows(w io.Writer, pop string, size int, offset int, events []Event) error {
	if !validPopName(pop) {
		return fmt.Errorf("spike rows: %q is not a population name (allowed: [A-Za-z_][A-Za-z0-9_]*)", pop)
	}
	for i, e := range events {
		if e.X < 0 || int(e.X) >= size || e.Y < 0 || int(e.Y) >= size {
			return fmt.Errorf("spike rows: event %d at pixel (%d, %d) is outside the %d×%d sensor", i, e.X, e.Y, size, size)
		}
		if step := int64(offset) + int64(e.T); step < 0 || step > 1<<31-1 {
			return fmt.Errorf("spike rows: event %d: step %d is out of range (allowed: 0..2147483647)", i, step)
		}
	}
	bw := bufio.NewWriterSize(w, 1<<16)
	mid := []byte("," + pop + ",")
	var line []byte
	for _, e := range events {
		line = strconv.AppendInt(line[:0], int64(offset)+int64(e.T), 10)
		line = append(line, mid...)
		line = strconv.AppendInt(line, int64(InputIndex(size, e)), 10)
		line = append(line, '\n')
		if _, err := bw.Write(line); err != nil {
			return err
		}
	}
	return bw.Flush()
}

func validPopName(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		letter := r == '_' || 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z'
		if !letter && (i == 0 || r < '0' || r > '9') {
			return false
		}
	}
	return true
}

// EventsNPYDescr is the NumPy dtype of WriteEventsNPY's records, in the
// form NumPy writes it in a .npy header.
const EventsNPYDescr = "[('x', '<i2'), ('y', '<i2'), ('t', '<i8'), ('p', '|i1')]"

// eventsNPYRecord is the size of one record of EventsNPYDescr in bytes
// (packed, as numpy.dtype([...]) lays out a list of fields).
const eventsNPYRecord = 2 + 2 + 8 + 1

// WriteEventsNPY writes events as a NumPy .npy file (format 1.0) holding a
// 1-D structured array in Tonic's layout: the fields x, y, t, p (dtype
// EventsNPYDescr: x and y int16 pixel coordinates, t int64 in
// microseconds = T·1000 for steps of 1 ms, p int8 polarity, 1 ON and 0
// OFF), one record per event in the order of events. numpy.load reads it,
// and Tonic's transforms take it as it is, e.g. with
//
//	events = numpy.load("events.npy")
//	frames = tonic.transforms.ToFrame(sensor_size=(32, 32, 2), time_window=1000)(events)
func WriteEventsNPY(w io.Writer, events []Event) error {
	bw := bufio.NewWriterSize(w, 1<<16)
	if _, err := bw.Write(npyHeader(EventsNPYDescr, []int{len(events)})); err != nil {
		return err
	}
	var rec [eventsNPYRecord]byte
	for _, e := range events {
		binary.LittleEndian.PutUint16(rec[0:], uint16(e.X))
		binary.LittleEndian.PutUint16(rec[2:], uint16(e.Y))
		binary.LittleEndian.PutUint64(rec[4:], uint64(int64(e.T)*1000))
		rec[12] = 0
		if e.On {
			rec[12] = 1
		}
		if _, err := bw.Write(rec[:]); err != nil {
			return err
		}
	}
	return bw.Flush()
}

// npyHeader returns the magic, version 1.0, header length and header of a
// C-ordered .npy array, as numpy.save writes it (NumPy 1.24, byte for
// byte): the dictionary (descr is the dtype as Python writes it, e.g.
// "'<i4'"), 21 spaces minus the digits of the first dimension (room for the
// shape to grow in place), then spaces and a newline so that the data start
// at a multiple of 64 bytes.
func npyHeader(descr string, shape []int) []byte {
	dims := make([]string, len(shape))
	for i, n := range shape {
		dims[i] = strconv.Itoa(n)
	}
	sh := strings.Join(dims, ", ")
	if len(shape) == 1 {
		sh += ","
	}
	dict := "{'descr': " + descr + ", 'fortran_order': False, 'shape': (" + sh + "), }"
	if len(shape) > 0 {
		dict += strings.Repeat(" ", max(0, 21-len(dims[0])))
	}
	const prefix = 6 + 2 + 2 // magic, version, header length
	pad := (64 - (prefix+len(dict)+1)%64) % 64
	header := dict + strings.Repeat(" ", pad) + "\n"
	out := append([]byte("\x93NUMPY\x01\x00"), 0, 0)
	binary.LittleEndian.PutUint16(out[8:], uint16(len(header)))
	return append(out, header...)
}
