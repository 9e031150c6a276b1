package ir

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
)

func TestMappedRoundTrip(t *testing.T) {
	net := smallNet(t)
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
