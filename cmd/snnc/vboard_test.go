package main

import (
	"bufio"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/snnc/snnc/backend/fpga"
	"github.com/snnc/snnc/backend/fpga/build"
	"github.com/snnc/snnc/driver"
	"github.com/snnc/snnc/driver/wire"
	"github.com/snnc/snnc/internal/edatest"
)

// Bad flags of snnc vboard are one line and exit status 2, before any
// build.
func TestVboardUsage(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"vboard", "--link", "i2c"}, `snnc vboard: --link "i2c" is not a link of the virtual board (allowed: uart, spi) (see 'snnc vboard --help')` + "\n"},
		{[]string{"vboard", "--for", "-1s"}, "snnc vboard: --for -1s is negative (allowed: 0 to run until interrupted, or a duration such as 10s) (see 'snnc vboard --help')\n"},
		{[]string{"vboard", "--board", "nope"}, ""},
	} {
		status, stdout, stderr := snnc(t, t.TempDir(), c.args...)
		if status != exitUserError || stdout != "" || strings.Count(stderr, "\n") != 1 || c.want != "" && stderr != c.want {
			t.Errorf("%v: status %d, stdout %q, stderr %q; want status 2 and %q", c.args, status, stdout, stderr, c.want)
		}
	}
}

// lineWriter hands each line written to it to a channel.
type lineWriter struct {
	w     *io.PipeWriter
	lines chan string
}

func newLineWriter() *lineWriter {
	r, w := io.Pipe()
	lw := &lineWriter{w: w, lines: make(chan string, 16)}
	go func() {
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			lw.lines <- sc.Text()
		}
		close(lw.lines)
	}()
	return lw
}

func (lw *lineWriter) Write(p []byte) (int, error) { return lw.w.Write(p) }

// snnc vboard prints its port on standard output; a driver opens it (the
// pty as a serial port, the SPI socket through driver.NewSPI) and the
// board identifies as the bitstream of its board and link would.
func TestVboardCommand(t *testing.T) {
	edatest.Require(t, "verilator", "g++", "make")
	b, err := fpga.LoadBoard("ice40-hx8k")
	if err != nil {
		t.Fatal(err)
	}
	for _, link := range []string{"uart", "spi"} {
		t.Run(link, func(t *testing.T) {
			hash, err := build.BuildHash(b, link)
			if err != nil {
				t.Fatal(err)
			}
			out := newLineWriter()
			var stderr strings.Builder
			done := make(chan int, 1)
			go func() {
				done <- run([]string{"vboard", "--board", b.Name, "--link", link, "--for", "4s"}, out, &stderr)
				out.w.Close()
			}()
			var path string
			select {
			case path = <-out.lines:
			case status := <-done:
				t.Fatalf("snnc vboard ended with status %d before printing its port: %s", status, stderr.String())
			}
			var tr driver.Transport
			if link == "spi" {
				c, err := driver.DialSPISocket(path)
				if err != nil {
					t.Fatal(err)
				}
				defer c.Close()
				tr, err = driver.NewSPI(c, driver.Options{})
				if err != nil {
					t.Fatal(err)
				}
			} else {
				tr, err = driver.Open(path, driver.Options{})
				if err != nil {
					t.Fatal(err)
				}
			}
			s, err := driver.OpenSession(tr, driver.SessionOptions{Timeout: 300 * time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			transport := uint8(wire.TransportUART)
			if link == "spi" {
				transport = wire.TransportSPI
			}
			if s.Identity.BuildHash != hash || s.Identity.Transport != transport || s.Core.SlotBits != b.Core.SlotBits {
				t.Errorf("identity %+v, want build hash %x, transport %d, core %v", s.Identity, hash, transport, b.Core)
			}
			s.Close()
			if status := <-done; status != 0 {
				t.Fatalf("status %d: %s", status, stderr.String())
			}
			if !strings.Contains(stderr.String(), "snnc: virtual board stopped: ") {
				t.Errorf("no summary on stderr: %s", stderr.String())
			}
		})
	}
}
