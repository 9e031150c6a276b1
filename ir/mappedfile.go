package ir

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
	"unsafe"
)

// The mapped network file (network.snncmap) is what later stages read: the
// runtime, the FPGA backend, other tools. docs/mapped-format.md documents it.
//
//	magic   "SNNCMAP\x00"                8 bytes
//	version uint32, little endian        currently 1
//	length  uint32                       of the header
//	header  JSON, length bytes           everything but the big arrays
//	arrays  raw little-endian arrays, in the order the header lists them,
//	        each starting at a multiple of 8 bytes from the file's start
//
// Big arrays are raw so that 10^8 synapses write and read at disk speed,
// and a reader in any language maps them with one call (numpy.frombuffer).
const (
	MappedMagic   = "SNNCMAP\x00"
	MappedVersion = 1
)

type mappedHeader struct {
	Format      string             `json:"format"`
	Version     int                `json:"version"`
	Target      string             `json:"target"`
	Source      string             `json:"source"`
	Timestep    float64            `json:"timestep"`
	ChipGrid    int                `json:"chip_grid"`
	Cores       []Core             `json:"cores"`
	Populations []mappedPopulation `json:"populations"`
	Projections []mappedProjection `json:"projections"`
	Arrays      []mappedArray      `json:"arrays"`
}

type mappedPopulation struct {
	Name   string           `json:"name"`
	Model  string           `json:"model"`
	Size   int              `json:"size"`
	Offset int              `json:"offset"`
	Relay  bool             `json:"relay,omitempty"`
	Params map[string][]int `json:"params,omitempty"` // one value, or one per neuron
	// Reset is the reset mode of a lif population ("zero", "subtract");
	// files written before it existed have none, which reads as zero.
	Reset string `json:"reset,omitempty"`
}

type mappedProjection struct {
	Name       string `json:"name"`
	From       string `json:"from"`
	To         string `json:"to"`
	WeightExp  int    `json:"weight_exp"`
	WeightBits int    `json:"weight_bits"`
	SignMode   string `json:"sign_mode"`
	Synapses   int    `json:"synapses"`
}

type mappedArray struct {
	Name  string `json:"name"`
	Type  string `json:"type"` // int64, int32, int16, uint16
	Count int    `json:"count"`
}

// WriteMapped writes m in the mapped network format. The output depends
// only on m: the same mapping gives the same bytes.
func WriteMapped(w io.Writer, m *Mapped) error {
	net := m.Net
	h := mappedHeader{Format: "snnc-mapped", Version: MappedVersion, Target: m.Target, Source: net.Source,
		Timestep: net.Timestep, ChipGrid: m.ChipGrid, Cores: m.Cores}
	if h.Cores == nil {
		h.Cores = []Core{}
	}
	offs := net.Offsets()
	for k, p := range net.Populations {
		mp := mappedPopulation{Name: p.Name, Model: p.Model.String(), Size: p.Size, Offset: offs[k], Relay: p.Relay}
		if p.LIF != nil {
			mp.Params = map[string][]int{}
			for _, d := range LIFParamTable {
				v := *d.Field(p.LIF)
				if v.Uniform() {
					v = v[:1]
				}
				ints := make([]int, len(v))
				for i, x := range v {
					ints[i] = int(x)
				}
				mp.Params[d.Name] = ints
			}
			mp.Reset = p.LIF.Reset.String()
		}
		h.Populations = append(h.Populations, mp)
	}
	var arrays []any
	add := func(name string, a any, count int, typ string) {
		h.Arrays = append(h.Arrays, mappedArray{Name: name, Type: typ, Count: count})
		arrays = append(arrays, a)
	}
	add("core_of", m.CoreOf, len(m.CoreOf), "int32")
	for i := range net.Projections {
		pr := &net.Projections[i]
		h.Projections = append(h.Projections, mappedProjection{Name: pr.Name, From: net.Populations[pr.From].Name,
			To: net.Populations[pr.To].Name, WeightExp: pr.WeightExp, WeightBits: pr.WeightBits,
			SignMode: pr.SignMode.String(), Synapses: pr.Syn.Len()})
		p := fmt.Sprintf("projections[%d].", i)
		add(p+"start", pr.Syn.Start, len(pr.Syn.Start), "int64")
		add(p+"target", pr.Syn.Target, len(pr.Syn.Target), "int32")
		add(p+"weight", pr.Syn.Weight, len(pr.Syn.Weight), "int16")
		add(p+"delay", pr.Syn.Delay, len(pr.Syn.Delay), "uint16")
	}
	header, err := json.Marshal(h)
	if err != nil {
		return err
	}
	if len(header) > math.MaxUint32 {
		return errors.New("mapped network header too large")
	}
	bw := bufio.NewWriterSize(w, 1<<20)
	bw.WriteString(MappedMagic)
	binary.Write(bw, binary.LittleEndian, uint32(MappedVersion))
	binary.Write(bw, binary.LittleEndian, uint32(len(header)))
	bw.Write(header)
	written := int64(len(MappedMagic) + 8 + len(header))
	for _, a := range arrays {
		pad := (8 - written%8) % 8
		bw.Write(make([]byte, pad))
		written += pad
		n, err := writeLE(bw, a)
		if err != nil {
			return err
		}
		written += n
	}
	return bw.Flush()
}

// writeLE writes a slice of fixed-size integers in little-endian order:
// the slice's memory itself on little-endian hosts, else through
// encoding/binary.
func writeLE(w io.Writer, a any) (int64, error) {
	var raw []byte
	switch s := a.(type) {
	case []int64:
		raw = asBytes(s)
	case []int32:
		raw = asBytes(s)
	case []int16:
		raw = asBytes(s)
	case []uint16:
		raw = asBytes(s)
	default:
		panic(fmt.Sprintf("ir: cannot write %T", a))
	}
	if !littleEndian {
		return int64(len(raw)), binary.Write(w, binary.LittleEndian, a)
	}
	n, err := w.Write(raw)
	return int64(n), err
}

var littleEndian = binary.NativeEndian.Uint16([]byte{1, 0}) == 1

func asBytes[T int64 | int32 | int16 | uint16](s []T) []byte {
	if len(s) == 0 {
		return nil
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(&s[0])), len(s)*int(unsafe.Sizeof(s[0])))
}

// ReadMapped reads a mapped network file and checks it (structure and
// IR invariants; target limits are the target's to check).
func ReadMapped(r io.Reader) (*Mapped, error) {
	br := bufio.NewReaderSize(r, 1<<20)
	var fixed [16]byte
	if _, err := io.ReadFull(br, fixed[:]); err != nil {
		return nil, fmt.Errorf("not a mapped network: %v", err)
	}
	if string(fixed[:8]) != MappedMagic {
		return nil, errors.New("not a mapped network (no SNNCMAP magic)")
	}
	if v := binary.LittleEndian.Uint32(fixed[8:]); v != MappedVersion {
		return nil, fmt.Errorf("mapped network version %d (this snnc reads version %d)", v, MappedVersion)
	}
	n := binary.LittleEndian.Uint32(fixed[12:])
	if n > 1<<30 {
		return nil, fmt.Errorf("mapped network header of %d bytes", n)
	}
	header := make([]byte, n)
	if _, err := io.ReadFull(br, header); err != nil {
		return nil, fmt.Errorf("mapped network header: %v", err)
	}
	var h mappedHeader
	if err := json.Unmarshal(header, &h); err != nil {
		return nil, fmt.Errorf("mapped network header: %v", err)
	}
	if h.Format != "snnc-mapped" {
		return nil, fmt.Errorf("mapped network header: format %q", h.Format)
	}
	net := &Network{Source: h.Source, Timestep: h.Timestep}
	for _, mp := range h.Populations {
		model, ok := ParseModel(mp.Model)
		if !ok {
			return nil, fmt.Errorf("population %q: model %q", mp.Name, mp.Model)
		}
		p := Population{Name: mp.Name, Size: mp.Size, Model: model, Relay: mp.Relay}
		if mp.Reset != "" && model != ModelLIF {
			return nil, fmt.Errorf("population %q: reset %q for model %s (allowed for lif only)", mp.Name, mp.Reset, model)
		}
		if model == ModelLIF {
			p.LIF = &LIFParams{}
			if mp.Reset != "" {
				reset, ok := ParseReset(mp.Reset)
				if !ok {
					return nil, fmt.Errorf("population %q: reset %q (allowed: %s)", mp.Name, mp.Reset, resetNames())
				}
				p.LIF.Reset = reset
			}
			for _, d := range LIFParamTable {
				v := mp.Params[d.Name]
				param := make(Param, len(v))
				for i, x := range v {
					param[i] = int32(x)
				}
				*d.Field(p.LIF) = param
			}
		}
		net.Populations = append(net.Populations, p)
	}
	index := map[string]int{}
	for k, p := range net.Populations {
		index[p.Name] = k
	}
	for _, mp := range h.Projections {
		from, okFrom := index[mp.From]
		to, okTo := index[mp.To]
		mode, ok := ParseSignMode(mp.SignMode)
		if !okFrom || !okTo || !ok {
			return nil, fmt.Errorf("projection %q: populations %q, %q or sign mode %q unknown", mp.Name, mp.From, mp.To, mp.SignMode)
		}
		net.Projections = append(net.Projections, Projection{Name: mp.Name, From: from, To: to,
			WeightExp: mp.WeightExp, WeightBits: mp.WeightBits, SignMode: mode})
	}
	if len(h.Arrays) != 1+4*len(net.Projections) {
		return nil, fmt.Errorf("mapped network lists %d arrays, want %d", len(h.Arrays), 1+4*len(net.Projections))
	}
	m := &Mapped{Net: net, Target: h.Target, Cores: h.Cores, ChipGrid: h.ChipGrid}
	pos := int64(16) + int64(n)
	read := func(a mappedArray, want string) ([]byte, error) {
		size := map[string]int64{"int64": 8, "int32": 4, "int16": 2, "uint16": 2}[want]
		if a.Type != want || a.Count < 0 || int64(a.Count) > (1<<40)/size {
			return nil, fmt.Errorf("array %s: type %s count %d", a.Name, a.Type, a.Count)
		}
		pad := (8 - pos%8) % 8
		if _, err := br.Discard(int(pad)); err != nil {
			return nil, fmt.Errorf("array %s: %v", a.Name, err)
		}
		buf := make([]byte, int64(a.Count)*size)
		if _, err := io.ReadFull(br, buf); err != nil {
			return nil, fmt.Errorf("array %s: %v", a.Name, err)
		}
		pos += pad + int64(len(buf))
		return buf, nil
	}
	raw, err := read(h.Arrays[0], "int32")
	if err != nil {
		return nil, err
	}
	m.CoreOf = fromLE[int32](raw)
	for i := range net.Projections {
		s := &net.Projections[i].Syn
		parts := make([][]byte, 4)
		for j, typ := range []string{"int64", "int32", "int16", "uint16"} {
			if parts[j], err = read(h.Arrays[1+4*i+j], typ); err != nil {
				return nil, err
			}
		}
		s.Start, s.Target, s.Weight, s.Delay = fromLE[int64](parts[0]), fromLE[int32](parts[1]), fromLE[int16](parts[2]), fromLE[uint16](parts[3])
	}
	if err := m.Validate(); err != nil {
		return nil, fmt.Errorf("mapped network: %w", err)
	}
	return m, nil
}

func fromLE[T int64 | int32 | int16 | uint16](raw []byte) []T {
	var zero T
	out := make([]T, len(raw)/int(unsafe.Sizeof(zero)))
	if littleEndian {
		copy(asBytes(out), raw)
	} else {
		binary.Read(bytes.NewReader(raw), binary.LittleEndian, out)
	}
	return out
}

// resetNames lists the reset modes for an error message.
func resetNames() string {
	names := make([]string, len(Resets))
	for i, r := range Resets {
		names[i] = r.String()
	}
	return strings.Join(names, ", ")
}
