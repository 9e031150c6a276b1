package wire

import (
	"fmt"
	"slices"
)

// InputFrames returns the frames that carry one step's input spikes, the
// last one without More, so that the board runs the step after it. slots
// are the core's slot numbers of the external sources that spike, each
// at most once (the core holds one pending bit per slot), in any order;
// they must lie in neuronCount..slotCount-1.
//
// The encoding is whichever is shorter on the line: one InputBitmap (bit
// i is slot neuronCount+i, cut after the last byte with a set bit) or
// InputAER frames of up to MaxInputAER slots in increasing order; a tie
// goes to AER. No spikes is one empty InputAER (7 bytes).
func InputFrames(slots []int, neuronCount, slotCount int) ([]Body, error) {
	s := slices.Clone(slots)
	slices.Sort(s)
	for i, v := range s {
		if v < neuronCount || v >= slotCount {
			return nil, fmt.Errorf("input spike for slot %d, which is not an external slot (allowed: %d..%d)", v, neuronCount, slotCount-1)
		}
		if v > 0xFFFF {
			return nil, fmt.Errorf("input spike for slot %d (allowed: at most 65535 on the link)", v)
		}
		if i > 0 && s[i-1] == v {
			return nil, fmt.Errorf("input spike for slot %d listed twice in one step", v)
		}
	}
	if len(s) == 0 {
		return []Body{&InputAER{}}, nil
	}
	chunks := (len(s) + MaxInputAER - 1) / MaxInputAER
	aerBytes := chunks*(Overhead+1) + 2*len(s)
	bitmapLen := (s[len(s)-1]-neuronCount)/8 + 1
	if bitmapLen <= MaxInputBitmap && Overhead+1+bitmapLen < aerBytes {
		bits := make([]byte, bitmapLen)
		for _, v := range s {
			i := v - neuronCount
			bits[i/8] |= 1 << (i % 8)
		}
		return []Body{&InputBitmap{Bits: bits}}, nil
	}
	out := make([]Body, 0, chunks)
	for len(s) > 0 {
		n := min(len(s), MaxInputAER)
		f := &InputAER{More: n < len(s), Slots: make([]uint16, n)}
		for i, v := range s[:n] {
			f.Slots[i] = uint16(v)
		}
		out = append(out, f)
		s = s[n:]
	}
	return out, nil
}

// OutputFrames returns the frames in which the board reports one step's
// output spikes (neuron slots below neuronCount), as the board chooses
// them: none when no neuron spiked; otherwise one OutputBitmap of
// ⌈neuronCount/8⌉ bytes when that fits a frame and is shorter than two
// bytes per spike (or always, with bitmapOnly: the SPI link), else
// OutputAER frames of up to MaxOutputAER slots in increasing order. The
// board knows the spike count (ctrl word 26) and neuron_count before it
// sends the first byte, so it can make this choice and give each frame's
// length up front. The Go side uses it to model the board in tests.
func OutputFrames(slots []int, neuronCount int, bitmapOnly bool) ([]Body, error) {
	s := slices.Clone(slots)
	slices.Sort(s)
	for i, v := range s {
		if v < 0 || v >= neuronCount || v > 0xFFFF {
			return nil, fmt.Errorf("output spike of slot %d, which is not a neuron slot (allowed: 0..%d)", v, neuronCount-1)
		}
		if i > 0 && s[i-1] == v {
			return nil, fmt.Errorf("output spike of slot %d listed twice in one step", v)
		}
	}
	if len(s) == 0 {
		return nil, nil
	}
	bitmapLen := (neuronCount + 7) / 8
	if bitmapLen <= MaxOutputBitmap && (bitmapOnly || bitmapLen < 2*len(s)) {
		bits := make([]byte, bitmapLen)
		for _, v := range s {
			bits[v/8] |= 1 << (v % 8)
		}
		return []Body{&OutputBitmap{Bits: bits}}, nil
	}
	var out []Body
	for len(s) > 0 {
		n := min(len(s), MaxOutputAER)
		f := &OutputAER{Slots: make([]uint16, n)}
		for i, v := range s[:n] {
			f.Slots[i] = uint16(v)
		}
		out = append(out, f)
		s = s[n:]
	}
	return out, nil
}

// AppendSpikes appends the slot numbers that b (an input or output spike
// frame) carries, in the frame's order: AER lists as they are, bitmaps in
// increasing order from base (neuron_count for InputBitmap, 0 for
// OutputBitmap). It reports whether b is a spike frame at all.
func AppendSpikes(dst []int, b Body, neuronCount int) ([]int, bool) {
	switch b := b.(type) {
	case *InputAER:
		return appendAER(dst, b.Slots), true
	case *OutputAER:
		return appendAER(dst, b.Slots), true
	case *InputBitmap:
		return appendBitmap(dst, b.Bits, neuronCount), true
	case *OutputBitmap:
		return appendBitmap(dst, b.Bits, 0), true
	}
	return dst, false
}

func appendAER(dst []int, slots []uint16) []int {
	for _, s := range slots {
		dst = append(dst, int(s))
	}
	return dst
}

func appendBitmap(dst []int, bits []byte, base int) []int {
	for i, b := range bits {
		for j := range 8 {
			if b&(1<<j) != 0 {
				dst = append(dst, base+8*i+j)
			}
		}
	}
	return dst
}
