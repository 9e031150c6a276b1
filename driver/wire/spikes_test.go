package wire

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/snnc/snnc/backend/fpga"
)

func frameBytes(t testing.TB, bs []Body) int {
	n := 0
	for _, b := range bs {
		e, err := Encode(Frame{Body: b})
		if err != nil {
			t.Fatal(err)
		}
		n += len(e)
	}
	return n
}

func decodeSpikes(t testing.TB, bs []Body, neuronCount int) []int {
	var got []int
	for _, b := range bs {
		e, _ := Encode(Frame{Body: b})
		var d Decoder
		fs := d.Feed(e)
		if len(fs) != 1 {
			t.Fatalf("%T did not decode", b)
		}
		var ok bool
		if got, ok = AppendSpikes(got, fs[0].Body, neuronCount); !ok {
			t.Fatalf("%T is not a spike frame", b)
		}
	}
	return got
}

func TestInputFrames(t *testing.T) {
	all := func(from, to int) []int {
		var s []int
		for i := from; i < to; i++ {
			s = append(s, i)
		}
		return s
	}
	for _, tc := range []struct {
		name                    string
		slots                   []int
		neuronCount, slotCount  int
		wantType                Type
		wantFrames, wantBytesEq int
	}{
		{"none", nil, 10, 20, TypeInputAER, 1, 7},
		{"one high slot", []int{1023}, 0, 1024, TypeInputAER, 1, 9},
		{"slot 12: a tie goes to aer", []int{12}, 0, 1024, TypeInputAER, 1, 9},
		{"two low slots", []int{0, 9}, 0, 1024, TypeInputBitmap, 1, 9},
		{"three low slots", []int{0, 1, 9}, 0, 1024, TypeInputBitmap, 1, 9},
		{"all 1024 external slots", all(0, 1024), 0, 1024, TypeInputBitmap, 1, 135},
		{"all 768 after 256 neurons", all(256, 1024), 256, 1024, TypeInputBitmap, 1, 103},
		{"3000 of 4096: bitmap too long", all(1000, 4000), 0, 4096, TypeInputAER, 25, 25*7 + 6000},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bs, err := InputFrames(tc.slots, tc.neuronCount, tc.slotCount)
			if err != nil {
				t.Fatal(err)
			}
			if len(bs) != tc.wantFrames || bs[0].Type() != tc.wantType || frameBytes(t, bs) != tc.wantBytesEq {
				t.Fatalf("%d frames of %v, %d bytes", len(bs), bs[0].Type(), frameBytes(t, bs))
			}
			for i, b := range bs {
				more := false
				switch b := b.(type) {
				case *InputAER:
					more = b.More
				case *InputBitmap:
					more = b.More
				}
				if more != (i < len(bs)-1) {
					t.Fatalf("frame %d of %d: More = %v", i, len(bs), more)
				}
			}
			got := decodeSpikes(t, bs, tc.neuronCount)
			if !slices.Equal(got, tc.slots) && len(got)+len(tc.slots) > 0 {
				t.Fatalf("spikes %v, want %v", got, tc.slots)
			}
		})
	}
	for _, bad := range [][]int{{5}, {20}, {12, 12}} {
		if _, err := InputFrames(bad, 10, 20); err == nil {
			t.Errorf("%v accepted", bad)
		}
	}
}

func TestInputFramesRandom(t *testing.T) {
	// The choice is never longer than the other encoding, and the spikes
	// come back sorted.
	r := rand.New(rand.NewPCG(5, 6))
	for range 500 {
		nc := r.IntN(300)
		sc := nc + 1 + r.IntN(1024)
		perm := r.Perm(sc - nc)
		slots := perm[:r.IntN(len(perm)+1)]
		for i := range slots {
			slots[i] += nc
		}
		bs, err := InputFrames(slots, nc, sc)
		if err != nil {
			t.Fatal(err)
		}
		want := slices.Sorted(slices.Values(slots))
		if got := decodeSpikes(t, bs, nc); !slices.Equal(got, want) && len(want) > 0 {
			t.Fatalf("spikes %v, want %v", got, want)
		}
		aer := 7 + 2*len(slots) + 7*max(0, (len(slots)-1)/MaxInputAER)
		if n := frameBytes(t, bs); n > aer || bs[0].Type() == TypeInputAER && len(slots) > 0 && n > 7+(want[len(want)-1]-nc)/8+1 && (want[len(want)-1]-nc)/8+1 <= MaxInputBitmap {
			t.Fatalf("%d spikes: %d bytes as %v, aer %d", len(slots), n, bs[0].Type(), aer)
		}
	}
}

func TestOutputFrames(t *testing.T) {
	for _, tc := range []struct {
		name        string
		slots       []int
		neuronCount int
		bitmapOnly  bool
		wantType    Type
		wantFrames  int
	}{
		{"none", nil, 1024, false, 0, 0},
		{"none on spi", nil, 1024, true, 0, 0},
		{"few", []int{3, 700}, 1024, false, TypeOutputAER, 1},
		{"few on spi", []int{3, 700}, 1024, true, TypeOutputBitmap, 1},
		{"64 of 1024: a tie goes to aer", make([]int, 0), 1024, false, TypeOutputAER, 1},
		{"65 of 1024", make([]int, 0), 1024, false, TypeOutputBitmap, 1},
		{"500 of 4000: bitmap too long", make([]int, 0), 4000, true, TypeOutputAER, 4},
	} {
		t.Run(tc.name, func(t *testing.T) {
			slots := tc.slots
			if slots != nil && len(slots) == 0 {
				var n int
				switch tc.name[:2] {
				case "64":
					n = 64
				case "65":
					n = 65
				default:
					n = 500
				}
				for i := range n {
					slots = append(slots, tc.neuronCount-1-7*i)
				}
			}
			bs, err := OutputFrames(slots, tc.neuronCount, tc.bitmapOnly)
			if err != nil {
				t.Fatal(err)
			}
			if len(bs) != tc.wantFrames || len(bs) > 0 && bs[0].Type() != tc.wantType {
				t.Fatalf("%d frames", len(bs))
			}
			for i, b := range bs[:max(0, len(bs)-1)] {
				if a, ok := b.(*OutputAER); ok && len(a.Slots) != MaxOutputAER {
					t.Fatalf("frame %d not full", i)
				}
			}
			want := slices.Sorted(slices.Values(slots))
			if got := decodeSpikes(t, bs, tc.neuronCount); !slices.Equal(got, want) && len(want) > 0 {
				t.Fatalf("spikes %v, want %v", got, want)
			}
		})
	}
	for _, bad := range [][]int{{-1}, {10}, {2, 2}} {
		if _, err := OutputFrames(bad, 10, false); err == nil {
			t.Errorf("%v accepted", bad)
		}
	}
	if _, ok := AppendSpikes(nil, &Ack{}, 0); ok {
		t.Error("an ack carries spikes")
	}
}

// iceBreaker is the core of the iCEBreaker profile (docs/fpga-core.md).
var iceBreaker = fpga.CoreParams{SlotBits: 10, DelayBits: 4, SynWords: 16384, ProfileBits: 8, UseSPRAM: true}

// fullImage is a hand-made image of every region the driver loads, with
// random words of each region's width: a full synapse table and group
// pointer table, as for the largest network.
func fullImage(r *rand.Rand) *fpga.Image {
	c := iceBreaker
	im := &fpga.Image{Core: c, NeuronCount: 1000, SlotCount: 1024}
	for _, reg := range []struct{ id, base, n int }{
		{fpga.RegionCtrl, 0, 16}, {fpga.RegionProfile, 0, 37}, {fpga.RegionSlotProfile, 0, 1024},
		{fpga.RegionStateUV, 0, 1024}, {fpga.RegionGroupPtr, 0, 1024 * 16}, {fpga.RegionSynapse, 0, 16384},
		{fpga.RegionAccum, 1000, 3}, {fpga.RegionHistory, 5, 1},
	} {
		bits := fpga.RegionBits(reg.id, c)
		w := make([]uint64, reg.n)
		for i := range w {
			w[i] = r.Uint64() >> (64 - bits)
		}
		im.Regions = append(im.Regions, fpga.Region{ID: reg.id, Name: fpga.RegionName(reg.id), Bits: bits, Base: reg.base, Words: w})
	}
	return im
}

func TestConfigWrites(t *testing.T) {
	want := map[int]int{0: 4, 1: 8, 2: 1, 3: 1, 4: 6, 5: 3, 6: 2, 7: 2, 8: 6, 9: 0}
	for reg, w := range want {
		if got := WordBytes(reg, iceBreaker); got != w {
			t.Errorf("WordBytes(%d) = %d, want %d", reg, got, w)
		}
	}
	im := fullImage(rand.New(rand.NewPCG(7, 8)))
	ws, err := ConfigWrites(im.Core, im.Writes)
	if err != nil {
		t.Fatal(err)
	}
	type triple struct {
		region, addr int
		data         uint64
	}
	var wantT, gotT []triple
	im.Writes(func(region, addr int, data uint64) { wantT = append(wantT, triple{region, addr, data}) })
	frames, bytesOnLine := 0, 0
	var dec Decoder
	for i, w := range ws {
		e, err := Encode(Frame{Seq: uint8(i), Body: w})
		if err != nil {
			t.Fatal(err)
		}
		bytesOnLine += len(e)
		fs := dec.Feed(e)
		if len(fs) != 1 {
			t.Fatalf("write %d did not decode", i)
		}
		d := fs[0].Body.(*Write)
		for j, v := range d.Words {
			gotT = append(gotT, triple{int(d.Region), int(d.Addr) + j, v})
		}
		rb := w.ReadBack()
		if _, err := Encode(Frame{Body: rb}); err != nil {
			t.Fatalf("read-back of write %d: %v", i, err)
		}
		data := &ReadData{Region: rb.Region, Width: rb.Width, Addr: rb.Addr, Words: d.Words}
		if !w.Matches(data) {
			t.Fatalf("write %d does not match its own words", i)
		}
		frames++
	}
	if !slices.Equal(gotT, wantT) {
		t.Fatal("the frames do not write the image's words in order")
	}
	// Frames per region: ⌈words / MaxWords(width)⌉.
	wantFrames := 0
	for _, r := range im.Regions {
		n := MaxWords(WordBytes(r.ID, im.Core))
		wantFrames += (len(r.Words) + n - 1) / n
	}
	if frames != wantFrames {
		t.Fatalf("%d frames, want %d", frames, wantFrames)
	}
	t.Logf("full iCEBreaker image: %d words in %d frames, %d bytes on the line (%.1f%% framing)", len(wantT), frames, bytesOnLine, 100*float64(frames*(Overhead+4))/float64(bytesOnLine))

	ws[0].Words[0] ^= 1
	if ws[0].Matches(&ReadData{Region: ws[0].Region, Width: ws[0].Width, Addr: ws[0].Addr, Words: im.Regions[0].Words[:len(ws[0].Words)]}) {
		t.Fatal("a changed word matches")
	}
}

func TestConfigWritesRejects(t *testing.T) {
	for _, tr := range []struct {
		region, addr int
		data         uint64
	}{
		{9, 0, 0}, {fpga.RegionCtrl, 32, 0}, {fpga.RegionSynapse, 16384, 0}, {fpga.RegionSynapse, -1, 0},
		{fpga.RegionSlotProfile, 0, 256}, {fpga.RegionSynapse, 0, 1 << 48},
	} {
		_, err := ConfigWrites(iceBreaker, func(write func(int, int, uint64)) {
			write(fpga.RegionCtrl, 0, 1)
			write(tr.region, tr.addr, tr.data)
			write(fpga.RegionCtrl, 1, 1)
		})
		if err == nil {
			t.Errorf("%+v accepted", tr)
		}
	}
}
