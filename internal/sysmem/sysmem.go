// Package sysmem tells how much memory the machine has for new work, and
// writes byte counts for people. snnc checks big networks against it so
// that a size typo ends in one clear line, not in the Go runtime's
// out-of-memory trace.
package sysmem

import (
	"bytes"
	"fmt"
	"math"
	"os"
	"strconv"
)

// Available returns the memory the kernel can give to new allocations
// without swapping (MemAvailable in /proc/meminfo), or false where it
// cannot tell.
func Available() (int64, bool) {
	data, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return 0, false
	}
	return ParseMeminfo(data)
}

// ParseMeminfo finds "MemAvailable: N kB" in the text of /proc/meminfo and
// returns it in bytes.
func ParseMeminfo(meminfo []byte) (int64, bool) {
	for line := range bytes.Lines(meminfo) {
		rest, ok := bytes.CutPrefix(line, []byte("MemAvailable:"))
		if !ok {
			continue
		}
		f := bytes.Fields(rest)
		if len(f) != 2 || string(f[1]) != "kB" {
			return 0, false
		}
		kb, err := strconv.ParseInt(string(f[0]), 10, 64)
		if err != nil || kb < 0 || kb > math.MaxInt64/1024 {
			return 0, false
		}
		return kb * 1024, true
	}
	return 0, false
}

// Format writes a number of bytes in decimal units (1 GB = 10^9 bytes),
// with one decimal. It takes a float: estimates may pass 2^63.
func Format(b float64) string {
	switch {
	case b >= 1e9:
		return fmt.Sprintf("%.1f GB", b/1e9)
	case b >= 1e6:
		return fmt.Sprintf("%.1f MB", b/1e6)
	case b >= 1e3:
		return fmt.Sprintf("%.1f kB", b/1e3)
	}
	return fmt.Sprintf("%.0f bytes", b)
}
