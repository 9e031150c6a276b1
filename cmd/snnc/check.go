package main

import (
	"fmt"

	"github.com/snnc/snnc/compiler"
	"github.com/spf13/cobra"
)

func newCheckCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "check NET.yaml",
		Short: "Check a network description and summarise it",
		Long: `check reads a network description, reports the first problem as
FILE:LINE:COL: what is wrong (allowed: ...) with exit status 2, or prints a
one-line summary of the network.`,
		Example: "  snnc check examples/hello/net.yaml",
		Args:    oneNetwork,
		RunE: func(cmd *cobra.Command, args []string) error {
			net, err := compiler.ParseFile(args[0])
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s: ok: %d populations, %d neurons, %d projections, %d synapses\n",
				args[0], len(net.Populations), net.Neurons(), len(net.Projections), net.Synapses())
			return nil
		},
	}
}
