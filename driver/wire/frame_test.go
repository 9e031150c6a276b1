package wire

import (
	"bytes"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestCRC(t *testing.T) {
	if got := CRC16([]byte("123456789")); got != CRCCheck || CRCCheck != 0x29B1 {
		t.Fatalf("CRC16(\"123456789\") = %#04x, want 0x29B1", got)
	}
	// The table against the bit-serial definition, and the zero residue
	// the board relies on: the CRC of data followed by its CRC, high byte
	// first, is 0.
	bitwise := func(p []byte) uint16 {
		crc := uint16(CRCInit)
		for _, b := range p {
			for i := 7; i >= 0; i-- {
				in := uint16(b>>i) & 1
				top := crc >> 15
				crc <<= 1
				if top^in != 0 {
					crc ^= CRCPoly
				}
			}
		}
		return crc
	}
	r := rand.New(rand.NewPCG(1, 2))
	for n := range 300 {
		p := make([]byte, n)
		for i := range p {
			p[i] = byte(r.Uint32())
		}
		c := CRC16(p)
		if w := bitwise(p); c != w {
			t.Fatalf("len %d: table CRC %#04x, bitwise %#04x", n, c, w)
		}
		if res := CRC16(append(p, byte(c>>8), byte(c))); res != 0 {
			t.Fatalf("len %d: residue %#04x, want 0", n, res)
		}
	}
}

func seqU16(n int, from uint16) []uint16 {
	s := make([]uint16, n)
	for i := range s {
		s[i] = from + uint16(i)
	}
	return s
}

func fill(n int, b byte) []byte { return bytes.Repeat([]byte{b}, n) }

func words(n int, max uint64) []uint64 {
	w := make([]uint64, n)
	for i := range w {
		w[i] = max - uint64(i)
	}
	return w
}

var link = Link{Req: 200, Ack: 201, Free: 512}

// frameCases holds every frame type with its edge cases; wantLen is the
// payload length.
var frameCases = []struct {
	name    string
	f       Frame
	wantLen int
}{
	{"identify", Frame{0, &Identify{Version: Version}}, 1},
	{"write width 1 max", Frame{1, &Write{Region: 2, Width: 1, Addr: 0, Words: words(240, 0xFF)}}, 244},
	{"write width 3 one", Frame{2, &Write{Region: 5, Width: 3, Addr: 1023, Words: []uint64{0xABCDEF}}}, 7},
	{"write width 6 synapses", Frame{3, &Write{Region: 8, Width: 6, Addr: 16383 - 39, Words: words(40, 1<<48-1)}}, 244},
	{"write width 8 max", Frame{255, &Write{Region: 1, Width: 8, Addr: 0xFFFF, Words: words(30, math.MaxUint64)}}, 244},
	{"read", Frame{4, &Read{Region: 7, Width: 2, Addr: 0x1234, Count: 120}}, 5},
	{"reset", Frame{5, &Reset{}}, 0},
	{"input aer empty", Frame{6, &InputAER{}}, 1},
	{"input aer more", Frame{7, &InputAER{More: true, Slots: []uint16{1023}}}, 3},
	{"input aer max", Frame{8, &InputAER{Slots: seqU16(MaxInputAER, 900)}}, 249},
	{"input bitmap empty more", Frame{9, &InputBitmap{More: true, Bits: []byte{}}}, 1},
	{"input bitmap full 1024", Frame{10, &InputBitmap{Bits: fill(128, 0xFF)}}, 129},
	{"input bitmap max", Frame{11, &InputBitmap{Bits: fill(MaxInputBitmap, 0x5A)}}, 250},
	{"run 1", Frame{12, &Run{Steps: 1}}, 2},
	{"run max", Frame{13, &Run{Steps: 65535}}, 2},
	{"identity", Frame{0, &Identity{Link: link, Version: Version, Transport: TransportSPI, MaxPayload: MaxPayload, RxBuffer: RxBuffer,
		Core: 0x00010000, Params: 0x0008040a, SynWords: 16384, BuildHash: [8]byte{1, 2, 3, 4, 5, 6, 7, 0xA5}}}, 29},
	{"ack", Frame{1, &Ack{Link: link}}, 4},
	{"read data one", Frame{2, &ReadData{Link: link, Region: 0, Width: 4, Addr: 16, Words: []uint64{0x00010000}}}, 12},
	{"read data max", Frame{3, &ReadData{Link: link, Region: 8, Width: 6, Addr: 0, Words: words(40, 1<<48-1)}}, 248},
	{"nak", Frame{4, &Nak{Reason: NakSequence, Ack: 77, Free: 130}}, 4},
	{"output aer one", Frame{5, &OutputAER{Slots: []uint16{0}}}, 2},
	{"output aer max", Frame{6, &OutputAER{Slots: seqU16(MaxOutputAER, 0)}}, 250},
	{"output bitmap one", Frame{7, &OutputBitmap{Bits: []byte{0x80}}}, 1},
	{"output bitmap full", Frame{8, &OutputBitmap{Bits: fill(128, 0xFF)}}, 128},
	{"output bitmap max", Frame{9, &OutputBitmap{Bits: fill(MaxOutputBitmap, 0xA5)}}, 250},
	{"step done", Frame{10, &StepDone{Link: link, Step: 1<<32 - 1, Cycles: 16980, Events: 16384, Spikes: 1024, Status: 3}}, 21},
	{"error", Frame{11, &Error{Link: link, Code: ErrAddress, Detail: 65536}}, 9},
}

func TestRoundTrip(t *testing.T) {
	seen := map[Type]bool{}
	for _, tc := range frameCases {
		t.Run(tc.name, func(t *testing.T) {
			b, err := Encode(tc.f)
			if err != nil {
				t.Fatal(err)
			}
			typ := tc.f.Body.Type()
			seen[typ] = true
			if len(b) != Overhead+tc.wantLen || len(b) > MaxFrame {
				t.Fatalf("%d bytes, want %d", len(b), Overhead+tc.wantLen)
			}
			if b[0] != Sync || Type(b[1]) != typ || b[2] != tc.f.Seq || int(b[3]) != tc.wantLen {
				t.Fatalf("header % x", b[:4])
			}
			if c := CRC16(b[1 : len(b)-2]); b[len(b)-2] != byte(c>>8) || b[len(b)-1] != byte(c) {
				t.Fatalf("check % x, want %04x", b[len(b)-2:], c)
			}
			var d Decoder
			got := d.Feed(b)
			if len(got) != 1 {
				t.Fatalf("decoded %d frames, stats %+v", len(got), d.Stats())
			}
			if diff := cmp.Diff(tc.f, got[0], cmpopts.EquateEmpty()); diff != "" {
				t.Fatalf("round trip (-sent +decoded):\n%s", diff)
			}
			if again, _ := Encode(got[0]); !bytes.Equal(again, b) {
				t.Fatalf("re-encoded\n% x\nwant\n% x", again, b)
			}
		})
	}
	for i, l := range layouts {
		if l != nil && !seen[Type(i)] {
			t.Errorf("no round-trip case for %v", Type(i))
		}
	}
}

func TestEncodeRejects(t *testing.T) {
	for _, b := range []Body{
		nil,
		&Write{Region: 1, Width: 0, Words: []uint64{0}},
		&Write{Region: 1, Width: 9, Words: []uint64{0}},
		&Write{Region: 1, Width: 8},
		&Write{Region: 1, Width: 8, Words: words(31, 0)},
		&Write{Region: 1, Width: 6, Words: words(41, 0)},
		&Write{Region: 1, Width: 3, Words: []uint64{1 << 24}},
		&Read{Region: 1, Width: 8, Count: 0},
		&Read{Region: 1, Width: 8, Count: 31},
		&InputAER{Slots: make([]uint16, MaxInputAER+1)},
		&InputBitmap{Bits: make([]byte, MaxInputBitmap+1)},
		&ReadData{Width: 2, Words: words(121, 0)},
		&OutputAER{},
		&OutputAER{Slots: make([]uint16, MaxOutputAER+1)},
		&OutputBitmap{},
		&OutputBitmap{Bits: make([]byte, MaxOutputBitmap+1)},
	} {
		dst := []byte{1, 2, 3}
		got, err := AppendFrame(dst, Frame{Body: b})
		if err == nil {
			t.Errorf("%#v: encoded as % x", b, got)
		} else if !bytes.Equal(got, dst) {
			t.Errorf("%#v: dst changed to % x", b, got)
		}
	}
}

func TestTypeNames(t *testing.T) {
	for _, tc := range frameCases {
		typ := tc.f.Body.Type()
		if typ.FromHost() != (typ < 0x80) || typ.String() == "" {
			t.Errorf("%v: FromHost %v", typ, typ.FromHost())
		}
	}
	if s := Type(0x42).String(); s != "type 0x42" {
		t.Errorf("unknown type: %q", s)
	}
}
