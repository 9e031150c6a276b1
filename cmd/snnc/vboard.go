package main

// snnc vboard: the virtual board. The board's RTL (the core and its link,
// the same Verilog as the bitstream) runs in Verilator behind a
// pseudo-terminal, which a driver opens exactly as it opens /dev/ttyUSB1,
// or with the SPI link behind a Unix socket that plays the SPI
// controller's pins (docs/vboard.md).

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/snnc/snnc/backend/fpga"
	"github.com/snnc/snnc/testbench/vboard"
	"github.com/spf13/cobra"
)

func newVboardCommand() *cobra.Command {
	var (
		ff       flashFlags // --board and --board-file, as snnc flash reads them
		trace    bool
		duration time.Duration
		link     string
	)
	cmd := &cobra.Command{
		Use:   "vboard [DIR]",
		Short: "Run a virtual board: the board's RTL in Verilator behind a serial port or an SPI socket",
		Long: `vboard builds the board's RTL — the core at the board's capacity and its
link, the same Verilog as the bitstream — with Verilator (cached after the
first build, which takes up to a minute), starts it, and prints its port on
standard output. The simulated clock is the board's core clock; the
simulation is several times slower than the board (docs/vboard.md has the
figures). It runs until interrupted (Ctrl-C), or for --for.

--link uart (the default): the port is a pseudo-terminal that a driver
opens exactly as it opens /dev/ttyUSB1, at 3,000,000 baud; the link is
protocol v1 (docs/protocol.md) over the board's UART.

--link spi: the board is built as an SPI peripheral (the bitstream's SPI
variant) and the port is a Unix socket on which the virtual board plays the
SPI controller: every byte written to it is clocked out on MOSI (mode 0,
SCLK at an eighth of the core clock) and the byte clocked in on MISO is
written back, so a host transaction is "write n bytes, read n bytes".
driver.DialSPISocket connects to it.

The board identifies with the same build hash as its bitstream for that
link. With DIR (written by snnc compile --target fpga) the board is the one
DIR was built for; without, --board (default ` + defaultBoard + `) or --board-file.
The configuration of a network is loaded over the port, as on a real board.
An idle board uses no CPU. Needs verilator, g++ and make (apt-get install -y
verilator g++ make).`,
		Example: `  snnc vboard --board icebreaker --for 1s
  snnc vboard --board icebreaker --link spi --for 1s
  snnc vboard --board ice40-hx8k --for 1s`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if !slices.Contains(vboard.Links, link) {
				return usagef("--link %q is not a link of the virtual board (allowed: %s)", link, strings.Join(vboard.Links, ", "))
			}
			if duration < 0 {
				return usagef("--for %v is negative (allowed: 0 to run until interrupted, or a duration such as 10s)", duration)
			}
			var board *fpga.Board
			var err error
			if len(args) == 1 {
				m, merr := readBuildManifest(args[0])
				if merr != nil {
					return merr
				}
				if ff.board != "" && ff.board != m.Board {
					return usagef("%s was built for %s, not %s", args[0], m.Board, ff.board)
				}
				board, err = manifestBoard(args[0], m, ff)
			} else {
				fl := fpgaFlags{board: ff.board, boardFile: ff.boardFile}
				if fl.board == "" {
					fl.board = defaultBoard
				}
				board, err = fl.loadBoard()
			}
			if err != nil {
				return err
			}
			return runVboard(cmd, board, link, trace, duration)
		},
	}
	f := cmd.Flags()
	f.StringVar(&ff.board, "board", "", "the board ("+strings.Join(fpga.Boards(), ", ")+"); default "+defaultBoard+", or the one DIR was built for")
	f.StringVar(&ff.boardFile, "board-file", "", "the board described by this file (docs/boards.md)")
	f.StringVar(&link, "link", vboard.LinkUART, "the board's link: uart (a pseudo-terminal) or spi (a Unix socket playing the SPI controller)")
	f.BoolVar(&trace, "trace", false, "print every byte on the link, with its clock cycle, to standard error")
	f.DurationVar(&duration, "for", 0, "stop after this long (0: run until interrupted)")
	return cmd
}

func runVboard(cmd *cobra.Command, board *fpga.Board, link string, trace bool, duration time.Duration) error {
	stderr := cmd.ErrOrStderr()
	cfg, err := vboard.BoardConfig(board, link)
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "snnc: building the virtual board of %s (%v)\n", board.Name, cfg)
	bin, err := vboard.Build(cfg, os.Getenv("SNNC_VBOARD_CACHE"))
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, duration)
		defer cancel()
	}
	opt := vboard.Options{Trace: trace}
	if trace {
		opt.Stderr = stderr
	}
	bd, err := bin.StartWith(ctx, opt)
	if err != nil {
		return err
	}
	fmt.Fprintln(cmd.OutOrStdout(), bd.Path())
	if link == vboard.LinkSPI {
		fmt.Fprintf(stderr, "snnc: virtual %s (SPI) on %s; connect to the socket, write n bytes, read n back (SCLK %d Hz); Ctrl-C stops it\n",
			board.Name, bd.Path(), cfg.ClockHz/vboard.SPIDiv)
	} else {
		fmt.Fprintf(stderr, "snnc: virtual %s on %s; open it like /dev/ttyUSB1 at %d baud; Ctrl-C stops it\n", board.Name, bd.Path(), cfg.Baud)
	}
	select {
	case <-ctx.Done():
	case <-bd.Done():
	}
	if err := bd.Close(); err != nil && ctx.Err() == nil {
		return fmt.Errorf("the virtual board stopped: %w", err)
	}
	st := bd.Stats()
	fmt.Fprintf(stderr, "snnc: virtual board stopped: %d cycles simulated (%.3f s of board time) in %.1f s, %d bytes from the host, %d to it\n",
		st.Cycles, st.SimulatedSeconds, st.WallSeconds, st.HostBytes, st.BoardBytes)
	return nil
}
