package wire

import (
	"fmt"
	"io"
)

// SkipReason says why the decoder dropped bytes.
type SkipReason uint8

const (
	// SkipGarbage: bytes outside any frame (not Sync, not Idle).
	SkipGarbage SkipReason = iota + 1
	// SkipHeader: a Sync byte whose type is unknown or whose length its
	// type does not allow.
	SkipHeader
	// SkipCRC: a candidate frame whose check failed.
	SkipCRC
	// SkipPayload: a frame with a good check whose payload has no meaning
	// (a word width of 0, reserved flag bits set, ...).
	SkipPayload
)

func (r SkipReason) String() string {
	switch r {
	case SkipGarbage:
		return "garbage"
	case SkipHeader:
		return "bad header"
	case SkipCRC:
		return "bad crc"
	case SkipPayload:
		return "bad payload"
	}
	return fmt.Sprintf("skip reason %d", uint8(r))
}

// Skip reports bytes the decoder did not turn into a frame. Offset counts
// from the first byte ever fed. For SkipGarbage, Len bytes were dropped
// (a run of garbage within one Feed). For SkipHeader and SkipCRC, Len is
// the length of the rejected candidate, but only its Sync byte is dropped:
// the bytes after it are scanned again, because a real frame may start
// inside a false one. For SkipPayload the whole frame (Len bytes) is
// dropped, since its check proved where it ends.
type Skip struct {
	Offset int64
	Len    int
	Reason SkipReason
}

// Stats are the decoder's counters. Bytes = FrameBytes + Idle + Dropped +
// the bytes it holds (Buffered).
type Stats struct {
	Bytes      int64 // bytes fed
	Frames     int64 // frames decoded
	FrameBytes int64 // their bytes
	Idle       int64 // Idle bytes between frames (SPI filler)
	Dropped    int64 // other bytes not part of a frame
	BadHeader  int64 // candidates rejected at the header
	BadCRC     int64 // candidates rejected by the check
	BadPayload int64 // frames with a good check and a meaningless payload
}

// Decoder turns a byte stream into frames. It hunts for Sync, checks the
// header (known type, a length the type allows), waits for the rest of
// the frame and checks the CRC; on any failure it drops the Sync byte and
// hunts again from the next byte, so garbage costs at most the frames it
// overlaps. It holds at most one frame's bytes (MaxFrame - 1 between
// calls), whatever it is fed, and never panics.
//
// The zero value is ready to use.
type Decoder struct {
	// OnSkip, if set, is called for every Skip, in stream order.
	OnSkip func(Skip)

	buf        [MaxFrame]byte
	start, end int   // buf[start:end] is held: between calls, the start of one frame
	off        int64 // stream offset of buf[start]
	stats      Stats
	garbage    Skip // the current run of garbage, reported when it ends
}

// Stats returns the counters so far.
func (d *Decoder) Stats() Stats { return d.stats }

// Buffered returns the bytes held: the start of a frame not yet complete.
func (d *Decoder) Buffered() int { return d.end - d.start }

// Feed decodes p, appending the complete frames to a new slice. Bodies
// own their memory: they do not alias p or the decoder.
func (d *Decoder) Feed(p []byte) []Frame {
	return d.AppendFrames(nil, p)
}

// AppendFrames is Feed appending to out.
func (d *Decoder) AppendFrames(out []Frame, p []byte) []Frame {
	for len(p) > 0 {
		if d.start > 0 {
			d.end = copy(d.buf[:], d.buf[d.start:d.end])
			d.start = 0
		}
		n := copy(d.buf[d.end:], p)
		d.end += n
		p = p[n:]
		d.stats.Bytes += int64(n)
		out = d.parse(out)
	}
	d.endGarbage()
	return out
}

// parse takes frames from buf[start:end] until it needs more bytes. When
// it returns, what is held is a proper prefix of a frame, shorter than
// MaxFrame, so the next Feed always has room for at least one byte.
func (d *Decoder) parse(out []Frame) []Frame {
	for {
		for d.start < d.end && d.buf[d.start] != Sync {
			if d.buf[d.start] == Idle {
				d.endGarbage()
				d.stats.Idle++
			} else {
				if d.garbage.Len == 0 {
					d.garbage = Skip{Offset: d.off, Reason: SkipGarbage}
				}
				d.garbage.Len++
				d.stats.Dropped++
			}
			d.start++
			d.off++
		}
		held := d.buf[d.start:d.end]
		if len(held) < HeaderLen {
			return out
		}
		d.endGarbage()
		l := layoutOf(Type(held[1]))
		n := int(held[3])
		if l == nil || !l.fits(n) {
			d.stats.BadHeader++
			d.reject(SkipHeader, HeaderLen, 1)
			continue
		}
		total := Overhead + n
		if len(held) < total {
			return out
		}
		if CRC16(held[1:total]) != 0 {
			d.stats.BadCRC++
			d.reject(SkipCRC, total, 1)
			continue
		}
		body, err := l.parse(held[HeaderLen : HeaderLen+n])
		if err != nil {
			d.stats.BadPayload++
			d.reject(SkipPayload, total, total)
			continue
		}
		out = append(out, Frame{Seq: held[2], Body: body})
		d.stats.Frames++
		d.stats.FrameBytes += int64(total)
		d.start += total
		d.off += int64(total)
	}
}

// reject reports a candidate of length n and drops its first drop bytes.
func (d *Decoder) reject(r SkipReason, n, drop int) {
	if d.OnSkip != nil {
		d.OnSkip(Skip{Offset: d.off, Len: n, Reason: r})
	}
	d.stats.Dropped += int64(drop)
	d.start += drop
	d.off += int64(drop)
}

// endGarbage reports the current run of garbage, if any.
func (d *Decoder) endGarbage() {
	if d.garbage.Len > 0 && d.OnSkip != nil {
		d.OnSkip(d.garbage)
	}
	d.garbage = Skip{}
}

// Reader reads frames from a byte stream, such as a serial port.
type Reader struct {
	Decoder
	r       io.Reader
	buf     []byte
	pending []Frame
	err     error
}

// NewReader returns a Reader of r.
func NewReader(r io.Reader) *Reader {
	return &Reader{r: r, buf: make([]byte, 4096)}
}

// Next returns the next frame. It returns the reader's error (io.EOF at
// the end) once the frames decoded before it are taken; a partial frame
// at the end is left in Buffered.
func (r *Reader) Next() (Frame, error) {
	for len(r.pending) == 0 {
		if r.err != nil {
			return Frame{}, r.err
		}
		var n int
		n, r.err = r.r.Read(r.buf)
		r.pending = r.AppendFrames(r.pending[:0], r.buf[:n])
	}
	f := r.pending[0]
	r.pending = r.pending[1:]
	return f, nil
}
