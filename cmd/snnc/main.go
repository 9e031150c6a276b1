// Command snnc takes a spiking neural network from a YAML description to a
// simulation and to an FPGA board. This package is thin:
// flags, progress and exit codes; the work is in compiler, backend,
// driver and spikes.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"
)

// Exit statuses.
const (
	exitOK        = 0
	exitFailure   = 1 // snnc or the system failed (I/O, a bug)
	exitUserError = 2 // bad input: a description, a spike file, a flag
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run executes snnc with args and returns the exit status; tests call it.
func run(args []string, stdout, stderr io.Writer) int {
	root := newRootCommand(stdout, stderr)
	root.SetArgs(args)
	cmd, err := root.ExecuteC()
	if err == nil {
		return exitOK
	}
	var ue interface{ UserError() }
	switch {
	case errors.As(err, &ue):
		fmt.Fprintln(stderr, oneLine(err.Error()))
		return exitUserError
	case errors.As(err, new(*usageError)):
		fmt.Fprintf(stderr, "%s: %s (see '%s --help')\n", cmd.CommandPath(), oneLine(err.Error()), cmd.CommandPath())
		return exitUserError
	case strings.HasPrefix(err.Error(), "unknown command "):
		fmt.Fprintf(stderr, "%s: %s (see '%s --help')\n", cmd.CommandPath(), unknownCommand(cmd, err), cmd.CommandPath())
		return exitUserError
	}
	fmt.Fprintf(stderr, "snnc: %s\n", oneLine(err.Error()))
	return exitFailure
}

// unknownCommand rewrites cobra's several-line "unknown command" error as
// one line, with cobra's suggestions: unknown command "simulat" (did you
// mean simulate?).
func unknownCommand(cmd *cobra.Command, err error) string {
	var name string
	if _, serr := fmt.Sscanf(err.Error(), "unknown command %q", &name); serr != nil {
		return oneLine(err.Error())
	}
	msg := fmt.Sprintf("unknown command %q", name)
	if s := cmd.SuggestionsFor(name); len(s) > 0 {
		msg += fmt.Sprintf(" (did you mean %s?)", strings.Join(s, " or "))
	}
	return msg
}

// oneLine keeps an error on one line, as editors and scripts expect.
func oneLine(s string) string { return strings.ReplaceAll(strings.TrimSpace(s), "\n", "; ") }

// userError is bad input that is neither in a description nor in a spike
// file (those have their own error types): exit status 2.
type userError struct{ msg string }

func (e *userError) Error() string { return e.msg }

// UserError marks the error as the user's input.
func (e *userError) UserError() {}

// usageError is a wrong command line: a flag, a missing argument.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return &usageError{fmt.Sprintf(format, args...)} }

func newRootCommand(stdout, stderr io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:   "snnc",
		Short: "snnc compiles spiking neural networks to simulation and hardware",
		Long: `snnc takes a spiking neural network from a YAML description (net.yaml) to a
bit-accurate simulation of the Loihi-style integer LIF neuron and to an iCE40
FPGA board (or its virtual board), with one integer model that every stage
agrees on exactly.`,
		Example: `  snnc check examples/hello/net.yaml
  snnc simulate examples/hello/net.yaml --steps 20 --input examples/hello/input.csv
  snnc compile examples/hello/net.yaml -o build
  snnc compile examples/hello/net.yaml --target fpga --board icebreaker --no-bitstream -o build/hello
  snnc run build/hello --port vboard --steps 20 --input examples/hello/input.csv
  snnc test build/hello`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &usageError{err.Error()} })
	addProfiling(root)
	root.AddCommand(newCheckCommand(), newCompileCommand(), newSimulateCommand(), newTargetsCommand(), newVersionCommand())
	root.AddCommand(newFlashCommand())
	root.AddCommand(newBoardsCommand())
	root.AddCommand(newVboardCommand())
	root.AddCommand(newRunCommand(), newTestCommand())
	root.AddCommand(newReportCommand())
	return root
}

// oneNetwork is the Args check of commands that take one net.yaml.
func oneNetwork(_ *cobra.Command, args []string) error {
	switch len(args) {
	case 0:
		return usagef("missing the network description (net.yaml)")
	case 1:
		return nil
	}
	return usagef("takes one network description, got %d arguments: %s", len(args), strings.Join(args, " "))
}
