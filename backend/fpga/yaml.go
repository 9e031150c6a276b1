package fpga

import (
	"fmt"
	"reflect"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/snnc/snnc/ir"
)

// BoardError is a mistake in a board or device file, at FILE:LINE:COL.
type BoardError struct{ ir.PosError }

// yamlDoc is a parsed data file with the positions of its values, so that
// every later check can say where the value it rejects is written.
type yamlDoc struct {
	file string
	root *yaml.Node // the top-level mapping
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// parseYAML reads a data file and checks it against the struct type of v
// (by yaml tags): unknown keys and values of the wrong kind are errors
// with their position. It then decodes the file into v.
func parseYAML(file string, data []byte, v any) (*yamlDoc, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		msg := err.Error()
		pos := ir.Pos{File: file}
		if m := yamlLine.FindStringSubmatch(msg); m != nil {
			pos.Line, _ = strconv.Atoi(m[1])
			pos.Col = 1
			msg = m[2]
		}
		return nil, &BoardError{ir.PosError{Pos: pos, Msg: strings.TrimPrefix(msg, "yaml: ")}}
	}
	d := &yamlDoc{file: file}
	if len(doc.Content) == 0 {
		return nil, &BoardError{ir.PosError{Pos: ir.Pos{File: file}, Msg: "the file is empty (want a mapping of keys such as name:)"}}
	}
	d.root = doc.Content[0]
	if err := d.check(d.root, reflect.TypeOf(v).Elem(), ""); err != nil {
		return nil, err
	}
	if err := d.root.Decode(v); err != nil {
		return nil, &BoardError{ir.PosError{Pos: d.pos(d.root), Msg: err.Error()}}
	}
	return d, nil
}

func (d *yamlDoc) pos(n *yaml.Node) ir.Pos { return ir.Pos{File: d.file, Line: n.Line, Col: n.Column} }

func (d *yamlDoc) errorf(n *yaml.Node, format string, args ...any) error {
	return &BoardError{ir.PosError{Pos: d.pos(n), Msg: fmt.Sprintf(format, args...)}}
}

// check walks node n against type t.
func (d *yamlDoc) check(n *yaml.Node, t reflect.Type, path string) error {
	if n.Kind == yaml.AliasNode {
		return d.errorf(n, "%s: aliases are not allowed in board files", name(path))
	}
	switch t.Kind() {
	case reflect.Struct:
		if n.Kind != yaml.MappingNode {
			return d.errorf(n, "%s: want a mapping of keys (%s), not %s", name(path), strings.Join(yamlKeysOf(t), ", "), describe(n))
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			key, val := n.Content[i], n.Content[i+1]
			f, ok := fieldByTag(t, key.Value)
			if !ok {
				return d.errorf(key, "%s: unknown key %q (allowed: %s)", name(path), key.Value, strings.Join(yamlKeysOf(t), ", "))
			}
			if err := d.check(val, f.Type, join(path, key.Value)); err != nil {
				return err
			}
		}
	case reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			return d.errorf(n, "%s: want a list, not %s", name(path), describe(n))
		}
		for i, e := range n.Content {
			if err := d.check(e, t.Elem(), fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
	default:
		if n.Kind != yaml.ScalarNode {
			return d.errorf(n, "%s: want a single value, not %s", name(path), describe(n))
		}
		switch t.Kind() {
		case reflect.Int:
			if n.Tag != "!!int" {
				return d.errorf(n, "%s: %q is not a whole number", name(path), n.Value)
			}
		case reflect.Float64:
			if n.Tag != "!!int" && n.Tag != "!!float" {
				return d.errorf(n, "%s: %q is not a number", name(path), n.Value)
			}
		case reflect.Bool:
			if n.Tag != "!!bool" {
				return d.errorf(n, "%s: %q is not true or false", name(path), n.Value)
			}
		case reflect.String:
			if n.Tag == "!!null" {
				return d.errorf(n, "%s: empty value (want text)", name(path))
			}
		}
	}
	return nil
}

// node returns the value at a dotted path, or nil.
func (d *yamlDoc) node(path string) *yaml.Node {
	n := d.root
	for _, key := range strings.Split(path, ".") {
		n = lookupKey(n, key)
		if n == nil {
			return nil
		}
	}
	return n
}

// key returns the key node of the value at a dotted path, or nil: where
// "core:" itself is written, for a message about a whole mapping.
func (d *yamlDoc) key(path string) *yaml.Node {
	n := d.root
	var k *yaml.Node
	for _, part := range strings.Split(path, ".") {
		if n == nil || n.Kind != yaml.MappingNode {
			return nil
		}
		var next *yaml.Node
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == part {
				k, next = n.Content[i], n.Content[i+1]
				break
			}
		}
		if next == nil {
			return nil
		}
		n = next
	}
	return k
}

// at returns the position of the value at path or, when it is missing,
// of the nearest mapping that holds the path.
func (d *yamlDoc) at(path string) ir.Pos {
	n := d.root
	for _, key := range strings.Split(path, ".") {
		next := lookupKey(n, key)
		if next == nil {
			break
		}
		n = next
	}
	return d.pos(n)
}

func (d *yamlDoc) has(path string) bool { return d.node(path) != nil }

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

func fieldByTag(t reflect.Type, key string) (reflect.StructField, bool) {
	for i := range t.NumField() {
		f := t.Field(i)
		if tag, _, _ := strings.Cut(f.Tag.Get("yaml"), ","); tag == key {
			return f, true
		}
	}
	return reflect.StructField{}, false
}

func yamlKeysOf(t reflect.Type) []string {
	var keys []string
	for i := range t.NumField() {
		if tag, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ","); tag != "" && tag != "-" {
			keys = append(keys, tag)
		}
	}
	return keys
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func name(path string) string {
	if path == "" {
		return "the file"
	}
	return path
}

func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	}
	return fmt.Sprintf("%q", n.Value)
}
