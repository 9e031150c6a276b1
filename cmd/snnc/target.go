package main

import (
	"errors"
	"fmt"

	loihisim "github.com/snnc/snnc/backend/loihi-sim"
	"github.com/snnc/snnc/compiler"
	"github.com/spf13/cobra"
)

// targetFlags are --target and --target-file, shared by compile and simulate.
type targetFlags struct {
	name, file string
}

func (tf *targetFlags) add(cmd *cobra.Command) {
	cmd.Flags().StringVar(&tf.name, "target", "", "map onto this built-in target (see snnc targets); compile also takes fpga, with --board")
	cmd.Flags().StringVar(&tf.file, "target-file", "", "map onto the target described by this profile file")
}

// load returns the chosen profile, or nil when neither flag is given.
func (tf *targetFlags) load() (*loihisim.Profile, error) {
	switch {
	case tf.name != "" && tf.file != "":
		return nil, usagef("--target and --target-file both given (allowed: one of them)")
	case tf.name != "":
		p, err := loihisim.LoadTarget(tf.name)
		if err != nil {
			return nil, usagef("--target: %v", err)
		}
		return p, nil
	case tf.file != "":
		return loihisim.LoadProfileFile(tf.file)
	}
	return nil, nil
}

// mapErrorIn names the description a mapping error is about: the limits
// are the target's, the network is the file's.
func mapErrorIn(path string, err error) error {
	var me *compiler.MapError
	if errors.As(err, &me) {
		return fmt.Errorf("%s: %w", path, err)
	}
	return err
}
