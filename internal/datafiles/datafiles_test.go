package datafiles

import (
	"slices"
	"testing"
	"testing/fstest"
)

func TestNames(t *testing.T) {
	fsys := fstest.MapFS{
		"d/b.yaml":     {Data: []byte("x")},
		"d/a.yaml":     {Data: []byte("x")},
		"d/notes.txt":  {Data: []byte("x")},
		"d/sub/c.yaml": {Data: []byte("x")},
		"other/e.yaml": {Data: []byte("x")},
	}
	if got := Names(fsys, "d"); !slices.Equal(got, []string{"a", "b"}) {
		t.Errorf("Names = %v, want [a b]", got)
	}
	if got := Names(fsys, "missing"); len(got) != 0 {
		t.Errorf("Names of a missing directory = %v", got)
	}
}
