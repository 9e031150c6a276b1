package driver

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/snnc/snnc/backend/fpga"
	"github.com/snnc/snnc/driver/wire"
)

// SessionOptions tune a Session's recovery.
type SessionOptions struct {
	// Timeout: when no board frame arrives for this long, the session
	// sends its unacknowledged frames again (docs/protocol.md: at least
	// 10 ms plus the time to send the window). 100 ms if 0.
	Timeout time.Duration
	// Retries is how many timeouts in a row, without any board frame
	// between them, a session tolerates before it reports the board as
	// not answering. 8 if 0.
	Retries int
}

// ErrBoardReset is reported when the board answers "not identified": it
// was reset or power-cycled since Open, so its configuration and state
// are gone and no answer can be trusted. Open the session again.
var ErrBoardReset = errors.New("driver: the board was reset since it was identified (it answers \"not identified\")")

// StepStats are a step's counters as the board reports them in step-done.
type StepStats struct {
	Step   uint32 // the board's step counter, 0 after a reset
	Cycles uint32 // core clock cycles of the step (ctrl 24)
	Events uint32 // synaptic events (ctrl 25)
	Spikes uint32 // LIF spikes (ctrl 26)
	Status uint8  // ctrl 27: [0] bad_input, [1] cfg_while_busy
}

// Session is one host's conversation with one board over a Transport,
// link protocol v1: it keeps a window of frames in flight within the
// board's credit, goes back to the board's ack on a nak or a timeout, and
// turns anything it cannot recover into an error, never into missing or
// wrong spikes. A Session is not safe for concurrent use.
type Session struct {
	t   Transport
	opt SessionOptions
	dec wire.Decoder
	buf []byte

	// Identity is the board's answer to identify at Open.
	Identity wire.Identity
	// Core is the board's core as identity reports it (UseSPRAM, which
	// does not change capacity, is not reported).
	Core fpga.CoreParams

	nextSeq  uint8
	free     int
	inflight []*item // sent, not yet acknowledged, in seq order
	waiting  []*item // sent, needing an answer that has not come, in seq order
	queue    []*item // not yet sent
	syncing  *item   // the identify of a resynchronisation, until answered
	opening  bool    // OpenSession's identify is not answered yet
	out      []int   // output slots received since the last step-done

	im        *fpga.Image // the loaded image, nil if none
	boardStep uint32      // the step number the board reports next
	dirty     bool        // the last exchange failed: resynchronise first
	needReset bool        // a run failed part way: the core's state is unknown
}

// item is one host frame and what its answer means.
type item struct {
	body     wire.Body
	data     []byte
	seq      uint8
	answer   bool // an answer beyond the ack is needed (identity, read-data, step-done)
	onAnswer func(wire.Body) error
	onLost   func() error // the answer was lost; nil: lost answers are fatal
}

// OpenSession identifies the board on t (Open, of open.go, opens a port
// by name; this opens the session on it): it checks the protocol version and the
// board's capacity and keeps them in Identity and Core.
func OpenSession(t Transport, opt SessionOptions) (*Session, error) {
	if opt.Timeout <= 0 {
		opt.Timeout = 100 * time.Millisecond
	}
	if opt.Retries <= 0 {
		opt.Retries = 8
	}
	s := &Session{t: t, opt: opt, buf: make([]byte, 4096), free: wire.MaxFrame}
	if f, ok := t.(Flusher); ok {
		_ = f.Flush() // answers to an earlier host are of no use
	}
	// An earlier host may have left steps running: the board finishes the
	// step in progress and answers its frames before the identity, so the
	// opening identify is a resynchronisation, and everything before its
	// identity is dropped.
	s.dirty, s.opening = true, true
	if err := s.exchange(nil, nil, false); err != nil {
		return nil, err
	}
	s.opening = false
	return s, nil
}

// identifyItem is an identify whose identity must be a board of protocol
// v1 with a valid core; after Open, the same core as at Open (a
// resynchronisation must not silently land on another bitstream).
func (s *Session) identifyItem() *item {
	it := &item{body: &wire.Identify{Version: wire.Version}, answer: true}
	it.onAnswer = func(b wire.Body) error {
		id, ok := b.(*wire.Identity)
		if !ok {
			return fmt.Errorf("driver: the board answered identify with %v", b.Type())
		}
		if id.Version != wire.Version {
			return fmt.Errorf("driver: the board speaks link protocol v%d, this driver v%d", id.Version, wire.Version)
		}
		if int(id.MaxPayload) < wire.MaxPayload || int(id.RxBuffer) < wire.MaxFrame {
			return fmt.Errorf("driver: the board takes payloads of %d bytes into a %d-byte buffer (need %d and %d)", id.MaxPayload, id.RxBuffer, wire.MaxPayload, wire.MaxFrame)
		}
		c := fpga.CoreParams{SlotBits: int(id.Params & 0xFF), DelayBits: int(id.Params >> 8 & 0xFF),
			ProfileBits: int(id.Params >> 16 & 0xFF), SynWords: int(id.SynWords)}
		if err := c.Check(); err != nil {
			return fmt.Errorf("driver: the board reports an impossible core (params %#08x, %d synapse words): %v", id.Params, id.SynWords, err)
		}
		if s.Identity.Version != 0 && (c != s.Core || id.BuildHash != s.Identity.BuildHash) {
			return fmt.Errorf("driver: the board changed: core %v, was %v", c, s.Core)
		}
		s.Identity, s.Core = *id, c
		return nil
	}
	it.onLost = func() error { s.queue = append(s.queue, s.identifyItem()); return nil }
	return it
}

// Load writes im's configuration, resets the core's state and verifies
// every word by reading it back.
func (s *Session) Load(im *fpga.Image) error {
	c := im.Core
	if c.SlotBits != s.Core.SlotBits || c.DelayBits != s.Core.DelayBits || c.ProfileBits != s.Core.ProfileBits || c.SynWords != s.Core.SynWords {
		return fmt.Errorf("driver: the image is for core %v, the board has %v", c, s.Core)
	}
	writes, err := wire.ConfigWrites(c, im.Writes)
	if err != nil {
		return err
	}
	s.im = nil
	items := make([]*item, 0, len(writes)+1)
	for _, w := range writes {
		items = append(items, &item{body: w})
	}
	items = append(items, &item{body: &wire.Reset{}})
	if err := s.exchange(items, nil, true); err != nil {
		return err
	}
	reads := make([]*item, len(writes))
	for i, w := range writes {
		reads[i] = s.readItem(w)
	}
	if err := s.exchange(reads, nil, true); err != nil {
		return err
	}
	s.im, s.boardStep, s.needReset = im, 0, false
	return nil
}

// VerifyError is a configuration word that read back differently from
// what was written: a fault of the link that slipped past the CRC, or of
// the board's memory.
type VerifyError struct {
	Region, Addr int
	Wrote, Read  uint64
}

func (e *VerifyError) Error() string {
	return fmt.Sprintf("driver: configuration word %d of region %s reads back %#x, wrote %#x", e.Addr, fpga.RegionName(e.Region), e.Read, e.Wrote)
}

func (s *Session) readItem(w *wire.Write) *item {
	it := &item{body: w.ReadBack(), answer: true}
	it.onAnswer = func(b wire.Body) error {
		d, ok := b.(*wire.ReadData)
		if !ok {
			return fmt.Errorf("driver: the board answered a read with %v", b.Type())
		}
		if w.Matches(d) {
			return nil
		}
		for i := range w.Words {
			if i >= len(d.Words) || d.Words[i] != w.Words[i] {
				e := &VerifyError{Region: int(w.Region), Addr: int(w.Addr) + i, Wrote: w.Words[i]}
				if i < len(d.Words) {
					e.Read = d.Words[i]
				}
				return e
			}
		}
		return fmt.Errorf("driver: read-back of region %d at %d answered for region %d at %d", w.Region, w.Addr, d.Region, d.Addr)
	}
	// A read is harmless to repeat: a lost read-data is read again.
	it.onLost = func() error { s.queue = append(s.queue, s.readItem(w)); return nil }
	return it
}

// Reset restores the loaded image's u and v and clears the rest of the
// core's state (state_clear), so the next Run starts from step 0 exactly
// as after Load.
func (s *Session) Reset() error {
	if s.im == nil {
		return errors.New("driver: Reset before Load")
	}
	r := s.im.Region(fpga.RegionStateUV)
	var items []*item
	if r != nil {
		writes, err := wire.ConfigWrites(s.im.Core, func(write func(region, addr int, data uint64)) {
			for i, w := range r.Words {
				write(r.ID, r.Base+i, w)
			}
		})
		if err != nil {
			return err
		}
		for _, w := range writes {
			items = append(items, &item{body: w})
		}
	}
	items = append(items, &item{body: &wire.Reset{}})
	if err := s.exchange(items, nil, true); err != nil {
		return err
	}
	s.boardStep, s.needReset = 0, false
	return nil
}

// Run runs steps steps; inputs[t] are the input spikes of step t (global
// indices of the network's input neurons; missing steps have none).
// onStep, if not nil, gets every step's spikes (global indices of LIF
// neurons, increasing, valid during the call) in step order, while later
// steps are already in flight. An error means the steps after the last
// onStep did not run or their spikes are lost; the session must be Reset
// (or loaded again) before the next Run.
func (s *Session) Run(inputs [][]int32, steps int, onStep func(step int, spikes []int32, st StepStats)) error {
	im := s.im
	if im == nil {
		return errors.New("driver: Run before Load")
	}
	if s.needReset {
		return errors.New("driver: a failed run left the core's state unknown: Reset first")
	}
	next := 0
	var slots []int
	var spikes []int32
	src := func() ([]*item, error) {
		if next >= steps {
			return nil, nil
		}
		t := next
		next++
		slots = slots[:0]
		if t < len(inputs) {
			for _, g := range inputs[t] {
				if g < 0 || int(g) >= len(im.SlotOf) || int(im.SlotOf[g]) < im.NeuronCount {
					return nil, fmt.Errorf("driver: step %d: input spike for neuron %d, which is not an input neuron", t, g)
				}
				slots = append(slots, int(im.SlotOf[g]))
			}
		}
		bodies, err := wire.InputFrames(slots, im.NeuronCount, im.SlotCount)
		if err != nil {
			return nil, fmt.Errorf("driver: step %d: %w", t, err)
		}
		items := make([]*item, len(bodies))
		for i, b := range bodies {
			items[i] = &item{body: b}
		}
		last := items[len(items)-1]
		last.answer = true
		last.onAnswer = func(b wire.Body) error {
			d, ok := b.(*wire.StepDone)
			if !ok {
				return fmt.Errorf("driver: step %d: the board answered its input with %v", t, b.Type())
			}
			if d.Step != s.boardStep {
				return fmt.Errorf("driver: step %d: the board reports step %d, expected %d (a step's answers were lost)", t, d.Step, s.boardStep)
			}
			if int(d.Spikes) != len(s.out) {
				return fmt.Errorf("driver: step %d: the board reports %d spikes, %d arrived (an output frame was lost)", t, d.Spikes, len(s.out))
			}
			spikes = spikes[:0]
			for _, slot := range s.out {
				if slot >= im.NeuronCount {
					return fmt.Errorf("driver: step %d: output spike of slot %d, not a neuron slot", t, slot)
				}
				spikes = append(spikes, im.NeuronOf[slot])
			}
			slices.Sort(spikes)
			s.out = s.out[:0]
			s.boardStep++
			if onStep != nil {
				onStep(t, spikes, StepStats{Step: d.Step, Cycles: d.Cycles, Events: d.Events, Spikes: d.Spikes, Status: d.Status})
			}
			return nil
		}
		last.onLost = func() error {
			return fmt.Errorf("driver: step %d: its output and step-done were lost on the link", t)
		}
		return items, nil
	}
	if err := s.exchange(nil, src, false); err != nil {
		s.needReset = true
		return err
	}
	return nil
}

// Close closes the transport.
func (s *Session) Close() error { return s.t.Close() }

// exchange sends items, then those src returns until it returns none,
// and waits until every one is acknowledged and answered. resync allows
// recovering a board that stays silent by identifying it again and
// renumbering the frames not acknowledged: only for frames that may run
// twice (configuration, reads, reset).
func (s *Session) exchange(items []*item, src func() ([]*item, error), resync bool) (err error) {
	defer func() {
		if err != nil {
			if errors.Is(err, ErrBoardReset) {
				s.im = nil
			}
			s.dirty = true
		}
	}()
	s.queue, s.inflight, s.waiting, s.syncing, s.out = items, nil, nil, nil, s.out[:0]
	if s.dirty {
		// An earlier exchange failed with frames and answers in flight:
		// start on a known sequence number.
		s.dirty = false
		s.sendResync()
	}
	last := time.Now()
	timeouts := 0
	for {
		if len(s.queue) == 0 && src != nil {
			more, err := src()
			if err != nil {
				return err
			}
			if more == nil {
				src = nil
			}
			s.queue = append(s.queue, more...)
		}
		if len(s.queue)+len(s.inflight)+len(s.waiting) == 0 && src == nil {
			return nil
		}
		if err := s.fill(); err != nil {
			return err
		}
		n, err := s.t.Read(s.buf)
		if err != nil {
			return fmt.Errorf("driver: link lost: %w", err)
		}
		frames := s.dec.Feed(s.buf[:n])
		if len(frames) > 0 {
			last, timeouts = time.Now(), 0
		}
		for _, f := range frames {
			if err := s.receive(f); err != nil {
				return err
			}
		}
		if time.Since(last) < s.opt.Timeout {
			continue
		}
		last = time.Now()
		timeouts++
		if s.dec.Buffered() > 0 {
			// A partial frame held for a whole timeout of silence is a
			// false one (a corrupted length): start hunting afresh.
			s.dec = wire.Decoder{}
		}
		if timeouts > s.opt.Retries {
			return fmt.Errorf("driver: the board did not answer for %v (%d retries)", time.Duration(timeouts)*s.opt.Timeout, s.opt.Retries)
		}
		// An answer still missing for an acknowledged frame after a whole
		// timeout of silence is lost: the board answers as it runs.
		for len(s.waiting) > 0 && !slices.Contains(s.inflight, s.waiting[0]) {
			it := s.waiting[0]
			s.waiting = s.waiting[1:]
			if err := s.lost(it); err != nil {
				return err
			}
		}
		if resync && timeouts >= 2 && len(s.inflight) > 0 {
			// The board may have accepted frames whose answers, and the
			// one nak it allows itself, were lost: it now drops our
			// retransmissions silently. Identify resets its expected seq.
			s.sendResync()
		} else if err := s.resend(); err != nil {
			return err
		}
	}
}

// sendResync puts an identify before every unacknowledged frame, which
// will go again with new sequence numbers.
func (s *Session) sendResync() {
	again := make([]*item, 0, len(s.inflight)+len(s.queue)+1)
	id := s.identifyItem()
	again = append(again, id)
	for _, it := range s.inflight {
		again = append(again, &item{body: it.body, answer: it.answer, onAnswer: it.onAnswer, onLost: it.onLost})
	}
	s.waiting = slices.DeleteFunc(s.waiting, func(w *item) bool { return slices.Contains(s.inflight, w) })
	s.inflight = nil
	s.queue = append(again, s.queue...)
	s.syncing = id
	s.free = wire.MaxFrame
}

func (s *Session) lost(it *item) error {
	if it.onLost == nil {
		return fmt.Errorf("driver: the answer to %v frame %d was lost", it.body.Type(), it.seq)
	}
	return it.onLost()
}

// fill sends queued frames while the board's credit and the 64-frame
// window allow.
func (s *Session) fill() error {
	for len(s.queue) > 0 && len(s.inflight) < wire.MaxUnacked {
		it := s.queue[0]
		if it.data == nil {
			it.seq = s.nextSeq
			data, err := wire.Encode(wire.Frame{Seq: it.seq, Body: it.body})
			if err != nil {
				return fmt.Errorf("driver: %w", err)
			}
			it.data = data
		}
		held := 0
		for _, f := range s.inflight {
			held += len(f.data)
		}
		if held+len(it.data) > s.free || s.syncing != nil && it != s.syncing {
			// No credit, or a resynchronising identify not yet answered
			// (nothing follows it): wait, and number the frame when it
			// goes, since a resynchronisation may come first.
			it.data = nil
			return nil
		}
		s.nextSeq++
		s.queue = s.queue[1:]
		s.inflight = append(s.inflight, it)
		if it.answer {
			s.waiting = append(s.waiting, it)
		}
		if _, err := s.t.Write(it.data); err != nil {
			return fmt.Errorf("driver: link lost: %w", err)
		}
	}
	return nil
}

// resend goes back to the board's ack: every unacknowledged frame again.
func (s *Session) resend() error {
	for _, it := range s.inflight {
		if _, err := s.t.Write(it.data); err != nil {
			return fmt.Errorf("driver: link lost: %w", err)
		}
	}
	return nil
}

// advance releases the frames before ack, which the board accepted.
func (s *Session) advance(ack uint8, free uint16) {
	if len(s.inflight) > 0 {
		if k := int(ack - s.inflight[0].seq); k >= 1 && k <= len(s.inflight) {
			s.inflight = s.inflight[k:]
		}
	}
	s.free = int(free)
}

// receive handles one board frame.
func (s *Session) receive(f wire.Frame) error {
	var l wire.Link
	switch b := f.Body.(type) {
	case *wire.Error:
		if s.opening && (s.syncing == nil || b.Req != s.syncing.seq) {
			return nil // refusing an earlier host's frame
		}
		if b.Code == wire.ErrNotIdentified {
			return ErrBoardReset
		}
		return fmt.Errorf("driver: %w", b)
	case *wire.Nak:
		if s.syncing != nil {
			return nil
		}
		s.advance(b.Ack, b.Free)
		return s.resend()
	case *wire.OutputAER, *wire.OutputBitmap:
		if s.syncing != nil {
			return nil // of a step whose step-done is dropped too
		}
		s.out, _ = wire.AppendSpikes(s.out, b, 0)
		return nil
	case *wire.Ack:
		l = b.Link
	case *wire.Identity:
		l = b.Link
	case *wire.ReadData:
		l = b.Link
	case *wire.StepDone:
		l = b.Link
	default:
		return nil // a host frame echoed back: not for us
	}
	if s.syncing != nil {
		if _, ok := f.Body.(*wire.Identity); !ok || l.Req != s.syncing.seq {
			return nil // answers from before the resynchronisation
		}
		s.syncing = nil
	}
	s.advance(l.Ack, l.Free)
	if _, ok := f.Body.(*wire.Ack); ok {
		return nil
	}
	i := slices.IndexFunc(s.waiting, func(it *item) bool { return it.seq == l.Req && !slices.Contains(s.inflight, it) })
	if i < 0 {
		if _, ok := f.Body.(*wire.StepDone); ok {
			return fmt.Errorf("driver: step-done of board step %d answers frame %d, which awaits no step", f.Body.(*wire.StepDone).Step, l.Req)
		}
		return nil // a stray answer (e.g. to an identify already answered)
	}
	for _, it := range s.waiting[:i] {
		if err := s.lost(it); err != nil {
			return err
		}
	}
	it := s.waiting[i]
	s.waiting = s.waiting[i+1:]
	return it.onAnswer(f.Body)
}
