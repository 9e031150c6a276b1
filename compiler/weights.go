package compiler

import (
	"io"
	"runtime"
	"strconv"
	"strings"
	"sync"

	loihisim "github.com/snnc/snnc/backend/loihi-sim"
	"github.com/snnc/snnc/ir"
)

// WeightChange is one weight that weight preparation changed.
type WeightChange struct {
	Projection     string
	Source, Target int // indices within the projection's populations
	Given, Used    int32
}

// WeightChangesHeader is the first line of weight-changes.csv.
const WeightChangesHeader = "projection,source,target,given,used\n"

// chunkSynapses is how many synapses one worker prepares at a time: large
// enough to amortise the hand-off, small enough that the CSV rows of two
// batches of chunks (one being written, one prepared) take little memory
// (about 13 MB a chunk where half the weights change).
var chunkSynapses int64 = 1 << 19

// prepareWeights replaces every weight by the weight the hardware uses
// (loihisim.PrepareWeight), counts the changes per projection, keeps the
// first few as examples and, when Options.WeightChanges is set, writes
// every change to it as a CSV row. The sign mode is already explicit in
// the IR, so preparing twice changes nothing.
//
// Rows of sources are prepared in chunks by every processor; the CSV is
// written in the order of the projections and their CSR rows, the same
// bytes on every machine (10^8 weights, half of them changed, is seconds),
// each batch of chunks while the next is prepared.
func prepareWeights(st *State) error {
	w := st.Opt.WeightChanges
	if w != nil {
		if _, err := io.WriteString(w, WeightChangesHeader); err != nil {
			return err
		}
	}
	workers := runtime.GOMAXPROCS(0)
	// CSV rows of each worker's chunk, reused: two sets, so that one
	// batch of chunks is written while the next is prepared
	bufs := [2][][]byte{make([][]byte, workers), make([][]byte, workers)}
	set := 0
	var writing sync.WaitGroup // the write of the last batch
	var writeErr error
	defer writing.Wait()
	for i := range st.Net.Projections {
		pr := &st.Net.Projections[i]
		rep := &st.Report.Projections[i]
		chunks := rowChunks(&pr.Syn, chunkSynapses)
		field := csvField(pr.Name)
		for first := 0; first < len(chunks)-1; first += workers {
			last := min(first+workers, len(chunks)-1)
			results := make([]chunkChanges, last-first)
			var wg sync.WaitGroup
			for c := first; c < last; c++ {
				wg.Go(func() {
					results[c-first] = prepareChunk(pr, chunks[c], chunks[c+1], field, w != nil, bufs[set][c-first][:0])
				})
			}
			wg.Wait()
			for j, r := range results {
				bufs[set][j] = r.csv
				rep.WeightsChanged += r.count
				for _, ch := range r.examples {
					if len(rep.ChangedExamples) < maxExamples {
						ch.Projection = pr.Name
						rep.ChangedExamples = append(rep.ChangedExamples, ch)
					}
				}
			}
			writing.Wait()
			if writeErr != nil {
				return writeErr
			}
			if w != nil {
				writing.Go(func() {
					for _, r := range results {
						if _, writeErr = w.Write(r.csv); writeErr != nil {
							return
						}
					}
				})
			}
			set = 1 - set
		}
	}
	writing.Wait()
	return writeErr
}

// rowChunks cuts a projection's sources into runs of about size synapses:
// chunk c is sources [bounds[c], bounds[c+1]).
func rowChunks(s *ir.Synapses, size int64) []int {
	bounds := []int{0}
	for src := range s.Sources() {
		if s.Start[src+1]-s.Start[bounds[len(bounds)-1]] >= size {
			bounds = append(bounds, src+1)
		}
	}
	if bounds[len(bounds)-1] != s.Sources() || len(bounds) == 1 {
		bounds = append(bounds, s.Sources())
	}
	return bounds
}

type chunkChanges struct {
	count    int64
	examples []WeightChange
	csv      []byte
}

// prepareChunk prepares the weights of sources [lo, hi) of pr, appending
// the CSV rows of the changes to buf.
func prepareChunk(pr *ir.Projection, lo, hi int, field string, rows bool, buf []byte) chunkChanges {
	r := chunkChanges{csv: buf}
	syn := &pr.Syn
	var prefix []byte // "field,src," of the row
	for src := lo; src < hi; src++ {
		a, b := syn.Row(src)
		if rows {
			prefix = strconv.AppendInt(append(append(prefix[:0], field...), ','), int64(src), 10)
			prefix = append(prefix, ',')
		}
		for k := a; k < b; k++ {
			given := int32(syn.Weight[k])
			used := loihisim.PrepareWeight(given, pr.SignMode, pr.WeightBits)
			if used == given {
				continue
			}
			syn.Weight[k] = int16(used)
			r.count++
			if len(r.examples) < maxExamples {
				r.examples = append(r.examples, WeightChange{Source: src, Target: int(syn.Target[k]), Given: given, Used: used})
			}
			if rows {
				r.csv = appendChangeRow(r.csv, prefix, int(syn.Target[k]), given, used)
			}
		}
	}
	return r
}

// appendChangeRow appends one CSV row without fmt: there may be 10^8.
// prefix is the row's "projection,source," (the same for a whole CSR row).
func appendChangeRow(b, prefix []byte, tgt int, given, used int32) []byte {
	b = append(b, prefix...)
	b = strconv.AppendInt(b, int64(tgt), 10)
	b = append(b, ',')
	b = appendSmallInt(b, given)
	b = append(b, ',')
	b = appendSmallInt(b, used)
	return append(b, '\n')
}

// smallInts holds the decimal text of -smallIntBias .. smallIntBias-1 (the
// weights one sees), n bytes of b each.
const smallIntBias = 512

var smallInts = func() (t [2 * smallIntBias]struct {
	n uint8
	b [7]byte
}) {
	for i := range t {
		t[i].n = uint8(copy(t[i].b[:], strconv.Itoa(i-smallIntBias)))
	}
	return t
}()

// appendSmallInt is strconv.AppendInt(b, v, 10), from a table when v is small.
func appendSmallInt(b []byte, v int32) []byte {
	if i := uint32(v + smallIntBias); i < 2*smallIntBias {
		e := &smallInts[i]
		return append(b, e.b[:e.n]...)
	}
	return strconv.AppendInt(b, int64(v), 10)
}

// csvField quotes a field that holds a comma, a quote or a line break.
func csvField(s string) string {
	if strings.ContainsAny(s, ",\"\n") {
		return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
	}
	return s
}
