package fpga

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"strconv"
)

// The configuration file (docs/fpga-image.md): what the driver streams to
// a board, and what `snnc compile` writes as config.bin.
const (
	binaryMagic   = "SNNCIMG\x00"
	BinaryVersion = 2
	headerBytes   = 48
	regionHeader  = 12
)

// wordBytes is the bytes one word of a region takes in the file.
func wordBytes(bits int) int { return (bits + 7) / 8 }

// WriteBinary writes the image as one little-endian file: a header with
// the core parameters and counts, the slot map, every region, and a
// CRC-32 of all that precedes it. The same image gives the same bytes.
func (im *Image) WriteBinary(w io.Writer) error {
	var b bytes.Buffer
	le := binary.LittleEndian
	b.WriteString(binaryMagic)
	b.Write(le.AppendUint32(nil, BinaryVersion))
	spram := byte(0)
	if im.Core.UseSPRAM {
		spram = 1
	}
	b.Write([]byte{byte(im.Core.SlotBits), byte(im.Core.DelayBits), byte(im.Core.ProfileBits), spram})
	for _, v := range []int{im.Core.SynWords, im.NeuronCount, im.SlotCount,
		im.Stats.Profiles, im.Stats.Classes, im.Stats.Groups, im.Stats.Synapses, len(im.Regions)} {
		b.Write(le.AppendUint32(nil, uint32(v)))
	}
	for _, g := range im.NeuronOf {
		b.Write(le.AppendUint32(nil, uint32(g)))
	}
	var word [8]byte
	for _, r := range im.Regions {
		b.Write([]byte{byte(r.ID), byte(r.Bits), 0, 0})
		b.Write(le.AppendUint32(nil, uint32(r.Base)))
		b.Write(le.AppendUint32(nil, uint32(len(r.Words))))
		n := wordBytes(r.Bits)
		for _, x := range r.Words {
			le.PutUint64(word[:], x)
			b.Write(word[:n])
		}
	}
	b.Write(le.AppendUint32(nil, crc32.ChecksumIEEE(b.Bytes())))
	_, err := w.Write(b.Bytes())
	return err
}

// FormatError is a configuration file that is not one: wrong magic,
// version, size or checksum, or contents that do not fit the core.
type FormatError struct{ Msg string }

func (e *FormatError) Error() string { return "fpga configuration file: " + e.Msg }

// UserError marks the error as the user's input (exit status 2).
func (e *FormatError) UserError() {}

// ReadBinary reads a file WriteBinary wrote and checks that it describes
// a core and an image the core can hold: each region at most once, and
// the header's counts (profiles, classes, groups, synapses) equal to what
// the regions hold.
func ReadBinary(r io.Reader) (*Image, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	bad := func(format string, args ...any) error { return &FormatError{Msg: fmt.Sprintf(format, args...)} }
	le := binary.LittleEndian
	if len(data) < headerBytes+4 {
		return nil, bad("%d bytes, shorter than a header and checksum (%d)", len(data), headerBytes+4)
	}
	if string(data[:8]) != binaryMagic {
		return nil, bad("magic %q (want %q): not an snnc configuration image", data[:8], binaryMagic)
	}
	if v := le.Uint32(data[8:]); v != BinaryVersion {
		return nil, bad("format version %d (this snnc reads %d: compile the network again)", v, BinaryVersion)
	}
	body, sum := data[:len(data)-4], le.Uint32(data[len(data)-4:])
	if got := crc32.ChecksumIEEE(body); got != sum {
		return nil, bad("checksum %08x, the contents give %08x: the file is damaged", sum, got)
	}
	im := &Image{}
	im.Core = CoreParams{SlotBits: int(data[12]), DelayBits: int(data[13]), ProfileBits: int(data[14])}
	switch data[15] {
	case 0:
	case 1:
		im.Core.UseSPRAM = true
	default:
		return nil, bad("USE_SPRAM byte %d (allowed: 0, 1)", data[15])
	}
	u := func(off int) int { return int(le.Uint32(data[off:])) }
	im.Core.SynWords = u(16)
	if err := im.Core.Check(); err != nil {
		return nil, bad("%v", err)
	}
	im.NeuronCount, im.SlotCount = u(20), u(24)
	im.Stats = ImageStats{Profiles: u(28), Classes: u(32), Groups: u(36), Synapses: u(40)}
	nRegions := u(44)
	if im.SlotCount > im.Core.Slots() || nRegions > regionCount {
		return nil, bad("slot_count %d, %d regions (allowed: at most %d and %d)", im.SlotCount, nRegions, im.Core.Slots(), regionCount)
	}
	off := headerBytes
	need := func(n int) error {
		if off+n > len(body) {
			return bad("truncated at byte %d: %d more bytes expected, %d left", off, n, len(body)-off)
		}
		return nil
	}
	if err := need(4 * im.SlotCount); err != nil {
		return nil, err
	}
	im.NeuronOf = make([]int32, im.SlotCount)
	im.SlotOf = make([]int32, im.SlotCount)
	for i := range im.NeuronOf {
		g := u(off)
		if g >= im.SlotCount {
			return nil, bad("slot %d maps to neuron %d (allowed: 0..%d)", i, g, im.SlotCount-1)
		}
		im.NeuronOf[i] = int32(g)
		im.SlotOf[g] = int32(i)
		off += 4
	}
	for range nRegions {
		if err := need(regionHeader); err != nil {
			return nil, err
		}
		r := Region{ID: int(data[off]), Bits: int(data[off+1]), Base: u(off + 4)}
		n := u(off + 8)
		off += regionHeader
		if r.ID >= regionCount || r.Bits < 1 || r.Bits > 64 || n > RegionDepth(r.ID, im.Core) {
			return nil, bad("region %d: %d words of %d bits (allowed: regions 0..%d, 1..64 bits, at most the region's depth)", r.ID, n, r.Bits, regionCount-1)
		}
		r.Name = RegionName(r.ID)
		wb := wordBytes(r.Bits)
		if err := need(n * wb); err != nil {
			return nil, err
		}
		r.Words = make([]uint64, n)
		var word [8]byte
		for i := range r.Words {
			copy(word[:], data[off:off+wb])
			r.Words[i] = le.Uint64(word[:])
			off += wb
		}
		im.Regions = append(im.Regions, r)
	}
	if off != len(body) {
		return nil, bad("%d bytes after the last region", len(body)-off)
	}
	if err := im.check(); err != nil {
		return nil, bad("%v", err)
	}
	if got := im.countStats(); got != im.Stats {
		return nil, bad("the header counts %d profiles, %d classes, %d groups and %d synapses; the regions hold %d, %d, %d and %d (allowed: equal)",
			im.Stats.Profiles, im.Stats.Classes, im.Stats.Groups, im.Stats.Synapses, got.Profiles, got.Classes, got.Groups, got.Synapses)
	}
	return im, nil
}

// WriteHex writes one $readmemh file per region of the memory map,
// DIR/<region name>.hex: one word per line in hexadecimal, the whole
// depth of the memory, words the image does not set as 0. The regions
// that state_clear zeroes (slot_state, accum, history) are written too,
// all zero, so that a core whose memories are initialised from these
// files starts without unknown values in simulation and needs no load.
// ctrl.hex holds the writable registers only (words 0..15).
func (im *Image) WriteHex(dir string) error {
	if err := os.MkdirAll(dir, 0o777); err != nil {
		return err
	}
	var errs []error
	for id := range regionCount {
		bits := RegionBits(id, im.Core)
		depth := RegionDepth(id, im.Core)
		if id == RegionCtrl {
			depth = ctrlWritable
		}
		words := make([]uint64, depth)
		if r := im.Region(id); r != nil {
			copy(words[r.Base:], r.Words)
		}
		digits := (bits + 3) / 4
		var b bytes.Buffer
		w := bufio.NewWriter(&b)
		line := make([]byte, 0, 17)
		for _, x := range words {
			line = strconv.AppendUint(line[:0], x, 16)
			for range digits - len(line) {
				w.WriteByte('0')
			}
			w.Write(line)
			w.WriteByte('\n')
		}
		w.Flush()
		errs = append(errs, os.WriteFile(filepath.Join(dir, RegionName(id)+".hex"), b.Bytes(), 0o666))
	}
	return errors.Join(errs...)
}
