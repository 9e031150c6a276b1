// Package faulty wraps a driver.Transport in one that injects seeded
// faults, so the session's recovery (retransmission, resynchronisation,
// reporting) is tested on the same bytes every run: dropped bytes, bit
// flips, duplicated bytes, truncated writes, delays, and a board reset in
// the middle of a run.
//
// Each direction, host→board (Write) and board→host (Read), has its own
// Faults. Whether a fault hits the byte at offset o of a direction's
// stream (counted in the sender's bytes, before any fault) is a hash of
// the seed, the direction, the kind and o, not a draw from a shared
// generator. So the faults do not depend on how the bytes were cut into
// Writes and Reads, or on how reads and writes interleave: the same seed
// and the same bytes give the same faults, even over a real port whose
// reads return whatever has arrived. (A host→board truncation is the one
// fault per Write, keyed by the Write's first offset.)
//
// Every fault is logged with its direction, kind, offset and the byte it
// hit; Log and Report explain a failing seeded run, and Apply replays a
// log on the sender's bytes to reproduce what the receiver got.
package faulty

import (
	"fmt"
	"math"
	"strings"
	"sync"
	"time"

	"github.com/snnc/snnc/driver"
)

// Dir is a direction of the link.
type Dir uint8

const (
	HostToBoard Dir = iota // what the host writes
	BoardToHost            // what the host reads
)

func (d Dir) String() string {
	if d == HostToBoard {
		return "host→board"
	}
	return "board→host"
}

// Kind is a kind of fault.
type Kind uint8

const (
	Drop     Kind = iota + 1 // a byte is lost
	Flip                     // one bit of a byte is inverted
	Dup                      // a byte arrives twice
	Truncate                 // the tail of a write is lost
	Delay                    // the stream stalls before a byte
	Reset                    // the test's board reset hook runs
	flipBit                  // hash stream choosing the flipped bit
	cutAt                    // hash stream choosing a truncation's length
)

var kindNames = [...]string{Drop: "drop", Flip: "flip", Dup: "dup", Truncate: "truncate", Delay: "delay", Reset: "reset"}

func (k Kind) String() string {
	if int(k) < len(kindNames) && kindNames[k] != "" {
		return kindNames[k]
	}
	return fmt.Sprintf("Kind(%d)", uint8(k))
}

// Faults are the fault rates of one direction. Rates are probabilities in
// [0, 1] per byte, except a host→board Truncate, which is per Write.
type Faults struct {
	Drop float64 // the byte is lost
	Flip float64 // one bit of the byte, chosen by the seed, is inverted
	Dup  float64 // the byte arrives twice
	// Truncate, host→board: the Write loses a tail of 1..len bytes, as a
	// UART write cut short by a glitch; Write still reports success, as
	// the wire would. Board→host, where the board's writes are not seen:
	// from this byte on, a burst of 1..Config.MaxTruncate bytes is lost.
	Truncate float64
	// Delay: the stream stalls for Config.Delay before the byte. Reading,
	// the stall is one Read that returns (0, nil) after Config.Delay, as a
	// quiet port does; writing, the Write pauses.
	Delay float64
	// ResetAfter, if > 0, runs Config.OnReset once, when this many bytes
	// of the direction have passed (before the byte at that offset).
	ResetAfter int64
}

// Config configures a faulty Transport; the zero value injects nothing.
type Config struct {
	Seed        uint64
	HostToBoard Faults
	BoardToHost Faults
	// Delay is how long a Delay fault stalls (20 ms if 0).
	Delay time.Duration
	// MaxTruncate bounds a board→host truncation's burst (64 if 0).
	MaxTruncate int
	// OnReset is the test's board reset (e.g. clearing a fake board's
	// state or restarting a virtual board). Host→board it runs inside
	// Write, between the bytes before and after the reset offset, so it
	// must not call this Transport; board→host it runs before the Read
	// that crossed the offset returns.
	OnReset func()
	// Sleep stalls for a Delay fault (time.Sleep if nil); a test that
	// counts delays without waiting for them sets its own.
	Sleep func(time.Duration)
	// Trace, if set, sees every fault as it is injected (t.Log, say).
	Trace func(Fault)
}

// Fault is one injected fault.
type Fault struct {
	Dir    Dir
	Kind   Kind
	Offset int64 // the byte's offset in the direction's stream, before faults
	Byte   byte  // the byte it hit, as sent (Drop, Flip, Dup)
	Mask   byte  // Flip: the bit inverted
	Lost   int   // Truncate: bytes lost from Offset on
	Delay  time.Duration
}

func (f Fault) String() string {
	s := fmt.Sprintf("%s @%d %s", f.Dir, f.Offset, f.Kind)
	switch f.Kind {
	case Drop, Dup:
		s += fmt.Sprintf(" %#02x", f.Byte)
	case Flip:
		s += fmt.Sprintf(" %#02x→%#02x", f.Byte, f.Byte^f.Mask)
	case Truncate:
		s += fmt.Sprintf(" %d bytes", f.Lost)
	case Delay:
		s += " " + f.Delay.String()
	}
	return s
}

// Transport is a driver.Transport that injects the faults of its Config
// into the Transport it wraps.
type Transport struct {
	inner driver.Transport
	cfg   Config
	h2b   stream
	b2h   stream

	logMu sync.Mutex
	log   []Fault
}

// stream is the state of one direction.
type stream struct {
	mu     sync.Mutex
	f      Faults
	dir    Dir
	off    int64 // offset of the next byte to process
	lose   int   // board→host: bytes still to lose of a truncation burst
	stall  int64 // offset whose delay has been served, -1 if none
	reset  bool  // OnReset has run
	raw    []byte
	ready  []byte
	rawBuf []byte
	err    error // board→host: the wrapped Read's error, once its bytes are out
}

var _ driver.Transport = (*Transport)(nil)

// New wraps inner. Rates outside [0, 1] are clamped.
func New(inner driver.Transport, cfg Config) *Transport {
	if cfg.Delay <= 0 {
		cfg.Delay = 20 * time.Millisecond
	}
	if cfg.MaxTruncate <= 0 {
		cfg.MaxTruncate = 64
	}
	if cfg.Sleep == nil {
		cfg.Sleep = time.Sleep
	}
	t := &Transport{inner: inner, cfg: cfg}
	t.h2b = stream{f: cfg.HostToBoard, dir: HostToBoard, stall: -1}
	t.b2h = stream{f: cfg.BoardToHost, dir: BoardToHost, stall: -1}
	return t
}

// hash is splitmix64's finaliser over the fault's coordinates: a
// counter-based generator, so a decision depends on nothing but them.
func (t *Transport) hash(d Dir, k Kind, off int64) uint64 {
	x := t.cfg.Seed ^ uint64(d)<<56 ^ uint64(k)<<48 ^ uint64(off)*0x9e3779b97f4a7c15
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

// hit says whether the fault of kind k with the given rate strikes at off.
func (t *Transport) hit(d Dir, k Kind, off int64, rate float64) bool {
	if rate <= 0 || math.IsNaN(rate) {
		return false
	}
	return float64(t.hash(d, k, off)>>11)/(1<<53) < rate
}

func (t *Transport) record(f Fault) {
	t.logMu.Lock()
	t.log = append(t.log, f)
	t.logMu.Unlock()
	if t.cfg.Trace != nil {
		t.cfg.Trace(f)
	}
}

// byteFaults appends what the byte b at offset off becomes to out.
func (t *Transport) byteFaults(s *stream, b byte, off int64, out []byte) []byte {
	f := s.f
	if t.hit(s.dir, Drop, off, f.Drop) {
		t.record(Fault{Dir: s.dir, Kind: Drop, Offset: off, Byte: b})
		return out
	}
	sent := b
	if t.hit(s.dir, Flip, off, f.Flip) {
		mask := byte(1) << (t.hash(s.dir, flipBit, off) % 8)
		t.record(Fault{Dir: s.dir, Kind: Flip, Offset: off, Byte: sent, Mask: mask})
		b ^= mask
	}
	out = append(out, b)
	if t.hit(s.dir, Dup, off, f.Dup) {
		t.record(Fault{Dir: s.dir, Kind: Dup, Offset: off, Byte: sent})
		out = append(out, b)
	}
	return out
}

// Write sends p to the board with the host→board faults.
func (t *Transport) Write(p []byte) (int, error) {
	s := &t.h2b
	s.mu.Lock()
	defer s.mu.Unlock()
	start := s.off
	keep := len(p)
	if len(p) > 0 && t.hit(s.dir, Truncate, start, s.f.Truncate) {
		keep = int(t.hash(s.dir, cutAt, start) % uint64(len(p)))
		t.record(Fault{Dir: s.dir, Kind: Truncate, Offset: start + int64(keep), Lost: len(p) - keep})
	}
	var out []byte
	flush := func() error {
		if len(out) == 0 {
			return nil
		}
		_, err := t.inner.Write(out)
		out = out[:0]
		return err
	}
	for i, b := range p {
		off := start + int64(i)
		if s.f.ResetAfter > 0 && off == s.f.ResetAfter && !s.reset {
			if err := flush(); err != nil {
				return 0, err
			}
			t.doReset(s, off)
		}
		if i >= keep {
			continue
		}
		if t.hit(s.dir, Delay, off, s.f.Delay) {
			if err := flush(); err != nil {
				return 0, err
			}
			t.record(Fault{Dir: s.dir, Kind: Delay, Offset: off, Delay: t.cfg.Delay})
			t.cfg.Sleep(t.cfg.Delay)
		}
		out = t.byteFaults(s, b, off, out)
	}
	s.off = start + int64(len(p))
	if err := flush(); err != nil {
		return 0, err
	}
	return len(p), nil
}

func (t *Transport) doReset(s *stream, off int64) {
	s.reset = true
	t.record(Fault{Dir: s.dir, Kind: Reset, Offset: off})
	if t.cfg.OnReset != nil {
		t.cfg.OnReset()
	}
}

// Read returns what the board sent with the board→host faults.
func (t *Transport) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	s := &t.b2h
	s.mu.Lock()
	var reset, stalled bool
	// Loop while whole reads are lost (dropped or truncated), so an empty
	// Read still means a quiet port or a stall, never lost bytes.
	for len(s.ready) == 0 && !stalled {
		if len(s.raw) == 0 {
			if s.err != nil {
				s.mu.Unlock()
				return 0, s.err
			}
			if cap(s.rawBuf) < len(p) {
				s.rawBuf = make([]byte, len(p))
			}
			n, err := t.inner.Read(s.rawBuf[:len(p)])
			if err != nil {
				s.err = err // after the bytes that came with it
			}
			if n == 0 {
				s.mu.Unlock()
				if reset && t.cfg.OnReset != nil {
					t.cfg.OnReset()
				}
				return 0, err
			}
			s.raw = append(s.raw[:0], s.rawBuf[:n]...)
		}
		r, st := t.process(s, len(p))
		reset, stalled = reset || r, st
	}
	n := copy(p, s.ready)
	s.ready = s.ready[n:]
	s.mu.Unlock()
	if reset && t.cfg.OnReset != nil {
		t.cfg.OnReset()
	}
	if stalled {
		t.cfg.Sleep(t.cfg.Delay)
	}
	return n, nil
}

// process turns raw bytes into ready ones until ready holds want bytes,
// raw is used up, or a delay is due with nothing ready to deliver before
// it (stalled: the caller sleeps and returns no bytes). Called with s.mu
// held; reports whether the reset offset was crossed.
func (t *Transport) process(s *stream, want int) (reset, stalled bool) {
	for len(s.raw) > 0 && len(s.ready) < want {
		off := s.off
		if s.f.ResetAfter > 0 && off == s.f.ResetAfter && !s.reset {
			s.reset = true
			t.record(Fault{Dir: s.dir, Kind: Reset, Offset: off})
			reset = true
		}
		if s.stall != off && t.hit(s.dir, Delay, off, s.f.Delay) {
			if len(s.ready) > 0 {
				return reset, false // deliver what precedes the stall first
			}
			s.stall = off
			t.record(Fault{Dir: s.dir, Kind: Delay, Offset: off, Delay: t.cfg.Delay})
			return reset, true
		}
		b := s.raw[0]
		s.raw = s.raw[1:]
		s.off++
		if s.lose == 0 && t.hit(s.dir, Truncate, off, s.f.Truncate) {
			s.lose = 1 + int(t.hash(s.dir, cutAt, off)%uint64(t.cfg.MaxTruncate))
			t.record(Fault{Dir: s.dir, Kind: Truncate, Offset: off, Lost: s.lose})
		}
		if s.lose > 0 {
			s.lose--
			continue
		}
		s.ready = t.byteFaults(s, b, off, s.ready)
	}
	return reset, false
}

// ReadTimeout is the wrapped Transport's.
func (t *Transport) ReadTimeout() time.Duration { return t.inner.ReadTimeout() }

// Close closes the wrapped Transport.
func (t *Transport) Close() error { return t.inner.Close() }

// Flush drops the board→host bytes held back (they count as received, so
// later offsets stay those of the board's stream) and flushes the wrapped
// Transport if it can.
func (t *Transport) Flush() error {
	s := &t.b2h
	s.mu.Lock()
	s.off += int64(len(s.raw))
	s.raw, s.ready = s.raw[:0], s.ready[:0]
	s.mu.Unlock()
	if f, ok := t.inner.(driver.Flusher); ok {
		return f.Flush()
	}
	return nil
}

// Log returns every fault injected so far, in the order injected.
func (t *Transport) Log() []Fault {
	t.logMu.Lock()
	defer t.logMu.Unlock()
	return append([]Fault(nil), t.log...)
}

// Count is how many faults of kind k were injected in direction d.
func (t *Transport) Count(d Dir, k Kind) int {
	n := 0
	for _, f := range t.Log() {
		if f.Dir == d && f.Kind == k {
			n++
		}
	}
	return n
}

// Report is the seed and the log, one fault a line: what a failing test
// prints so the run can be reproduced and explained.
func (t *Transport) Report() string {
	var b strings.Builder
	log := t.Log()
	fmt.Fprintf(&b, "faulty: seed %d, %d faults\n", t.cfg.Seed, len(log))
	for _, f := range log {
		b.WriteString(f.String())
		b.WriteByte('\n')
	}
	return b.String()
}

// Apply replays the faults of direction d in log on the bytes the sender
// sent, in, and returns what the receiver got: a failing run's bytes
// rebuilt from its log, to check an explanation or a decoder by hand.
func Apply(in []byte, log []Fault, d Dir) []byte {
	type hits struct {
		drop, dup bool
		mask      byte
	}
	at := map[int64]*hits{}
	get := func(o int64) *hits {
		if at[o] == nil {
			at[o] = &hits{}
		}
		return at[o]
	}
	var lost []Fault
	for _, f := range log {
		if f.Dir != d {
			continue
		}
		switch f.Kind {
		case Drop:
			get(f.Offset).drop = true
		case Flip:
			get(f.Offset).mask ^= f.Mask
		case Dup:
			get(f.Offset).dup = true
		case Truncate:
			lost = append(lost, f)
		}
	}
	var out []byte
	for i, b := range in {
		o := int64(i)
		gone := false
		for _, f := range lost {
			if o >= f.Offset && o < f.Offset+int64(f.Lost) {
				gone = true
			}
		}
		h := at[o]
		if gone || h != nil && h.drop {
			continue
		}
		if h != nil {
			b ^= h.mask
		}
		out = append(out, b)
		if h != nil && h.dup {
			out = append(out, b)
		}
	}
	return out
}
