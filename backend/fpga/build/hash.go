package build

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"io/fs"
	"math"

	"github.com/snnc/snnc/backend/fpga"
	"github.com/snnc/snnc/hdl"
)

// Links are the link variants of snnc_system (its LINK_SPI parameter), by
// the names BuildHash takes.
var Links = []string{"uart", "spi"}

// BuildHash is identity's build_hash (docs/protocol.md) of board b's system
// with link "uart" or "spi": the first 8 bytes of the SHA-256 of what the
// RTL is — the embedded HDL files of snnc_system (hdl.SystemSources: names
// and contents, in order), the core parameters, CLK_HZ (the core clock the
// board's PLL makes, rounded to Hz), BAUD and the link variant. It leaves
// out what does not change the RTL's behaviour: the network (loaded over the
// link), the pins, the nextpnr seed and the tools' versions. So a virtual
// board of b (testbench/vboard, the same snnc_system with the same
// parameters) reports the same hash as the bitstream, and the driver can
// tell that a board runs the RTL it expects. Byte 0 is the first byte on
// the wire; VerilogHash gives the parameter value that puts it there.
func BuildHash(b *fpga.Board, link string) ([8]byte, error) {
	var h [8]byte
	spi := 0
	switch link {
	case "uart":
	case "spi":
		spi = 1
	default:
		return h, fmt.Errorf("link %q is not a link variant (allowed: uart, spi)", link)
	}
	clk, err := PlanClock(b)
	if err != nil {
		return h, err
	}
	sum := sha256.New()
	fmt.Fprintf(sum, "snnc build hash v1\n")
	for _, name := range hdl.SystemSources() {
		data, err := fs.ReadFile(hdl.FS, name)
		if err != nil {
			return h, fmt.Errorf("hdl library: %w", err)
		}
		fmt.Fprintf(sum, "file %s %d\n", name, len(data))
		sum.Write(data)
	}
	for _, p := range b.Core.Verilog() {
		fmt.Fprintf(sum, "param %s\n", p)
	}
	fmt.Fprintf(sum, "param CLK_HZ=%d\nparam BAUD=%d\nparam LINK_SPI=%d\n", int64(math.Round(clk.CoreHz)), b.UARTBaud, spi)
	copy(h[:], sum.Sum(nil))
	return h, nil
}

// VerilogHash is snnc_system's BUILD_HASH parameter for h: a 64-bit
// constant whose bits [7:0] are h[0], the byte link_ctrl sends first.
func VerilogHash(h [8]byte) string {
	return fmt.Sprintf("64'h%016x", binary.LittleEndian.Uint64(h[:]))
}
