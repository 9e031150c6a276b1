package wire

import (
	"math/rand/v2"
	"testing"
)

// BenchmarkEncodeInputBitmap encodes the input of a step in which all
// 1024 external slots of an iCEBreaker core spike (the largest step frame).
func BenchmarkEncodeInputBitmap(b *testing.B) {
	f := Frame{Seq: 1, Body: &InputBitmap{Bits: fill(128, 0xFF)}}
	buf := make([]byte, 0, MaxFrame)
	b.SetBytes(Overhead + 129)
	b.ReportAllocs()
	for b.Loop() {
		var err error
		if buf, err = AppendFrame(buf[:0], f); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEncodeWrite encodes a full frame of synapse words.
func BenchmarkEncodeWrite(b *testing.B) {
	f := Frame{Seq: 1, Body: &Write{Region: 8, Width: 6, Words: words(40, 1<<48-1)}}
	buf := make([]byte, 0, MaxFrame)
	b.SetBytes(Overhead + 244)
	b.ReportAllocs()
	for b.Loop() {
		var err error
		if buf, err = AppendFrame(buf[:0], f); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecodeStream decodes every frame type in 4 KiB reads, as from
// a serial port.
func BenchmarkDecodeStream(b *testing.B) {
	s, _, _ := stream(b)
	for len(s) < 1<<16 {
		s = append(s, s...)
	}
	b.SetBytes(int64(len(s)))
	b.ReportAllocs()
	var d Decoder
	var out []Frame
	for b.Loop() {
		for i := 0; i < len(s); i += 4096 {
			out = d.AppendFrames(out[:0], s[i:min(i+4096, len(s))])
		}
	}
}

// BenchmarkDecodeNoise decodes random bytes: the resynchronisation path.
func BenchmarkDecodeNoise(b *testing.B) {
	r := rand.New(rand.NewPCG(9, 10))
	s := make([]byte, 1<<16)
	for i := range s {
		s[i] = byte(r.Uint32())
	}
	b.SetBytes(int64(len(s)))
	var d Decoder
	for b.Loop() {
		d.Feed(s)
	}
}
