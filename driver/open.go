package driver

import (
	"fmt"
	"strings"
	"time"

	"periph.io/x/conn/v3/physic"
	"periph.io/x/conn/v3/spi"
)

// Defaults of Options, chosen for the iCEBreaker and its virtual board.
const (
	// DefaultBaud is the link's UART rate: 3 Mbaud, 300 kB/s, what the
	// FT2232H and the RTL's UART (8 core clocks a bit at 24 MHz) do.
	DefaultBaud = 3000000
	// DefaultReadTimeout is one tick of termios VTIME, the shortest wait
	// tarm/serial can ask for on Linux.
	DefaultReadTimeout = 100 * time.Millisecond
	// DefaultSPIFreq leaves the peripheral 6 core clocks per SPI bit at the
	// iCEBreaker's 24 MHz core clock: one that samples SCK with its own
	// clock needs at least 4.
	DefaultSPIFreq = 4 * physic.MegaHertz
)

// SPIPrefix marks a port name as SPI: "spi:/dev/spidev0.0", "spi:SPI0.0".
const SPIPrefix = "spi:"

// Options are the settings of Open; the zero value is the defaults.
type Options struct {
	// Baud is the UART rate of a serial port (DefaultBaud if 0).
	Baud int
	// ReadTimeout is the longest a Read waits for its first byte
	// (DefaultReadTimeout if 0). On Linux a serial port rounds it down to
	// tenths of a second, at least 0.1 s and at most 25.5 s (termios
	// VTIME); Transport.ReadTimeout says what it became.
	ReadTimeout time.Duration
	// SPI holds the settings of an spi: port; ignored for serial ports.
	SPI SPIOptions
}

// SPIOptions are the settings of the SPI transport; the zero value is the
// defaults.
type SPIOptions struct {
	// Freq is the SPI clock (DefaultSPIFreq if 0).
	Freq physic.Frequency
	// Mode is the clock polarity and phase (spi.Mode0 if 0, the mode of
	// the board's peripheral).
	Mode spi.Mode
	// Filler is the byte the host clocks out when it has nothing to send
	// and the board sends back when it has nothing to say. nil means
	// wire.Idle, the filler of docs/protocol.md; set it only to talk to a
	// peripheral built with another.
	Filler *byte
	// Chunk is how many filler bytes one poll of an idle board clocks
	// (64 if 0): larger chunks fetch a waiting frame in fewer
	// transactions, smaller ones keep the bus quieter while idle.
	Chunk int
	// PollInterval is the pause between polls that found the board idle
	// (1 ms if 0); polls that bring bytes follow each other at once.
	PollInterval time.Duration
}

// Open opens the port called name: a name with the "spi:" prefix is an SPI
// port of periph's registry (periph.io/x/host/v3 is initialised the first
// time one is opened, not before); any other name is a serial port, such
// as /dev/ttyUSB1, /dev/pts/7 (a virtual board's pty) or COM3.
//
// A port that does not exist, may not be opened or is not a serial port is
// a *PortError saying what to check.
func Open(name string, opt Options) (Transport, error) {
	if opt.ReadTimeout < 0 {
		return nil, &PortError{Port: name, Msg: fmt.Sprintf("read timeout %v of port %s is negative", opt.ReadTimeout, name)}
	}
	if opt.ReadTimeout == 0 {
		opt.ReadTimeout = DefaultReadTimeout
	}
	switch {
	case name == "":
		return nil, &PortError{Port: name, Msg: "no port named: give one such as /dev/ttyUSB1, COM3 or spi:/dev/spidev0.0 (snnc boards lists ports)"}
	case name == "vboard":
		return nil, &PortError{Port: name, Msg: `port "vboard" is started by snnc run --port vboard; driver.Open takes the pty path a virtual board prints (vboard: /dev/pts/N)`}
	case strings.HasPrefix(name, SPIPrefix):
		return openSPI(name, opt)
	}
	return openSerial(name, opt)
}
