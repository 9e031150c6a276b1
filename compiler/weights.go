package compiler

import (
	loihisim "github.com/snnc/snnc/backend/loihi-sim"
)

// WeightChange is one weight that weight preparation changed.
type WeightChange struct {
	Projection     string
	Source, Target int // indices within the projection's populations
	Given, Used    int32
}

// prepareWeights replaces every weight by the weight the hardware uses
// (loihisim.PrepareWeight). The sign mode is already explicit in the IR, so
// preparing twice changes nothing.
func prepareWeights(st *State) error {
	for i := range st.Net.Projections {
		pr := &st.Net.Projections[i]
		rep := &st.Report.Projections[i]
		for src := range pr.Syn.Sources() {
			lo, hi := pr.Syn.Row(src)
			for k := lo; k < hi; k++ {
				w := int32(pr.Syn.Weight[k])
				used := loihisim.PrepareWeight(w, pr.SignMode, pr.WeightBits)
				if used == w {
					continue
				}
				pr.Syn.Weight[k] = int16(used)
				ch := WeightChange{Projection: pr.Name, Source: src, Target: int(pr.Syn.Target[k]), Given: w, Used: used}
				rep.WeightsChanged++
				if len(rep.ChangedExamples) < maxExamples {
					rep.ChangedExamples = append(rep.ChangedExamples, ch)
				}
				if st.Opt.OnWeightChange != nil {
					st.Opt.OnWeightChange(ch)
				}
			}
		}
	}
	return nil
}
