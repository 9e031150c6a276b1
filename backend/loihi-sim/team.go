package loihisim

import (
	"runtime"
	"sync/atomic"
)

// team runs the parts of one phase of work at once, on the caller and
// goroutines, its members. A step of a small network takes a few
// microseconds, less than waking a sleeping goroutine through the
// scheduler, so members wait for the next phase spinning on an atomic
// counter, and park only after spinLimit looks without work, e.g. while
// the caller writes its output.
// Each goroutine has a home part, which it takes first so that a part's
// neurons stay in one core's cache from step to step; then it takes any
// part not yet taken. So when the machine is busy and a member's thread is
// not running, the caller does that member's part itself instead of
// waiting for it.
type team struct {
	phase    atomic.Uint64
	finished atomic.Int64   // parts done in this phase
	work     func(part int) // set for the length of a phase only
	taken    []takenMark    // by part
	members  []*member
}

// takenMark is the last phase in which a part was taken, on a cache line
// of its own.
type takenMark struct {
	phase atomic.Uint64
	_     [56]byte
}

// member is a goroutine's side of the handshake, padded so that members
// do not share a cache line.
type member struct {
	sleeping atomic.Bool
	wake     chan struct{} // buffered: a token asks a parked member to look at the phase
	stop     atomic.Bool
	_        [64]byte
}

const spinLimit = 1 << 14

// newTeam makes a team of the caller and goroutines-1 goroutines for work
// in parts parts.
func newTeam(parts, goroutines int) *team {
	t := &team{taken: make([]takenMark, parts), members: make([]*member, goroutines-1)}
	for k := range t.members {
		m := &member{wake: make(chan struct{}, 1)}
		t.members[k] = m
		go t.serve(m, k+1)
	}
	return t
}

// run calls work(k) once for every part k and returns when all have
// returned.
func (t *team) run(work func(part int)) {
	t.work = work
	t.finished.Store(0)
	p := t.phase.Add(1)
	t.wakeSleepers()
	t.takeParts(p, 0)
	for i := 0; t.finished.Load() != int64(len(t.taken)); i++ {
		spinPause()
		if i%spinLimit == spinLimit-1 {
			runtime.Gosched()
		}
	}
	t.work = nil // an idle team holds no reference to what it worked on
}

// takeParts runs the parts of phase p not yet taken, from home on.
func (t *team) takeParts(p uint64, home int) {
	n := len(t.taken)
	for i := range n {
		k := (home + i) % n
		mark := &t.taken[k].phase
		if old := mark.Load(); old < p && mark.CompareAndSwap(old, p) {
			t.work(k)
			t.finished.Add(1)
		}
	}
}

// close ends the goroutines once they have finished the current phase.
func (t *team) close() {
	for _, m := range t.members {
		m.stop.Store(true)
	}
	t.phase.Add(1)
	t.wakeSleepers()
}

// wakeSleepers hands a token to each member that said it would park. A
// token is only a hint to look at the phase again: a member may find one
// left from an earlier phase, so the send never waits.
func (t *team) wakeSleepers() {
	for _, m := range t.members {
		if m.sleeping.CompareAndSwap(true, false) {
			select {
			case m.wake <- struct{}{}:
			default:
			}
		}
	}
}

func (t *team) serve(m *member, home int) {
	var seen uint64 // phases count from 0, the team's creation
	for {
		seen = t.await(m, seen)
		if m.stop.Load() {
			return
		}
		t.takeParts(seen, home%len(t.taken))
	}
}

// await returns the phase after seen. Before a member parks it says so,
// then looks at the phase once more: either it sees the new phase, or the
// caller, which moves the phase before it looks, sees it sleeping and
// sends a token.
func (t *team) await(m *member, seen uint64) uint64 {
	for {
		for range spinLimit {
			if p := t.phase.Load(); p != seen {
				return p
			}
			spinPause()
		}
		m.sleeping.Store(true)
		if p := t.phase.Load(); p != seen {
			m.sleeping.Store(false)
			return p
		}
		<-m.wake
	}
}
