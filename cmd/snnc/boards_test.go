package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/snnc/snnc/driver/usb/usbtest"
)

const boardsTable = `board       device           core                                              flash                    usb
ice40-hx8k  ice40hx8k-ct256  256 slots, 1536 synapses, delays 1..8, 48 MHz     iceprog, openFPGALoader  0403:6010 (UART: interface 1)
icebreaker  ice40up5k-sg48   1024 slots, 32768 synapses, delays 1..16, 24 MHz  iceprog, openFPGALoader  0403:6010 (UART: interface 1)

`

// An iCEBreaker on ttyUSB0 and ttyUSB1 and an unknown CDC ACM device:
// the profiles, then each port with the boards it may be and which one is
// the UART.
func TestBoards(t *testing.T) {
	fakeUSB(t, usbtest.ICEBreaker("1-2", 0),
		usbtest.Device{Name: "1-3", VIDPID: "2341:0043", Interfaces: []usbtest.Interface{{Number: 0, Driver: "cdc_acm", TTY: "ttyACM0"}}})
	status, stdout, stderr := snnc(t, ".", "boards")
	want := boardsTable + `USB serial adapters:
  /dev/ttyACM0  2341:0043  interface 0  USB 1-3                                       not a board snnc knows
  /dev/ttyUSB0  0403:6010  interface 0  iCEBreaker V1.0e (1BitSquared) serial ib0001  ice40-hx8k or icebreaker, not the UART (on an FT2232H, interface 0 is the programmer)
  /dev/ttyUSB1  0403:6010  interface 1  iCEBreaker V1.0e (1BitSquared) serial ib0001  UART of ice40-hx8k or icebreaker (snnc run --port /dev/ttyUSB1)
`
	if status != 0 || stdout != want || stderr != "" {
		t.Errorf("status %d, stderr %q, stdout\n%s\nwant\n%s", status, stderr, stdout, want)
	}

	status, stdout, _ = snnc(t, ".", "boards", "--json")
	var r struct {
		Boards []struct {
			Name          string
			Slots         int
			USB           []string
			UARTInterface int `json:"uart_interface"`
			Flash         struct {
				Tool string
				Args []string
			}
		}
		Ports []struct {
			Path      string
			Interface int
			Device    struct {
				VIDPID string `json:"vid_pid"`
				Serial string
			}
			Boards []string
			UART   bool
		}
	}
	if err := json.Unmarshal([]byte(stdout), &r); err != nil || status != 0 {
		t.Fatalf("status %d, %v: %s", status, err, stdout)
	}
	if len(r.Boards) != 2 || r.Boards[1].Name != "icebreaker" || r.Boards[1].Slots != 1024 || r.Boards[1].USB[0] != "0403:6010" ||
		r.Boards[1].UARTInterface != 1 || r.Boards[1].Flash.Tool != "iceprog" {
		t.Errorf("boards %+v", r.Boards)
	}
	if len(r.Ports) != 3 || r.Ports[2].Path != "/dev/ttyUSB1" || !r.Ports[2].UART || r.Ports[1].UART || r.Ports[2].Device.Serial != "ib0001" ||
		strings.Join(r.Ports[2].Boards, " ") != "ice40-hx8k icebreaker" || len(r.Ports[0].Boards) != 0 {
		t.Errorf("ports %+v", r.Ports)
	}
}

// Nothing plugged in: the profiles and one clear line.
func TestBoardsNone(t *testing.T) {
	fakeUSB(t)
	status, stdout, stderr := snnc(t, ".", "boards")
	want := boardsTable + "no USB serial adapters found (plug a board in; snnc run --port vboard needs none)\n"
	if status != 0 || stdout != want || stderr != "" {
		t.Errorf("status %d, stderr %q, stdout\n%s\nwant\n%s", status, stderr, stdout, want)
	}
	status, stdout, _ = snnc(t, ".", "boards", "--json")
	if status != 0 || !strings.Contains(stdout, `"ports": []`) {
		t.Errorf("--json: status %d, %s", status, stdout)
	}
	if status, _, stderr := snnc(t, ".", "boards", "icebreaker"); status != exitUserError || !strings.Contains(stderr, "snnc boards: unknown command \"icebreaker\"") && !strings.Contains(stderr, "accepts 0 arg") {
		t.Errorf("an argument: status %d, stderr %q", status, stderr)
	}
}
