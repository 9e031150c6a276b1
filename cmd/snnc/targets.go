package main

import (
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/snnc/snnc/backend/fpga"
	loihisim "github.com/snnc/snnc/backend/loihi-sim"
	"github.com/spf13/cobra"
)

func newTargetsCommand() *cobra.Command {
	var file string
	cmd := &cobra.Command{
		Use:   "targets [NAME]",
		Short: "List the target chips snnc maps onto, with their limits",
		Long: `targets lists the target profiles built into snnc and the limits of each
core and chip; with a NAME (or --target-file), only that profile.
Figures marked ~ are estimates, not datasheet values. Without a NAME it
also lists the FPGA boards of --target fpga and the capacity of the core
each one holds (docs/boards.md).`,
		Example: `  snnc targets
  snnc targets loihi1`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var profiles []*loihisim.Profile
			switch {
			case file != "":
				p, err := loihisim.LoadProfileFile(file)
				if err != nil {
					return err
				}
				profiles = append(profiles, p)
			case len(args) == 1:
				p, err := loihisim.LoadTarget(args[0])
				if err != nil {
					return err
				}
				profiles = append(profiles, p)
			default:
				for _, name := range loihisim.Targets() {
					p, err := loihisim.LoadTarget(name)
					if err != nil {
						return err
					}
					profiles = append(profiles, p)
				}
			}
			writeTargets(cmd, profiles)
			if file == "" && len(args) == 0 {
				return writeBoards(cmd)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&file, "target-file", "", "print this profile file instead")
	return cmd
}

func writeTargets(cmd *cobra.Command, profiles []*loihisim.Profile) {
	w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "target\tneurons/core\tinput axons\toutput axons\tsynapse memory\tbits/synapse\tmax delay\tweight bits\tcores/chip\tmesh\tchip hop\tdescription")
	for _, p := range profiles {
		approx := func(field, text string) string {
			for _, a := range p.Approximate {
				if a == field {
					return "~" + text
				}
			}
			return text
		}
		c := p.Core
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%d\t%d\t%s\t%s\t%s\n", p.Name,
			approx("core.neurons", fmt.Sprint(c.Neurons)),
			approx("core.input_axons", fmt.Sprint(c.InputAxons)),
			approx("core.output_axons", fmt.Sprint(c.OutputAxons)),
			approx("core.synapse_memory_bits", memoryText(c.SynapseMemoryBits)),
			approx("core.synapse_bits", fmt.Sprint(c.SynapseBits)),
			approx("core.max_delay", fmt.Sprint(c.MaxDelay)),
			c.WeightBits, p.CoresPerChip(),
			approx("chip.mesh_width", fmt.Sprintf("%dx%d", p.Chip.MeshWidth, p.Chip.MeshHeight)),
			approx("chip.chip_hop_cost", fmt.Sprint(p.Chip.ChipHopCost)),
			strings.TrimSpace(p.Description))
	}
	w.Flush()
}

// writeBoards lists the boards of --target fpga and their cores.
func writeBoards(cmd *cobra.Command) error {
	w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "\nfpga board\tdevice\tslots\tsynapses\tmax delay\tprofiles\tcore clock\tdescription")
	for _, name := range fpga.Boards() {
		b, err := fpga.LoadBoard(name)
		if err != nil {
			return err
		}
		c := b.Core
		fmt.Fprintf(w, "%s\t%s-%s\t%d\t%d\t%d\t%d\t%g MHz\t%s\n", b.Name, b.Device.Name, b.Package,
			c.Slots(), c.Synapses(), c.Delays(), c.Profiles(), b.CoreMHz, b.Description)
	}
	return w.Flush()
}

// memoryText writes a synapse memory given in bits as KiB, or bytes below one.
func memoryText(bits int64) string {
	if bits >= 8*1024 {
		return fmt.Sprintf("%g KiB", float64(bits)/8/1024)
	}
	return fmt.Sprintf("%g B", float64(bits)/8)
}
