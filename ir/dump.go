package ir

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// WriteText writes a readable dump of the network: one line per population,
// projection and synapse. The output is deterministic.
func WriteText(w io.Writer, n *Network) error {
	bw := bufio.NewWriterSize(w, 1<<16)
	fmt.Fprintf(bw, "# snnc ir, format version %d\n", FormatVersion)
	if n.Source != "" {
		fmt.Fprintf(bw, "source %s\n", n.Source)
	}
	if n.Timestep != 0 {
		fmt.Fprintf(bw, "timestep %gs\n", n.Timestep)
	}
	fmt.Fprintf(bw, "neurons %d\nsynapses %d\n", n.Neurons(), n.Synapses())
	offs := n.Offsets()
	for k, p := range n.Populations {
		off := offs[k]
		relay := ""
		if p.Relay {
			relay = " relay"
		}
		fmt.Fprintf(bw, "\npopulation %s model=%s%s size=%d neurons=%d..%d\n", p.Name, p.Model, relay, p.Size, off, off+p.Size-1)
		if p.LIF != nil {
			bw.WriteString(" ")
			for _, d := range LIFParamTable {
				fmt.Fprintf(bw, " %s=%s", d.Name, paramText(*d.Field(p.LIF)))
			}
			if p.LIF.Reset != ResetZero { // zero, the default, is not written
				fmt.Fprintf(bw, " reset=%s", p.LIF.Reset)
			}
			bw.WriteString("\n")
		}
	}
	for i := range n.Projections {
		pr := &n.Projections[i]
		from, to := n.Populations[pr.From].Name, n.Populations[pr.To].Name
		derived := ""
		if pr.SignModeDerived {
			derived = " (derived)"
		}
		fmt.Fprintf(bw, "\nprojection %s from=%s to=%s synapses=%d weight_exp=%d weight_bits=%d sign_mode=%s%s\n",
			word(pr.Name), from, to, pr.Syn.Len(), pr.WeightExp, pr.WeightBits, pr.SignMode, derived)
		var line []byte
		for src := range pr.Syn.Sources() {
			lo, hi := pr.Syn.Row(src)
			for i := lo; i < hi; i++ {
				line = append(line[:0], "  "...)
				line = append(line, from...)
				line = append(line, '[')
				line = strconv.AppendInt(line, int64(src), 10)
				line = append(line, "] -> "...)
				line = append(line, to...)
				line = append(line, '[')
				line = strconv.AppendInt(line, int64(pr.Syn.Target[i]), 10)
				line = append(line, "] w="...)
				line = strconv.AppendInt(line, int64(pr.Syn.Weight[i]), 10)
				line = append(line, " d="...)
				line = strconv.AppendInt(line, int64(pr.Syn.Delay[i]), 10)
				line = append(line, '\n')
				bw.Write(line)
			}
		}
	}
	return bw.Flush()
}

// word quotes a name that would not read as one word in the text dump.
func word(s string) string {
	if s == "" || strings.ContainsAny(s, " \t\"=") {
		return strconv.Quote(s)
	}
	return s
}

func paramText(p Param) string {
	if p.Uniform() {
		return strconv.Itoa(int(p[0]))
	}
	b := []byte{'['}
	for i, x := range p {
		if i > 0 {
			b = append(b, ' ')
		}
		b = strconv.AppendInt(b, int64(x), 10)
	}
	return string(append(b, ']'))
}

// WriteJSON writes the network as JSON for tools. Synapses appear as the
// CSR arrays of Synapses ("start", "target", "weight", "delay"). Field
// order is fixed, so the output is deterministic.
func WriteJSON(w io.Writer, n *Network) error {
	bw := bufio.NewWriterSize(w, 1<<16)
	str := func(s string) []byte { b, _ := json.Marshal(s); return b }
	fmt.Fprintf(bw, "{\n  \"format\": \"snnc-ir\",\n  \"version\": %d,\n  \"source\": %s,\n  \"timestep\": %s,\n",
		FormatVersion, str(n.Source), strconv.FormatFloat(n.Timestep, 'g', -1, 64))
	bw.WriteString("  \"populations\": [")
	offs := n.Offsets()
	for k, p := range n.Populations {
		if k > 0 {
			bw.WriteString(",")
		}
		fmt.Fprintf(bw, "\n    {\"name\": %s, \"model\": %s, \"size\": %d, \"offset\": %d", str(p.Name), str(p.Model.String()), p.Size, offs[k])
		if p.Relay {
			bw.WriteString(", \"relay\": true")
		}
		if p.LIF != nil {
			bw.WriteString(", \"params\": {")
			for i, d := range LIFParamTable {
				if i > 0 {
					bw.WriteString(", ")
				}
				fmt.Fprintf(bw, "%s: ", str(d.Name))
				v := *d.Field(p.LIF)
				if v.Uniform() {
					bw.WriteString(strconv.Itoa(int(v[0])))
				} else {
					writeInts(bw, len(v), func(i int) int64 { return int64(v[i]) })
				}
			}
			if p.LIF.Reset != ResetZero { // absent: zero
				fmt.Fprintf(bw, ", \"reset\": %s", str(p.LIF.Reset.String()))
			}
			bw.WriteString("}")
		}
		bw.WriteString("}")
	}
	bw.WriteString("\n  ],\n  \"projections\": [")
	for i := range n.Projections {
		pr := &n.Projections[i]
		if i > 0 {
			bw.WriteString(",")
		}
		fmt.Fprintf(bw, "\n    {\"name\": %s, \"from\": %s, \"to\": %s, \"weight_exp\": %d, \"weight_bits\": %d, \"sign_mode\": %s, \"sign_mode_derived\": %t,\n",
			str(pr.Name), str(n.Populations[pr.From].Name), str(n.Populations[pr.To].Name), pr.WeightExp, pr.WeightBits, str(pr.SignMode.String()), pr.SignModeDerived)
		s := &pr.Syn
		bw.WriteString("     \"start\": ")
		writeInts(bw, len(s.Start), func(i int) int64 { return s.Start[i] })
		bw.WriteString(",\n     \"target\": ")
		writeInts(bw, len(s.Target), func(i int) int64 { return int64(s.Target[i]) })
		bw.WriteString(",\n     \"weight\": ")
		writeInts(bw, len(s.Weight), func(i int) int64 { return int64(s.Weight[i]) })
		bw.WriteString(",\n     \"delay\": ")
		writeInts(bw, len(s.Delay), func(i int) int64 { return int64(s.Delay[i]) })
		bw.WriteString("}")
	}
	bw.WriteString("\n  ]\n}\n")
	return bw.Flush()
}

func writeInts(bw *bufio.Writer, n int, at func(int) int64) {
	var b []byte
	bw.WriteByte('[')
	for i := range n {
		b = b[:0]
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, at(i), 10)
		bw.Write(b)
	}
	bw.WriteByte(']')
}
