package driver

import (
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"periph.io/x/conn/v3"
	"periph.io/x/conn/v3/spi"
)

// SPISocket is an spi.Conn whose bus is a Unix stream socket: the SPI
// port of a virtual board (testbench/vboard), whose harness plays the SPI
// controller's pins. Every byte written to the socket is one byte clocked
// out on MOSI, and the harness writes back the MISO byte clocked in during
// the same eight SCLK periods, so a transaction is "write n bytes, read n
// bytes". Wrapped by NewSPI it is the SPI Transport of a real
// /dev/spidev0.0, byte for byte the same code path; only the pins are
// simulated.
//
// The socket carries no chip select and no clock rate: the harness
// asserts CS while it has bytes to clock and runs SCLK at its own rate
// (docs/vboard.md), which the link protocol allows because chip select
// does not reset the board's parser.
type SPISocket struct {
	path string
	// Timeout bounds one transaction; a harness that stops answering is
	// an error after it, not a hang. 30 s if 0: far beyond the slowest
	// simulated transaction (4,096 bytes take about 0.1 s).
	Timeout time.Duration

	c      net.Conn
	mu     sync.Mutex  // one transaction at a time
	buf    []byte      // discard space for a Tx without r; guarded by mu
	closed atomic.Bool // Close was called
}

// DialSPISocket connects to the SPI socket at path (what a virtual board
// prints as its port).
func DialSPISocket(path string) (*SPISocket, error) {
	c, err := net.Dial("unix", path)
	if err != nil {
		return nil, &PortError{Port: path, Err: err, Msg: fmt.Sprintf("cannot connect to the SPI socket %s (is the virtual board running?): %v", path, err)}
	}
	return &SPISocket{path: path, c: c}, nil
}

// String names the connection as port names are printed.
func (s *SPISocket) String() string { return "spi-socket:" + s.path }

// Duplex is conn.Full: MOSI and MISO move at once.
func (s *SPISocket) Duplex() conn.Duplex { return conn.Full }

// Tx clocks w out and fills r with what came in. As on a full-duplex
// spidev, r and w have the same length when both are given; a nil r
// discards what came in, a nil w clocks out zero bytes.
func (s *SPISocket) Tx(w, r []byte) error {
	if w != nil && r != nil && len(w) != len(r) {
		return fmt.Errorf("%s: Tx with %d bytes out and %d in (allowed: the same length, full duplex)", s, len(w), len(r))
	}
	n := max(len(w), len(r))
	if n == 0 {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed.Load() {
		return fmt.Errorf("%s: Tx after close: %w", s, io.ErrClosedPipe)
	}
	if w == nil {
		w = make([]byte, n)
	}
	if r == nil {
		if cap(s.buf) < n {
			s.buf = make([]byte, n)
		}
		r = s.buf[:n]
	}
	timeout := s.Timeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	if err := s.c.SetDeadline(time.Now().Add(timeout)); err != nil {
		return s.ioError("deadline", timeout, err)
	}
	// The harness reads while it writes back, and buffers without bound,
	// so writing everything before reading cannot deadlock.
	if _, err := s.c.Write(w); err != nil {
		return s.ioError("write", timeout, err)
	}
	if _, err := io.ReadFull(s.c, r); err != nil {
		return s.ioError("read", timeout, err)
	}
	return nil
}

// ioError says what a failed socket operation means for the board.
func (s *SPISocket) ioError(op string, timeout time.Duration, err error) error {
	var ne net.Error
	switch {
	case s.closed.Load():
		return fmt.Errorf("%s: closed during a transaction: %w", s, io.ErrClosedPipe)
	case errors.As(err, &ne) && ne.Timeout():
		return fmt.Errorf("%s: the virtual board did not answer a transaction within %v: %w", s, timeout, err)
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
		// The harness takes one host at a time and closes a second one.
		return fmt.Errorf("%s: the virtual board closed the connection (it stopped, or another host is connected): %w", s, io.EOF)
	}
	return fmt.Errorf("%s: %s: %w", s, op, err)
}

// TxPackets runs the packets one after the other. KeepCS has no effect:
// the socket has no chip select line (see SPISocket). Words are 8 bits.
func (s *SPISocket) TxPackets(p []spi.Packet) error {
	for i, pk := range p {
		if pk.BitsPerWord != 0 && pk.BitsPerWord != 8 {
			return fmt.Errorf("%s: packet %d has %d bits a word (allowed: 8)", s, i, pk.BitsPerWord)
		}
		if err := s.Tx(pk.W, pk.R); err != nil {
			return err
		}
	}
	return nil
}

// Close closes the socket; the virtual board then waits for the next
// host (or exits, if it was started to exit on close).
// A transaction in progress returns at once with an error.
func (s *SPISocket) Close() error {
	if s.closed.Swap(true) {
		return nil
	}
	return s.c.Close()
}

var _ spi.Conn = (*SPISocket)(nil)
