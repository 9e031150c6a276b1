package compiler

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// fuzzLimits keep generated networks small, so that the fuzzer explores
// inputs instead of building billions of synapses the real limits allow.
var fuzzLimits = limits{maxNeurons: 1 << 16, maxSynapses: 1 << 16, budget: 16 << 20}

// FuzzParse checks that no description makes the frontend panic, and that
// it returns either a network that validates or an *Error with a position.
// The corpus is testdata/*.yaml and the error cases; files they name come
// from testdata/.
func FuzzParse(f *testing.F) {
	paths, _ := filepath.Glob("testdata/*.yaml")
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	for _, c := range errorCases {
		f.Add([]byte(c.src))
	}
	files := map[string][]byte{}
	entries, _ := os.ReadDir("testdata")
	for _, e := range entries {
		if !e.IsDir() {
			data, err := os.ReadFile(filepath.Join("testdata", e.Name()))
			if err != nil {
				f.Fatal(err)
			}
			files[e.Name()] = data
		}
	}
	readFile := mapFiles(files)
	f.Fuzz(func(t *testing.T, data []byte) {
		net, err := parseWithLimits("fuzz.yaml", data, readFile, fuzzLimits)
		if err == nil {
			if verr := net.Validate(); verr != nil {
				t.Fatalf("network does not validate: %v", verr)
			}
			return
		}
		var e *Error
		if !errors.As(err, &e) {
			t.Fatalf("not an *Error: %v", err)
		}
		if e.Pos.File == "" && e.Pos.Line == 0 {
			t.Fatalf("error without a position: %v", err)
		}
		if e.Msg == "" {
			t.Fatalf("error without a message: %+v", e)
		}
	})
}
