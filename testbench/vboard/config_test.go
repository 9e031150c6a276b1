package vboard

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/snnc/snnc/backend/fpga"
	"github.com/snnc/snnc/backend/fpga/build"
)

// BoardConfig gives the virtual board the bitstream's parameters and
// build hash for each link, and every parameter that changes the RTL or
// the harness changes the cache key.
func TestBoardConfig(t *testing.T) {
	b, err := fpga.LoadBoard("icebreaker")
	if err != nil {
		t.Fatal(err)
	}
	files, err := sources()
	if err != nil {
		t.Fatal(err)
	}
	keys := map[string]string{}
	for _, link := range Links {
		cfg, err := BoardConfig(b, link)
		if err != nil {
			t.Fatal(err)
		}
		hash, err := build.BuildHash(b, link)
		if err != nil {
			t.Fatal(err)
		}
		if cfg.Core != b.Core || cfg.ClockHz != 24000000 || cfg.Baud != 3000000 || cfg.Link != link || cfg.BuildHash != hash {
			t.Errorf("%s: %+v; want the iCEBreaker's core, 24 MHz, %d baud, build hash %x", link, cfg, 3000000, hash)
		}
		if err := cfg.Check(); err != nil {
			t.Errorf("%s: %v", link, err)
		}
		args := verilatorArgs(cfg)
		spi := map[string]string{LinkUART: "0", LinkSPI: "1"}[link]
		if !slices.Contains(args, "-GLINK_SPI="+spi) || !slices.Contains(args, "-GBUILD_HASH="+build.VerilogHash(hash)) {
			t.Errorf("%s: verilator arguments %q lack LINK_SPI=%s or BUILD_HASH", link, args, spi)
		}
		keys[link] = buildKey("verilator 5", cfg, files)

		other := cfg
		other.BuildHash[7] ^= 1
		if buildKey("verilator 5", other, files) == keys[link] {
			t.Errorf("%s: the cache key does not cover the build hash", link)
		}
	}
	if keys[LinkUART] == keys[LinkSPI] {
		t.Error("the UART and SPI boards have the same cache key")
	}
}

// A link that is neither uart nor spi is a user error naming the allowed
// ones, from every entry point.
func TestBadLink(t *testing.T) {
	b, err := fpga.LoadBoard("icebreaker")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := BoardConfig(b, LinkUART)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Link = "usb"
	_, err1 := BoardConfig(b, "")
	_, err2 := BuildBoard("icebreaker", "SPI", t.TempDir())
	for _, err := range []error{err1, err2, cfg.Check()} {
		var le *LinkError
		if !errors.As(err, &le) || !strings.Contains(err.Error(), "(allowed: uart, spi)") {
			t.Errorf("got %v, want a *LinkError naming the allowed links", err)
		}
	}
	// An SPI board needs no usable baud rate; a UART board does.
	cfg.Link, cfg.Baud = LinkSPI, 12000000
	if err := cfg.Check(); err != nil {
		t.Errorf("SPI board with an unused fast baud: %v", err)
	}
	cfg.Link = LinkUART
	if err := cfg.Check(); err == nil || !strings.Contains(err.Error(), "clocks a bit") {
		t.Errorf("UART at 2 clocks a bit: %v", err)
	}
}
