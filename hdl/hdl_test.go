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
	for _, name := range append(append(append(append([]string{}, CoreFiles...), LinkFiles...), SystemFiles...), FramedLinkFiles...) {
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
			t.Errorf("%s is embedded but in none of CoreFiles, LinkFiles, SystemFiles, FramedLinkFiles", name)
		}
	}
}

// TestCoreOrder checks that each core file defines exactly the module named
// like the file and instantiates only modules defined earlier in CoreFiles.
func TestCoreOrder(t *testing.T) {
	defined := map[string]bool{}
	for _, name := range CoreFiles {
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
			if len(f) < 2 || strings.HasPrefix(f[0], "//") {
				continue
			}
			if isCoreModule(f[0]) && f[0] != module && (strings.HasPrefix(f[1], "#(") || strings.HasPrefix(f[1], "u_") || strings.HasPrefix(f[1], "m_")) && !defined[f[0]] {
				t.Errorf("%s instantiates %s before it is defined", name, f[0])
			}
		}
		defined[module] = true
	}
}

func isCoreModule(s string) bool {
	for _, name := range CoreFiles {
		if strings.TrimSuffix(name, ".v") == s {
			return true
		}
	}
	return false
}
