package buildcache

import (
	"errors"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
)

// TestCachedBuildsOnce: concurrent requests for one key build once; a
// failed build leaves no entry, and the next request builds again.
func TestCachedBuildsOnce(t *testing.T) {
	root := t.TempDir()
	var builds atomic.Int32
	build := func(dir string) error {
		builds.Add(1)
		return os.WriteFile(filepath.Join(dir, "artefact"), []byte("x"), 0o644)
	}
	var wg sync.WaitGroup
	dirs := make([]string, 8)
	errs := make([]error, 8)
	for i := range dirs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			dirs[i], errs[i] = Dir(root, "k1", build)
		}()
	}
	wg.Wait()
	for i := range dirs {
		if errs[i] != nil || dirs[i] != filepath.Join(root, "k1") {
			t.Fatalf("Dir = %q, %v", dirs[i], errs[i])
		}
	}
	if n := builds.Load(); n != 1 {
		t.Errorf("%d builds, want 1", n)
	}
	if _, err := os.Stat(filepath.Join(root, "k1", "artefact")); err != nil {
		t.Error(err)
	}

	fail := errors.New("compiler error")
	if _, err := Dir(root, "k2", func(string) error { return fail }); !errors.Is(err, fail) {
		t.Fatalf("err = %v, want the build's error", err)
	}
	if _, err := os.Stat(filepath.Join(root, "k2")); !os.IsNotExist(err) {
		t.Errorf("a failed build left its cache entry: %v", err)
	}
	if _, err := Dir(root, "k2", build); err != nil || builds.Load() != 2 {
		t.Errorf("after a failure: err %v, builds %d, want a new build", err, builds.Load())
	}
}
