package driver

import (
	"fmt"
	"io"
	"sync"
	"time"
)

// Transport is a byte stream to one board, the smallest thing a session
// needs: the serial port, the SPI port, an in-memory Pipe and the fault
// injector of driver/faulty all are one, so each plugs in where another
// does.
type Transport interface {
	// Read reads what the board sent. It waits at most ReadTimeout() for
	// the first byte and returns (0, nil) if none came, so a caller never
	// blocks for long and keeps its deadlines itself (see the package
	// comment for why). Any error means the port is unusable; a
	// disconnect wraps io.EOF.
	Read(p []byte) (int, error)
	// Write sends all of p or returns an error, as io.Writer. Bytes are
	// not framed or checked: a byte lost on the wire is not reported here
	// but by the link layer.
	Write(p []byte) (int, error)
	// Close releases the port. A Read in progress returns within
	// ReadTimeout().
	Close() error
	// ReadTimeout is the longest a Read waits for its first byte: what a
	// session adds to its deadlines as the latest it can notice one.
	ReadTimeout() time.Duration
}

// Flusher is a Transport that can discard what it has received but not
// yet delivered, as a session does after it reopens a port or gives up on
// a reply (docs/vboard.md: bytes sent while no one listened wait in the
// pty). Transports that cannot do it simply don't implement it.
type Flusher interface {
	Flush() error
}

// PortError is a port that cannot be opened for a reason the user can fix:
// it does not exist, it is not theirs to open, it is not a serial port, or
// the name or an option is wrong.
type PortError struct {
	Port string // the name given to Open
	Msg  string // what is wrong and what to check
	Err  error  // the system's error, if any
}

func (e *PortError) Error() string { return e.Msg }

// Unwrap lets errors.Is find the system's error (fs.ErrNotExist...).
func (e *PortError) Unwrap() error { return e.Err }

// UserError marks the error as the user's to fix (exit status 2), not a
// fault of snnc.
func (e *PortError) UserError() {}

// Pipe returns the two ends of an in-memory Transport: what one end
// writes, the other reads, in order, without loss. Writes never block
// (each direction buffers without bound, like a roomy pty), reads wait at
// most timeout (100 ms if 0). Tests play the board at one end and run the
// driver at the other; driver/faulty wraps either end.
func Pipe(timeout time.Duration) (host, board Transport) {
	if timeout <= 0 {
		timeout = DefaultReadTimeout
	}
	h2b := newQueue()
	b2h := newQueue()
	return &pipeEnd{name: "pipe:host", in: b2h, out: h2b, timeout: timeout},
		&pipeEnd{name: "pipe:board", in: h2b, out: b2h, timeout: timeout}
}

// queue is one direction of a Pipe. ready is closed and replaced whenever
// bytes arrive or the queue closes, so readers can wait on it together
// with a timer.
type queue struct {
	mu     sync.Mutex
	buf    []byte
	closed bool
	ready  chan struct{}
}

func newQueue() *queue { return &queue{ready: make(chan struct{})} }

func (q *queue) wake() {
	close(q.ready)
	q.ready = make(chan struct{})
}

type pipeEnd struct {
	name    string
	in, out *queue
	timeout time.Duration
}

func (p *pipeEnd) String() string { return p.name }

func (p *pipeEnd) ReadTimeout() time.Duration { return p.timeout }

func (p *pipeEnd) Read(b []byte) (int, error) {
	if len(b) == 0 {
		return 0, nil
	}
	var timer *time.Timer
	for {
		p.in.mu.Lock()
		if len(p.in.buf) > 0 {
			n := copy(b, p.in.buf)
			p.in.buf = p.in.buf[n:]
			p.in.mu.Unlock()
			if timer != nil {
				timer.Stop()
			}
			return n, nil
		}
		if p.in.closed {
			p.in.mu.Unlock()
			return 0, fmt.Errorf("%s: closed: %w", p.name, io.EOF)
		}
		ready := p.in.ready
		p.in.mu.Unlock()
		if timer == nil {
			timer = time.NewTimer(p.timeout)
		}
		select {
		case <-ready:
		case <-timer.C:
			return 0, nil
		}
	}
}

func (p *pipeEnd) Write(b []byte) (int, error) {
	p.out.mu.Lock()
	defer p.out.mu.Unlock()
	if p.out.closed {
		return 0, fmt.Errorf("%s: write: %w", p.name, io.ErrClosedPipe)
	}
	if len(b) > 0 {
		p.out.buf = append(p.out.buf, b...)
		p.out.wake()
	}
	return len(b), nil
}

// Flush drops the bytes received but not yet read.
func (p *pipeEnd) Flush() error {
	p.in.mu.Lock()
	p.in.buf = nil
	p.in.mu.Unlock()
	return nil
}

// Close closes both directions, as unplugging a cable would: the other
// end reads what was already sent, then io.EOF.
func (p *pipeEnd) Close() error {
	for _, q := range []*queue{p.in, p.out} {
		q.mu.Lock()
		if !q.closed {
			q.closed = true
			q.wake()
		}
		q.mu.Unlock()
	}
	return nil
}
