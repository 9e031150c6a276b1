// Command motifs is the precise-spiking-motifs example of snnc: a seeded
// generator of input rasters in which spiking motifs (polychronous groups)
// are embedded in background noise, the detector network built from the
// true motifs (one LIF neuron per motif, a synapse per motif spike whose
// delay brings every spike of the motif to the neuron on the same step),
// a scorer of the detector's spikes against the truth, and a sweep that
// shows where detection breaks down. README.md gives the commands.
//
//	go run ./examples/motifs generate -o build/motifs
//	go run ./examples/motifs score -truth build/motifs/truth.csv -spikes spikes.csv
//	go run ./examples/motifs sweep
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

const usage = `usage: motifs COMMAND [flags]

commands:
  generate -o DIR [flags]   write DIR/net.yaml (+ weights.npy, delays.npy), DIR/input.csv,
                            DIR/truth.csv and DIR/motifs.csv; a summary on standard error
  score -truth TRUTH.csv -spikes SPIKES.csv [-latency L] [-per-motif]
                            true-positive rate and precision of the detector's spikes
  sweep [flags]             generate, simulate and score over a grid of settings; print tables

'motifs COMMAND -h' lists the flags of a command.
`

// run executes one command and returns the exit status: 0 success, 2 bad
// flags or input, 1 anything else.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	var err error
	switch args[0] {
	case "generate":
		err = generateCommand(args[1:], stderr)
	case "score":
		err = scoreCommand(args[1:], stdout, stderr)
	case "sweep":
		err = sweepCommand(args[1:], stdout, stderr)
	case "-h", "-help", "--help", "help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "motifs: unknown command %q\n%s", args[0], usage)
		return 2
	}
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errReported):
		return 2
	case errors.As(err, new(*usageError)), errors.As(err, new(interface{ UserError() })):
		fmt.Fprintf(stderr, "motifs %s: %v\n", args[0], err)
		return 2
	}
	fmt.Fprintf(stderr, "motifs %s: %v\n", args[0], err)
	return 1
}

// usageError is a mistake in the command line or in an input file; the
// errors of snnc's packages that are the input's fault (a UserError
// method) count as one too.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error {
	return &usageError{fmt.Sprintf(format, args...)}
}

// errReported is a mistake in the flags that the flag package has
// already reported, with the command's flags.
var errReported = errors.New("bad flags")

// newFlagSet returns a flag set that reports its errors (and -h) to w
// and returns them rather than exiting.
func newFlagSet(name string, w io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("motifs "+name, flag.ContinueOnError)
	fs.SetOutput(w)
	return fs
}

// parseFlags parses args, turning a flag error into a usageError and
// refusing positional arguments.
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errReported // the flag package has said what is wrong
	}
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q (flags only)", fs.Arg(0))
	}
	return nil
}
