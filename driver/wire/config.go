package wire

import (
	"fmt"

	"github.com/snnc/snnc/backend/fpga"
)

// WordBytes returns the bytes one word of region takes on the link,
// ⌈bits/8⌉ of the region's width in core c (as in config.bin: ctrl 4,
// profile 8, slot_profile 1, slot_state 1, state_uv 6, accum 3, history
// ⌈D/8⌉, group_ptr 2, synapse 6 on the iCEBreaker), or 0 for a region the
// core does not have. Sending words at their width rather than as 8-byte
// cfg_wdata values saves a quarter of a synapse table's load time.
func WordBytes(region int, c fpga.CoreParams) int {
	if fpga.RegionDepth(region, c) == 0 {
		return 0
	}
	return (fpga.RegionBits(region, c) + 7) / 8
}

// ConfigWrites packs the configuration words that writes yields, as
// (region, addr, data) triples in load order, into Write frames: a run of
// consecutive addresses of one region shares a frame, up to MaxWords of
// the region's width; any other step starts a new frame. The frames, sent
// in order, make exactly the same cfg-port writes. Pass an image's Writes:
//
//	ws, err := wire.ConfigWrites(im.Core, im.Writes)
//
// A region the core lacks, an address past its depth or a word wider than
// the region is an error naming the first such triple.
func ConfigWrites(c fpga.CoreParams, writes func(write func(region, addr int, data uint64))) ([]*Write, error) {
	var out []*Write
	var cur *Write
	var err error
	writes(func(region, addr int, data uint64) {
		if err != nil {
			return
		}
		width := WordBytes(region, c)
		switch depth := fpga.RegionDepth(region, c); {
		case width == 0:
			err = fmt.Errorf("configuration word for region %d, which core %v does not have", region, c)
			return
		case addr < 0 || addr >= depth:
			err = fmt.Errorf("configuration word %d of region %s is past its %d words", addr, fpga.RegionName(region), depth)
			return
		}
		if bits := fpga.RegionBits(region, c); bits < 64 && data>>bits != 0 {
			err = fmt.Errorf("configuration word %d of region %s = %#x does not fit its %d bits", addr, fpga.RegionName(region), data, bits)
			return
		}
		if cur == nil || int(cur.Region) != region || int(cur.Addr)+len(cur.Words) != addr || len(cur.Words) == MaxWords(width) {
			cur = &Write{Region: uint8(region), Width: uint8(width), Addr: uint16(addr)}
			out = append(out, cur)
		}
		cur.Words = append(cur.Words, data)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ReadBack returns the Read that fetches the words w writes, to verify a
// load: a Write and a ReadData hold the same MaxWords.
func (w *Write) ReadBack() *Read {
	return &Read{Region: w.Region, Width: w.Width, Addr: w.Addr, Count: uint8(len(w.Words))}
}

// Matches reports whether d holds the words w wrote.
func (w *Write) Matches(d *ReadData) bool {
	if d.Region != w.Region || d.Width != w.Width || d.Addr != w.Addr || len(d.Words) != len(w.Words) {
		return false
	}
	for i := range w.Words {
		if d.Words[i] != w.Words[i] {
			return false
		}
	}
	return true
}
