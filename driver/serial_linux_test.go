//go:build linux

package driver

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// openPTY makes a pseudo-terminal pair as the virtual board's harness
// does (posix_openpt, unlockpt, cfmakeraw on the master) and returns the
// master, pollable so reads can have deadlines, and the slave's path,
// which the driver opens as it opens /dev/ttyUSB1.
func openPTY(t *testing.T) (*os.File, string) {
	t.Helper()
	fd, err := unix.Open("/dev/ptmx", unix.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC|unix.O_NONBLOCK, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals here: %v", err)
	}
	if err := unix.IoctlSetPointerInt(fd, unix.TIOCSPTLCK, 0); err != nil {
		unix.Close(fd)
		t.Fatalf("unlockpt: %v", err)
	}
	n, err := unix.IoctlGetUint32(fd, unix.TIOCGPTN)
	if err != nil {
		unix.Close(fd)
		t.Fatalf("ptsname: %v", err)
	}
	tio, err := unix.IoctlGetTermios(fd, unix.TCGETS)
	if err != nil {
		unix.Close(fd)
		t.Fatalf("tcgetattr: %v", err)
	}
	// cfmakeraw
	tio.Iflag &^= unix.IGNBRK | unix.BRKINT | unix.PARMRK | unix.ISTRIP | unix.INLCR | unix.IGNCR | unix.ICRNL | unix.IXON
	tio.Oflag &^= unix.OPOST
	tio.Lflag &^= unix.ECHO | unix.ECHONL | unix.ICANON | unix.ISIG | unix.IEXTEN
	tio.Cflag &^= unix.CSIZE | unix.PARENB
	tio.Cflag |= unix.CS8
	if err := unix.IoctlSetTermios(fd, unix.TCSETS, tio); err != nil {
		unix.Close(fd)
		t.Fatalf("tcsetattr: %v", err)
	}
	m := os.NewFile(uintptr(fd), "/dev/ptmx")
	t.Cleanup(func() { m.Close() })
	return m, fmt.Sprintf("/dev/pts/%d", n)
}

// readFull reads n bytes from the driver's side, tolerating the empty
// reads of its timeout, for at most 10 s.
func readFull(t *testing.T, tr Transport, n int) []byte {
	t.Helper()
	got := make([]byte, 0, n)
	buf := make([]byte, 4096)
	deadline := time.Now().Add(10 * time.Second)
	for len(got) < n && time.Now().Before(deadline) {
		k, err := tr.Read(buf[:min(len(buf), n-len(got))])
		if err != nil {
			t.Fatalf("read after %d of %d bytes: %v", len(got), n, err)
		}
		got = append(got, buf[:k]...)
	}
	return got
}

func TestSerialEveryByteBothWays(t *testing.T) {
	master, path := openPTY(t)
	tr, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	if got := tr.ReadTimeout(); got != DefaultReadTimeout {
		t.Errorf("ReadTimeout() = %v, want %v", got, DefaultReadTimeout)
	}

	// host → board: the driver writes while the "board" reads, as the pty
	// holds only a few kB.
	out := everyByte(1, 64<<10)
	done := make(chan []byte)
	go func() {
		got := make([]byte, 0, len(out))
		buf := make([]byte, 4096)
		master.SetReadDeadline(time.Now().Add(10 * time.Second))
		for len(got) < len(out) {
			n, err := master.Read(buf)
			if err != nil {
				break
			}
			got = append(got, buf[:n]...)
		}
		done <- got
	}()
	if n, err := tr.Write(out); err != nil || n != len(out) {
		t.Fatalf("Write = %d, %v; want %d, nil", n, err, len(out))
	}
	if got := <-done; !bytes.Equal(got, out) {
		t.Errorf("host → board: %d bytes arrived of %d, first difference at %d", len(got), len(out), firstDiff(got, out))
	}

	// board → host
	in := everyByte(2, 64<<10)
	go func() {
		master.SetWriteDeadline(time.Now().Add(10 * time.Second))
		master.Write(in)
	}()
	if got := readFull(t, tr, len(in)); !bytes.Equal(got, in) {
		t.Errorf("board → host: %d bytes arrived of %d, first difference at %d", len(got), len(in), firstDiff(got, in))
	}
}

func TestSerialReadTimesOutEmpty(t *testing.T) {
	_, path := openPTY(t)
	tr, err := Open(path, Options{ReadTimeout: 250 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	// VTIME counts tenths: 250 ms becomes 200 ms.
	if got := tr.ReadTimeout(); got != 200*time.Millisecond {
		t.Errorf("ReadTimeout() = %v, want 200ms", got)
	}
	start := time.Now()
	n, err := tr.Read(make([]byte, 16))
	took := time.Since(start)
	if n != 0 || err != nil {
		t.Fatalf("Read on a quiet port = %d, %v; want 0, nil", n, err)
	}
	if took < 150*time.Millisecond || took > 2*time.Second {
		t.Errorf("an empty Read took %v, want about 200ms", took)
	}
}

func TestSerialHangUpIsEOF(t *testing.T) {
	master, path := openPTY(t)
	tr, err := Open(path, Options{ReadTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	master.Write([]byte{0x5a})
	if got := readFull(t, tr, 1); !bytes.Equal(got, []byte{0x5a}) {
		t.Fatalf("read %x, want 5a", got)
	}
	master.Close() // the virtual board stops
	start := time.Now()
	var n int
	for time.Since(start) < 5*time.Second {
		n, err = tr.Read(make([]byte, 16))
		if err != nil || n != 0 {
			break
		}
	}
	if !errors.Is(err, io.EOF) {
		t.Fatalf("Read after the other side closed = %d, %v; want an error wrapping io.EOF", n, err)
	}
	if took := time.Since(start); took > 900*time.Millisecond {
		t.Errorf("the hang-up was noticed after %v, want at once (before the 1 s timeout)", took)
	}
}

func TestSerialFlush(t *testing.T) {
	master, path := openPTY(t)
	tr, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	master.Write([]byte("stale bytes from before"))
	time.Sleep(200 * time.Millisecond) // let the pty move them to the slave's queue
	if err := tr.(Flusher).Flush(); err != nil {
		t.Fatal(err)
	}
	master.Write([]byte{0x42})
	if got := readFull(t, tr, 1); !bytes.Equal(got, []byte{0x42}) {
		t.Errorf("after Flush read %q, want only the byte sent after it", got)
	}
}

func TestOpenErrors(t *testing.T) {
	notTTY := filepath.Join(t.TempDir(), "regular-file")
	if err := os.WriteFile(notTTY, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		opt  Options
		want string
		is   error
	}{
		{"/dev/ttyUSB_snnc_missing", Options{}, "no such port /dev/ttyUSB_snnc_missing: is the board plugged in? snnc boards lists ports", fs.ErrNotExist},
		{notTTY, Options{}, notTTY + " is not a serial port", unix.ENOTTY},
		{"/dev/ttyUSB_snnc_missing", Options{Baud: 12345}, "baud rate 12345 of port /dev/ttyUSB_snnc_missing is not one", nil},
		{"/dev/ttyUSB1", Options{ReadTimeout: -time.Second}, "read timeout -1s of port /dev/ttyUSB1 is negative", nil},
		{"", Options{}, "no port named", nil},
		{"vboard", Options{}, "snnc run --port vboard", nil},
		{"spi:", Options{}, "SPI port name missing", nil},
		{"spi:snnc-missing", Options{}, "no such port spi:snnc-missing: is the board plugged in and SPI enabled", nil},
	} {
		_, err := Open(c.name, c.opt)
		var pe *PortError
		if !errors.As(err, &pe) {
			t.Errorf("Open(%q) = %v (%T), want a *PortError", c.name, err, err)
			continue
		}
		if !bytes.Contains([]byte(err.Error()), []byte(c.want)) {
			t.Errorf("Open(%q) = %q, want it to say %q", c.name, err, c.want)
		}
		if c.is != nil && !errors.Is(err, c.is) {
			t.Errorf("Open(%q) = %v, want it to wrap %v", c.name, err, c.is)
		}
		if _, ok := err.(interface{ UserError() }); !ok {
			t.Errorf("Open(%q): %T has no UserError method", c.name, err)
		}
	}
}
