package loihisim

import "golang.org/x/sys/cpu"

// vectorConsts is updateBlocksAVX2's configuration, one int32 per lane
// broadcast.
type vectorConsts struct {
	decayU, decayV, mask, bias, threshold, lowest, highest, refractory, resetKeep int32
}

// spinPause is one PAUSE instruction, for team.go's waiting loops.
func spinPause()

//go:noescape
func updateBlocksAVX2(k *vectorConsts, u, v, refractory, in *int32, blocks int, spikeMasks *uint8)

// useVector selects the AVX2 kernel where the CPU has AVX2 (tests switch
// it off to compare).
var useVector = cpu.X86.HasAVX2

// updateBlocks updates the whole blocks of 8 neurons of u, v, refractory
// and in, which share the configuration c, and writes a byte of spiking
// lanes per block into spikeMasks. It returns the neurons it updated: 0
// without AVX2.
func updateBlocks(c *NeuronConfig, u, v, refractory, in []int32, spikeMasks []uint8) int {
	blocks := len(u) / 8
	if !useVector || blocks == 0 {
		return 0
	}
	n := blocks * 8
	_, _, _, _ = v[n-1], refractory[n-1], in[n-1], spikeMasks[blocks-1]
	k := vectorConsts{c.DecayU, c.DecayV, decayUnity - 1, c.Bias, c.Threshold, stateLowest, stateHighest, c.Refractory, c.ResetKeep}
	updateBlocksAVX2(&k, &u[0], &v[0], &refractory[0], &in[0], blocks, &spikeMasks[0])
	return n
}
