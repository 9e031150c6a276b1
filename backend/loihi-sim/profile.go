package loihisim

import (
	"bytes"
	"embed"
	"fmt"
	"io/fs"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/snnc/snnc/internal/datafiles"
	"github.com/snnc/snnc/ir"
)

// Profile describes a target chip as data: the limits of one core, the
// shape of a chip's mesh, and how chips join into a larger mesh. The
// profiles snnc knows are the files in targets/, embedded in the binary; a
// user can load their own with LoadProfileFile.
type Profile struct {
	Name        string     `yaml:"name"`
	Description string     `yaml:"description"`
	Core        CoreLimits `yaml:"core"`
	Chip        ChipShape  `yaml:"chip"`
	// Approximate lists the figures (as "core.synapse_bits") that are
	// estimates rather than datasheet values.
	Approximate []string `yaml:"approximate"`
	// Source is the file the profile came from.
	Source string `yaml:"-"`
}

// CoreLimits are what one core holds.
type CoreLimits struct {
	Neurons int `yaml:"neurons"`
	// InputAxons bounds the distinct source neurons whose spikes enter the core.
	InputAxons int `yaml:"input_axons"`
	// OutputAxons bounds the (neuron, destination core) pairs leaving the core.
	OutputAxons int `yaml:"output_axons"`
	// SynapseMemoryBits holds the synapses of the core's neurons (a synapse
	// lives with its target) at SynapseBits each, plus InputAxonBits per
	// input axon.
	SynapseMemoryBits int64 `yaml:"synapse_memory_bits"`
	SynapseBits       int   `yaml:"synapse_bits"`
	InputAxonBits     int   `yaml:"input_axon_bits"`
	// MaxDelay is the longest synaptic delay, in snnc steps (d = 1 is the
	// next step); longer delays become relay chains.
	MaxDelay   int `yaml:"max_delay"`
	WeightBits int `yaml:"weight_bits"`
}

// ChipShape is a chip's mesh of cores and the cost of leaving it.
type ChipShape struct {
	MeshWidth  int `yaml:"mesh_width"`
	MeshHeight int `yaml:"mesh_height"`
	// ChipHopCost is what one hop between neighbouring chips costs, in
	// hops between neighbouring cores.
	ChipHopCost int `yaml:"chip_hop_cost"`
	// MaxChips bounds the chips a mapping may use; 0 means no bound.
	MaxChips int `yaml:"max_chips"`
}

// CoresPerChip returns the number of cores on one chip.
func (p *Profile) CoresPerChip() int { return p.Chip.MeshWidth * p.Chip.MeshHeight }

//go:embed targets/*.yaml
var targetFiles embed.FS

// Targets returns the names of the embedded profiles, sorted.
func Targets() []string { return datafiles.Names(targetFiles, "targets") }

// LoadTarget returns the embedded profile called name.
func LoadTarget(name string) (*Profile, error) {
	data, err := targetFiles.ReadFile("targets/" + name + ".yaml")
	if err != nil {
		return nil, &ProfileError{ir.PosError{Msg: fmt.Sprintf("unknown target %q (allowed: %s)", name, strings.Join(Targets(), ", "))}}
	}
	return ParseProfile("targets/"+name+".yaml", data)
}

// LoadProfileFile reads a profile from a file of the user's.
func LoadProfileFile(path string) (*Profile, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		if pe, ok := err.(*fs.PathError); ok {
			err = pe.Err
		}
		return nil, &ProfileError{ir.PosError{Pos: ir.Pos{File: path}, Msg: fmt.Sprintf("cannot read the target profile: %v", err)}}
	}
	return ParseProfile(path, data)
}

// ProfileError is a mistake in a profile file, at FILE:LINE:COL.
type ProfileError struct{ ir.PosError }

// profileField is one number of a profile and its allowed range.
type profileField struct {
	path     string
	min, max int64
	get      func(*Profile) int64
}

var profileFields = []profileField{
	{"core.neurons", 1, 1 << 24, func(p *Profile) int64 { return int64(p.Core.Neurons) }},
	{"core.input_axons", 1, 1 << 24, func(p *Profile) int64 { return int64(p.Core.InputAxons) }},
	{"core.output_axons", 1, 1 << 24, func(p *Profile) int64 { return int64(p.Core.OutputAxons) }},
	{"core.synapse_memory_bits", 1, 1 << 40, func(p *Profile) int64 { return p.Core.SynapseMemoryBits }},
	{"core.synapse_bits", 1, 1024, func(p *Profile) int64 { return int64(p.Core.SynapseBits) }},
	{"core.input_axon_bits", 0, 1 << 20, func(p *Profile) int64 { return int64(p.Core.InputAxonBits) }},
	{"core.max_delay", 1, ir.MaxDelay, func(p *Profile) int64 { return int64(p.Core.MaxDelay) }},
	{"core.weight_bits", 1, 8, func(p *Profile) int64 { return int64(p.Core.WeightBits) }},
	{"chip.mesh_width", 1, 1 << 12, func(p *Profile) int64 { return int64(p.Chip.MeshWidth) }},
	{"chip.mesh_height", 1, 1 << 12, func(p *Profile) int64 { return int64(p.Chip.MeshHeight) }},
	{"chip.chip_hop_cost", 1, 1 << 20, func(p *Profile) int64 { return int64(p.Chip.ChipHopCost) }},
	{"chip.max_chips", 0, 1 << 24, func(p *Profile) int64 { return int64(p.Chip.MaxChips) }},
}

var yamlLineMessage = regexp.MustCompile(`line (\d+): (.*)`)

// ParseProfile reads a profile; name is used in messages. Every field is
// required (a profile states its limits, it does not inherit guesses).
func ParseProfile(name string, data []byte) (*Profile, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, profileYAMLError(name, err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	p := &Profile{Source: name}
	if err := dec.Decode(p); err != nil {
		return nil, profileYAMLError(name, err)
	}
	at := func(path string) ir.Pos {
		n := &root
		if n.Kind == yaml.DocumentNode && len(n.Content) == 1 {
			n = n.Content[0]
		}
		for _, key := range strings.Split(path, ".") {
			next := lookupKey(n, key)
			if next == nil {
				return ir.Pos{File: name, Line: n.Line, Col: n.Column}
			}
			n = next
		}
		return ir.Pos{File: name, Line: n.Line, Col: n.Column}
	}
	if p.Name == "" {
		return nil, &ProfileError{ir.PosError{Pos: at("name"), Msg: "name: missing (allowed: a word such as loihi1)"}}
	}
	for _, f := range profileFields {
		pos := at(f.path)
		parent, key, _ := strings.Cut(f.path, ".")
		if lookupKey(mappingOf(&root, parent), key) == nil {
			return nil, &ProfileError{ir.PosError{Pos: pos, Msg: fmt.Sprintf("%s: missing (allowed: %d..%d)", f.path, f.min, f.max)}}
		}
		if v := f.get(p); v < f.min || v > f.max {
			return nil, &ProfileError{ir.PosError{Pos: pos, Msg: fmt.Sprintf("%s: %d is out of range (allowed: %d..%d)", f.path, v, f.min, f.max)}}
		}
	}
	for i, a := range p.Approximate {
		if !slices.ContainsFunc(profileFields, func(f profileField) bool { return f.path == a }) {
			return nil, &ProfileError{ir.PosError{Pos: at("approximate"), Msg: fmt.Sprintf("approximate[%d]: %q is not a field of the profile", i, a)}}
		}
	}
	return p, nil
}

// profileYAMLError turns the YAML library's first complaint into one line
// with the keys that are allowed where it names an unknown one.
func profileYAMLError(name string, err error) error {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	msg, _, _ = strings.Cut(strings.TrimPrefix(msg, "unmarshal errors:\n  "), "\n")
	pos := ir.Pos{File: name}
	if m := yamlLineMessage.FindStringSubmatch(msg); m != nil {
		pos.Line, _ = strconv.Atoi(m[1])
		pos.Col = 1
		msg = m[2]
	}
	if m := unknownField.FindStringSubmatch(msg); m != nil {
		msg = fmt.Sprintf("unknown key %q (allowed: %s)", m[1], strings.Join(yamlKeys[m[2]], ", "))
	}
	return &ProfileError{ir.PosError{Pos: pos, Msg: msg}}
}

var unknownField = regexp.MustCompile(`^field (\S+) not found in type loihisim\.(\w+)$`)

// yamlKeys are the keys of each profile struct, from their yaml tags.
var yamlKeys = func() map[string][]string {
	keys := map[string][]string{}
	for _, v := range []any{Profile{}, CoreLimits{}, ChipShape{}} {
		t := reflect.TypeOf(v)
		for i := range t.NumField() {
			if tag, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ","); tag != "" && tag != "-" {
				keys[t.Name()] = append(keys[t.Name()], tag)
			}
		}
	}
	return keys
}()

func mappingOf(root *yaml.Node, key string) *yaml.Node {
	n := root
	if n.Kind == yaml.DocumentNode && len(n.Content) == 1 {
		n = n.Content[0]
	}
	return lookupKey(n, key)
}

func lookupKey(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}
