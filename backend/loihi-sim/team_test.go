package loihisim

import (
	"runtime"
	"testing"
	"time"
)

// Every part of every phase runs exactly once, and the caller sees all of
// a phase's writes when run returns, whether members spin or sleep between
// phases, with as many parts as goroutines and with more.
func TestTeamPhases(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(4))
	for _, n := range []int{2, 3, 4, 7} {
		tm := newTeam(n, min(n, 3))
		counts := make([]int, n)
		for phase := range 300 {
			if phase%50 == 49 {
				time.Sleep(2 * time.Millisecond) // let the members park
			}
			tm.run(func(k int) { counts[k]++ })
			for k, c := range counts {
				if c != phase+1 {
					t.Fatalf("%d parts, phase %d: part %d ran %d times", n, phase+1, k, c)
				}
			}
		}
		tm.close()
	}
}
