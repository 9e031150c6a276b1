package energy

// Projection is the estimate for one projection: its counts and the energy
// of both networks. The JSON field names are those of snnc report energy.
type Projection struct {
	Name string `json:"name"`
	From string `json:"from"`
	To   string `json:"to"`
	Counts
	Spiking      Breakdown `json:"snn_pj"`
	Conventional Breakdown `json:"fnn_pj"`
}

// Total sums the projections of a network, field by field. A population
// with several incoming projections counts its neuron terms once per
// projection, as a per-layer model does.
type Total struct {
	Synapses       int64     `json:"synapses"`
	InputSpikes    int64     `json:"input_spikes"`
	OutputSpikes   int64     `json:"output_spikes"`
	SynapticEvents int64     `json:"synaptic_events"`
	Spiking        Breakdown `json:"snn_pj"`
	Conventional   Breakdown `json:"fnn_pj"`
	// Ratio is the conventional total over the spiking total; nil when
	// the spiking total is 0.
	Ratio *float64 `json:"ratio"`
}

// Report is the estimate for a network.
type Report struct {
	Tech        *Tech        `json:"tech"`
	Projections []Projection `json:"projections"`
	Total       Total        `json:"total"`
}

// Estimate applies both models to every projection's counts and sums them.
// Only Name, From, To and Counts of each projection are read.
func Estimate(projections []Projection, t *Tech) *Report {
	r := &Report{Tech: t, Projections: make([]Projection, len(projections))}
	tot := &r.Total
	for i, p := range projections {
		p.Spiking = Spiking(p.Counts, t)
		p.Conventional = Conventional(p.Counts, t)
		r.Projections[i] = p
		tot.Synapses += p.Synapses
		tot.InputSpikes += p.InputSpikes
		tot.OutputSpikes += p.OutputSpikes
		tot.SynapticEvents += p.SynapticEvents
		tot.Spiking = tot.Spiking.Add(p.Spiking)
		tot.Conventional = tot.Conventional.Add(p.Conventional)
	}
	if tot.Spiking.Total > 0 {
		ratio := tot.Conventional.Total / tot.Spiking.Total
		tot.Ratio = &ratio
	}
	return r
}
