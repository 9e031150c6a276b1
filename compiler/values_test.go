package compiler

import (
	"math"
	"reflect"
	"testing"

	"go.yaml.in/yaml/v3"
)

func TestParseInteger(t *testing.T) {
	const maxU = math.MaxUint64
	cases := []struct {
		text string
		neg  bool
		mag  uint64
		kind numberKind
	}{
		{"0", false, 0, isInteger},
		{"-0", true, 0, isInteger},
		{"7", false, 7, isInteger},
		{"+7", false, 7, isInteger},
		{"-7", true, 7, isInteger},
		// A leading zero is decimal, never octal.
		{"010", false, 10, isInteger},
		{"-010", true, 10, isInteger},
		{"007", false, 7, isInteger},
		{"08", false, 8, isInteger},
		{"0o10", false, 8, isInteger},
		{"0O17", false, 15, isInteger},
		{"0x10", false, 16, isInteger},
		{"-0x10", true, 16, isInteger},
		{"0XfF", false, 255, isInteger},
		{"0b101", false, 5, isInteger},
		{"0x1_0", false, 16, isInteger},
		// Underscores group digits, single and between digits only.
		{"1_000", false, 1000, isInteger},
		{"01_0", false, 10, isInteger},
		{"1_000_000", false, 1000000, isInteger},
		{"1__0", false, 0, notANumber},
		{"_1", false, 0, notANumber},
		{"1_", false, 0, notANumber},
		{"0x_10", false, 0, notANumber},
		{"0x10_", false, 0, notANumber},
		{"1_.5", false, 0, notANumber},
		// Whole numbers written as decimals, read exactly.
		{"1e3", false, 1000, isInteger},
		{"1E3", false, 1000, isInteger},
		{"2.0", false, 2, isInteger},
		{"1.", false, 1, isInteger},
		{".5e1", false, 5, isInteger},
		{"-1.5e1", true, 15, isInteger},
		{"1_000.0", false, 1000, isInteger},
		{"1.000000000000000000e+00", false, 1, isInteger},
		{"12345678901234567890000e-3", false, 12345678901234567890, isInteger},
		{"0.0e999999999999", false, 0, isInteger},
		{"0e-5", false, 0, isInteger},
		{"1.5", false, 0, notWhole},
		{"1e-3", false, 0, notWhole},
		{"1.0000000000000000001", false, 0, notWhole},
		{"1e-99999999999", false, 0, notWhole},
		// 2^64 - 1 and beyond.
		{"18446744073709551615", false, maxU, isInteger},
		{"0xffffffffffffffff", false, maxU, isInteger},
		{"1.8446744073709551615e19", false, maxU, isInteger},
		{"18446744073709551616", false, 0, tooLarge},
		{"0x10000000000000000", false, 0, tooLarge},
		{"1e20", false, 0, tooLarge},
		{"1e999999999999", false, 0, tooLarge},
		{"-99999999999999999999999", true, 0, tooLarge},
		// Not numbers.
		{"", false, 0, notANumber},
		{"-", true, 0, notANumber},
		{"+", false, 0, notANumber},
		{".", false, 0, notANumber},
		{"e3", false, 0, notANumber},
		{"1e", false, 0, notANumber},
		{"1e+", false, 0, notANumber},
		{"--1", true, 0, notANumber},
		{"0x", false, 0, notANumber},
		{"0x1g", false, 0, notANumber},
		{"0b2", false, 0, notANumber},
		{"0o8", false, 0, notANumber},
		{"1.2.3", false, 0, notANumber},
		{".inf", false, 0, notANumber},
		{"inf", false, 0, notANumber},
		{"NaN", false, 0, notANumber},
		{"1 000", false, 0, notANumber},
		{"3ms", false, 0, notANumber},
		{"0x1p4", false, 0, notANumber},
	}
	for _, c := range cases {
		neg, mag, kind := parseInteger(c.text)
		if neg != c.neg || mag != c.mag || kind != c.kind {
			t.Errorf("parseInteger(%q) = %v, %d, %d; want %v, %d, %d", c.text, neg, mag, kind, c.neg, c.mag, c.kind)
		}
	}
}

// scalarNode is the value of "v: text" as the YAML library parses it.
func scalarNode(t testing.TB, text string) *yaml.Node {
	t.Helper()
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte("v: "+text), &doc); err != nil {
		t.Fatal(err)
	}
	return doc.Content[0].Content[1]
}

// TestSeedsReadLikeIntegers pins that a seed and any other integer field
// read the same text as the same number: the YAML library's decoder, which
// read seeds before, takes 010 and 01_0 for octal 8.
func TestSeedsReadLikeIntegers(t *testing.T) {
	p := &parser{name: "net.yaml"}
	spec := intSpec{min: 0, max: math.MaxInt64}
	for _, c := range []struct {
		text string
		want int64
	}{
		{"010", 10},
		{"0o10", 8},
		{"0x10", 16},
		{"1_000", 1000},
		{"01_0", 10},
		{"1e3", 1000},
		{"+5", 5},
		{"-0", 0},
	} {
		seed, err := p.seed(scalarNode(t, c.text), "seed")
		if err != nil || seed != uint64(c.want) {
			t.Errorf("seed: %s = %d, %v; want %d", c.text, seed, err, c.want)
		}
		v, err := p.integer(scalarNode(t, c.text), "vth", spec)
		if err != nil || v != c.want {
			t.Errorf("integer %s = %d, %v; want %d", c.text, v, err, c.want)
		}
	}
	for _, c := range []struct{ text, want string }{
		{"18446744073709551615", ""},
		{"0xffffffffffffffff", ""},
		{"18446744073709551616", "net.yaml:1:4: seed: 18446744073709551616 is out of range (allowed: an integer 0..18446744073709551615)"},
		{"0x1ffffffffffffffff", "net.yaml:1:4: seed: 0x1ffffffffffffffff is out of range (allowed: an integer 0..18446744073709551615)"},
		{"-1", "net.yaml:1:4: seed: -1 is out of range (allowed: an integer 0..18446744073709551615)"},
		{"1.5", "net.yaml:1:4: seed: 1.5 is not an integer (allowed: an integer 0..18446744073709551615)"},
		{"1__0", `net.yaml:1:4: seed: expected a seed (allowed: an integer 0..18446744073709551615); found 1__0`},
		{"x1", `net.yaml:1:4: seed: expected a seed (allowed: an integer 0..18446744073709551615); found the string "x1"`},
		{`"7"`, `net.yaml:1:4: seed: expected a seed (allowed: an integer 0..18446744073709551615); found the string "7"`},
		{"true", "net.yaml:1:4: seed: expected a seed (allowed: an integer 0..18446744073709551615); found true"},
	} {
		_, err := p.seed(scalarNode(t, c.text), "seed")
		if got := errText(err); got != c.want {
			t.Errorf("seed: %s: got %q, want %q", c.text, got, c.want)
		}
	}
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// TestOctalLookingSeed: seed 010 makes the network of seed 10, not of 8.
func TestOctalLookingSeed(t *testing.T) {
	net := func(seed string) string {
		return dump(mustParse(t, `version: 1
populations:
  - {name: a, size: 16, model: lif, params: {vth: 1}}
projections:
  - {from: a, to: a, connect: {random: {p: 0.5, seed: `+seed+`}}, weights: {uniform: {min: -5, max: 5, seed: `+seed+`}}}
`, nil))
	}
	if net("010") != net("10") {
		t.Error("seed 010 differs from seed 10")
	}
	if net("010") == net("8") {
		t.Error("seed 010 is read as octal 8")
	}
	if net("1_000") != net("1000") || net("0x10") != net("16") || net("0o10") != net("8") {
		t.Error("seeds written with _, 0x or 0o differ from their decimal forms")
	}
}

// TestIntegerFormsAgree: YAML scalars, inline lists and CSV files read the
// same spellings as the same numbers.
func TestIntegerFormsAgree(t *testing.T) {
	texts := []string{"010", "0o10", "0x10", "1_000", "01_0", "1e3", "2.0", "-0x10", "+3"}
	want := []int32{10, 8, 16, 1000, 10, 1000, 2, -16, 3}
	list := "["
	csv := ""
	for i, s := range texts {
		if i > 0 {
			list += ", "
		}
		list += s
		csv += s + "\n"
	}
	list += "]"
	for _, src := range []string{"bias_mant: " + list, "bias_mant: {file: b.csv}"} {
		net := mustParse(t, `version: 1
populations:
  - {name: a, size: 9, model: lif, params: {vth: 1, `+src+`}}
`, map[string][]byte{"b.csv": []byte(csv)})
		if got := []int32(net.Populations[0].LIF.BiasMant); !reflect.DeepEqual(got, want) {
			t.Errorf("%s: got %v, want %v", src, got, want)
		}
	}
	for i, s := range texts {
		net := mustParse(t, "version: 1\npopulations:\n  - {name: a, size: 1, model: lif, params: {vth: 1, bias_mant: "+s+"}}\n", nil)
		if got := net.Populations[0].LIF.BiasMant[0]; got != want[i] {
			t.Errorf("bias_mant: %s = %d, want %d", s, got, want[i])
		}
	}
}

// TestCSVByteOrderMark: a CSV array may start with a UTF-8 byte order mark,
// as spreadsheets write it, and may end its lines with CRLF; a BOM
// elsewhere is an error, and a BOM alone is an empty file.
func TestCSVByteOrderMark(t *testing.T) {
	const bom = "\xef\xbb\xbf"
	files := map[string][]byte{
		"w.csv":   []byte(bom + "10, 0, -20\r\n0, 5, 0\r\n7, 7, 7\r\n0, 0, 255\r\n"),
		"vth.csv": []byte(bom + "100\r\n120\r\n90\r\n80\r\n"),
	}
	src := "version: 1\npopulations:\n  - {name: in, size: 3, model: input}\n  - {name: exc, size: 4, model: lif, params: {vth: {file: vth.csv}}}\nprojections:\n  - {from: in, to: exc, weights: {file: w.csv}}\n"
	net := mustParse(t, src, files)
	if got := []int32(net.Populations[1].LIF.Vth); !reflect.DeepEqual(got, []int32{100, 120, 90, 80}) {
		t.Errorf("vth = %v", got)
	}
	want, err := ParseFile("testdata/spec.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(net.Projections[0].Syn, want.Projections[0].Syn) {
		t.Errorf("weights with a BOM differ from the inline matrix\n%s", dump(net))
	}
	for _, c := range []struct{ data, want string }{
		{bom, `vth.csv: populations[1].params.vth: the file is empty`},
		{"100\n" + bom + "120\n90\n80\n", `vth.csv:2:1: populations[1].params.vth[1]: "\ufeff120" is not an integer (allowed: 0..131071)`},
		{bom + bom + "100\n120\n90\n80\n", `vth.csv:1:1: populations[1].params.vth[0]: "\ufeff100" is not an integer (allowed: 0..131071)`},
	} {
		files["vth.csv"] = []byte(c.data)
		if _, err := parseString(t, src, files); errText(err) != c.want {
			t.Errorf("%q: got %v, want %s", c.data, err, c.want)
		}
	}
}
