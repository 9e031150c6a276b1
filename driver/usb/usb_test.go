package usb_test

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/snnc/snnc/driver/usb"
	"github.com/snnc/snnc/driver/usb/usbtest"
)

func fake(t *testing.T, devs ...usbtest.Device) usb.Sysfs {
	t.Helper()
	root := t.TempDir()
	if err := usbtest.Write(root, devs...); err != nil {
		t.Fatal(err)
	}
	return usb.Sysfs{Root: root}
}

// An iCEBreaker's two ports, an Arduino's CDC ACM port and a CP2102 on
// ttyUSB10: each port with its interface and its device; sorted by name
// with numbers compared as numbers.
func TestPorts(t *testing.T) {
	s := fake(t,
		usbtest.ICEBreaker("1-2", 0),
		usbtest.Device{Name: "1-3", VIDPID: "2341:0043", Product: "Arduino Uno",
			Interfaces: []usbtest.Interface{{Number: 0, Driver: "cdc_acm", TTY: "ttyACM0"}, {Number: 1, Driver: "cdc_acm"}}},
		usbtest.Device{Name: "1-10.2", VIDPID: "10C4:EA60", Serial: "0001",
			Interfaces: []usbtest.Interface{{Number: 0, Driver: "cp210x", TTY: "ttyUSB10"}}},
		usbtest.Device{Name: "1-4", VIDPID: "046d:c52b", Product: "Unifying Receiver", // no serial port
			Interfaces: []usbtest.Interface{{Number: 0, Driver: "usbhid"}}},
	)
	ports, err := s.Ports()
	if err != nil {
		t.Fatal(err)
	}
	ib := usb.Device{Name: "1-2", VIDPID: "0403:6010", Serial: "ib0001", Manufacturer: "1BitSquared", Product: "iCEBreaker V1.0e"}
	want := []usb.Port{
		{Path: "/dev/ttyACM0", Name: "ttyACM0", Interface: 0, Driver: "cdc_acm", Device: usb.Device{Name: "1-3", VIDPID: "2341:0043", Product: "Arduino Uno"}},
		{Path: "/dev/ttyUSB0", Name: "ttyUSB0", Interface: 0, Driver: "ftdi_sio", Device: ib},
		{Path: "/dev/ttyUSB1", Name: "ttyUSB1", Interface: 1, Driver: "ftdi_sio", Device: ib},
		{Path: "/dev/ttyUSB10", Name: "ttyUSB10", Interface: 0, Driver: "cp210x", Device: usb.Device{Name: "1-10.2", VIDPID: "10c4:ea60", Serial: "0001"}},
	}
	if !reflect.DeepEqual(ports, want) {
		t.Errorf("ports\n got %+v\nwant %+v", ports, want)
	}

	uart, err := s.Find("0403:6010", 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(uart) != 1 || uart[0].Path != "/dev/ttyUSB1" {
		t.Errorf("Find(0403:6010, 1) = %+v, want /dev/ttyUSB1", uart)
	}
	all, err := s.Find("0403:6010", -1)
	if err != nil || len(all) != 2 {
		t.Errorf("Find(0403:6010, -1) = %+v, %v; want both ports", all, err)
	}
	upper, err := s.Find("10C4:EA60", 0)
	if err != nil || len(upper) != 1 || upper[0].Name != "ttyUSB10" {
		t.Errorf("Find(10C4:EA60, 0) = %+v, %v; want ttyUSB10", upper, err)
	}
	none, err := s.Find("0403:6014", -1)
	if err != nil || len(none) != 0 {
		t.Errorf("Find(0403:6014) = %+v, %v; want nothing", none, err)
	}

	devs, err := s.Devices("")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, d := range devs {
		names = append(names, d.Name+"="+d.VIDPID)
	}
	if got := strings.Join(names, " "); got != "1-2=0403:6010 1-3=2341:0043 1-4=046d:c52b 1-10.2=10c4:ea60 usb1=1d6b:0002" {
		t.Errorf("Devices: %s", got)
	}
	if d, err := s.Devices("0403:6010"); err != nil || len(d) != 1 || d[0] != ib {
		t.Errorf("Devices(0403:6010) = %+v, %v", d, err)
	}
}

// A device that the programmer detached from ftdi_sio has no port but is
// still a device.
func TestDeviceWithoutPorts(t *testing.T) {
	ib := usbtest.ICEBreaker("2-1", 0)
	ib.Interfaces[0].TTY, ib.Interfaces[0].Driver = "", ""
	s := fake(t, ib)
	ports, err := s.Find("0403:6010", -1)
	if err != nil || len(ports) != 1 || ports[0].Name != "ttyUSB1" || ports[0].Interface != 1 {
		t.Errorf("Find = %+v, %v; want ttyUSB1 only", ports, err)
	}
	devs, err := s.Devices("0403:6010")
	if err != nil || len(devs) != 1 {
		t.Errorf("Devices = %+v, %v; want the iCEBreaker", devs, err)
	}
}

// Nothing plugged in, and no sysfs at all: empty, no error.
func TestNothing(t *testing.T) {
	for name, s := range map[string]usb.Sysfs{"empty": fake(t), "no sys": {Root: t.TempDir()}} {
		ports, err := s.Ports()
		if err != nil || len(ports) != 0 {
			t.Errorf("%s: Ports = %+v, %v", name, ports, err)
		}
		devs, err := s.Devices("0403:6010")
		if err != nil || len(devs) != 0 {
			t.Errorf("%s: Devices = %+v, %v", name, devs, err)
		}
	}
}

// A non-USB tty (a motherboard UART under class/tty) is not a USB port.
func TestNonUSBTTY(t *testing.T) {
	s := fake(t)
	dev := filepath.Join(s.Root, "sys/devices/platform/serial8250/tty/ttyUSB9")
	if err := os.MkdirAll(dev, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("../../devices/platform/serial8250/tty/ttyUSB9", filepath.Join(s.Root, "sys/class/tty/ttyUSB9")); err != nil {
		t.Fatal(err)
	}
	ports, err := s.Ports()
	if err != nil || len(ports) != 0 {
		t.Errorf("Ports = %+v, %v; want none", ports, err)
	}
}

func TestBadVIDPID(t *testing.T) {
	for _, v := range []string{"0403-6010", "403:6010", "0403:601g", ""} {
		if _, err := fake(t).Find(v, 0); err == nil || !strings.Contains(err.Error(), "allowed: VID:PID in hexadecimal") {
			t.Errorf("Find(%q): %v", v, err)
		}
	}
}

// The running system: whatever is plugged in, listing works.
func TestSystem(t *testing.T) {
	if _, err := usb.Ports(); err != nil {
		t.Error(err)
	}
	if _, err := usb.Devices(""); err != nil {
		t.Error(err)
	}
}
