package energy

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/snnc/snnc/internal/datafiles"
	"github.com/snnc/snnc/ir"
)

// Tech is the energy of the operations the model counts, in pJ: the
// figures of one process and word width. The technologies snnc ships are
// the files in tech/, embedded in the binary; LoadFile reads a user's own.
type Tech struct {
	Name string `json:"name"`
	// Source says where the figures come from.
	Source string `json:"source,omitempty"`
	// File is the file the figures were read from: tech/NAME.yaml for a
	// shipped technology.
	File string `json:"file"`
	// One access to an SRAM of n words of b bits costs
	// RAMBasePJ + RAMPerBitPJ·n·b.
	RAMBasePJ   float64 `json:"ram_base_pj"`
	RAMPerBitPJ float64 `json:"ram_per_bit_pj"`
	AddPJ       float64 `json:"add_pj"` // one integer addition
	MulPJ       float64 `json:"mul_pj"` // one integer multiplication
}

// RAM returns the energy of one access to an SRAM of words words of bits
// bits.
func (t *Tech) RAM(words int64, bits int) float64 {
	return t.RAMBasePJ + t.RAMPerBitPJ*float64(words)*float64(bits)
}

// DefaultTech is the technology used when none is named: 45 nm, 32-bit
// integers.
const DefaultTech = "45nm-int32"

//go:embed tech/*.yaml
var techFiles embed.FS

// Shipped returns the names of the technologies built into snnc, sorted.
func Shipped() []string { return datafiles.Names(techFiles, "tech") }

// Load returns the shipped technology called name.
func Load(name string) (*Tech, error) {
	file := "tech/" + name + ".yaml"
	data, err := techFiles.ReadFile(file)
	if err != nil {
		return nil, &TechError{ir.PosError{Msg: fmt.Sprintf("unknown technology %q (allowed: %s, or a tech file)", name, strings.Join(Shipped(), ", "))}}
	}
	return Parse(file, data)
}

// LoadFile reads a tech file of the user's.
func LoadFile(path string) (*Tech, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, &TechError{ir.PosError{Pos: ir.Pos{File: path}, Msg: fmt.Sprintf("cannot read the tech file: %v", err)}}
	}
	return Parse(path, data)
}

// Open returns the technology arg names: a shipped one by its name, else
// the tech file at the path arg. A word that is neither a shipped name nor
// an existing file is reported as an unknown technology.
func Open(arg string) (*Tech, error) {
	if slices.Contains(Shipped(), arg) {
		return Load(arg)
	}
	if _, err := os.Stat(arg); err != nil && !strings.ContainsAny(arg, `/\.`) {
		return Load(arg)
	}
	return LoadFile(arg)
}

// TechError is a mistake in a tech file, at FILE:LINE:COL.
type TechError struct{ ir.PosError }

// techKeys are the keys of a tech file, in file order; every one but
// source is required.
var (
	techKeys     = []string{"name", "source", "ram_base_pj", "ram_per_bit_pj", "add_pj", "mul_pj"}
	requiredKeys = []string{"name", "ram_base_pj", "ram_per_bit_pj", "add_pj", "mul_pj"}
)

// techNumbers are the keys holding energies, and where each one goes.
var techNumbers = map[string]func(*Tech) *float64{
	"ram_base_pj":    func(t *Tech) *float64 { return &t.RAMBasePJ },
	"ram_per_bit_pj": func(t *Tech) *float64 { return &t.RAMPerBitPJ },
	"add_pj":         func(t *Tech) *float64 { return &t.AddPJ },
	"mul_pj":         func(t *Tech) *float64 { return &t.MulPJ },
}

const allowedEnergy = "a finite number >= 0, in pJ"

// Parse reads a tech file; file names it in messages and in Tech.File.
// Unknown keys, missing ones and energies that are negative, not finite
// or not numbers are errors at the line and column of the culprit.
func Parse(file string, data []byte) (*Tech, error) {
	fail := func(n *yaml.Node, format string, args ...any) error {
		pos := ir.Pos{File: file, Line: 1, Col: 1}
		if n != nil {
			pos.Line, pos.Col = n.Line, n.Column
		}
		return &TechError{ir.PosError{Pos: pos, Msg: fmt.Sprintf(format, args...)}}
	}
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil {
		if err == io.EOF {
			return nil, fail(nil, "the tech file is empty (expected a mapping with keys %s)", strings.Join(techKeys, ", "))
		}
		return nil, syntaxError(file, data, err)
	}
	root := &doc
	if root.Kind == yaml.DocumentNode && len(root.Content) == 1 {
		root = root.Content[0]
	}
	if root.Kind != yaml.MappingNode {
		return nil, fail(root, "%s: expected a mapping with keys %s", describe(root), strings.Join(techKeys, ", "))
	}
	t := &Tech{File: file}
	seen := map[string]bool{}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		key := k.Value
		if !slices.Contains(techKeys, key) {
			return nil, fail(k, "unknown key %q (allowed: %s)", key, strings.Join(techKeys, ", "))
		}
		if seen[key] {
			return nil, fail(k, "key %q given twice (allowed: once)", key)
		}
		seen[key] = true
		if field, ok := techNumbers[key]; ok {
			x, err := number(v)
			if err != nil {
				return nil, fail(v, "%s: %v (allowed: %s)", key, err, allowedEnergy)
			}
			*field(t) = x
			continue
		}
		if v.Kind != yaml.ScalarNode || v.Tag != "!!str" && v.Tag != "!!int" && v.Tag != "!!float" {
			return nil, fail(v, "%s: expected text (allowed: a word such as %s)", key, DefaultTech)
		}
		switch key {
		case "name":
			t.Name = v.Value
		case "source":
			t.Source = v.Value
		}
	}
	for _, key := range requiredKeys {
		if !seen[key] {
			return nil, fail(root, "missing key %q (required: %s)", key, strings.Join(requiredKeys, ", "))
		}
	}
	if strings.TrimSpace(t.Name) == "" {
		return nil, fail(lookup(root, "name"), "name: empty (allowed: a word such as %s)", DefaultTech)
	}
	return t, nil
}

// number returns the value of a YAML number that is finite and not
// negative.
func number(v *yaml.Node) (float64, error) {
	if v.Kind != yaml.ScalarNode || v.Tag != "!!int" && v.Tag != "!!float" {
		return 0, fmt.Errorf("%s is not a number", describe(v))
	}
	var x float64
	if err := v.Decode(&x); err != nil {
		return 0, fmt.Errorf("%s is not a number", describe(v))
	}
	if math.IsNaN(x) || math.IsInf(x, 0) || x < 0 {
		return 0, fmt.Errorf("%s is out of range", v.Value)
	}
	return x, nil
}

// describe names a node in a message: a scalar by its quoted text, a
// collection by its kind.
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	}
	return strconv.Quote(n.Value)
}

func lookup(n *yaml.Node, key string) *yaml.Node {
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return n
}

var yamlLine = regexp.MustCompile(`^line (\d+): (.*)$`)

// syntaxError places the YAML library's complaint at its line, on the
// line's first character that is not blank (the library gives no column),
// or at 1:1 when it gives no line either (its parser leaves out line 0).
// The frontend's placement of net.yaml syntax errors is finer
// (compiler/frontend.go); a tech file is six lines.
func syntaxError(file string, data []byte, err error) error {
	pos := ir.Pos{File: file, Line: 1, Col: 1}
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		pos.Line, _ = strconv.Atoi(m[1])
		msg = m[2]
		if lines := bytes.Split(data, []byte("\n")); pos.Line >= 1 && pos.Line <= len(lines) {
			pos.Col = len(lines[pos.Line-1]) - len(bytes.TrimLeft(lines[pos.Line-1], " \t")) + 1
		}
	}
	return &TechError{ir.PosError{Pos: pos, Msg: "YAML syntax error: " + msg}}
}
