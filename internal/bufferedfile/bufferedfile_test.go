package bufferedfile

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestWrite(t *testing.T) {
	path := filepath.Join(t.TempDir(), "f.txt")
	big := strings.Repeat("x", 1<<17) // more than the buffer
	if err := Write(path, func(w io.Writer) error { _, err := io.WriteString(w, big); return err }); err != nil {
		t.Fatal(err)
	}
	if got, err := os.ReadFile(path); err != nil || string(got) != big {
		t.Fatalf("read back %d bytes, %v", len(got), err)
	}
	boom := errors.New("boom")
	if err := Write(path, func(io.Writer) error { return boom }); err != boom {
		t.Errorf("write's error: got %v", err)
	}
	if err := Write(filepath.Join(t.TempDir(), "no", "such", "dir"), func(io.Writer) error { return nil }); err == nil {
		t.Error("no error for a missing directory")
	}
}
