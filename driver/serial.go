package driver

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"runtime"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/tarm/serial"
)

// serialPort is a UART opened with tarm/serial: 8 data bits, no parity, 1
// stop bit, raw, no flow control, as the board's UART and the virtual
// board's pty expect.
type serialPort struct {
	name    string
	port    *serial.Port
	timeout time.Duration

	mu     sync.Mutex
	closed bool
}

// baudRates are the rates tarm/serial accepts on Linux (it refuses others
// with a bare "Unrecognized baud rate"), listed in the error that names a
// wrong one.
var baudRates = []int{50, 75, 110, 134, 150, 200, 300, 600, 1200, 1800, 2400, 4800, 9600,
	19200, 38400, 57600, 115200, 230400, 460800, 500000, 576000, 921600, 1000000, 1152000,
	1500000, 2000000, 2500000, 3000000, 3500000, 4000000}

func openSerial(name string, opt Options) (Transport, error) {
	baud := opt.Baud
	if baud == 0 {
		baud = DefaultBaud
	}
	if runtime.GOOS != "windows" {
		i := sort.SearchInts(baudRates, baud)
		if i == len(baudRates) || baudRates[i] != baud {
			return nil, &PortError{Port: name, Msg: fmt.Sprintf("baud rate %d of port %s is not one a serial port can be set to: use one of %s (the board's link runs at %d)",
				baud, name, joinInts(baudRates), DefaultBaud)}
		}
	}
	timeout := vtimeRound(opt.ReadTimeout)
	p, err := serial.OpenPort(&serial.Config{Name: name, Baud: baud, ReadTimeout: timeout})
	if err != nil {
		return nil, serialOpenError(name, err)
	}
	return &serialPort{name: name, port: p, timeout: timeout}, nil
}

// vtimeRound is the read timeout tarm/serial really sets on Linux and the
// BSDs: tenths of a second, rounded down, between 0.1 s and 25.5 s.
func vtimeRound(d time.Duration) time.Duration {
	if runtime.GOOS == "windows" {
		return d
	}
	d = d.Truncate(100 * time.Millisecond)
	return max(100*time.Millisecond, min(d, 25500*time.Millisecond))
}

// serialOpenError turns the system's refusal into a message that says what
// to check; errors it does not recognise are passed on, naming the port.
func serialOpenError(name string, err error) error {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return &PortError{Port: name, Err: err,
			Msg: fmt.Sprintf("no such port %s: is the board plugged in? snnc boards lists ports", name)}
	case errors.Is(err, fs.ErrPermission):
		hint := "run as a user allowed to use serial ports"
		if runtime.GOOS == "linux" {
			hint = "add yourself to the group that owns it (usually dialout: sudo usermod -aG dialout $USER, then log in again)"
		}
		return &PortError{Port: name, Err: err,
			Msg: fmt.Sprintf("permission denied opening port %s: %s", name, hint)}
	case errors.Is(err, syscall.ENOTTY):
		return &PortError{Port: name, Err: err,
			Msg: fmt.Sprintf("%s is not a serial port (an SPI port is named spi:/dev/spidev0.0; snnc boards lists ports)", name)}
	case errors.Is(err, syscall.EBUSY):
		return &PortError{Port: name, Err: err,
			Msg: fmt.Sprintf("port %s is busy: another program has it open", name)}
	}
	return fmt.Errorf("open port %s: %w", name, err)
}

func (s *serialPort) String() string { return s.name }

func (s *serialPort) ReadTimeout() time.Duration { return s.timeout }

// Read returns what arrived, or (0, nil) once the port's VTIME timeout
// passed without a byte. tarm/serial reports both a timeout and a hung-up
// port (the adapter unplugged, the virtual board's pty closed) as a read
// of 0 bytes, which os.File turns into io.EOF. They differ in time: a
// timeout returns after the whole timeout, a hang-up at once. So an empty
// read before half the timeout is a disconnect.
func (s *serialPort) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	start := time.Now()
	n, err := s.port.Read(p)
	if n > 0 {
		return n, nil
	}
	if err == nil || errors.Is(err, io.EOF) {
		if err == nil || time.Since(start) >= s.timeout/2 {
			return 0, nil
		}
		return 0, fmt.Errorf("port %s hung up (board unplugged or virtual board stopped): %w", s.name, io.EOF)
	}
	if s.isClosed() {
		return 0, fmt.Errorf("port %s: read after close: %w", s.name, io.EOF)
	}
	return 0, fmt.Errorf("read port %s: %w", s.name, err)
}

func (s *serialPort) Write(p []byte) (int, error) {
	n, err := s.port.Write(p)
	if err != nil {
		return n, fmt.Errorf("write port %s: %w", s.name, err)
	}
	if n < len(p) {
		return n, fmt.Errorf("write port %s: %w", s.name, io.ErrShortWrite)
	}
	return n, nil
}

// Flush discards bytes received but not read and bytes written but not yet
// sent (TCIOFLUSH).
func (s *serialPort) Flush() error {
	if err := s.port.Flush(); err != nil {
		return fmt.Errorf("flush port %s: %w", s.name, err)
	}
	return nil
}

func (s *serialPort) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	s.mu.Unlock()
	return s.port.Close()
}

func (s *serialPort) isClosed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed
}

func joinInts(v []int) string {
	s := make([]string, len(v))
	for i, x := range v {
		s[i] = fmt.Sprint(x)
	}
	return strings.Join(s, ", ")
}
