// Package datafiles lists the YAML data files built into snnc (targets,
// boards, devices, technologies), which every package that ships some
// names the same way: by file name without .yaml.
package datafiles

import (
	"io/fs"
	"slices"
	"strings"
)

// Names returns the names of the .yaml files in dir of fsys, without the
// extension, sorted; none if dir cannot be read.
func Names(fsys fs.FS, dir string) []string {
	entries, _ := fs.ReadDir(fsys, dir)
	var names []string
	for _, e := range entries {
		if name, ok := strings.CutSuffix(e.Name(), ".yaml"); ok && !e.IsDir() {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	return names
}
