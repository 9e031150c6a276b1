package driver_test

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"math/rand/v2"
	"net"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"periph.io/x/conn/v3"
	"periph.io/x/conn/v3/spi"

	"github.com/snnc/snnc/backend/fpga"
	loihisim "github.com/snnc/snnc/backend/loihi-sim"
	"github.com/snnc/snnc/compiler"
	"github.com/snnc/snnc/driver"
	"github.com/snnc/snnc/driver/emuboard"
	"github.com/snnc/snnc/driver/wire"
	"github.com/snnc/snnc/testbench/randnet"
)

// peer listens on a Unix socket and plays what the virtual board's
// harness does: for every byte a host writes, it writes back the byte
// miso returns (called in order, one byte at a time).
func peer(t *testing.T, miso func(mosi byte) byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "spi.sock")
	l, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	t.Cleanup(func() { l.Close(); wg.Wait() })
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			buf := make([]byte, 512)
			for {
				n, err := c.Read(buf)
				if err != nil {
					break
				}
				for i := range buf[:n] {
					buf[i] = miso(buf[i])
				}
				if _, err := c.Write(buf[:n]); err != nil {
					break
				}
			}
			c.Close()
		}
	}()
	return path
}

func dial(t *testing.T, path string) *driver.SPISocket {
	t.Helper()
	c, err := driver.DialSPISocket(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// TestSPISocketTx: a transaction writes w and reads back len(w) bytes, in
// order, whatever their values; the spi.Conn rules hold.
func TestSPISocketTx(t *testing.T) {
	c := dial(t, peer(t, func(b byte) byte { return ^b }))
	var _ spi.Conn = c
	if c.Duplex() != conn.Full || !strings.HasPrefix(c.String(), "spi-socket:") {
		t.Errorf("Duplex %v, String %q", c.Duplex(), c.String())
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{1, 7, 256, 4096, 70000} {
		w := make([]byte, n)
		for i := range w {
			w[i] = byte(rng.Uint32())
		}
		r := make([]byte, n)
		if err := c.Tx(w, r); err != nil {
			t.Fatal(err)
		}
		for i := range w {
			if r[i] != ^w[i] {
				t.Fatalf("%d bytes: byte %d came back %#02x, want %#02x", n, i, r[i], ^w[i])
			}
		}
	}
	// A nil r discards what came in; a nil w clocks out zeros.
	if err := c.Tx([]byte{1, 2, 3}, nil); err != nil {
		t.Fatal(err)
	}
	r := make([]byte, 3)
	if err := c.Tx(nil, r); err != nil || !bytes.Equal(r, []byte{0xFF, 0xFF, 0xFF}) {
		t.Fatalf("Tx(nil, r): %v, r = % x", err, r)
	}
	if err := c.Tx(make([]byte, 3), make([]byte, 4)); err == nil || !strings.Contains(err.Error(), "same length") {
		t.Errorf("Tx with 3 out and 4 in: %v", err)
	}
	r1, r2 := make([]byte, 2), make([]byte, 1)
	if err := c.TxPackets([]spi.Packet{{W: []byte{0x0F, 0xF0}, R: r1, KeepCS: true}, {W: []byte{0x55}, R: r2}}); err != nil ||
		!bytes.Equal(r1, []byte{0xF0, 0x0F}) || r2[0] != 0xAA {
		t.Errorf("TxPackets: %v, % x % x", err, r1, r2)
	}
	if err := c.TxPackets([]spi.Packet{{W: []byte{1}, R: []byte{0}, BitsPerWord: 9}}); err == nil {
		t.Error("TxPackets with 9 bits a word succeeded")
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if err := c.Tx([]byte{1}, []byte{0}); !errors.Is(err, io.ErrClosedPipe) {
		t.Errorf("Tx after Close: %v", err)
	}
}

// TestSPISocketErrors: a socket that is not there is a *PortError; a
// board that stops or never answers is an error, never a hang; Close ends
// a transaction in progress.
func TestSPISocketErrors(t *testing.T) {
	_, err := driver.DialSPISocket(filepath.Join(t.TempDir(), "none.sock"))
	var pe *driver.PortError
	if !errors.As(err, &pe) || !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("dialing a missing socket: %v (want a *PortError wrapping fs.ErrNotExist)", err)
	}

	// A peer that takes bytes and never answers.
	path := filepath.Join(t.TempDir(), "mute.sock")
	l, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	accepted := make(chan net.Conn, 4)
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			accepted <- c
		}
	}()
	c := dial(t, path)
	c.Timeout = 50 * time.Millisecond
	if err := c.Tx([]byte{1, 2}, make([]byte, 2)); err == nil || !strings.Contains(err.Error(), "did not answer a transaction within 50ms") {
		t.Errorf("mute board: %v", err)
	}
	// Close while a transaction waits.
	c2 := dial(t, path)
	errc := make(chan error, 1)
	go func() { errc <- c2.Tx([]byte{1}, make([]byte, 1)) }()
	time.Sleep(20 * time.Millisecond)
	c2.Close()
	select {
	case err := <-errc:
		if !errors.Is(err, io.ErrClosedPipe) {
			t.Errorf("Tx ended by Close: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not end the transaction in progress")
	}
	// The board closes the connection (it stopped).
	c3 := dial(t, path)
	var peerConn net.Conn
	for range 3 {
		peerConn = <-accepted
	}
	peerConn.Close()
	if err := c3.Tx([]byte{1}, make([]byte, 1)); !errors.Is(err, io.EOF) || !strings.Contains(err.Error(), "closed the connection") {
		t.Errorf("board gone: %v", err)
	}
}

// socketPeripheral is an SPI peripheral in Go in front of an emulated
// board: MOSI bytes go to the board's link, MISO bytes are what the board
// sent, or the idle byte when it has nothing to say; the virtual board's
// harness and RTL in miniature.
type socketPeripheral struct {
	mu  sync.Mutex
	out []byte
}

func (p *socketPeripheral) miso(host driver.Transport) func(byte) byte {
	return func(b byte) byte {
		if _, err := host.Write([]byte{b}); err != nil {
			return wire.Idle
		}
		p.mu.Lock()
		defer p.mu.Unlock()
		if len(p.out) == 0 {
			return wire.Idle
		}
		r := p.out[0]
		p.out = p.out[1:]
		return r
	}
}

// TestSPISocketSession: driver.NewSPI over an SPISocket is a Transport a
// Session runs a network through, with exactly loihisim's spikes.
func TestSPISocketSession(t *testing.T) {
	core := fpga.CoreParams{SlotBits: 8, DelayBits: 3, SynWords: 1024, ProfileBits: 8}
	net := randnet.Network(3, randnet.Options{MaxDelay: 6})
	res, err := compiler.Compile(net, compiler.Options{Target: core.Target(), CheckIR: true})
	if err != nil {
		t.Fatal(err)
	}
	im, err := fpga.Build(res.Net, core)
	if err != nil {
		t.Fatal(err)
	}
	const steps = 100
	inputs := randnet.Inputs(res.Net, 3, steps, 0.3)
	sim, err := loihisim.New(res.Net, loihisim.Options{})
	if err != nil {
		t.Fatal(err)
	}

	host, end := driver.Pipe(time.Millisecond)
	b, err := emuboard.New(end, emuboard.Options{Core: core, Transport: wire.TransportSPI, BuildHash: [8]byte{9}})
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- b.Serve() }()
	p := &socketPeripheral{}
	pumped := make(chan struct{})
	go func() {
		defer close(pumped)
		buf := make([]byte, 512)
		for {
			n, err := host.Read(buf)
			if err != nil {
				return
			}
			p.mu.Lock()
			p.out = append(p.out, buf[:n]...)
			p.mu.Unlock()
		}
	}()
	path := peer(t, p.miso(host))
	defer func() {
		host.Close()
		<-pumped
		if err := <-served; err != nil {
			t.Errorf("board: %v", err)
		}
	}()

	c := dial(t, path)
	tr, err := driver.NewSPI(c, driver.Options{})
	if err != nil {
		t.Fatal(err)
	}
	s, err := driver.OpenSession(tr, driver.SessionOptions{Timeout: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if s.Identity.Transport != wire.TransportSPI || s.Identity.BuildHash != [8]byte{9} {
		t.Fatalf("identity %+v", s.Identity)
	}
	if err := s.Load(im); err != nil {
		t.Fatal(err)
	}
	total, step := 0, 0
	err = s.Run(inputs, steps, func(i int, sp []int32, _ driver.StepStats) {
		want := sim.Step(inputs[i])
		if i != step || !slices.Equal(sp, want) {
			t.Fatalf("step %d (expected %d): board %v, loihisim %v", i, step, sp, want)
		}
		step++
		total += len(sp)
	})
	if err != nil || step != steps {
		t.Fatalf("after %d steps: %v", step, err)
	}
	if total == 0 {
		t.Error("no spike in the run: it checks too little")
	}
}
