package loihisim

import (
	"runtime"
	"sync/atomic"
)

// team runs one phase of work on n members at once: the caller is member
// 0, members 1..n-1 are goroutines. A step of a small network takes a few
// microseconds, less than waking a sleeping goroutine through the
// scheduler, so members wait for the next phase spinning on an atomic
// counter, and park only after spinning for about spinLimit loads (tens of
// microseconds) without work, e.g. while the caller reads its input.
type team struct {
	phase   atomic.Uint64
	work    func(member int) // set for the length of a phase only
	members []*member
}

// member is one goroutine's side of the handshake, padded so that members
// finishing at the same time do not share a cache line.
type member struct {
	done     atomic.Uint64 // the last phase this member finished
	sleeping atomic.Bool
	wake     chan struct{} // buffered: a token asks a parked member to look at the phase
	stop     atomic.Bool
	_        [64]byte
}

const spinLimit = 1 << 14

func newTeam(n int) *team {
	t := &team{members: make([]*member, n)}
	for k := 1; k < n; k++ {
		m := &member{wake: make(chan struct{}, 1)}
		t.members[k] = m
		go t.serve(k, m)
	}
	return t
}

// run calls work(k) for every member k and returns when all have returned.
func (t *team) run(work func(member int)) {
	t.work = work
	p := t.phase.Add(1)
	t.wakeSleepers()
	work(0)
	for _, m := range t.members[1:] {
		for i := 0; m.done.Load() != p; i++ {
			if i%spinLimit == spinLimit-1 {
				runtime.Gosched()
			}
		}
	}
	t.work = nil // an idle team holds no reference to what it worked on
}

// close ends the goroutines once they have finished the current phase.
func (t *team) close() {
	for _, m := range t.members[1:] {
		m.stop.Store(true)
	}
	t.phase.Add(1)
	t.wakeSleepers()
}

// wakeSleepers hands a token to each member that said it would park. A
// token is only a hint to look at the phase again: a member may find one
// left from an earlier phase, so the send never waits.
func (t *team) wakeSleepers() {
	for _, m := range t.members[1:] {
		if m.sleeping.CompareAndSwap(true, false) {
			select {
			case m.wake <- struct{}{}:
			default:
			}
		}
	}
}

func (t *team) serve(k int, m *member) {
	var seen uint64 // phases count from 0, the team's creation
	for {
		p := t.await(m, seen)
		if m.stop.Load() {
			return
		}
		t.work(k)
		m.done.Store(p)
		seen = p
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
		}
		m.sleeping.Store(true)
		if p := t.phase.Load(); p != seen {
			m.sleeping.Store(false)
			return p
		}
		<-m.wake
	}
}
