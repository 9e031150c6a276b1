// Package driver talks to an snnc core running on an FPGA board, or on the
// virtual board (testbench/vboard), over a byte stream.
//
// # Concepts
//
// A Transport is a byte stream to one board: what the host writes reaches
// the board's link layer, what the board sends comes back through Read. It
// knows nothing of frames (package driver/wire) or of sessions; it only
// moves bytes. Three kinds plug in where one another does:
//
//   - serial: a UART, such as the iCEBreaker's FT2232H at /dev/ttyUSB1
//     or COM3, or the pseudo-terminal of a virtual board (/dev/pts/N),
//     opened with github.com/tarm/serial at 3,000,000 baud by default;
//   - SPI: the host is the SPI controller and the board the peripheral,
//     over periph.io/x/conn/v3's spi.Conn (periph.io/x/host/v3 supplies
//     the real ports, e.g. /dev/spidev0.0 on a Raspberry Pi);
//   - in-memory: Pipe, two connected ends for tests that play the board
//     in Go, and driver/faulty's wrapper that injects seeded faults into
//     any Transport.
//
// Open opens a port by name, as periph's spireg does: "/dev/ttyUSB1",
// "/dev/pts/7" and "COM3" are serial ports; "spi:/dev/spidev0.0" or
// "spi:SPI0.0" is an SPI port of periph's registry.
//
// # Why reads time out instead of taking deadlines
//
// A Transport's Read waits at most ReadTimeout() for the first byte and
// then returns (0, nil); there is no SetReadTimeout or SetReadDeadline.
// tarm/serial fixes its timeout when the port opens (termios VMIN=0,
// VTIME in tenths of a second) and offers no way to change it on an open
// port, and reopening a UART to change it would toggle the adapter's
// modem lines and race bytes in flight. A read that returns empty after a
// short fixed wait is what every kind can do cheaply: the serial port
// natively, SPI by polling the peripheral, a pipe with a timer. A session
// keeps its own deadlines on the wall clock and reads in a loop; the short
// wait (0.1 s by default, tarm's granularity on Linux) bounds how late it
// notices one, and how long Close waits for a reader to return.
//
// An error from Read or Write means the port is gone (unplugged, the
// virtual board stopped, closed): a session reports it, it does not retry
// on the same Transport. A disconnect reads as an error wrapping io.EOF.
//
// # SPI as a byte stream
//
// SPI exchanges bytes: every byte the controller clocks out clocks one in.
// The SPI transport turns that into a stream. Write sends the bytes and
// keeps what came back for Read; Read, when nothing is kept, clocks out
// filler bytes (wire.Idle, 0x00, by default) to poll the board. The board
// sends the same filler when it has nothing to say, and the link layer on
// either side skips filler between frames (docs/protocol.md). Filler bytes
// may also be frame bytes (a zero in a payload), so the transport passes
// on every filler byte that could belong to a frame: the first
// wire.MaxFrame bytes after any other byte. Only longer runs, which must
// be idle because every frame starts with wire.Sync, are discarded, which
// lets Read return (0, nil) on an idle link as on a UART.
//
// # Errors
//
// A port that does not exist, that the user may not open, or that is not
// a serial port is a *PortError, whose UserError method marks it as the
// user's to fix (the CLI exits with status 2) and whose message says what
// to check.
package driver
