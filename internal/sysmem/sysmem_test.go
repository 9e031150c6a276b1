package sysmem

import "testing"

func TestParseMeminfo(t *testing.T) {
	cases := []struct {
		text string
		want int64
		ok   bool
	}{
		{"MemTotal:       25165824 kB\nMemFree:         1000000 kB\nMemAvailable:   24182548 kB\nBuffers: 1 kB\n", 24182548 * 1024, true},
		{"MemAvailable: 4 kB", 4096, true},
		{"MemTotal:       25165824 kB\n", 0, false},
		{"MemAvailable:   lots kB\n", 0, false},
		{"MemAvailable:   100 MB\n", 0, false},
		{"MemAvailable:   -5 kB\n", 0, false},
		{"MemAvailable:   99999999999999999999 kB\n", 0, false},
		{"", 0, false},
	}
	for _, c := range cases {
		got, ok := ParseMeminfo([]byte(c.text))
		if got != c.want || ok != c.ok {
			t.Errorf("%q: got %d, %v; want %d, %v", c.text, got, ok, c.want, c.ok)
		}
	}
}

func TestFormat(t *testing.T) {
	for v, want := range map[float64]string{12_800_000_000: "12.8 GB", 9_400_000_000: "9.4 GB", 640_000: "640.0 kB", 88: "88 bytes", 1_400_000: "1.4 MB"} {
		if got := Format(v); got != want {
			t.Errorf("Format(%g) = %q, want %q", v, got, want)
		}
	}
}
