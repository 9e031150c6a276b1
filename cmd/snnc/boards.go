package main

// snnc boards: the board profiles snnc knows, and the USB serial adapters
// plugged in now, with the boards whose VID:PID they carry and which of
// their ports is the board's UART.

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/snnc/snnc/backend/fpga"
	"github.com/snnc/snnc/driver/usb"
	"github.com/spf13/cobra"
)

// boardInfo is one board profile as snnc boards shows it.
type boardInfo struct {
	Name              string       `json:"name"`
	Description       string       `json:"description"`
	Device            string       `json:"device"`
	Package           string       `json:"package"`
	Slots             int          `json:"slots"`
	Synapses          int          `json:"synapses"`
	MaxDelay          int          `json:"max_delay"`
	CoreMHz           float64      `json:"core_mhz"`
	Flash             fpga.Flash   `json:"flash"`
	FlashAlternatives []fpga.Flash `json:"flash_alternatives"`
	USB               []string     `json:"usb"`
	UARTInterface     int          `json:"uart_interface"`
}

// portInfo is a connected USB serial port and the boards it may belong
// to: UART is true when the port is those boards' UART interface.
type portInfo struct {
	usb.Port
	Boards []string `json:"boards"`
	UART   bool     `json:"uart"`
}

type boardsReport struct {
	Boards []boardInfo `json:"boards"`
	Ports  []portInfo  `json:"ports"`
}

func newBoardsCommand() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "boards",
		Short: "List the board profiles and the USB serial adapters connected now",
		Long: `boards lists the FPGA boards snnc builds for (--board NAME of snnc compile
--target fpga): their device, core capacity, flash tool and the USB VID:PID
of their serial bridge. Then the USB serial ports present now, found in
/sys by VID:PID: for each, the boards with that VID:PID and whether it is
their UART (the iCEBreaker's FT2232H has two ports; interface 0 programs the
flash, interface 1, often /dev/ttyUSB1, is the UART that snnc run uses).`,
		Example: `  snnc boards
  snnc boards --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			r, err := listBoards()
			if err != nil {
				return err
			}
			if asJSON {
				enc := json.NewEncoder(cmd.OutOrStdout())
				enc.SetIndent("", "  ")
				return enc.Encode(r)
			}
			return r.writeText(cmd.OutOrStdout())
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON, for tools")
	return cmd
}

// listBoards reads the built-in boards and the ports.
func listBoards() (*boardsReport, error) {
	r := &boardsReport{Boards: []boardInfo{}, Ports: []portInfo{}}
	var boards []*fpga.Board
	for _, name := range fpga.Boards() {
		b, err := fpga.LoadBoard(name)
		if err != nil {
			return nil, err
		}
		boards = append(boards, b)
		r.Boards = append(r.Boards, boardInfo{Name: b.Name, Description: b.Description, Device: b.Device.Name, Package: b.Package,
			Slots: b.Core.Slots(), Synapses: b.Core.Synapses(), MaxDelay: b.Core.Delays(), CoreMHz: b.CoreMHz,
			Flash: b.Flash, FlashAlternatives: append([]fpga.Flash{}, b.FlashAlternatives...), USB: append([]string{}, b.USB...), UARTInterface: b.UARTInterface})
	}
	ports, err := usbSysfs.Ports()
	if err != nil {
		return nil, fmt.Errorf("listing USB serial ports: %w", err)
	}
	for _, p := range ports {
		pi := portInfo{Port: p, Boards: []string{}}
		for _, b := range boards {
			if slices.Contains(b.USB, p.Device.VIDPID) {
				pi.Boards = append(pi.Boards, b.Name)
				pi.UART = pi.UART || p.Interface == b.UARTInterface
			}
		}
		r.Ports = append(r.Ports, pi)
	}
	return r, nil
}

func (r *boardsReport) writeText(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "board\tdevice\tcore\tflash\tusb")
	for _, b := range r.Boards {
		tools := []string{b.Flash.Tool}
		for _, f := range b.FlashAlternatives {
			tools = append(tools, f.Tool)
		}
		ids := "-"
		if len(b.USB) > 0 {
			ids = fmt.Sprintf("%s (UART: interface %d)", strings.Join(b.USB, ", "), b.UARTInterface)
		}
		fmt.Fprintf(tw, "%s\t%s-%s\t%d slots, %d synapses, delays 1..%d, %g MHz\t%s\t%s\n",
			b.Name, b.Device, b.Package, b.Slots, b.Synapses, b.MaxDelay, b.CoreMHz, strings.Join(tools, ", "), ids)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w)
	if len(r.Ports) == 0 {
		_, err := fmt.Fprintln(w, "no USB serial adapters found (plug a board in; snnc run --port vboard needs none)")
		return err
	}
	fmt.Fprintln(w, "USB serial adapters:")
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, p := range r.Ports {
		what := "not a board snnc knows"
		if len(p.Boards) > 0 {
			boards := strings.Join(p.Boards, " or ")
			if p.UART {
				what = fmt.Sprintf("UART of %s (snnc run --port %s)", boards, p.Path)
			} else {
				what = fmt.Sprintf("%s, not the UART (on an FT2232H, interface 0 is the programmer)", boards)
			}
		}
		fmt.Fprintf(tw, "  %s\t%s\tinterface %d\t%s\t%s\n", p.Path, p.Device.VIDPID, p.Interface, describeDevice(p.Device), what)
	}
	return tw.Flush()
}

// describeDevice is a device's product, manufacturer and serial, as far
// as it tells them.
func describeDevice(d usb.Device) string {
	var parts []string
	if d.Product != "" {
		parts = append(parts, d.Product)
	}
	if d.Manufacturer != "" {
		parts = append(parts, "("+d.Manufacturer+")")
	}
	if d.Serial != "" {
		parts = append(parts, "serial "+d.Serial)
	}
	if len(parts) == 0 {
		return "USB " + d.Name
	}
	return strings.Join(parts, " ")
}
