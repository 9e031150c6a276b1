package compiler

import (
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// This file gives typed access to yaml.Node trees. The frontend walks nodes
// instead of decoding into structs so that every mistake can be reported
// with its line and column, unknown and repeated keys are caught, and
// numbers keep the text the user wrote for the message.

// YAML tags of plain scalars, as yaml.Node.ShortTag resolves them.
const (
	tagNull  = "!!null"
	tagBool  = "!!bool"
	tagInt   = "!!int"
	tagFloat = "!!float"
	tagStr   = "!!str"
	tagMerge = "!!merge"
)

// maxAliasExpansion bounds how many nodes aliases (*name) may add to the
// document when they are expanded, so that a few lines of nested aliases
// (a "billion laughs" document) cannot make the frontend walk billions of
// nodes.
const maxAliasExpansion = 1_000_000

// resolve follows aliases to the node they name. checkAliases has made sure
// beforehand that no alias leads into a cycle.
func resolve(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	return n
}

// joinKey and joinIndex build field paths such as "projections[0].delays".
func joinKey(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func joinIndex(path string, i int) string {
	return path + "[" + strconv.Itoa(i) + "]"
}

// describe names what a node is, for "expected X, found Y" messages.
func describe(n *yaml.Node) string {
	n = resolve(n)
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case tagNull:
			return "nothing (null)"
		case tagStr:
			return "the string " + quote(n.Value)
		}
		return shorten(n.Value)
	}
	return "an empty document"
}

// quote quotes a user's string for a message, shortened so that one error
// stays one readable line.
func quote(s string) string { return strconv.Quote(shorten(s)) }

func shorten(s string) string {
	const max = 40
	if r := []rune(s); len(r) > max {
		return string(r[:max]) + "..."
	}
	return s
}

// mapping is a checked YAML mapping: every key allowed and present once.
type mapping struct {
	node *yaml.Node
	path string
	vals map[string]*yaml.Node
}

// get returns the value of key, or nil when the key is absent.
func (m *mapping) get(key string) *yaml.Node { return m.vals[key] }

// field returns the path of key's value.
func (m *mapping) field(key string) string { return joinKey(m.path, key) }

// mapping checks that n is a mapping whose keys are all in allowed, none
// repeated, and that every key in required is present.
func (p *parser) mapping(n *yaml.Node, path string, allowed, required []string) (*mapping, error) {
	n = resolve(n)
	if n.Kind != yaml.MappingNode {
		return nil, p.errorf(n, path, "expected a mapping with keys %s; found %s", strings.Join(allowed, ", "), describe(n))
	}
	m := &mapping{node: n, path: path, vals: make(map[string]*yaml.Node, len(n.Content)/2)}
	keys := make(map[string]*yaml.Node, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := resolve(n.Content[i])
		switch {
		case k.Kind != yaml.ScalarNode:
			return nil, p.errorf(k, path, "a key must be a plain word, found %s (allowed: %s)", describe(k), strings.Join(allowed, ", "))
		case k.ShortTag() == tagMerge:
			return nil, p.errorf(k, path, "merge keys (<<) are not supported: write the keys out (allowed: %s)", strings.Join(allowed, ", "))
		case !slices.Contains(allowed, k.Value):
			return nil, p.errorf(k, path, "unknown key %s (allowed: %s)", quote(k.Value), strings.Join(allowed, ", "))
		}
		if first, dup := keys[k.Value]; dup {
			return nil, p.errorf(k, path, "key %s appears twice (first at line %d)", quote(k.Value), first.Line)
		}
		keys[k.Value] = k
		m.vals[k.Value] = n.Content[i+1]
	}
	for _, r := range required {
		if _, ok := m.vals[r]; !ok {
			return nil, p.errorf(n, path, "missing key %s (required: %s)", quote(r), strings.Join(required, ", "))
		}
	}
	return m, nil
}

// lookup returns the value of key in mapping n without checking anything
// else, or nil.
func lookup(n *yaml.Node, key string) *yaml.Node {
	n = resolve(n)
	if n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if k := resolve(n.Content[i]); k.Kind == yaml.ScalarNode && k.Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

// list checks that n is a list and returns its items (not yet resolved).
func (p *parser) list(n *yaml.Node, path, what string) ([]*yaml.Node, error) {
	n = resolve(n)
	if n.Kind != yaml.SequenceNode {
		return nil, p.errorf(n, path, "expected a list of %s; found %s", what, describe(n))
	}
	return n.Content, nil
}

// str checks that n is a string scalar and returns it.
func (p *parser) str(n *yaml.Node, path, what string) (string, error) {
	n = resolve(n)
	if n.Kind != yaml.ScalarNode || n.ShortTag() != tagStr {
		return "", p.errorf(n, path, "expected %s; found %s", what, describe(n))
	}
	return n.Value, nil
}

// checkAliases rejects aliases that lead into a cycle or that expand the
// document by more than maxAliasExpansion nodes; after it, resolve is safe
// and walking the tree costs at most that much more than reading it.
func (p *parser) checkAliases(root *yaml.Node) error {
	c := aliasCounter{sizes: map[*yaml.Node]int64{}, open: map[*yaml.Node]bool{}}
	expanded, err := c.expandedSize(p, root)
	if err != nil {
		return err
	}
	if extra := expanded - countNodes(root); extra > maxAliasExpansion {
		return p.errorf(root, "", "aliases add more than %d nodes to the document when expanded (allowed: at most %d)", maxAliasExpansion, maxAliasExpansion)
	}
	return nil
}

type aliasCounter struct {
	sizes map[*yaml.Node]int64 // expanded size of nodes that aliases name
	open  map[*yaml.Node]bool  // alias targets being counted: a revisit is a cycle
}

// expandedSize counts the nodes of n with every alias replaced by the node it
// names. Sizes saturate just above the limit, so the count cannot overflow
// and the walk stops early on explosive documents.
func (c *aliasCounter) expandedSize(p *parser, n *yaml.Node) (int64, error) {
	const saturate = 1 << 40
	if n.Kind == yaml.AliasNode {
		t := n.Alias
		if t == nil {
			return 0, p.errorf(n, "", "alias *%s names no anchor", n.Value)
		}
		if c.open[t] {
			return 0, p.errorf(n, "", "alias *%s refers to a node that contains it", n.Value)
		}
		if s, ok := c.sizes[t]; ok {
			return s, nil
		}
		c.open[t] = true
		s, err := c.expandedSize(p, t)
		delete(c.open, t)
		c.sizes[t] = s
		return s, err
	}
	total := int64(1)
	for _, child := range n.Content {
		s, err := c.expandedSize(p, child)
		if err != nil {
			return 0, err
		}
		total = min(total+s, saturate)
		if total > saturate/2 {
			break
		}
	}
	return total, nil
}

// countNodes counts the nodes as written, an alias counting as one.
func countNodes(n *yaml.Node) int64 {
	total := int64(1)
	if n.Kind != yaml.AliasNode {
		for _, child := range n.Content {
			total += countNodes(child)
		}
	}
	return total
}
