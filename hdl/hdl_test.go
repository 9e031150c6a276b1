package hdl

import (
	"io/fs"
	"strings"
	"testing"
)

// TestFilesEmbedded checks that every listed file is embedded and that every
// embedded core file is listed, so a new block cannot be left out of the
// synthesis and simulation file lists.
func TestFilesEmbedded(t *testing.T) {
	listed := map[string]bool{}
	for _, name := range SystemSources() {
		listed[name] = true
		if _, err := fs.Stat(FS, name); err != nil {
			t.Errorf("%s is listed but not embedded: %v", name, err)
		}
	}
	names, err := fs.Glob(FS, "*.v")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range names {
		if !listed[name] {
			t.Errorf("%s is embedded but in none of CoreFiles, LinkFiles, SystemFiles", name)
		}
	}
}

// TestOrder checks that each file of the system defines exactly the module
// named like the file and instantiates only modules defined earlier in
// SystemSources (CoreFiles, LinkFiles, SystemFiles), the order the tools
// read them in.
func TestOrder(t *testing.T) {
	files := SystemSources()
	modules := map[string]bool{}
	for _, name := range files {
		modules[strings.TrimSuffix(name, ".v")] = true
	}
	defined := map[string]bool{}
	for _, name := range files {
		src, err := fs.ReadFile(FS, name)
		if err != nil {
			t.Fatal(err)
		}
		module := strings.TrimSuffix(name, ".v")
		if !strings.Contains(string(src), "\nmodule "+module+" ") {
			t.Errorf("%s does not define module %s", name, module)
		}
		for _, line := range strings.Split(string(src), "\n") {
			f := strings.Fields(line)
			// An instance's line starts with the module's name.
			if len(f) >= 2 && modules[f[0]] && f[0] != module && !defined[f[0]] {
				t.Errorf("%s instantiates %s before it is defined", name, f[0])
			}
		}
		defined[module] = true
	}
}
