package compiler

import (
	"bufio"
	"fmt"
	"io"

	"github.com/snnc/snnc/ir"
)

// dumpPartition writes, after the partition pass, the neurons of every
// core of the chosen partition (cores are not on the mesh yet).
func dumpPartition(st *State, w io.Writer) error {
	part := st.mapper.parts[st.mapper.opts[0].Partition]
	return writeCores(w, st.Net, part.coreOf, part.cores, nil)
}

// dumpPlacement writes, after the place pass, every core of the chosen
// mapping with its place on the mesh and its neurons.
func dumpPlacement(st *State, w io.Writer) error {
	m := st.mapper.mapped[0]
	return writeCores(w, st.Net, m.CoreOf, len(m.Cores), m.Cores)
}

// dumpTraffic writes, after the route pass, the mapping part of the report.
func dumpTraffic(st *State, w io.Writer) error {
	return st.Report.Mapping.writeText(w)
}

// writeCores writes one line per core: its place (when known) and its
// neurons as runs of consecutive indices, "exc[0..39] exc.relay1[3]".
func writeCores(w io.Writer, net *ir.Network, coreOf []int32, cores int, places []ir.Core) error {
	bw := bufio.NewWriter(w)
	members := make([][]int32, cores)
	for g, c := range coreOf {
		if c >= 0 {
			members[c] = append(members[c], int32(g))
		}
	}
	offs := net.Offsets()
	popOf := func(g int) int {
		k := 0
		for offs[k+1] <= g {
			k++
		}
		return k
	}
	fmt.Fprintf(bw, "# %d cores\n", cores)
	for c, ns := range members {
		fmt.Fprintf(bw, "core %d", c)
		if places != nil {
			fmt.Fprintf(bw, " chip %d (%d,%d)", places[c].Chip, places[c].X, places[c].Y)
		}
		fmt.Fprintf(bw, " neurons %d:", len(ns))
		for i := 0; i < len(ns); {
			k := popOf(int(ns[i]))
			j := i
			for j+1 < len(ns) && ns[j+1] == ns[j]+1 && int(ns[j+1]) < offs[k+1] {
				j++
			}
			lo, hi := int(ns[i])-offs[k], int(ns[j])-offs[k]
			if lo == hi {
				fmt.Fprintf(bw, " %s[%d]", net.Populations[k].Name, lo)
			} else {
				fmt.Fprintf(bw, " %s[%d..%d]", net.Populations[k].Name, lo, hi)
			}
			i = j + 1
		}
		bw.WriteByte('\n')
	}
	return bw.Flush()
}
