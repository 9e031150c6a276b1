package main

import (
	"fmt"
	"runtime"

	"github.com/snnc/snnc/ir"
	"github.com/spf13/cobra"
)

// version is set at release time with -ldflags "-X main.version=...".
var version = "0.1.0-dev"

func newVersionCommand() *cobra.Command {
	return &cobra.Command{
		Use:     "version",
		Short:   "Print snnc's version and the formats it reads and writes",
		Example: "  snnc version",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			fmt.Fprintf(cmd.OutOrStdout(), "snnc %s (%s, %s/%s)\nnetwork format version %d\n", version, runtime.Version(), runtime.GOOS, runtime.GOARCH, ir.FormatVersion)
			return nil
		},
	}
}
