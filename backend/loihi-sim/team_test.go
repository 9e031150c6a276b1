package loihisim

import (
	"runtime"
	"testing"
	"time"
)

// Every member runs every phase exactly once, and the caller sees all of a
// phase's writes when run returns, whether members spin or sleep between
// phases.
func TestTeamPhases(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(4))
	for _, n := range []int{2, 3, 4} {
		tm := newTeam(n)
		counts := make([]int, n)
		for phase := range 300 {
			if phase%50 == 49 {
				time.Sleep(2 * time.Millisecond) // let the members park
			}
			tm.run(func(k int) { counts[k]++ })
			for k, c := range counts {
				if c != phase+1 {
					t.Fatalf("%d members, phase %d: member %d ran %d times", n, phase+1, k, c)
				}
			}
		}
		tm.close()
	}
}
