package wire

import (
	"bytes"
	"testing"
)

// FuzzDecoder feeds arbitrary bytes, cut into pieces of a fuzzed size,
// and checks what must hold on any input: no panic; at most one frame
// held between calls; every byte accounted for; every frame decoded
// re-encodes to exactly the bytes it came from (so nothing is decoded that
// the encoder could not have written); and the frames do not depend on
// how the stream was cut. Run it with
//
//	go test -run '^$' -fuzz FuzzDecoder -fuzztime 20000x ./driver/wire
func FuzzDecoder(f *testing.F) {
	b, _, ends := stream(f)
	f.Add(uint8(0), b)
	f.Add(uint8(1), b[:ends[3]])
	f.Add(uint8(7), append([]byte{Sync, byte(TypeOutputBitmap), 0, MaxPayload}, b...))
	f.Add(uint8(3), []byte{Sync, Sync, byte(TypeAck), 0, 4, Idle, Sync})
	f.Add(uint8(2), bytes.Repeat([]byte{Sync, byte(TypeRun), 0, 2, 0}, 20))
	f.Fuzz(func(t *testing.T, cut uint8, data []byte) {
		var whole Decoder
		var spans []int64
		off := int64(0)
		whole.OnSkip = func(k Skip) {
			if k.Len <= 0 || k.Offset < off || k.Offset >= whole.Stats().Bytes {
				t.Fatalf("skip %+v out of order or range (last offset %d)", k, off)
			}
			off = k.Offset
			spans = append(spans, k.Offset)
		}
		frames := whole.Feed(data)
		checkStats(t, &whole)
		if s := whole.Stats(); s.Frames != int64(len(frames)) {
			t.Fatalf("%d frames counted, %d returned", s.Frames, len(frames))
		}
		var enc []byte
		for _, fr := range frames {
			e, err := Encode(fr)
			if err != nil {
				t.Fatalf("decoded %v does not encode: %v", fr.Body.Type(), err)
			}
			if len(e) > MaxFrame || !bytes.Contains(data, e) {
				t.Fatalf("decoded %v re-encodes to bytes not in the input: % x", fr.Body.Type(), e)
			}
			enc = append(enc, e...)
		}
		if int64(len(enc)) != whole.Stats().FrameBytes {
			t.Fatalf("frames re-encode to %d bytes, counted %d", len(enc), whole.Stats().FrameBytes)
		}

		// The same bytes in pieces of 1 + cut bytes give the same frames.
		var pieces Decoder
		var got []Frame
		step := 1 + int(cut)
		for i := 0; i < len(data); i += step {
			got = pieces.AppendFrames(got, data[i:min(i+step, len(data))])
			checkStats(t, &pieces)
		}
		if !bytes.Equal(encodeAll(t, got), enc) {
			t.Fatalf("pieces of %d bytes decode differently", step)
		}
		if pieces.Stats() != whole.Stats() || pieces.Buffered() != whole.Buffered() {
			t.Fatalf("pieces: stats %+v, whole: %+v", pieces.Stats(), whole.Stats())
		}
	})
}
