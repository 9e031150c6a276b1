package faulty

import (
	"bytes"
	"math/rand/v2"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/snnc/snnc/driver"
)

func noise(seed uint64, n int) []byte {
	r := rand.New(rand.NewPCG(seed, 7))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

// drain reads from tr until two Reads in a row come back empty: one may
// be a Delay stall, which a byte always follows.
func drain(t *testing.T, tr driver.Transport, bufSize int) []byte {
	t.Helper()
	var got []byte
	buf := make([]byte, bufSize)
	for empty := 0; empty < 2; {
		n, err := tr.Read(buf)
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			empty++
			continue
		}
		empty = 0
		got = append(got, buf[:n]...)
	}
	return got
}

// writeChunks writes b in pieces whose sizes come from a seed.
func writeChunks(t *testing.T, tr driver.Transport, b []byte, seed uint64) {
	t.Helper()
	r := rand.New(rand.NewPCG(seed, 9))
	for len(b) > 0 {
		n := min(len(b), 1+r.IntN(300))
		if k, err := tr.Write(b[:n]); err != nil || k != n {
			t.Fatalf("Write = %d, %v", k, err)
		}
		b = b[n:]
	}
}

// sleeps counts Delay stalls without waiting for them.
type sleeps struct {
	mu sync.Mutex
	n  int
}

func (s *sleeps) sleep(time.Duration) { s.mu.Lock(); s.n++; s.mu.Unlock() }

func TestZeroRatesAreTransparent(t *testing.T) {
	host, board := driver.Pipe(10 * time.Millisecond)
	ft := New(host, Config{Seed: 42})
	out, in := noise(1, 100000), noise(2, 100000)
	writeChunks(t, ft, out, 1)
	if got := drain(t, board, 4096); !bytes.Equal(got, out) {
		t.Errorf("host→board changed %d bytes into %d", len(out), len(got))
	}
	writeChunks(t, board, in, 2)
	if got := drain(t, ft, 1000); !bytes.Equal(got, in) {
		t.Errorf("board→host changed %d bytes into %d", len(in), len(got))
	}
	if log := ft.Log(); len(log) != 0 {
		t.Errorf("a zero-rate configuration logged %d faults: %v", len(log), log[0])
	}
}

// TestRates sends 200,000 bytes each way and counts each kind of fault
// against its rate. Tolerances are ±30 %, more than 6 standard deviations
// for the rarest (Truncate, about 100 expected), and the seeds are fixed.
func TestRates(t *testing.T) {
	const n = 200000
	rates := Faults{Drop: 0.01, Flip: 0.005, Dup: 0.002, Truncate: 0.0005, Delay: 0.001}
	for _, seed := range []uint64{1, 2, 3} {
		var sl sleeps
		host, board := driver.Pipe(10 * time.Millisecond)
		h2b := rates
		h2b.Truncate = 0.05 // per Write: writes average 150 bytes
		ft := New(host, Config{Seed: seed, HostToBoard: h2b, BoardToHost: rates, Sleep: sl.sleep})
		out, in := noise(seed, n), noise(seed+100, n)
		writeChunks(t, ft, out, seed)
		gotOut := drain(t, board, 4096)
		writeChunks(t, board, in, seed+1)
		gotIn := drain(t, ft, 512)

		writes := 0
		for r, left := rand.New(rand.NewPCG(seed, 9)), n; left > 0; left -= min(left, 1+r.IntN(300)) {
			writes++
		}
		for _, c := range []struct {
			d    Dir
			k    Kind
			want float64
		}{
			{HostToBoard, Drop, 0.01 * n}, {HostToBoard, Flip, 0.005 * n}, {HostToBoard, Dup, 0.002 * n},
			{HostToBoard, Truncate, 0.05 * float64(writes)}, {HostToBoard, Delay, 0.001 * n},
			{BoardToHost, Drop, 0.01 * n}, {BoardToHost, Flip, 0.005 * n}, {BoardToHost, Dup, 0.002 * n},
			{BoardToHost, Truncate, 0.0005 * n}, {BoardToHost, Delay, 0.001 * n},
		} {
			// Truncated bytes escape the other faults; close enough at
			// these rates.
			got := float64(ft.Count(c.d, c.k))
			if got < 0.7*c.want || got > 1.3*c.want {
				t.Errorf("seed %d: %d %s %s faults, want about %.0f", seed, int(got), c.d, c.k, c.want)
			}
		}
		if want := ft.Count(HostToBoard, Delay) + ft.Count(BoardToHost, Delay); sl.n != want {
			t.Errorf("seed %d: %d stalls for %d logged delays", seed, sl.n, want)
		}
		// The log explains every byte.
		log := ft.Log()
		if got := Apply(out, log, HostToBoard); !bytes.Equal(got, gotOut) {
			t.Errorf("seed %d: replaying the log on host→board does not give the bytes the board got", seed)
		}
		if got := Apply(in, log, BoardToHost); !bytes.Equal(got, gotIn) {
			t.Errorf("seed %d: replaying the log on board→host does not give the bytes the host got", seed)
		}
	}
}

// TestSameSeedSameBytes: per-byte faults depend on the seed and the
// offset only, not on how writes and reads cut the stream.
func TestSameSeedSameBytes(t *testing.T) {
	rates := Faults{Drop: 0.01, Flip: 0.01, Dup: 0.01, Truncate: 0.002, Delay: 0.002}
	run := func(seed, chunking uint64, readSize int) ([]byte, []byte, []Fault) {
		var sl sleeps
		host, board := driver.Pipe(10 * time.Millisecond)
		h2b := rates
		h2b.Truncate = 0 // per Write, so it depends on the cut
		ft := New(host, Config{Seed: seed, HostToBoard: h2b, BoardToHost: rates, Sleep: sl.sleep})
		writeChunks(t, ft, noise(5, 50000), chunking)
		out := drain(t, board, 4096)
		writeChunks(t, board, noise(6, 50000), chunking)
		in := drain(t, ft, readSize)
		return out, in, ft.Log()
	}
	out1, in1, _ := run(11, 1, 100)
	out2, in2, _ := run(11, 2, 7)
	if !bytes.Equal(out1, out2) || !bytes.Equal(in1, in2) {
		t.Error("the same seed with other write and read sizes gave other bytes")
	}
	_, _, log3 := run(11, 1, 100)
	_, _, log4 := run(11, 1, 100)
	if !reflect.DeepEqual(log3, log4) {
		t.Error("the same seed and cuts gave another log")
	}
	out5, in5, _ := run(12, 1, 100)
	if bytes.Equal(out1, out5) || bytes.Equal(in1, in5) {
		t.Error("another seed gave the same bytes")
	}
}

// recorder counts the bytes that reach the wrapped Transport.
type recorder struct {
	driver.Transport
	mu sync.Mutex
	n  int
}

func (r *recorder) Write(p []byte) (int, error) {
	r.mu.Lock()
	r.n += len(p)
	r.mu.Unlock()
	return r.Transport.Write(p)
}

func TestResetAfterBytes(t *testing.T) {
	host, board := driver.Pipe(10 * time.Millisecond)
	rec := &recorder{Transport: host}
	var atReset []int
	var hostGot int
	ft := New(rec, Config{
		Seed:        1,
		HostToBoard: Faults{ResetAfter: 1000},
		BoardToHost: Faults{ResetAfter: 300},
		OnReset: func() {
			rec.mu.Lock()
			atReset = append(atReset, rec.n)
			rec.mu.Unlock()
		},
	})
	writeChunks(t, ft, noise(1, 5000), 3)
	if len(atReset) != 1 || atReset[0] != 1000 {
		t.Fatalf("host→board resets ran with %v bytes written, want once with 1000", atReset)
	}
	drain(t, board, 4096)
	board.Write(noise(2, 1000))
	buf := make([]byte, 64)
	for len(atReset) < 2 {
		n, err := ft.Read(buf)
		if err != nil || n == 0 {
			t.Fatalf("Read = %d, %v before the board→host reset", n, err)
		}
		hostGot += n
	}
	if hostGot < 300 || hostGot > 300+len(buf) {
		t.Errorf("the board→host reset ran when the host had read %d bytes, want it in the read that crossed 300", hostGot)
	}
	if got := drain(t, ft, 64); hostGot+len(got) != 1000 {
		t.Errorf("the host read %d bytes, want 1000", hostGot+len(got))
	}
	var resets []Fault
	for _, f := range ft.Log() {
		if f.Kind == Reset {
			resets = append(resets, f)
		}
	}
	want := []Fault{{Dir: HostToBoard, Kind: Reset, Offset: 1000}, {Dir: BoardToHost, Kind: Reset, Offset: 300}}
	if !reflect.DeepEqual(resets, want) {
		t.Errorf("logged resets %v, want %v", resets, want)
	}
}

func TestDelayReadsEmpty(t *testing.T) {
	host, board := driver.Pipe(10 * time.Millisecond)
	var sl sleeps
	ft := New(host, Config{Seed: 3, BoardToHost: Faults{Delay: 0.05}, Sleep: sl.sleep})
	in := noise(4, 2000)
	board.Write(in)
	var got []byte
	empty := 0
	buf := make([]byte, 256)
	for len(got) < len(in) {
		n, err := ft.Read(buf)
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			empty++
		}
		got = append(got, buf[:n]...)
	}
	delays := ft.Count(BoardToHost, Delay)
	if !bytes.Equal(got, in) || delays == 0 || empty != delays || sl.n != delays {
		t.Errorf("%d delays logged, %d empty reads, %d stalls; bytes intact: %v", delays, empty, sl.n, bytes.Equal(got, in))
	}
	if r := ft.Report(); !bytes.Contains([]byte(r), []byte("board→host @")) {
		t.Errorf("Report does not list the delays:\n%s", r)
	}
}
