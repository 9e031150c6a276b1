package build

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// A Tool is one program of the open iCE40 flow and the Debian package that
// brings it, so that a missing tool is reported with the command that
// installs it.
type Tool struct {
	Name    string // the executable
	Package string // the Debian package
	// VersionArgs print the version; nil when the tool has none (the
	// icestorm programs), and then the executable's hash stands for it.
	VersionArgs []string
}

// Tools is the flow, in the order it runs.
var Tools = []Tool{
	{Name: "yosys", Package: "yosys", VersionArgs: []string{"-V"}},
	{Name: "nextpnr-ice40", Package: "nextpnr-ice40", VersionArgs: []string{"--version"}},
	{Name: "icepack", Package: "fpga-icestorm"},
	{Name: "icetime", Package: "fpga-icestorm"},
}

// ToolVersion is a tool found on this machine. It goes into the cache key
// (another yosys may make another netlist) and the manifest.
type ToolVersion struct {
	Name    string `json:"name"`
	Path    string `json:"-"`
	Version string `json:"version"`
}

// MissingToolsError lists the tools of the flow that are not on PATH.
type MissingToolsError struct{ Missing []Tool }

func (e *MissingToolsError) Error() string {
	var names, pkgs []string
	for _, t := range e.Missing {
		names = append(names, t.Name)
		if !contains(pkgs, t.Package) {
			pkgs = append(pkgs, t.Package)
		}
	}
	return fmt.Sprintf("%s not found on PATH (install with: apt-get install -y %s)", strings.Join(names, ", "), strings.Join(pkgs, " "))
}

// Packages returns the Debian packages that bring the missing tools, each once.
func (e *MissingToolsError) Packages() []string {
	var pkgs []string
	for _, t := range e.Missing {
		if !contains(pkgs, t.Package) {
			pkgs = append(pkgs, t.Package)
		}
	}
	return pkgs
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// lookPath is exec.LookPath; tests replace it to hide tools.
var lookPath = exec.LookPath

// FindTools looks every tool of the flow up on PATH and asks each for its
// version. A *MissingToolsError lists the tools that are not there.
func FindTools(ctx context.Context) ([]ToolVersion, error) {
	var found []ToolVersion
	var missing []Tool
	for _, t := range Tools {
		path, err := lookPath(t.Name)
		if err != nil {
			missing = append(missing, t)
			continue
		}
		found = append(found, ToolVersion{Name: t.Name, Path: path})
	}
	if len(missing) > 0 {
		return nil, &MissingToolsError{Missing: missing}
	}
	for i, t := range Tools {
		v, err := toolVersion(ctx, t, found[i].Path)
		if err != nil {
			return nil, err
		}
		found[i].Version = v
	}
	return found, nil
}

// toolVersion is the first line a tool prints for its version flag, or,
// for a tool without one, "sha256:" and the start of its executable's hash.
func toolVersion(ctx context.Context, t Tool, path string) (string, error) {
	if t.VersionArgs == nil {
		f, err := os.Open(path)
		if err != nil {
			return "", err
		}
		defer f.Close()
		h := sha256.New()
		if _, err := io.Copy(h, f); err != nil {
			return "", fmt.Errorf("%s: reading the executable to identify it: %w", path, err)
		}
		return "sha256:" + hex.EncodeToString(h.Sum(nil))[:16], nil
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, path, t.VersionArgs...).CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("%s %s: %v: %s", t.Name, strings.Join(t.VersionArgs, " "), err, tail(out, 5))
	}
	for _, line := range strings.Split(string(out), "\n") {
		if line = strings.TrimSpace(line); line != "" {
			return line, nil
		}
	}
	return "", fmt.Errorf("%s %s printed no version", t.Name, strings.Join(t.VersionArgs, " "))
}

// A step is one run of one tool in the output directory.
type step struct {
	tool string   // the Tools entry
	args []string // relative to the output directory
	// okExit, when set, accepts a failing exit status after a look at the
	// log: nextpnr 0.4 exits 1 when timing fails but writes the design.
	okExit func(log []byte) bool
}

// commandLine is the step as a shell line, for logs and errors.
func (s step) commandLine() string {
	parts := []string{s.tool}
	for _, a := range s.args {
		if a == "" || strings.ContainsAny(a, " \t'\"$;&|<>()*?[]#~\\") {
			a = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		}
		parts = append(parts, a)
	}
	return strings.Join(parts, " ")
}

// StepError is a tool that failed: it names the tool, its command line, its
// log and the end of that log.
type StepError struct {
	Tool, Command, Dir, Log string
	Err                     error
	Tail                    string
}

func (e *StepError) Error() string {
	return fmt.Sprintf("%s failed (%v): cd %s && %s; log %s ends:\n%s", e.Tool, e.Err, e.Dir, e.Command, e.Log, e.Tail)
}

func (e *StepError) Unwrap() error { return e.Err }

// run runs a step in dir with its output (standard output and error) in
// dir/logs/<tool>.log, which starts with the command line.
func (s step) run(ctx context.Context, dir string, tools []ToolVersion) error {
	path := s.tool
	for _, t := range tools {
		if t.Name == s.tool {
			path = t.Path
		}
	}
	logPath := filepath.Join(dir, "logs", s.tool+".log")
	if err := os.MkdirAll(filepath.Dir(logPath), 0o755); err != nil {
		return err
	}
	log, err := os.Create(logPath)
	if err != nil {
		return err
	}
	fmt.Fprintf(log, "$ %s\n", s.commandLine())
	cmd := exec.CommandContext(ctx, path, s.args...)
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = log, log
	runErr := cmd.Run()
	if err := log.Close(); err != nil && runErr == nil {
		runErr = err
	}
	if runErr == nil {
		return nil
	}
	out, _ := os.ReadFile(logPath)
	var exitErr *exec.ExitError
	if s.okExit != nil && errors.As(runErr, &exitErr) && s.okExit(out) {
		return nil
	}
	return &StepError{Tool: s.tool, Command: s.commandLine(), Dir: dir, Log: logPath, Err: runErr, Tail: tail(out, 20)}
}

// tail returns the last n lines of out.
func tail(out []byte, n int) string {
	lines := bytes.Split(bytes.TrimRight(out, "\n"), []byte("\n"))
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return string(bytes.Join(lines, []byte("\n")))
}
