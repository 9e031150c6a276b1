// Package usb finds USB devices and USB serial adapters on Linux, as sysfs
// shows them, so that a board is found by the VID:PID of its serial bridge
// rather than by a guessed /dev/ttyUSB number (TinyGo's "serial-port"
// does the same).
//
// The concepts:
//
//   - A Device is a USB device (/sys/bus/usb/devices/1-2): its VID:PID,
//     serial number, manufacturer and product strings.
//   - A Port is a serial port (/dev/ttyUSB1, /dev/ttyACM0) that the kernel
//     made for one interface of a device: an FT2232H has two interfaces,
//     each a port; the iCEBreaker's UART is interface 1, so its port is
//     the second one (often /dev/ttyUSB1) while interface 0 programs the
//     flash.
//
// Ports come from /sys/bus/usb-serial/devices/ttyUSB* (ftdi_sio, cp210x,
// ch341, ...) and /sys/class/tty/ttyACM* (cdc_acm); each is followed up
// the sysfs tree to its interface (bInterfaceNumber) and its device
// (idVendor, idProduct, serial). Sysfs holds the root directory, "/" on a
// live system; tests point it at a fake tree (see package usbtest).
package usb

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Device is a USB device.
type Device struct {
	// Name is the device's sysfs name, bus-port path such as 1-2 or
	// 3-1.4.
	Name string `json:"name"`
	// VIDPID is "vvvv:pppp", lower-case hexadecimal.
	VIDPID       string `json:"vid_pid"`
	Serial       string `json:"serial,omitempty"`
	Manufacturer string `json:"manufacturer,omitempty"`
	Product      string `json:"product,omitempty"`
}

// Port is a serial port that belongs to one interface of a USB device.
type Port struct {
	// Path is the device node, such as /dev/ttyUSB1; Name its last
	// element.
	Path string `json:"path"`
	Name string `json:"name"`
	// Interface is the USB interface number (bInterfaceNumber).
	Interface int `json:"interface"`
	// Driver is the kernel driver of the interface (ftdi_sio, cdc_acm),
	// when sysfs says.
	Driver string `json:"driver,omitempty"`
	Device Device `json:"device"`
}

// Sysfs reads sysfs under Root.
type Sysfs struct {
	// Root is the directory that holds sys/: "/" on a live system.
	Root string
}

// System is the running system's sysfs.
var System = Sysfs{Root: "/"}

// Ports returns the system's USB serial ports; see Sysfs.Ports.
func Ports() ([]Port, error) { return System.Ports() }

// Find returns the system's ports of the devices vidpid; see Sysfs.Find.
func Find(vidpid string, iface int) ([]Port, error) { return System.Find(vidpid, iface) }

// Devices returns the system's USB devices vidpid; see Sysfs.Devices.
func Devices(vidpid string) ([]Device, error) { return System.Devices(vidpid) }

var vidpidRE = regexp.MustCompile(`^[0-9a-f]{4}:[0-9a-f]{4}$`)

// CheckVIDPID returns vidpid in lower case, or an error when it is not
// four hexadecimal digits, a colon and four more (0403:6010).
func CheckVIDPID(vidpid string) (string, error) {
	v := strings.ToLower(vidpid)
	if !vidpidRE.MatchString(v) {
		return "", fmt.Errorf("USB id %q (allowed: VID:PID in hexadecimal, such as 0403:6010)", vidpid)
	}
	return v, nil
}

// Ports returns every USB serial port, sorted by name (ttyACM0 before
// ttyUSB0, ttyUSB2 before ttyUSB10). No usb-serial driver loaded, or no
// ports, is no error: the result is empty.
func (s Sysfs) Ports() ([]Port, error) {
	var entries []string
	for _, pattern := range []string{"sys/bus/usb-serial/devices/ttyUSB*", "sys/class/tty/ttyUSB*", "sys/class/tty/ttyACM*"} {
		m, err := filepath.Glob(filepath.Join(s.Root, pattern))
		if err != nil {
			return nil, err
		}
		entries = append(entries, m...)
	}
	seen := map[string]bool{}
	var ports []Port
	for _, e := range entries {
		name := filepath.Base(e)
		if seen[name] {
			continue
		}
		p, ok, err := s.port(e)
		if err != nil {
			return nil, err
		}
		if ok {
			seen[name] = true
			ports = append(ports, p)
		}
	}
	slices.SortFunc(ports, func(a, b Port) int { return compareNames(a.Name, b.Name) })
	return ports, nil
}

// Find returns the ports of the devices vidpid ("0403:6010", either case)
// whose interface is iface, or of every interface when iface is -1.
func (s Sysfs) Find(vidpid string, iface int) ([]Port, error) {
	v, err := CheckVIDPID(vidpid)
	if err != nil {
		return nil, err
	}
	ports, err := s.Ports()
	if err != nil {
		return nil, err
	}
	var found []Port
	for _, p := range ports {
		if p.Device.VIDPID == v && (iface < 0 || p.Interface == iface) {
			found = append(found, p)
		}
	}
	return found, nil
}

// Devices returns the USB devices vidpid, or every USB device when vidpid
// is empty, sorted by name. A device is found whether or not a driver
// made a port of it (iceprog detaches ftdi_sio from the interface it
// uses).
func (s Sysfs) Devices(vidpid string) ([]Device, error) {
	if vidpid != "" {
		v, err := CheckVIDPID(vidpid)
		if err != nil {
			return nil, err
		}
		vidpid = v
	}
	dirs, err := filepath.Glob(filepath.Join(s.Root, "sys/bus/usb/devices/*"))
	if err != nil {
		return nil, err
	}
	var devs []Device
	for _, d := range dirs {
		if strings.Contains(filepath.Base(d), ":") { // an interface, 1-2:1.0
			continue
		}
		dev, ok, err := readDevice(d)
		if err != nil {
			return nil, err
		}
		if ok && (vidpid == "" || dev.VIDPID == vidpid) {
			devs = append(devs, dev)
		}
	}
	slices.SortFunc(devs, func(a, b Device) int { return compareNames(a.Name, b.Name) })
	return devs, nil
}

// port follows entry (a sysfs link to a tty) up to its USB interface and
// device. ok is false for a tty that is not on USB.
func (s Sysfs) port(entry string) (p Port, ok bool, err error) {
	real, err := filepath.EvalSymlinks(entry)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) { // unplugged while we look
			return p, false, nil
		}
		return p, false, err
	}
	p.Name = filepath.Base(entry)
	p.Path = "/dev/" + p.Name
	stop, err := filepath.EvalSymlinks(filepath.Join(s.Root, "sys"))
	if err != nil {
		return p, false, err
	}
	iface := ""
	for dir := filepath.Dir(real); dir != stop && strings.HasPrefix(dir, stop+string(filepath.Separator)); dir = filepath.Dir(dir) {
		if iface == "" {
			n, err := readAttr(dir, "bInterfaceNumber")
			if err != nil {
				return p, false, err
			}
			if n == "" {
				continue
			}
			num, err := strconv.ParseUint(n, 16, 8)
			if err != nil {
				return p, false, fmt.Errorf("%s: bInterfaceNumber %q is not a hexadecimal byte", dir, n)
			}
			iface, p.Interface = dir, int(num)
			if drv, err := os.Readlink(filepath.Join(dir, "driver")); err == nil {
				p.Driver = filepath.Base(drv)
			}
			continue
		}
		dev, found, err := readDevice(dir)
		if err != nil {
			return p, false, err
		}
		if found {
			p.Device = dev
			return p, true, nil
		}
	}
	return p, false, nil
}

// readDevice reads a USB device's directory; ok is false when dir is not
// one (it has no idVendor).
func readDevice(dir string) (d Device, ok bool, err error) {
	vid, err := readAttr(dir, "idVendor")
	if err != nil || vid == "" {
		return d, false, err
	}
	pid, err := readAttr(dir, "idProduct")
	if err != nil {
		return d, false, err
	}
	d.Name = filepath.Base(dir)
	d.VIDPID = strings.ToLower(vid + ":" + pid)
	if !vidpidRE.MatchString(d.VIDPID) {
		return d, false, fmt.Errorf("%s: idVendor %q, idProduct %q are not 4 hexadecimal digits each", dir, vid, pid)
	}
	for _, a := range []struct {
		file string
		to   *string
	}{{"serial", &d.Serial}, {"manufacturer", &d.Manufacturer}, {"product", &d.Product}} {
		if *a.to, err = readAttr(dir, a.file); err != nil {
			return d, false, err
		}
	}
	return d, true, nil
}

// readAttr reads a sysfs attribute without its newline; a missing one is
// "".
func readAttr(dir, name string) (string, error) {
	b, err := os.ReadFile(filepath.Join(dir, name))
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return "", nil
	case err != nil:
		// Some attributes cannot be read without privileges; that is
		// not a reason to fail the listing.
		if errors.Is(err, fs.ErrPermission) {
			return "", nil
		}
		return "", err
	}
	return strings.TrimSpace(string(b)), nil
}

// compareNames orders names by their text, with runs of digits compared
// as numbers: ttyUSB2 before ttyUSB10, 1-2 before 1-10.
func compareNames(a, b string) int {
	for a != "" && b != "" {
		da, db := digitPrefix(a), digitPrefix(b)
		if da > 0 && db > 0 {
			na, _ := strconv.ParseUint(a[:da], 10, 64)
			nb, _ := strconv.ParseUint(b[:db], 10, 64)
			if na != nb {
				if na < nb {
					return -1
				}
				return 1
			}
			a, b = a[da:], b[db:]
			continue
		}
		if a[0] != b[0] {
			return int(a[0]) - int(b[0])
		}
		a, b = a[1:], b[1:]
	}
	return len(a) - len(b)
}

func digitPrefix(s string) int {
	n := 0
	for n < len(s) && s[n] >= '0' && s[n] <= '9' {
		n++
	}
	return n
}
