package ir

import (
	"bytes"
	"encoding/binary"
	"reflect"
	"strings"
	"testing"
)

func TestMappedRoundTrip(t *testing.T) {
	net := smallNet(t)
	net.Populations[1].LIF.Reset = ResetSubtract
	net.Populations = append(net.Populations, Population{Name: "x.relay1", Size: 1, Model: ModelLIF, Relay: true, LIF: &LIFParams{Du: Param{4095}, Dv: Param{4095}, Vth: Param{0}, BiasMant: Param{0}, BiasExp: Param{0}, Refractory: Param{0}, U: Param{0}, V: Param{0}}})
	m := &Mapped{Net: net, Target: "tiny", CoreOf: []int32{-1, -1, 0, 1, 1}, ChipGrid: 1,
		Cores: []Core{{Chip: 0, X: 0, Y: 0}, {Chip: 0, X: 1, Y: 0}}}
	var a, b bytes.Buffer
	if err := WriteMapped(&a, m); err != nil {
		t.Fatal(err)
	}
	if err := WriteMapped(&b, m); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Error("two writes differ")
	}
	if !strings.HasPrefix(a.String(), MappedMagic) {
		t.Error("no magic")
	}
	got, err := ReadMapped(bytes.NewReader(a.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	for i := range net.Populations {
		net.Populations[i].Pos = Pos{}
	}
	net.Projections[0].SignModeDerived = false
	if !reflect.DeepEqual(got.Net, net) || !reflect.DeepEqual(got.CoreOf, m.CoreOf) || !reflect.DeepEqual(got.Cores, m.Cores) || got.Target != "tiny" || got.ChipGrid != 1 {
		t.Errorf("round trip:\n got %+v\nwant %+v", got.Net, net)
	}
	// Every truncation is an error, never a panic.
	for n := 0; n < a.Len(); n += 7 {
		if _, err := ReadMapped(bytes.NewReader(a.Bytes()[:n])); err == nil {
			t.Fatalf("truncated to %d bytes: no error", n)
		}
	}
}

// withHeader returns the mapped file data with its JSON header edited,
// padded with spaces so that the arrays keep their 8-byte alignment.
func withHeader(t *testing.T, data []byte, edit func(string) string) []byte {
	t.Helper()
	n := int(binary.LittleEndian.Uint32(data[12:]))
	h := edit(string(data[16 : 16+n]))
	for (len(h)-n)%8 != 0 {
		h += " "
	}
	out := append([]byte{}, data[:12]...)
	out = binary.LittleEndian.AppendUint32(out, uint32(len(h)))
	out = append(out, h...)
	return append(out, data[16+n:]...)
}

// The reset mode is a field of each lif population; a file without it
// (written before it existed) reads as reset zero, and a mode that is not
// one, or a reset on an input population, is an error.
func TestMappedReset(t *testing.T) {
	net := smallNet(t)
	net.Populations[1].LIF.Reset = ResetSubtract
	m := &Mapped{Net: net, Target: "tiny", CoreOf: []int32{-1, -1, 0, 0}, ChipGrid: 1, Cores: []Core{{}}}
	var buf bytes.Buffer
	if err := WriteMapped(&buf, m); err != nil {
		t.Fatal(err)
	}
	data := buf.Bytes()
	if !strings.Contains(string(data), `"reset":"subtract"`) || strings.Count(string(data), `"reset"`) != 1 {
		t.Fatalf("header: %s", data[16:16+binary.LittleEndian.Uint32(data[12:])])
	}
	read := func(data []byte) (*Mapped, error) { return ReadMapped(bytes.NewReader(data)) }
	if got, err := read(data); err != nil || got.Net.Populations[1].LIF.Reset != ResetSubtract {
		t.Fatalf("read back: %v", err)
	}
	old := withHeader(t, data, func(h string) string { return strings.Replace(h, `,"reset":"subtract"`, "", 1) })
	if got, err := read(old); err != nil || got.Net.Populations[1].LIF.Reset != ResetZero {
		t.Errorf("a file without reset: %v", err)
	}
	for _, tc := range []struct{ edit, want string }{
		{`,"reset":"subtract"`, `population "x": reset "half" (allowed: zero, subtract)`},
		{`"model":"input"`, `population "in": reset "zero" for model input (allowed for lif only)`},
	} {
		bad := withHeader(t, data, func(h string) string {
			if tc.edit == `"model":"input"` {
				return strings.Replace(h, tc.edit, tc.edit+`,"reset":"zero"`, 1)
			}
			return strings.Replace(h, tc.edit, `,"reset":"half"`, 1)
		})
		if _, err := read(bad); err == nil || err.Error() != tc.want {
			t.Errorf("got error %v, want %q", err, tc.want)
		}
	}
}
