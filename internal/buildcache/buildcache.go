// Package buildcache keeps the products of slow, deterministic builds
// (the Verilator and Icarus models of testbench/rtl, the virtual board of
// testbench/vboard) in directories named by a hash of everything the build
// depends on, so that tests and commands build each configuration once.
// Entries appear atomically: a build runs in a fresh directory that is
// renamed into place only when it has finished.
package buildcache

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// buildLocks serialises builds of one configuration inside a process, so
// that parallel tests build it once; across processes the atomic rename
// in cached keeps the cache consistent.
var buildLocks sync.Map // string → *sync.Mutex

// Dir returns the build directory for key under root, building it with
// build (into a fresh directory) when it is not there yet. A build is
// complete when its stamp file exists.
func Dir(root, key string, build func(dir string) error) (string, error) {
	final := filepath.Join(root, key)
	stamp := filepath.Join(final, "built")
	mu, _ := buildLocks.LoadOrStore(final, new(sync.Mutex))
	mu.(*sync.Mutex).Lock()
	defer mu.(*sync.Mutex).Unlock()
	if _, err := os.Stat(stamp); err == nil {
		return final, nil
	}
	if err := os.MkdirAll(root, 0o755); err != nil {
		return "", fmt.Errorf("build cache: %w", err)
	}
	tmp, err := os.MkdirTemp(root, key+".tmp-")
	if err != nil {
		return "", fmt.Errorf("build cache: %w", err)
	}
	if err := build(tmp); err != nil {
		// Keep the last failed build's files for a look, in KEY.failed; a
		// later build starts afresh.
		failed := final + ".failed"
		os.RemoveAll(failed)
		if os.Rename(tmp, failed) != nil {
			os.RemoveAll(tmp)
		}
		return "", fmt.Errorf("%w\n(the failed build's files are in %s)", err, failed)
	}
	if err := os.WriteFile(filepath.Join(tmp, "built"), []byte(time.Now().UTC().Format(time.RFC3339)+"\n"), 0o644); err != nil {
		return "", err
	}
	if err := os.Rename(tmp, final); err != nil {
		// Another process finished the same build first.
		if _, serr := os.Stat(stamp); serr == nil {
			os.RemoveAll(tmp)
			return final, nil
		}
		os.RemoveAll(final) // an unfinished directory without its stamp
		if err := os.Rename(tmp, final); err != nil {
			return "", fmt.Errorf("build cache: %w", err)
		}
	}
	return final, nil
}
