package compiler

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"go.yaml.in/yaml/v3"

	"github.com/snnc/snnc/ir"
)

// These tests keep docs/net.schema.json, the JSON Schema editors check
// descriptions with, in step with the frontend: every valid example is
// valid by the schema, typical mistakes are not, and the lists and ranges
// the schema repeats are the frontend's.

const schemaPath = "../docs/net.schema.json"

func compileSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	sch, err := c.Compile(schemaPath)
	if err != nil {
		t.Fatalf("%s: %v", schemaPath, err)
	}
	return sch
}

// yamlValue converts a YAML document to the values JSON would give
// (map[string]any, []any, string, bool, nil and numbers), reading numbers
// as the frontend does (010 is ten), so that the schema sees what snnc sees.
func yamlValue(t *testing.T, n *yaml.Node) any {
	t.Helper()
	n = resolve(n)
	switch n.Kind {
	case yaml.DocumentNode:
		return yamlValue(t, n.Content[0])
	case yaml.MappingNode:
		m := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			m[resolve(n.Content[i]).Value] = yamlValue(t, n.Content[i+1])
		}
		return m
	case yaml.SequenceNode:
		l := make([]any, len(n.Content))
		for i, c := range n.Content {
			l[i] = yamlValue(t, c)
		}
		return l
	}
	switch n.ShortTag() {
	case tagNull:
		return nil
	case tagBool:
		return n.Value == "true" || n.Value == "True" || n.Value == "TRUE"
	}
	if numeric(n) {
		neg, mag, kind := parseInteger(n.Value)
		switch {
		case kind == isInteger && neg && mag == 1<<63:
			return int64(math.MinInt64)
		case kind == isInteger && neg && mag < 1<<63:
			return -int64(mag)
		case kind == isInteger && mag <= math.MaxInt64:
			return int64(mag)
		case kind == isInteger && !neg:
			return mag // a uint64, as seeds may be
		case kind != notANumber:
			if f, err := strconv.ParseFloat(strings.ReplaceAll(n.Value, "_", ""), 64); err == nil {
				return f
			}
		}
	}
	return n.Value
}

// yamlFileValue reads a YAML file as JSON values.
func yamlFileValue(t *testing.T, path string) any {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return yamlTextValue(t, string(data))
}

func yamlTextValue(t *testing.T, src string) any {
	t.Helper()
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(src), &doc); err != nil {
		t.Fatalf("%v\n%s", err, src)
	}
	return yamlValue(t, &doc)
}

// TestSchemaAcceptsExamples validates every valid description of the
// repository by the schema: the tests' (those that parse), the examples and
// the benchmark networks.
func TestSchemaAcceptsExamples(t *testing.T) {
	sch := compileSchema(t)
	testdata, _ := filepath.Glob("testdata/*.yaml")
	examples, _ := filepath.Glob("../examples/*/net.yaml")
	bench, _ := filepath.Glob("../bench/networks/*.yaml")
	if len(testdata) == 0 || len(examples) == 0 || len(bench) == 0 {
		t.Fatalf("examples missing: %d in testdata, %d in examples, %d in bench", len(testdata), len(examples), len(bench))
	}
	for _, path := range testdata {
		if _, err := ParseFile(path); err != nil {
			continue // a test of an error, not an example
		}
		if err := sch.Validate(yamlFileValue(t, path)); err != nil {
			t.Errorf("%s parses but the schema rejects it: %v", path, err)
		}
	}
	// The examples and benchmarks are valid (other tests run them); the
	// benchmarks are not parsed here, which would build 10^8 synapses.
	for _, path := range append(examples, bench...) {
		if err := sch.Validate(yamlFileValue(t, path)); err != nil {
			t.Errorf("%s: the schema rejects it: %v", path, err)
		}
	}
	// The error-message tests whose mistake the schema cannot see (shapes,
	// references, sizes) are valid structure: parse them with the schema.
	if err := sch.Validate(yamlTextValue(t, head+"  - {from: in, to: exc, "+dense+"}\n")); err != nil {
		t.Errorf("the errors' test network: %v", err)
	}
	// Lists of pairs with every form of weights and delays they take.
	for _, fields := range []string{
		"connect: {pairs: [[2, 3], [0, 0]]}, weights: [1, -2], delays: [1, 2ms]",
		"connect: {pairs: [[2, 3], [0, 0]]}, weights: {file: w.npy}, delays: {file: d.csv}",
		"connect: {pairs: {file: p.npy}}, weights: {uniform: {min: -3, max: 3, seed: 1}}, delays: {uniform: {min: 1, max: 3, seed: 2}}",
		"connect: {pairs: []}, weights: [], delays: []",
		"connect: {pairs: {file: p.csv}}, weights: 4, delays: 3",
	} {
		src := "version: 1\ntimestep: 1ms\n" + strings.TrimPrefix(proj(fields), "version: 1\n")
		if err := sch.Validate(yamlTextValue(t, src)); err != nil {
			t.Errorf("%s: the schema rejects it: %v", fields, err)
		}
	}
}

// TestSchemaRejectsMistakes: typical mistakes, each an error for snnc
// too, are errors for the schema.
func TestSchemaRejectsMistakes(t *testing.T) {
	sch := compileSchema(t)
	valid := "version: 1\npopulations:\n  - {name: in, size: 3, model: input}\n  - {name: exc, size: 4, model: lif, params: {vth: 100}}\nprojections:\n"
	cases := map[string]string{
		"unknown top-level key":  "version: 1\npopulation: []\npopulations: [{name: a, size: 1, model: input}]\n",
		"unknown population key": "version: 1\npopulations: [{name: a, sise: 1, size: 1, model: input}]\n",
		"unknown param":          "version: 1\npopulations: [{name: a, size: 1, model: lif, params: {vth: 1, tau: 2}}]\n",
		"unknown projection key": valid + "  - {from: in, to: exc, connect: all_to_all, weights: 1, delay: 2}\n",
		"unknown model":          "version: 1\npopulations: [{name: a, size: 1, model: izhikevich}]\n",
		"size is a string":       "version: 1\npopulations: [{name: a, size: three, model: input}]\n",
		"size not an integer":    "version: 1\npopulations: [{name: a, size: 1.5, model: input}]\n",
		"size zero":              "version: 1\npopulations: [{name: a, size: 0, model: input}]\n",
		"populations a mapping":  "version: 1\npopulations: {name: a, size: 1, model: input}\n",
		"version 2":              "version: 2\npopulations: [{name: a, size: 1, model: input}]\n",
		"lif without vth":        "version: 1\npopulations: [{name: a, size: 1, model: lif, params: {du: 1}}]\n",
		"input with params":      "version: 1\npopulations: [{name: a, size: 1, model: input, params: {vth: 1}}]\n",
		"vth out of range":       "version: 1\npopulations: [{name: a, size: 1, model: lif, params: {vth: 131072}}]\n",
		"bad name":               "version: 1\npopulations: [{name: 2a, size: 1, model: input}]\n",
		"negative seed":          valid + "  - {from: in, to: exc, connect: {random: {p: 0.5, seed: -1}}, weights: 1}\n",
		"p zero":                 valid + "  - {from: in, to: exc, connect: {random: {p: 0, seed: 1}}, weights: 1}\n",
		"unknown pattern":        valid + "  - {from: in, to: exc, connect: one2one, weights: 1}\n",
		"delay 0":                valid + "  - {from: in, to: exc, connect: all_to_all, weights: 1, delays: 0}\n",
		"matrix with connect":    valid + "  - {from: in, to: exc, connect: all_to_all, " + dense + "}\n",
		"number without connect": valid + "  - {from: in, to: exc, weights: 5}\n",
		// A weight's range depends on the target's model (integers into
		// lif, any float into cuba_lif), which the schema cannot look up:
		// out-of-range integer weights are snnc check's to find.
		"weight not a number": valid + "  - {from: in, to: exc, connect: all_to_all, weights: heavy}\n",
		// Lists of pairs.
		"pairs and a delay matrix":   valid + "  - {from: in, to: exc, connect: {pairs: [[0, 1]]}, weights: 1, delays: [[1, 1, 1], [1, 1, 1], [1, 1, 1], [1, 1, 1]]}\n",
		"pairs and a weight matrix":  valid + "  - {from: in, to: exc, connect: {pairs: [[0, 1]]}, " + dense + "}\n",
		"weight list without pairs":  valid + "  - {from: in, to: exc, weights: [1, 2]}\n",
		"weight list with a pattern": valid + "  - {from: in, to: exc, connect: all_to_all, weights: [1, 2]}\n",
		"delay list without pairs":   valid + "  - {from: in, to: exc, " + dense + ", delays: [1, 2]}\n",
		"pair of three":              valid + "  - {from: in, to: exc, connect: {pairs: [[0, 1, 2]]}, weights: 1}\n",
		"negative pair index":        valid + "  - {from: in, to: exc, connect: {pairs: [[0, -1]]}, weights: 1}\n",
		"pairs and random":           valid + "  - {from: in, to: exc, connect: {pairs: [[0, 1]], random: {p: 1, seed: 1}}, weights: 1}\n",
		"pair delay 0":               valid + "  - {from: in, to: exc, connect: {pairs: [[0, 1]]}, weights: 1, delays: [0]}\n",
		"timestep without unit":      "version: 1\ntimestep: 0.001\npopulations: [{name: a, size: 1, model: input}]\n",
	}
	for name, src := range cases {
		if _, err := parseString(t, src, nil); err == nil {
			t.Errorf("%s: snnc accepts it; the case is wrong", name)
		}
		if err := sch.Validate(yamlTextValue(t, src)); err == nil {
			t.Errorf("%s: the schema accepts it\n%s", name, src)
		}
	}
}

// schemaJSON reads the schema as plain JSON, numbers as json.Number.
func schemaJSON(t *testing.T) map[string]any {
	t.Helper()
	data, err := os.ReadFile(schemaPath)
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.UseNumber()
	var s map[string]any
	if err := dec.Decode(&s); err != nil {
		t.Fatal(err)
	}
	return s
}

// at follows a path of keys through decoded JSON.
func at(t *testing.T, v any, path ...string) any {
	t.Helper()
	for _, k := range path {
		m, ok := v.(map[string]any)
		if !ok {
			t.Fatalf("schema: %s: not an object", strings.Join(path, "."))
		}
		if v, ok = m[k]; !ok {
			t.Fatalf("schema: %s: no %q", strings.Join(path, "."), k)
		}
	}
	return v
}

func keysOf(t *testing.T, v any) []string {
	t.Helper()
	var keys []string
	for k := range v.(map[string]any) {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func stringList(v any) []string {
	var out []string
	for _, x := range v.([]any) {
		out = append(out, x.(string))
	}
	slices.Sort(out)
	return out
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

// TestSchemaLIFParams: the schema's LIF parameters are ir.LIFParamTable's,
// with the same ranges and the same required ones.
func TestSchemaLIFParams(t *testing.T) {
	s := schemaJSON(t)
	defs := at(t, s, "$defs")
	props := at(t, defs, "lifParams", "properties")
	var names, required []string
	for _, d := range ir.LIFParamTable {
		names = append(names, d.Name)
		if d.Required {
			required = append(required, d.Name)
		}
		if _, ok := props.(map[string]any)[d.Name]; !ok {
			t.Errorf("schema: no LIF parameter %q", d.Name)
			continue
		}
		// The first alternative is the single value, a $ref to its range.
		ref := at(t, at(t, props, d.Name, "anyOf").([]any)[0], "$ref").(string)
		def, ok := strings.CutPrefix(ref, "#/$defs/")
		if !ok {
			t.Fatalf("schema: %s: $ref %q", d.Name, ref)
		}
		lo, hi := at(t, defs, def, "minimum").(json.Number), at(t, defs, def, "maximum").(json.Number)
		if lo.String() != strconv.FormatInt(d.Min, 10) || hi.String() != strconv.FormatInt(d.Max, 10) {
			t.Errorf("schema: %s is %s..%s, ir.LIFParamTable says %d..%d", d.Name, lo, hi, d.Min, d.Max)
		}
		if typ := at(t, defs, def, "type"); typ != "integer" {
			t.Errorf("schema: %s has type %v, want integer", d.Name, typ)
		}
	}
	names = append(names, "reset") // one mode per population, not in the table
	if got := keysOf(t, props); !slices.Equal(got, sorted(names)) {
		t.Errorf("schema LIF parameters %v, ir.LIFParamTable has %v", got, names)
	}
	if got := stringList(at(t, defs, "lifParams", "required")); !slices.Equal(got, sorted(required)) {
		t.Errorf("schema requires %v, ir.LIFParamTable %v", got, required)
	}
}

// TestSchemaKeys: the keys and names the schema allows are the frontend's.
func TestSchemaKeys(t *testing.T) {
	s := schemaJSON(t)
	defs := at(t, s, "$defs")
	for _, c := range []struct {
		what   string
		schema any
		want   []string
	}{
		{"top level", at(t, s, "properties"), topKeys},
		{"population", at(t, defs, "population", "properties"), populationKeys},
		{"projection", at(t, defs, "projection", "properties"), projectionKeys},
	} {
		if got := keysOf(t, c.schema); !slices.Equal(got, sorted(c.want)) {
			t.Errorf("schema %s keys %v, the frontend's %v", c.what, got, c.want)
		}
	}
	var models []string
	for _, m := range ir.Models {
		models = append(models, m.String())
	}
	if got := stringList(at(t, defs, "population", "properties", "model", "enum")); !slices.Equal(got, sorted(models)) {
		t.Errorf("schema models %v, ir.Models %v", got, models)
	}
	var modes []string
	for _, m := range []ir.SignMode{ir.SignMixed, ir.SignExcitatory, ir.SignInhibitory} {
		modes = append(modes, m.String())
	}
	if got := stringList(at(t, defs, "projection", "properties", "sign_mode", "enum")); !slices.Equal(got, sorted(modes)) {
		t.Errorf("schema sign modes %v, ir's %v", got, modes)
	}
	for name, d := range map[string]struct{ lo, hi int64 }{
		"weight":   {ir.WeightMin, ir.WeightMax},
		"seed":     {0, -1}, // -1: 2^64-1, below
		"bias_exp": {0, ir.BiasExpMax},
	} {
		lo, hi := at(t, defs, name, "minimum").(json.Number).String(), at(t, defs, name, "maximum").(json.Number).String()
		wantHi := strconv.FormatInt(d.hi, 10)
		if d.hi == -1 {
			wantHi = strconv.FormatUint(math.MaxUint64, 10)
		}
		if lo != strconv.FormatInt(d.lo, 10) || hi != wantHi {
			t.Errorf("schema %s is %s..%s, want %d..%s", name, lo, hi, d.lo, wantHi)
		}
	}
	delay := at(t, defs, "delay", "anyOf").([]any)[0]
	if lo, hi := at(t, delay, "minimum").(json.Number).String(), at(t, delay, "maximum").(json.Number).String(); lo != "1" || hi != strconv.Itoa(ir.MaxDelay) {
		t.Errorf("schema delay is %s..%s, want 1..%d", lo, hi, ir.MaxDelay)
	}
}
