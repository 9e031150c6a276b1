package wire

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// Framing constants of protocol version 1 (docs/protocol.md, "Frames").
const (
	// Version is the protocol version carried by Identify and Identity.
	Version = 1
	// Sync starts every frame. Idle is the filler byte sent on SPI when a
	// side has nothing to send; it differs from Sync, so a receiver that
	// hunts for Sync skips it.
	Sync = 0xA5
	Idle = 0x00
	// HeaderLen is sync, type, sequence number and length; CRCLen the
	// check after the payload.
	HeaderLen = 4
	CRCLen    = 2
	Overhead  = HeaderLen + CRCLen
	// MaxPayload bounds the payload so that a frame is at most MaxFrame
	// = 256 bytes: two of the largest frames fill the board's 512-byte
	// receive buffer (RxBuffer), and the length fits one byte.
	MaxPayload = 250
	MaxFrame   = Overhead + MaxPayload
	// MaxData is the most configuration data one Write or ReadData
	// carries: 240 bytes divide evenly into words of 1, 2, 3, 4, 6 and 8
	// bytes, so a Write and the Read that verifies it cover the same words.
	MaxData = 240
	// MaxInputAER and MaxOutputAER are the most slots one AER frame lists
	// (an input frame spends one byte on its flags).
	MaxInputAER  = (MaxPayload - 1) / 2
	MaxOutputAER = MaxPayload / 2
	// MaxInputBitmap and MaxOutputBitmap are the longest bitmaps, in bytes.
	MaxInputBitmap  = MaxPayload - 1
	MaxOutputBitmap = MaxPayload
	// RxBuffer is the receive buffer of the iCE40 link layer: one 4-Kbit
	// block RAM. The board reports its own size in Identity.
	RxBuffer = 512
	// MaxUnacked bounds the host's frames sent and not yet acknowledged,
	// so that an 8-bit sequence number tells a duplicate (at most 128
	// behind) from a frame ahead of the one expected.
	MaxUnacked = 64
)

// Type is a frame's type byte. Bit 7 is the direction: clear for frames
// the host sends, set for frames the board sends, so neither side can take
// an echo of its own frames for the other's.
type Type uint8

const (
	TypeIdentify     Type = 0x01
	TypeWrite        Type = 0x02
	TypeRead         Type = 0x03
	TypeReset        Type = 0x04
	TypeInputAER     Type = 0x05
	TypeInputBitmap  Type = 0x06
	TypeRun          Type = 0x07
	TypeIdentity     Type = 0x81
	TypeAck          Type = 0x82
	TypeReadData     Type = 0x83
	TypeNak          Type = 0x84
	TypeOutputAER    Type = 0x85
	TypeOutputBitmap Type = 0x86
	TypeStepDone     Type = 0x87
	TypeError        Type = 0x8F
)

// FromHost reports whether frames of type t travel from host to board.
func (t Type) FromHost() bool { return t&0x80 == 0 }

func (t Type) String() string {
	if l := layoutOf(t); l != nil {
		return l.name
	}
	return fmt.Sprintf("type 0x%02x", uint8(t))
}

// Frame is one frame: the sender's sequence number and the typed payload.
type Frame struct {
	Seq  uint8
	Body Body
}

// Body is the payload of one frame type. The concrete types are the
// pointer types *Identify ... *Error of this package.
type Body interface {
	Type() Type
	// check reports a body that has no encoding; AppendFrame calls it so
	// that every frame it writes decodes back to an equal body.
	check() error
	appendPayload(dst []byte) []byte
}

// Identify (host) opens the link: the board flushes its receive buffer,
// stops a Run at the next step boundary, expects Seq+1 next and answers
// Identity. It is accepted whatever its sequence number.
type Identify struct {
	Version uint8 // the host's protocol version, Version
}

// Write (host) writes consecutive words of one memory of the core through
// its cfg port (docs/fpga-core.md, "Memory map"). Each word takes Width
// bytes, little-endian; Width must equal WordBytes(Region) on the board.
type Write struct {
	Region uint8
	Width  uint8
	Addr   uint16
	Words  []uint64
}

// Read (host) asks for Count consecutive words; the board answers
// ReadData.
type Read struct {
	Region uint8
	Width  uint8
	Addr   uint16
	Count  uint8
}

// Reset (host) pulses the core's state_clear (accum, history, slot_state,
// status bits; u, v and the configuration stay) and sets the step counter
// to 0. The board answers Ack.
type Reset struct{}

// InputAER (host) lists external slots (absolute slot numbers, the core's
// in_index) that spike in the coming step. Unless More is set, the board
// then runs the step and answers with its output and StepDone.
type InputAER struct {
	More  bool
	Slots []uint16
}

// InputBitmap (host) is the same as InputAER as a bitmap: bit i (byte i/8,
// bit i%8, LSB first) is slot neuron_count+i. Bytes past the last one
// sent are zero, so trailing zero bytes may be left off.
type InputBitmap struct {
	More bool
	Bits []byte
}

// Run (host) runs Steps steps; the first takes whatever inputs are pending
// (from an InputAER or InputBitmap with More set), the others none.
type Run struct {
	Steps uint16
}

// Link is the board's view of the host's frames, carried by every board
// answer: Req is the sequence number of the host frame answered, Ack the
// sequence number the board expects next (every host frame before it was
// accepted), Free the bytes of its receive buffer not held by accepted
// frames that wait to be executed (the host's credit).
type Link struct {
	Req  uint8
	Ack  uint8
	Free uint16
}

// Identity (board) answers Identify.
type Identity struct {
	Link
	Version    uint8   // protocol version, Version
	Transport  uint8   // TransportUART or TransportSPI
	MaxPayload uint8   // the largest payload the board accepts
	RxBuffer   uint16  // the size of its receive buffer in bytes
	Core       uint32  // ctrl word 16: core version
	Params     uint32  // ctrl word 17: SLOT_BITS | DELAY_BITS<<8 | PROFILE_BITS<<16
	SynWords   uint32  // ctrl word 18: SYN_WORDS
	BuildHash  [8]byte // the bitstream's build hash, fixed at synthesis
}

// Transports in Identity.Transport.
const (
	TransportUART = 0
	TransportSPI  = 1
)

// Ack (board) answers a Write or a Reset once it has been carried out.
type Ack struct {
	Link
}

// ReadData (board) answers Read with the words read.
type ReadData struct {
	Link
	Region uint8
	Width  uint8
	Addr   uint16
	Words  []uint64
}

// NakReason says why the board dropped a frame without executing it.
type NakReason uint8

const (
	NakCRC       NakReason = 1 // the check failed
	NakSequence  NakReason = 2 // a frame ahead of the one expected: one before it was lost
	NakDuplicate NakReason = 3 // a frame already accepted (its answer was lost or is on its way)
	NakOverflow  NakReason = 4 // no room in the receive buffer: the host overran its credit
	NakTimeout   NakReason = 5 // a partial frame dropped after a silence
	NakHeader    NakReason = 6 // a length above MaxPayload
)

func (r NakReason) String() string {
	switch r {
	case NakCRC:
		return "crc"
	case NakSequence:
		return "sequence"
	case NakDuplicate:
		return "duplicate"
	case NakOverflow:
		return "overflow"
	case NakTimeout:
		return "timeout"
	case NakHeader:
		return "header"
	}
	return fmt.Sprintf("nak reason %d", uint8(r))
}

// Nak (board) reports a dropped frame. Ack and Free are as in Link; the
// host goes back to Ack and sends again from there.
type Nak struct {
	Reason NakReason
	Ack    uint8
	Free   uint16
}

// OutputAER (board) lists neuron slots that spiked in the step, in
// increasing order; a step with more than MaxOutputAER spikes takes
// several frames, all full but the last.
type OutputAER struct {
	Slots []uint16
}

// OutputBitmap (board) is the step's spikes as a bitmap of the neuron
// slots: bit i (byte i/8, bit i%8) is slot i; ⌈neuron_count/8⌉ bytes.
type OutputBitmap struct {
	Bits []byte
}

// StepDone (board) closes a step: the step number (counted from 0 since
// the last Reset) and ctrl words 24..27 read after it.
type StepDone struct {
	Link
	Step   uint32
	Cycles uint32 // ctrl word 24
	Events uint32 // ctrl word 25
	Spikes uint32 // ctrl word 26: the slots in the output frames before it
	Status uint8  // ctrl word 27: [0] bad_input, [1] cfg_while_busy
}

// ErrorCode says why the board refused an accepted frame.
type ErrorCode uint8

const (
	ErrNotIdentified ErrorCode = 1  // no Identify since the board's reset; Detail: the type
	ErrVersion       ErrorCode = 2  // Identify of another version; Detail: that version
	ErrType          ErrorCode = 3  // a type the board does not execute; Detail: the type
	ErrLength        ErrorCode = 4  // a length the type does not allow; Detail: the length
	ErrRegion        ErrorCode = 5  // no such region; Detail: the region
	ErrWidth         ErrorCode = 6  // Width is not the region's; Detail: the region's width
	ErrAddress       ErrorCode = 7  // words past the region's depth; Detail: the first address past it
	ErrSlot          ErrorCode = 8  // an input slot that is not external; Detail: the slot
	ErrCount         ErrorCode = 9  // Run of 0 steps, Read of 0 or too many words; Detail: the count
	ErrFlags         ErrorCode = 10 // reserved flag bits set; Detail: the flags
)

func (c ErrorCode) String() string {
	names := [...]string{"", "not identified", "version", "type", "length", "region", "width", "address", "slot", "count", "flags"}
	if int(c) < len(names) && c != 0 {
		return names[c]
	}
	return fmt.Sprintf("error code %d", uint8(c))
}

// Error (board) refuses an accepted frame: it is answered, not executed,
// and not to be sent again.
type Error struct {
	Link
	Code   ErrorCode
	Detail uint32
}

func (e *Error) Error() string {
	return fmt.Sprintf("board refused frame %d: %s (detail %d)", e.Req, e.Code, e.Detail)
}

func (*Identify) Type() Type     { return TypeIdentify }
func (*Write) Type() Type        { return TypeWrite }
func (*Read) Type() Type         { return TypeRead }
func (*Reset) Type() Type        { return TypeReset }
func (*InputAER) Type() Type     { return TypeInputAER }
func (*InputBitmap) Type() Type  { return TypeInputBitmap }
func (*Run) Type() Type          { return TypeRun }
func (*Identity) Type() Type     { return TypeIdentity }
func (*Ack) Type() Type          { return TypeAck }
func (*ReadData) Type() Type     { return TypeReadData }
func (*Nak) Type() Type          { return TypeNak }
func (*OutputAER) Type() Type    { return TypeOutputAER }
func (*OutputBitmap) Type() Type { return TypeOutputBitmap }
func (*StepDone) Type() Type     { return TypeStepDone }
func (*Error) Type() Type        { return TypeError }

// flagMore is bit 0 of an input frame's flags; the other bits are
// reserved and must be 0, so that a later version can use them.
const flagMore = 0x01

func flags(more bool) byte {
	if more {
		return flagMore
	}
	return 0
}

// checkWords is the shared rule of Write and ReadData: a width of 1..8
// bytes, 1..MaxData/width words, each fitting its width.
func checkWords(width uint8, n int, words []uint64) error {
	if width < 1 || width > 8 {
		return fmt.Errorf("word width %d bytes (allowed: 1..8)", width)
	}
	if n < 1 || n > MaxWords(int(width)) {
		return fmt.Errorf("%d words of %d bytes (allowed: 1..%d)", n, width, MaxWords(int(width)))
	}
	if width < 8 {
		for i, w := range words {
			if w>>(8*width) != 0 {
				return fmt.Errorf("word %d = %#x does not fit %d bytes", i, w, width)
			}
		}
	}
	return nil
}

// MaxWords returns the most words of width bytes one Write, Read or
// ReadData carries.
func MaxWords(width int) int {
	if width < 1 || width > 8 {
		return 0
	}
	return MaxData / width
}

func (b *Identify) check() error { return nil }
func (b *Write) check() error    { return checkWords(b.Width, len(b.Words), b.Words) }
func (b *Read) check() error     { return checkWords(b.Width, int(b.Count), nil) }
func (b *Reset) check() error    { return nil }
func (b *InputAER) check() error {
	if len(b.Slots) > MaxInputAER {
		return fmt.Errorf("%d input slots in one frame (allowed: at most %d)", len(b.Slots), MaxInputAER)
	}
	return nil
}
func (b *InputBitmap) check() error {
	if len(b.Bits) > MaxInputBitmap {
		return fmt.Errorf("input bitmap of %d bytes (allowed: at most %d)", len(b.Bits), MaxInputBitmap)
	}
	return nil
}
func (b *Run) check() error      { return nil }
func (b *Identity) check() error { return nil }
func (b *Ack) check() error      { return nil }
func (b *ReadData) check() error { return checkWords(b.Width, len(b.Words), b.Words) }
func (b *Nak) check() error      { return nil }
func (b *OutputAER) check() error {
	if len(b.Slots) < 1 || len(b.Slots) > MaxOutputAER {
		return fmt.Errorf("%d output slots in one frame (allowed: 1..%d)", len(b.Slots), MaxOutputAER)
	}
	return nil
}
func (b *OutputBitmap) check() error {
	if len(b.Bits) < 1 || len(b.Bits) > MaxOutputBitmap {
		return fmt.Errorf("output bitmap of %d bytes (allowed: 1..%d)", len(b.Bits), MaxOutputBitmap)
	}
	return nil
}
func (b *StepDone) check() error { return nil }
func (b *Error) check() error    { return nil }

var le = binary.LittleEndian

func appendLink(dst []byte, l Link) []byte {
	return le.AppendUint16(append(dst, l.Req, l.Ack), l.Free)
}

func appendWords(dst []byte, width uint8, words []uint64) []byte {
	for _, w := range words {
		for i := range width {
			dst = append(dst, byte(w>>(8*i)))
		}
	}
	return dst
}

func appendSlots(dst []byte, slots []uint16) []byte {
	for _, s := range slots {
		dst = le.AppendUint16(dst, s)
	}
	return dst
}

func (b *Identify) appendPayload(dst []byte) []byte { return append(dst, b.Version) }
func (b *Write) appendPayload(dst []byte) []byte {
	dst = le.AppendUint16(append(dst, b.Region, b.Width), b.Addr)
	return appendWords(dst, b.Width, b.Words)
}
func (b *Read) appendPayload(dst []byte) []byte {
	return append(le.AppendUint16(append(dst, b.Region, b.Width), b.Addr), b.Count)
}
func (b *Reset) appendPayload(dst []byte) []byte { return dst }
func (b *InputAER) appendPayload(dst []byte) []byte {
	return appendSlots(append(dst, flags(b.More)), b.Slots)
}
func (b *InputBitmap) appendPayload(dst []byte) []byte {
	return append(append(dst, flags(b.More)), b.Bits...)
}
func (b *Run) appendPayload(dst []byte) []byte { return le.AppendUint16(dst, b.Steps) }
func (b *Identity) appendPayload(dst []byte) []byte {
	dst = append(appendLink(dst, b.Link), b.Version, b.Transport, b.MaxPayload)
	dst = le.AppendUint16(dst, b.RxBuffer)
	dst = le.AppendUint32(dst, b.Core)
	dst = le.AppendUint32(dst, b.Params)
	dst = le.AppendUint32(dst, b.SynWords)
	return append(dst, b.BuildHash[:]...)
}
func (b *Ack) appendPayload(dst []byte) []byte { return appendLink(dst, b.Link) }
func (b *ReadData) appendPayload(dst []byte) []byte {
	dst = le.AppendUint16(append(appendLink(dst, b.Link), b.Region, b.Width), b.Addr)
	return appendWords(dst, b.Width, b.Words)
}
func (b *Nak) appendPayload(dst []byte) []byte {
	return le.AppendUint16(append(dst, byte(b.Reason), b.Ack), b.Free)
}
func (b *OutputAER) appendPayload(dst []byte) []byte    { return appendSlots(dst, b.Slots) }
func (b *OutputBitmap) appendPayload(dst []byte) []byte { return append(dst, b.Bits...) }
func (b *StepDone) appendPayload(dst []byte) []byte {
	dst = appendLink(dst, b.Link)
	for _, v := range [...]uint32{b.Step, b.Cycles, b.Events, b.Spikes} {
		dst = le.AppendUint32(dst, v)
	}
	return append(dst, b.Status)
}
func (b *Error) appendPayload(dst []byte) []byte {
	return le.AppendUint32(append(appendLink(dst, b.Link), byte(b.Code)), b.Detail)
}

// AppendFrame appends the encoding of f to dst. It refuses a body that has
// no encoding (too many slots, a word wider than its width, ...) and then
// leaves dst as it was.
func AppendFrame(dst []byte, f Frame) ([]byte, error) {
	if f.Body == nil {
		return dst, errors.New("wire: frame without a body")
	}
	t := f.Body.Type()
	if err := f.Body.check(); err != nil {
		return dst, fmt.Errorf("wire: %v frame: %w", t, err)
	}
	start := len(dst)
	dst = append(dst, Sync, byte(t), f.Seq, 0)
	dst = f.Body.appendPayload(dst)
	n := len(dst) - start - HeaderLen
	if !layoutOf(t).fits(n) {
		// check accepts only bodies that fit: reaching this is a bug here.
		panic(fmt.Sprintf("wire: %v payload of %d bytes passed check but does not fit its layout", t, n))
	}
	dst[start+3] = byte(n)
	crc := CRC16(dst[start+1:])
	return append(dst, byte(crc>>8), byte(crc)), nil
}

// Encode returns the bytes of f, as AppendFrame.
func Encode(f Frame) ([]byte, error) {
	return AppendFrame(make([]byte, 0, Overhead+MaxPayload), f)
}

// layout is what a receiver knows of a type before its payload arrives:
// the allowed payload lengths min, min+step, ... up to max (step 0: exactly
// min). The decoder rejects other lengths at the header, which is most of
// what makes a false sync byte in garbage cost nothing.
type layout struct {
	name           string
	min, max, step int
	parse          func(p []byte) (Body, error)
}

func (l *layout) fits(n int) bool {
	if n < l.min || n > l.max {
		return false
	}
	if l.step == 0 {
		return n == l.min
	}
	return (n-l.min)%l.step == 0
}

var layouts [256]*layout

func layoutOf(t Type) *layout { return layouts[t] }

func init() {
	set := func(t Type, name string, min, max, step int, parse func([]byte) (Body, error)) {
		layouts[t] = &layout{name, min, max, step, parse}
	}
	set(TypeIdentify, "identify", 1, 1, 0, func(p []byte) (Body, error) { return &Identify{Version: p[0]}, nil })
	set(TypeWrite, "write", 5, 4+MaxData, 1, func(p []byte) (Body, error) {
		b := &Write{Region: p[0], Width: p[1], Addr: le.Uint16(p[2:])}
		var err error
		b.Words, err = parseWords(b.Width, p[4:])
		return b, err
	})
	set(TypeRead, "read", 5, 5, 0, func(p []byte) (Body, error) {
		b := &Read{Region: p[0], Width: p[1], Addr: le.Uint16(p[2:]), Count: p[4]}
		return b, b.check()
	})
	set(TypeReset, "reset", 0, 0, 0, func(p []byte) (Body, error) { return &Reset{}, nil })
	set(TypeInputAER, "input-aer", 1, 1+2*MaxInputAER, 2, func(p []byte) (Body, error) {
		more, err := parseFlags(p[0])
		return &InputAER{More: more, Slots: parseSlots(p[1:])}, err
	})
	set(TypeInputBitmap, "input-bitmap", 1, 1+MaxInputBitmap, 1, func(p []byte) (Body, error) {
		more, err := parseFlags(p[0])
		return &InputBitmap{More: more, Bits: append([]byte(nil), p[1:]...)}, err
	})
	set(TypeRun, "run", 2, 2, 0, func(p []byte) (Body, error) { return &Run{Steps: le.Uint16(p)}, nil })
	set(TypeIdentity, "identity", 29, 29, 0, func(p []byte) (Body, error) {
		b := &Identity{Link: parseLink(p), Version: p[4], Transport: p[5], MaxPayload: p[6],
			RxBuffer: le.Uint16(p[7:]), Core: le.Uint32(p[9:]), Params: le.Uint32(p[13:]), SynWords: le.Uint32(p[17:])}
		copy(b.BuildHash[:], p[21:])
		return b, nil
	})
	set(TypeAck, "ack", 4, 4, 0, func(p []byte) (Body, error) { return &Ack{Link: parseLink(p)}, nil })
	set(TypeReadData, "read-data", 9, 8+MaxData, 1, func(p []byte) (Body, error) {
		b := &ReadData{Link: parseLink(p), Region: p[4], Width: p[5], Addr: le.Uint16(p[6:])}
		var err error
		b.Words, err = parseWords(b.Width, p[8:])
		return b, err
	})
	set(TypeNak, "nak", 4, 4, 0, func(p []byte) (Body, error) {
		return &Nak{Reason: NakReason(p[0]), Ack: p[1], Free: le.Uint16(p[2:])}, nil
	})
	set(TypeOutputAER, "output-aer", 2, 2*MaxOutputAER, 2, func(p []byte) (Body, error) {
		return &OutputAER{Slots: parseSlots(p)}, nil
	})
	set(TypeOutputBitmap, "output-bitmap", 1, MaxOutputBitmap, 1, func(p []byte) (Body, error) {
		return &OutputBitmap{Bits: append([]byte(nil), p...)}, nil
	})
	set(TypeStepDone, "step-done", 21, 21, 0, func(p []byte) (Body, error) {
		return &StepDone{Link: parseLink(p), Step: le.Uint32(p[4:]), Cycles: le.Uint32(p[8:]),
			Events: le.Uint32(p[12:]), Spikes: le.Uint32(p[16:]), Status: p[20]}, nil
	})
	set(TypeError, "error", 9, 9, 0, func(p []byte) (Body, error) {
		return &Error{Link: parseLink(p), Code: ErrorCode(p[4]), Detail: le.Uint32(p[5:])}, nil
	})
}

func parseLink(p []byte) Link { return Link{Req: p[0], Ack: p[1], Free: le.Uint16(p[2:])} }

func parseFlags(f byte) (more bool, err error) {
	if f&^flagMore != 0 {
		return false, fmt.Errorf("reserved input flag bits set: %#02x", f)
	}
	return f&flagMore != 0, nil
}

func parseSlots(p []byte) []uint16 {
	s := make([]uint16, len(p)/2)
	for i := range s {
		s[i] = le.Uint16(p[2*i:])
	}
	return s
}

func parseWords(width uint8, p []byte) ([]uint64, error) {
	if width < 1 || width > 8 {
		return nil, fmt.Errorf("word width %d bytes (allowed: 1..8)", width)
	}
	if len(p)%int(width) != 0 {
		return nil, fmt.Errorf("%d data bytes are not whole words of %d bytes", len(p), width)
	}
	words := make([]uint64, len(p)/int(width))
	for i := range words {
		var w uint64
		for j := range int(width) {
			w |= uint64(p[i*int(width)+j]) << (8 * j)
		}
		words[i] = w
	}
	return words, checkWords(width, len(words), nil)
}
