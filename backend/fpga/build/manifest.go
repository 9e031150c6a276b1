package build

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"github.com/snnc/snnc/compiler"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
)

// Manifest says what one snnc compile --target fpga wrote and from what:
// enough to tell two builds apart, or to check that the files on a board's
// host are the ones built. It has no times, so the same input gives the
// same manifest.
type Manifest struct {
	Snnc        string   `json:"snnc_version"`
	Input       string   `json:"input"`
	InputSHA256 string   `json:"input_sha256"`
	Board       string   `json:"board"`
	BoardSource string   `json:"board_source"`
	Parameters  []string `json:"core_parameters"`
	CoreMHz     float64  `json:"core_mhz"`
	// BuildHash is identity's build_hash of the bitstream (BuildHash), 16
	// hex digits, byte 0 first as on the wire.
	BuildHash string `json:"build_hash"`
	// Network is the copy of the input network in the output directory
	// (its SHA-256 is InputSHA256), so that the directory alone says what
	// to load and what to simulate.
	Network string `json:"network"`
	// NetworkFiles are the files the network names (weights, parameters),
	// copied beside Network at the paths it names them by, so that the
	// copy reads as the input did.
	NetworkFiles []string `json:"network_files,omitempty"`
	// Quantize is how a float network was quantised (its --weight-bits and
	// --clip-percentile), for snnc test to quantise its reference alike.
	Quantize *compiler.QuantizeOptions `json:"quantize,omitempty"`
	Seed     int                       `json:"seed"`
	Tools    []ToolVersion             `json:"tools"`
	Files    []FileEntry               `json:"files"`
}

// FileEntry is one file written, by its path relative to the output
// directory (with forward slashes).
type FileEntry struct {
	Path   string `json:"path"`
	SHA256 string `json:"sha256"`
	Size   int64  `json:"size"`
}

// ManifestFile is the manifest's name in the output directory.
const ManifestFile = "manifest.json"

// WriteManifest hashes the files and directories paths (relative to dir;
// directories are walked) into m.Files, sorted by path, and writes
// dir/manifest.json. Paths that do not exist are left out.
func WriteManifest(dir string, m Manifest, paths []string) error {
	m.Files = []FileEntry{}
	seen := map[string]bool{}
	for _, p := range paths {
		err := filepath.WalkDir(filepath.Join(dir, p), func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				if os.IsNotExist(err) {
					return nil
				}
				return err
			}
			if d.IsDir() {
				return nil
			}
			rel, err := filepath.Rel(dir, path)
			if err != nil {
				return err
			}
			rel = filepath.ToSlash(rel)
			if seen[rel] || rel == ManifestFile {
				return nil
			}
			seen[rel] = true
			e, err := hashFile(path)
			if err != nil {
				return err
			}
			e.Path = rel
			m.Files = append(m.Files, e)
			return nil
		})
		if err != nil {
			return err
		}
	}
	sort.Slice(m.Files, func(i, j int) bool { return m.Files[i].Path < m.Files[j].Path })
	if m.Tools == nil {
		m.Tools = []ToolVersion{}
	}
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, ManifestFile), append(data, '\n'), 0o644)
}

func hashFile(path string) (FileEntry, error) {
	f, err := os.Open(path)
	if err != nil {
		return FileEntry{}, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return FileEntry{}, err
	}
	return FileEntry{SHA256: hex.EncodeToString(h.Sum(nil)), Size: n}, nil
}

// HashFile returns the SHA-256 of a file in hexadecimal (the manifest's
// input_sha256).
func HashFile(path string) (string, error) {
	e, err := hashFile(path)
	return e.SHA256, err
}
