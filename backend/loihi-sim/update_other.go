//go:build !amd64

package loihisim

var useVector = false

// updateBlocks has no vector kernel on this architecture: updateNeurons
// does all the work.
func updateBlocks(c *NeuronConfig, u, v, refractory, in []int32, spikeMasks []uint8) int { return 0 }

// spinPause has no hint to give on this architecture.
func spinPause() {}
