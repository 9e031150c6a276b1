package driver

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strings"
	"sync"
	"time"

	"periph.io/x/conn/v3"
	"periph.io/x/conn/v3/spi"
	"periph.io/x/conn/v3/spi/spireg"
	"periph.io/x/host/v3"

	"github.com/snnc/snnc/driver/wire"
)

// spiPort is a Transport over an SPI controller whose peripheral is the
// board. SPI only exchanges bytes, so Write keeps what it clocks in for
// Read, and Read polls an idle board with filler bytes (package comment,
// "SPI as a byte stream").
type spiPort struct {
	name    string
	conn    spi.Conn
	port    io.Closer // the port Open connected through; nil from NewSPI
	filler  byte
	chunk   int
	maxTx   int
	poll    time.Duration
	timeout time.Duration

	mu     sync.Mutex // one transaction at a time, and guards the fields below
	closed bool
	rx     []byte // bytes clocked in, not yet read
	run    int    // filler bytes in a row clocked in, up to wire.MaxFrame
	in     []byte // scratch for the bytes a transaction clocks in
	idle   []byte // chunk filler bytes, clocked out to poll
}

// NewSPI makes a Transport of an SPI connection to the board: the way to
// use a port that periph's registry does not know (an FT232H, a test's
// fake). opt.ReadTimeout and opt.SPI apply (Freq and Mode only as far as
// c was connected with them). Closing the Transport does not close c's
// port, which belongs to the caller.
func NewSPI(c spi.Conn, opt Options) (Transport, error) {
	return newSPI(c.String(), c, nil, opt)
}

func newSPI(name string, c spi.Conn, port io.Closer, opt Options) (*spiPort, error) {
	s := &spiPort{
		name:    name,
		conn:    c,
		port:    port,
		filler:  wire.Idle,
		chunk:   opt.SPI.Chunk,
		poll:    opt.SPI.PollInterval,
		timeout: opt.ReadTimeout,
		run:     wire.MaxFrame,
	}
	if opt.SPI.Filler != nil {
		s.filler = *opt.SPI.Filler
	}
	if s.filler == wire.Sync {
		return nil, &PortError{Port: name, Msg: fmt.Sprintf("SPI filler byte %#02x of port %s is the frame sync byte: a filler must never start a frame", s.filler, name)}
	}
	if s.chunk <= 0 {
		s.chunk = 64
	}
	if s.poll <= 0 {
		s.poll = time.Millisecond
	}
	if s.timeout <= 0 {
		s.timeout = DefaultReadTimeout
	}
	// spidev refuses transactions longer than its buffer (4,096 bytes by
	// default); a Conn that says so gets its writes cut to fit.
	s.maxTx = 4096
	if l, ok := c.(conn.Limits); ok && l.MaxTxSize() > 0 {
		s.maxTx = l.MaxTxSize()
	}
	s.chunk = min(s.chunk, s.maxTx)
	s.idle = make([]byte, s.chunk)
	for i := range s.idle {
		s.idle[i] = s.filler
	}
	return s, nil
}

var (
	hostOnce sync.Once
	hostErr  error
)

// openSPI opens "spi:NAME" through periph's registry. host.Init loads
// every host driver periph has and probes /sys and /dev, so it runs the
// first time an SPI port is opened, never for a serial port or at init.
func openSPI(name string, opt Options) (Transport, error) {
	portName := strings.TrimPrefix(name, SPIPrefix)
	if portName == "" {
		return nil, &PortError{Port: name, Msg: "SPI port name missing after spi: (e.g. spi:/dev/spidev0.0 or spi:SPI0.0)"}
	}
	hostOnce.Do(func() { _, hostErr = host.Init() })
	if hostErr != nil {
		return nil, fmt.Errorf("open port %s: initialise periph host drivers: %w", name, hostErr)
	}
	if !spiKnown(portName) {
		return nil, &PortError{Port: name, Msg: fmt.Sprintf("no such port %s: is the board plugged in and SPI enabled (spidev; on a Raspberry Pi dtparam=spi=on)? SPI ports here: %s; snnc boards lists ports",
			name, spiPorts())}
	}
	p, err := spireg.Open(portName)
	if err != nil {
		if errors.Is(err, fs.ErrPermission) || strings.Contains(err.Error(), "permission denied") {
			return nil, &PortError{Port: name, Err: err, Msg: fmt.Sprintf("permission denied opening port %s: add yourself to the group that owns it (usually spi)", name)}
		}
		return nil, fmt.Errorf("open port %s: %w", name, err)
	}
	freq := opt.SPI.Freq
	if freq == 0 {
		freq = DefaultSPIFreq
	}
	c, err := p.Connect(freq, opt.SPI.Mode, 8)
	if err != nil {
		p.Close()
		return nil, fmt.Errorf("open port %s at %v, %v: %w", name, freq, opt.SPI.Mode, err)
	}
	s, err := newSPI(name, c, p, opt)
	if err != nil {
		p.Close()
		return nil, err
	}
	return s, nil
}

// spiKnown says whether periph's registry has a port by that name, alias
// or number, as spireg.Open looks it up.
func spiKnown(name string) bool {
	for _, r := range spireg.All() {
		if r.Name == name || fmt.Sprint(r.Number) == name && r.Number >= 0 {
			return true
		}
		for _, a := range r.Aliases {
			if a == name {
				return true
			}
		}
	}
	return false
}

func spiPorts() string {
	var names []string
	for _, r := range spireg.All() {
		names = append(names, SPIPrefix+r.Name)
	}
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ", ")
}

func (s *spiPort) String() string { return s.name }

func (s *spiPort) ReadTimeout() time.Duration { return s.timeout }

// exchange runs one transaction per maxTx bytes of out and keeps what
// came in. Called with s.mu held.
func (s *spiPort) exchange(out []byte) error {
	for len(out) > 0 {
		n := min(len(out), s.maxTx)
		if cap(s.in) < n {
			s.in = make([]byte, n)
		}
		in := s.in[:n]
		if err := s.conn.Tx(out[:n], in); err != nil {
			return fmt.Errorf("port %s: SPI transaction: %w", s.name, err)
		}
		s.keep(in)
		out = out[n:]
	}
	return nil
}

// keep appends the bytes clocked in to rx, except filler bytes more than
// wire.MaxFrame after the last other byte: no frame holds that many in a
// row after its sync byte, so they are the board idling, and dropping
// them lets an idle link read as empty.
func (s *spiPort) keep(in []byte) {
	for _, b := range in {
		if b != s.filler {
			s.run = 0
		} else if s.run < wire.MaxFrame {
			s.run++
		} else {
			continue
		}
		s.rx = append(s.rx, b)
	}
}

// Read delivers the bytes clocked in so far; when there are none it polls
// the board with filler bytes every PollInterval until some come or the
// read timeout passes.
func (s *spiPort) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	deadline := time.Now().Add(s.timeout)
	for {
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			return 0, fmt.Errorf("port %s: read after close: %w", s.name, io.EOF)
		}
		if len(s.rx) == 0 {
			if err := s.exchange(s.idle); err != nil {
				s.mu.Unlock()
				return 0, err
			}
		}
		if len(s.rx) > 0 {
			n := copy(p, s.rx)
			s.rx = s.rx[n:]
			if len(s.rx) == 0 {
				s.rx = s.rx[:0:0] // let a large backlog's array go
			}
			s.mu.Unlock()
			return n, nil
		}
		s.mu.Unlock()
		left := time.Until(deadline)
		if left <= 0 {
			return 0, nil
		}
		time.Sleep(min(s.poll, left))
	}
}

// Write clocks p out; the bytes the board sends meanwhile wait for Read.
func (s *spiPort) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return 0, fmt.Errorf("port %s: write after close: %w", s.name, io.ErrClosedPipe)
	}
	if err := s.exchange(p); err != nil {
		return 0, err
	}
	return len(p), nil
}

// Flush drops the bytes clocked in but not yet read.
func (s *spiPort) Flush() error {
	s.mu.Lock()
	s.rx = nil
	s.run = wire.MaxFrame
	s.mu.Unlock()
	return nil
}

func (s *spiPort) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	if s.port != nil {
		return s.port.Close()
	}
	return nil
}
