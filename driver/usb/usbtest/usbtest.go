// Package usbtest builds fake sysfs trees, laid out as Linux lays out
// /sys, so that package usb and the commands that use it are tested
// without a board: Write(root, ICEBreaker("1-2", 0)) makes an iCEBreaker's
// FT2232H with ttyUSB0 (interface 0) and ttyUSB1 (interface 1, the UART),
// and usb.Sysfs{Root: root} finds them.
package usbtest

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Device is a fake USB device.
type Device struct {
	// Name is the sysfs name, bus-port path such as 1-2.
	Name string
	// VIDPID is "vvvv:pppp".
	VIDPID                        string
	Serial, Manufacturer, Product string
	Interfaces                    []Interface
}

// Interface is one interface of a Device; TTY, when set, is the port the
// kernel made of it: ttyUSBn (a usb-serial driver such as ftdi_sio) or
// ttyACMn (cdc_acm).
type Interface struct {
	Number int
	Driver string
	TTY    string
}

// ICEBreaker is the iCEBreaker's FT2232H (0403:6010) at sysfs name name,
// with ports ttyUSB<first> (interface 0, which iceprog uses) and
// ttyUSB<first+1> (interface 1, the UART).
func ICEBreaker(name string, first int) Device {
	return Device{Name: name, VIDPID: "0403:6010", Serial: "ib0001", Manufacturer: "1BitSquared", Product: "iCEBreaker V1.0e",
		Interfaces: []Interface{
			{Number: 0, Driver: "ftdi_sio", TTY: fmt.Sprintf("ttyUSB%d", first)},
			{Number: 1, Driver: "ftdi_sio", TTY: fmt.Sprintf("ttyUSB%d", first+1)},
		}}
}

// Write creates the devices under root: their directories below
// sys/devices, and the links sys/bus/usb/devices/*,
// sys/bus/usb-serial/devices/ttyUSB* and sys/class/tty/* point there, as
// relative symbolic links the way sysfs makes them. root/sys is created
// even with no devices (a machine with nothing plugged in).
func Write(root string, devs ...Device) error {
	sys := filepath.Join(root, "sys")
	hub := filepath.Join(sys, "devices/pci0000:00/0000:00:14.0/usb1")
	if err := os.MkdirAll(filepath.Join(sys, "class/tty"), 0o755); err != nil {
		return err
	}
	if err := writeAttrs(hub, map[string]string{"idVendor": "1d6b", "idProduct": "0002", "product": "xHCI Host Controller"}); err != nil {
		return err
	}
	if err := link(filepath.Join(sys, "bus/usb/devices/usb1"), hub); err != nil {
		return err
	}
	for _, d := range devs {
		vid, pid, ok := strings.Cut(d.VIDPID, ":")
		if !ok {
			return fmt.Errorf("usbtest: device %s: VIDPID %q has no colon", d.Name, d.VIDPID)
		}
		dir := filepath.Join(hub, d.Name)
		attrs := map[string]string{"idVendor": vid, "idProduct": pid, "serial": d.Serial, "manufacturer": d.Manufacturer, "product": d.Product}
		if err := writeAttrs(dir, attrs); err != nil {
			return err
		}
		if err := link(filepath.Join(sys, "bus/usb/devices", d.Name), dir); err != nil {
			return err
		}
		for _, in := range d.Interfaces {
			name := fmt.Sprintf("%s:1.%d", d.Name, in.Number)
			idir := filepath.Join(dir, name)
			if err := writeAttrs(idir, map[string]string{"bInterfaceNumber": fmt.Sprintf("%02x", in.Number)}); err != nil {
				return err
			}
			if err := link(filepath.Join(sys, "bus/usb/devices", name), idir); err != nil {
				return err
			}
			if in.Driver != "" {
				drv := filepath.Join(sys, "bus/usb/drivers", in.Driver)
				if err := os.MkdirAll(drv, 0o755); err != nil {
					return err
				}
				if err := link(filepath.Join(idir, "driver"), drv); err != nil {
					return err
				}
			}
			switch {
			case in.TTY == "":
			case strings.HasPrefix(in.TTY, "ttyUSB"):
				// .../1-2:1.0/ttyUSB0/tty/ttyUSB0
				port := filepath.Join(idir, in.TTY)
				class := filepath.Join(port, "tty", in.TTY)
				if err := writeAttrs(class, map[string]string{"dev": "188:0"}); err != nil {
					return err
				}
				if err := link(filepath.Join(sys, "bus/usb-serial/devices", in.TTY), port); err != nil {
					return err
				}
				if err := link(filepath.Join(sys, "class/tty", in.TTY), class); err != nil {
					return err
				}
			default:
				// .../1-2:1.0/tty/ttyACM0
				class := filepath.Join(idir, "tty", in.TTY)
				if err := writeAttrs(class, map[string]string{"dev": "166:0"}); err != nil {
					return err
				}
				if err := link(filepath.Join(sys, "class/tty", in.TTY), class); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// writeAttrs makes dir and writes each non-empty attribute with a
// newline, as sysfs shows them.
func writeAttrs(dir string, attrs map[string]string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for name, v := range attrs {
		if v == "" {
			continue
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(v+"\n"), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// link makes a relative symbolic link at path to target.
func link(path, target string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	rel, err := filepath.Rel(filepath.Dir(path), target)
	if err != nil {
		return err
	}
	return os.Symlink(rel, path)
}
