package driver

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"periph.io/x/conn/v3"
	"periph.io/x/conn/v3/physic"
	"periph.io/x/conn/v3/spi"
	"periph.io/x/conn/v3/spi/spireg"
	"periph.io/x/conn/v3/spi/spitest"

	"github.com/snnc/snnc/driver/wire"
)

// fakeBoard is an SPI peripheral: each transaction shifts the host's bytes
// in and the board's queued bytes out, filler when the queue is empty. It
// is also the spi.Port that connects to it, so spitest.Record can sit
// between the driver and it.
type fakeBoard struct {
	mu     sync.Mutex
	out    []byte // what the board has to send
	got    []byte // every byte the host clocked out
	txs    int
	maxTx  int // 0: no conn.Limits
	freq   physic.Frequency
	mode   spi.Mode
	closed bool
}

func (f *fakeBoard) String() string      { return "fakeboard" }
func (f *fakeBoard) Duplex() conn.Duplex { return conn.Full }

func (f *fakeBoard) Tx(w, r []byte) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(w) != len(r) {
		return fmt.Errorf("fakeboard: Tx with %d bytes out and %d in", len(w), len(r))
	}
	if f.maxTx > 0 && len(w) > f.maxTx {
		return fmt.Errorf("fakeboard: Tx of %d bytes, limit %d", len(w), f.maxTx)
	}
	f.txs++
	f.got = append(f.got, w...)
	for i := range r {
		r[i] = wire.Idle
		if len(f.out) > 0 {
			r[i], f.out = f.out[0], f.out[1:]
		}
	}
	return nil
}

func (f *fakeBoard) TxPackets([]spi.Packet) error { return errors.New("fakeboard: TxPackets unused") }

func (f *fakeBoard) Connect(freq physic.Frequency, mode spi.Mode, bits int) (spi.Conn, error) {
	if bits != 8 {
		return nil, fmt.Errorf("fakeboard: %d bits a word", bits)
	}
	f.freq, f.mode = freq, mode
	if f.maxTx > 0 {
		return limitedConn{f}, nil
	}
	return f, nil
}

func (f *fakeBoard) LimitSpeed(physic.Frequency) error { return nil }
func (f *fakeBoard) Close() error                      { f.closed = true; return nil }

func (f *fakeBoard) send(b []byte) {
	f.mu.Lock()
	f.out = append(f.out, b...)
	f.mu.Unlock()
}

// limitedConn is the board's Conn when it states a transaction limit.
type limitedConn struct{ *fakeBoard }

func (l limitedConn) MaxTxSize() int { return l.maxTx }

// readAll reads until a Read comes back empty.
func readAll(t *testing.T, tr Transport) []byte {
	t.Helper()
	var got []byte
	buf := make([]byte, 100)
	for {
		n, err := tr.Read(buf)
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			return got
		}
		got = append(got, buf[:n]...)
	}
}

func TestSPIEveryByteBothWays(t *testing.T) {
	board := &fakeBoard{}
	rec := &spitest.Record{Port: board}
	c, err := rec.Connect(DefaultSPIFreq, spi.Mode0, 8)
	if err != nil {
		t.Fatal(err)
	}
	tr, err := NewSPI(c, Options{ReadTimeout: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()

	out := everyByte(3, 10000)
	if n, err := tr.Write(out); n != len(out) || err != nil {
		t.Fatalf("Write = %d, %v", n, err)
	}
	if !bytes.Equal(board.got, out) {
		t.Fatalf("the board got %d bytes, want the %d written (first difference at %d)", len(board.got), len(out), firstDiff(board.got, out))
	}

	// A frame starts with Sync; filler before it is idle and not passed on.
	in := append([]byte{wire.Sync}, everyByte(4, 10000)...)
	board.send(in)
	got := readAll(t, tr)
	// What follows the board's bytes is its idle filler, passed on for at
	// most one frame's length.
	if !bytes.Equal(got[:min(len(got), len(in))], in) {
		t.Fatalf("read %d bytes, want the %d the board sent first (first difference at %d)", len(got), len(in), firstDiff(got, in))
	}
	tail := got[len(in):]
	if len(tail) > wire.MaxFrame || bytes.Count(tail, []byte{wire.Idle}) != len(tail) {
		t.Errorf("after the board's bytes came %d bytes %x, want at most %d filler bytes", len(tail), tail, wire.MaxFrame)
	}
	// Every transaction exchanged as many bytes as it sent; the polls
	// sent only filler.
	polled, written := 0, 0
	for i, op := range rec.Ops {
		if len(op.W) != len(op.R) {
			t.Errorf("transaction %d wrote %d bytes and read %d", i, len(op.W), len(op.R))
		}
		if written < len(out) {
			written += len(op.W) // the Write, cut into transactions
			continue
		}
		polled++
		if bytes.Count(op.W, []byte{wire.Idle}) != len(op.W) {
			t.Errorf("poll %d clocked out %d bytes that are not all filler", i, len(op.W))
		}
	}
	if polled == 0 {
		t.Error("reading never polled the board")
	}
}

// TestSPIIdleRuns pins down which filler bytes Read passes on: every one
// within a frame's length of the last other byte (it may be a zero of a
// payload), none after that (the board idles).
func TestSPIIdleRuns(t *testing.T) {
	board := &fakeBoard{}
	tr, err := NewSPI(board, Options{ReadTimeout: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	z := func(n int) []byte { return make([]byte, n) }
	var sent []byte
	sent = append(sent, 0x00, 0x00) // idle before anything: dropped
	sent = append(sent, wire.Sync, 0x01, 0x00, 0xfa)
	sent = append(sent, z(250)...) // a payload of zeros
	sent = append(sent, 0x12, 0x34)
	sent = append(sent, z(1000)...) // idle
	sent = append(sent, 0x02)
	board.send(sent)
	var want []byte
	want = append(want, wire.Sync, 0x01, 0x00, 0xfa)
	want = append(want, z(250)...)
	want = append(want, 0x12, 0x34)
	want = append(want, z(wire.MaxFrame)...)
	want = append(want, 0x02)
	want = append(want, z(wire.MaxFrame)...) // the idling after it, up to the poll that ends reading
	got := readAll(t, tr)
	if !bytes.Equal(got, want) {
		t.Errorf("read %d bytes, want %d (first difference at %d)", len(got), len(want), firstDiff(got, want))
	}
}

func TestSPIReadTimesOutOnIdleBoard(t *testing.T) {
	board := &fakeBoard{}
	tr, err := NewSPI(board, Options{ReadTimeout: 100 * time.Millisecond, SPI: SPIOptions{PollInterval: 5 * time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	n, err := tr.Read(make([]byte, 10))
	took := time.Since(start)
	if n != 0 || err != nil {
		t.Fatalf("Read on an idle board = %d, %v; want 0, nil", n, err)
	}
	if took < 90*time.Millisecond || took > 2*time.Second {
		t.Errorf("an empty Read took %v, want about 100ms", took)
	}
	if board.txs < 2 || board.txs > 25 {
		t.Errorf("an idle read of 100 ms at 5 ms a poll made %d transactions", board.txs)
	}
	// A byte that arrives while the reader waits is delivered.
	go func() { time.Sleep(30 * time.Millisecond); board.send([]byte{0x77}) }()
	// The filler after it (idle) may come along.
	buf := make([]byte, 10)
	if n, err := tr.Read(buf); n < 1 || err != nil || buf[0] != 0x77 || bytes.Count(buf[1:n], []byte{wire.Idle}) != n-1 {
		t.Errorf("Read = %d, %v, %x; want 77 then filler", n, err, buf[:n])
	}
}

func TestSPISplitsAtTransactionLimit(t *testing.T) {
	board := &fakeBoard{maxTx: 100}
	c, _ := board.Connect(0, spi.Mode0, 8)
	tr, err := NewSPI(c, Options{SPI: SPIOptions{Chunk: 500}})
	if err != nil {
		t.Fatal(err)
	}
	sent := append([]byte{wire.Sync}, everyByte(5, 0)...)
	board.send(sent) // 267 bytes the board sends while the host writes
	out := everyByte(6, 1000)
	if _, err := tr.Write(out); err != nil {
		t.Fatal(err)
	}
	if want := (len(out) + 99) / 100; board.txs != want {
		t.Errorf("a write of %d bytes took %d transactions, want %d", len(out), board.txs, want)
	}
	// What came in during the write is read without another transaction.
	got := make([]byte, len(sent))
	if n, _ := tr.Read(got); n != len(sent) || !bytes.Equal(got, sent) || board.txs != (len(out)+99)/100 {
		t.Errorf("Read = %d bytes after %d transactions, want the %d clocked in during the write", n, board.txs, len(sent))
	}
}

func TestOpenSPIByName(t *testing.T) {
	board := &fakeBoard{}
	if err := spireg.Register("snnctest", []string{"SNNC9.0"}, -1, func() (spi.PortCloser, error) { return board, nil }); err != nil {
		t.Fatal(err)
	}
	defer spireg.Unregister("snnctest")
	for _, name := range []string{"spi:snnctest", "spi:SNNC9.0"} {
		tr, err := Open(name, Options{})
		if err != nil {
			t.Fatalf("Open(%q): %v", name, err)
		}
		if board.freq != DefaultSPIFreq || board.mode != spi.Mode0 {
			t.Errorf("Open(%q) connected at %v, %v; want %v, Mode0", name, board.freq, board.mode, DefaultSPIFreq)
		}
		if s := fmt.Sprint(tr); s != name {
			t.Errorf("the transport is called %q, want %q", s, name)
		}
		if tr.ReadTimeout() != DefaultReadTimeout {
			t.Errorf("ReadTimeout() = %v", tr.ReadTimeout())
		}
		tr.Close()
		if !board.closed {
			t.Errorf("closing %s left its port open", name)
		}
		board.closed = false
	}
	sync := byte(wire.Sync)
	_, err := Open("spi:snnctest", Options{SPI: SPIOptions{Filler: &sync}})
	var pe *PortError
	if !errors.As(err, &pe) {
		t.Errorf("a filler equal to the sync byte: %v, want a *PortError", err)
	}
}

// everyByte is every byte value, the ones a terminal would eat first
// (NUL, XON 0x11, XOFF 0x13, CR, LF, ^C, ^D, DEL, 0xFF), then seeded noise.
func everyByte(seed uint64, extra int) []byte {
	b := []byte{0x00, 0x11, 0x13, 0x0d, 0x0a, 0x03, 0x04, 0x1a, 0x7f, 0xff}
	for v := range 256 {
		b = append(b, byte(v))
	}
	r := rand.New(rand.NewPCG(seed, 1))
	for range extra {
		b = append(b, byte(r.Uint32()))
	}
	return b
}

func firstDiff(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}
