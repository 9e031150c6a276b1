package compiler

import (
	"errors"
	"strings"
	"testing"

	"github.com/snnc/snnc/ir"
)

// proj builds a description of head plus one projection written in flow
// style on line 6, so that columns in the expected messages are easy to count.
func proj(fields string) string { return head + "  - {from: in, to: exc, " + fields + "}\n" }

// dense is a valid weight matrix for in (3) -> exc (4).
const dense = "weights: [[1, 0, 2], [0, 3, 0], [4, 5, 6], [0, 0, 7]]"

var npyWeights = encodeNPY("<i2", false, []int{4, 3}, specWeights)

// errorCases are descriptions with one mistake each and the exact message.
var errorCases = []struct {
	name  string
	src   string
	files map[string][]byte
	want  string
}{
	// The document.
	{"syntax error", "version: 1\npopulations: [\n  {name: a\n", nil,
		`net.yaml:3:3: YAML syntax error: did not find expected ',' or '}' (a flow mapping { starting here is not closed)`},
	{"tab indentation", "version: 1\npopulations:\n\t- a\n", nil,
		`net.yaml:3:1: YAML syntax error: found character that cannot start any token`},
	{"empty", "", nil, `net.yaml:1:1: the description is empty (expected a mapping with version: 1 and populations)`},
	{"comment only", "# nothing\n", nil, `net.yaml:1:1: the description is empty (expected a mapping with version: 1 and populations)`},
	{"two documents", "version: 1\n---\nversion: 1\n", nil, `net.yaml:2:1: a second YAML document (allowed: one document per description)`},
	{"not a mapping", "- version: 1\n", nil,
		`net.yaml:1:1: expected a mapping with keys version, timestep, populations, projections; found a list`},
	{"unknown key", "version: 1\npopulation: []\n", nil,
		`net.yaml:2:1: unknown key "population" (allowed: version, timestep, populations, projections)`},
	{"duplicate key", "version: 1\nversion: 1\n", nil, `net.yaml:2:1: key "version" appears twice (first at line 1)`},
	{"missing version", "populations: []\n", nil, `net.yaml:1:1: missing key "version" (required: version, populations)`},
	{"version 2", "version: 2\npopulations: []\n", nil, `net.yaml:1:10: version: 2 is not supported (allowed: 1)`},
	{"version 2 with new keys", "version: 2\ninputs: []\n", nil, `net.yaml:1:10: version: 2 is not supported (allowed: 1)`},
	{"version string", "version: one\npopulations: []\n", nil, `net.yaml:1:10: version: the string "one" is not a version number (allowed: 1)`},
	{"indentation", "version: 1\n  populations: []\n", nil, `net.yaml:2:3: YAML syntax error: mapping values are not allowed in this context`},
	{"merge key", "version: 1\nbase: &b {size: 3}\npopulations: [{<<: *b, name: a, model: input}]\n", nil,
		`net.yaml:2:1: unknown key "base" (allowed: version, timestep, populations, projections)`},
	{"merge key in population", "version: 1\npopulations: [&b {name: a, size: 3, model: input}, {<<: *b, name: c}]\n", nil,
		`net.yaml:2:53: populations[1]: merge keys (<<) are not supported: write the keys out (allowed: name, size, model, params)`},
	{"alias cycle", "version: 1\npopulations: &a [*a]\n", nil, `net.yaml:2:18: alias *a refers to a node that contains it`},
	{"billion laughs", "version: 1\na: &a [1,1,1,1,1,1,1,1,1,1]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\n" +
		"d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e,*e]\n", nil,
		`net.yaml:1:1: aliases add more than 1000000 nodes to the document when expanded (allowed: at most 1000000)`},

	// timestep.
	{"timestep without unit", "version: 1\ntimestep: 0.001\npopulations: []\n", nil,
		`net.yaml:2:11: timestep: 0.001 needs a unit (allowed: a positive number with unit s, ms or us, e.g. 1ms)`},
	{"timestep bad unit", "version: 1\ntimestep: 1 min\npopulations: []\n", nil,
		`net.yaml:2:11: timestep: "1 min" is not a duration (allowed: a positive number with unit s, ms or us, e.g. 1ms)`},
	{"timestep zero", "version: 1\ntimestep: 0ms\npopulations: []\n", nil,
		`net.yaml:2:11: timestep: 0ms is not positive (allowed: a positive number with unit s, ms or us, e.g. 1ms)`},

	// Populations.
	{"populations not a list", "version: 1\npopulations: {name: a}\n", nil,
		`net.yaml:2:14: populations: expected a list of populations; found a mapping`},
	{"no populations", "version: 1\npopulations: []\n", nil,
		`net.yaml:2:14: populations: the list is empty (allowed: at least one population)`},
	{"unknown population key", "version: 1\npopulations:\n  - {name: a, sise: 3, model: input}\n", nil,
		`net.yaml:3:15: populations[0]: unknown key "sise" (allowed: name, size, model, params)`},
	{"missing size", "version: 1\npopulations:\n  - name: a\n    model: input\n", nil,
		`net.yaml:3:5: populations[0]: missing key "size" (required: name, size, model)`},
	{"bad name", "version: 1\npopulations:\n  - {name: 2a, size: 3, model: input}\n", nil,
		`net.yaml:3:12: populations[0].name: "2a" is not a valid name (allowed: a letter or _ followed by letters, digits or _)`},
	{"name not a string", "version: 1\npopulations:\n  - {name: [a], size: 3, model: input}\n", nil,
		`net.yaml:3:12: populations[0].name: expected a name; found a list`},
	{"duplicate population", "version: 1\npopulations:\n  - {name: a, size: 3, model: input}\n  - {name: a, size: 3, model: input}\n", nil,
		`net.yaml:4:12: populations[1].name: "a" is already the name of populations[0] (line 3)`},
	{"size zero", "version: 1\npopulations:\n  - {name: a, size: 0, model: input}\n", nil,
		`net.yaml:3:21: populations[0].size: 0 is out of range (allowed: 1..2147483647)`},
	{"size not an integer", "version: 1\npopulations:\n  - {name: a, size: 1.5, model: input}\n", nil,
		`net.yaml:3:21: populations[0].size: 1.5 is not an integer (allowed: 1..2147483647)`},
	{"size huge", "version: 1\npopulations:\n  - {name: a, size: 1e30, model: input}\n", nil,
		`net.yaml:3:21: populations[0].size: 1e30 is out of range (allowed: 1..2147483647)`},
	// Float (cuba_lif) populations and their weights.
	{"lif and cuba_lif", "version: 1\npopulations:\n  - {name: a, size: 2, model: lif, params: {vth: 1}}\n  - {name: b, size: 2, model: cuba_lif, params: {tau_syn: 1, tau_mem: 2, v_th: 1}}\n", nil,
		`net.yaml:4:31: populations[1].model: cuba_lif, but populations[0] "a" is lif (allowed: lif and input, or cuba_lif and input, in one network)`},
	{"tau_mem negative", "version: 1\npopulations:\n  - {name: b, size: 2, model: cuba_lif, params: {tau_syn: 1, tau_mem: -1, v_th: 1}}\n", nil,
		`net.yaml:3:71: populations[0].params.tau_mem: -1 is out of range (allowed: a number of steps >= 0, a time such as 5ms, or .inf for no decay)`},
	{"tau_mem nan", "version: 1\npopulations:\n  - {name: b, size: 2, model: cuba_lif, params: {tau_syn: 1, tau_mem: .nan, v_th: 1}}\n", nil,
		`net.yaml:3:71: populations[0].params.tau_mem: ".nan" is not a number (allowed: a number of steps >= 0, a time such as 5ms, or .inf for no decay)`},
	{"v_th negative", "version: 1\npopulations:\n  - {name: b, size: 2, model: cuba_lif, params: {tau_syn: 1, tau_mem: 5ms, v_th: -1}}\n", nil,
		`net.yaml:3:82: populations[0].params.v_th: -1 is out of range (allowed: a number > 0)`},
	{"unknown reset", "version: 1\npopulations:\n  - {name: b, size: 2, model: cuba_lif, params: {tau_syn: 1, tau_mem: .inf, v_th: 1, reset: half}}\n", nil,
		`net.yaml:3:93: populations[0].params.reset: unknown reset "half" (allowed: zero, subtract)`},
	{"lif unknown reset", "version: 1\npopulations:\n  - {name: a, size: 2, model: lif, params: {vth: 1, reset: sub}}\n", nil,
		`net.yaml:3:60: populations[0].params.reset: unknown reset "sub" (allowed: zero, subtract)`},
	{"float bias not a number", "version: 1\npopulations:\n  - {name: b, size: 2, model: cuba_lif, params: {tau_syn: 1, tau_mem: 3, v_th: 1, bias: [1, x]}}\n", nil,
		`net.yaml:3:93: populations[0].params.bias[1]: "x" is not a number (allowed: a finite number)`},
	{"cuba_lif without params", "version: 1\npopulations:\n  - {name: b, size: 2, model: cuba_lif}\n", nil,
		`net.yaml:3:5: populations[0]: missing key "params" (a cuba_lif population needs tau_syn, tau_mem and v_th)`},
	{"weight_exp into cuba_lif", "version: 1\npopulations:\n  - {name: a, size: 2, model: input}\n  - {name: b, size: 2, model: cuba_lif, params: {tau_syn: 1, tau_mem: 3, v_th: 1}}\nprojections:\n  - {from: a, to: b, weights: [[1, 0.5], [0, 1]], weight_exp: 2}\n", nil,
		`net.yaml:6:63: projections[0].weight_exp: not allowed on a projection into a cuba_lif population: the quantise pass chooses it (set the bits with --weight-bits; docs/quantization.md)`},
	{"float weight infinite", "version: 1\npopulations:\n  - {name: a, size: 2, model: input}\n  - {name: b, size: 2, model: cuba_lif, params: {tau_syn: 1, tau_mem: 3, v_th: 1}}\nprojections:\n  - {from: a, to: b, weights: [[1, .inf], [0, 1]]}\n", nil,
		`net.yaml:6:36: projections[0].weights[0][1]: .inf is not allowed (allowed: a finite number)`},
	{"float uniform reversed", "version: 1\npopulations:\n  - {name: a, size: 2, model: input}\n  - {name: b, size: 2, model: cuba_lif, params: {tau_syn: 1, tau_mem: 3, v_th: 1}}\nprojections:\n  - {from: a, to: b, connect: all_to_all, weights: {uniform: {min: 1, max: 0.5, seed: 1}}}\n", nil,
		`net.yaml:6:76: projections[0].weights.uniform.max: max 0.5 is below min 1 (allowed: min <= max)`},
	{"too many neurons", "version: 1\npopulations:\n  - {name: a, size: 2000000000, model: input}\n  - {name: b, size: 0x10000000, model: input}\n", nil,
		`net.yaml:4:21: populations[1].size: 268435456 brings the network to 2268435456 neurons (allowed: at most 2147483647 in all populations)`},
	{"unknown model", "version: 1\npopulations:\n  - {name: a, size: 3, model: izhikevich}\n", nil,
		`net.yaml:3:31: populations[0].model: unknown model "izhikevich" (allowed: input, lif, cuba_lif)`},
	{"input with params", "version: 1\npopulations:\n  - {name: a, size: 3, model: input, params: {vth: 1}}\n", nil,
		`net.yaml:3:46: populations[0].params: a population of model input takes no params`},
	{"lif without params", "version: 1\npopulations:\n  - {name: a, size: 3, model: lif}\n", nil,
		`net.yaml:3:5: populations[0]: missing key "params" (a lif population needs at least vth)`},
	{"lif without vth", "version: 1\npopulations:\n  - {name: a, size: 3, model: lif, params: {du: 1}}\n", nil,
		`net.yaml:3:44: populations[0].params: missing key "vth" (required: vth)`},
	{"unknown param", "version: 1\npopulations:\n  - {name: a, size: 3, model: lif, params: {vth: 1, tau: 2}}\n", nil,
		`net.yaml:3:53: populations[0].params: unknown key "tau" (allowed: du, dv, vth, bias_mant, bias_exp, refractory, u, v, reset)`},
	{"param out of range", "version: 1\npopulations:\n  - {name: a, size: 3, model: lif, params: {vth: 1, du: 4096}}\n", nil,
		`net.yaml:3:57: populations[0].params.du: 4096 is out of range (allowed: 0..4095)`},
	{"param list too short", "version: 1\npopulations:\n  - {name: a, size: 3, model: lif, params: {vth: [1, 2]}}\n", nil,
		`net.yaml:3:50: populations[0].params.vth: 2 values, expected 3 (one per neuron of "a", or a single value for all)`},
	{"param list element", "version: 1\npopulations:\n  - {name: a, size: 3, model: lif, params: {vth: [1, 2, x]}}\n", nil,
		`net.yaml:3:57: populations[0].params.vth[2]: "x" is not an integer (allowed: 0..131071)`},
	{"param time without timestep", "version: 1\npopulations:\n  - {name: a, size: 3, model: lif, params: {vth: 1, refractory: 2ms}}\n", nil,
		`net.yaml:3:65: populations[0].params.refractory: "2ms": a time needs the step length: set timestep at the top level (e.g. timestep: 1ms) or write the number of steps`},
	{"param time not whole", "version: 1\ntimestep: 1ms\npopulations:\n  - {name: a, size: 3, model: lif, params: {vth: 1, refractory: 2.5ms}}\n", nil,
		`net.yaml:4:65: populations[0].params.refractory: "2.5ms" is not a whole number of timesteps (timestep: 1ms)`},
	{"time where no time is allowed", "version: 1\ntimestep: 1ms\npopulations:\n  - {name: a, size: 3, model: lif, params: {vth: 1ms}}\n", nil,
		`net.yaml:4:50: populations[0].params.vth: "1ms": a time is not allowed here (allowed: 0..131071)`},
	{"param file missing", "version: 1\npopulations:\n  - {name: a, size: 3, model: lif, params: {vth: {file: vth.csv}}}\n", nil,
		`net.yaml:3:57: populations[0].params.vth.file: cannot read "vth.csv": file does not exist`},
	{"param csv wrong count", "version: 1\npopulations:\n  - {name: a, size: 3, model: lif, params: {vth: {file: vth.csv}}}\n",
		map[string][]byte{"vth.csv": []byte("1\n2\n")},
		`vth.csv: populations[0].params.vth: 2 values, expected 3 (one per neuron of "a")`},
	{"param csv two per line", "version: 1\npopulations:\n  - {name: a, size: 3, model: lif, params: {vth: {file: vth.csv}}}\n",
		map[string][]byte{"vth.csv": []byte("1\n2, 3\n")},
		`vth.csv:2:1: populations[0].params.vth: 2 values on one line (allowed: one value per line, or all values on one line)`},
	{"param npy 2-D", "version: 1\npopulations:\n  - {name: a, size: 3, model: lif, params: {vth: {file: vth.npy}}}\n",
		map[string][]byte{"vth.npy": encodeNPY("<i4", false, []int{3, 1}, []float64{1, 2, 3})},
		`vth.npy: populations[0].params.vth: array of shape (3, 1), expected 1-D of shape (3,) (one value per neuron of "a")`},
	{"param npy value", "version: 1\npopulations:\n  - {name: a, size: 3, model: lif, params: {vth: {file: vth.npy}}}\n",
		map[string][]byte{"vth.npy": encodeNPY("<f8", false, []int{3}, []float64{1, 2.5, 3})},
		`vth.npy: populations[0].params.vth[1]: 2.5 is not an integer (allowed: 0..131071)`},
	{"unknown file type", "version: 1\npopulations:\n  - {name: a, size: 3, model: lif, params: {vth: {file: vth.txt}}}\n", nil,
		`net.yaml:3:57: populations[0].params.vth.file: "vth.txt": unknown file type (allowed: .csv, .npy)`},

	// Projections.
	{"projections not a list", head[:len(head)-len("projections:\n")] + "projections: 3\n", nil,
		`net.yaml:5:14: projections: expected a list of projections; found 3`},
	{"unknown projection key", proj(dense + ", delay: 2"), nil,
		`net.yaml:6:80: projections[0]: unknown key "delay" (allowed: name, from, to, connect, weights, weight_exp, weight_bits, sign_mode, delays)`},
	{"missing weights", proj("delays: 2"), nil, `net.yaml:6:5: projections[0]: missing key "weights" (required: from, to, weights)`},
	{"unknown population", head + "  - {from: inp, to: exc, " + dense + "}\n", nil,
		`net.yaml:6:12: projections[0].from: unknown population "inp" (allowed: in, exc)`},
	{"into an input population", head + "  - {from: exc, to: in, weights: [[1, 1, 1, 1]]}\n", nil,
		`net.yaml:6:21: projections[0].to: population "in" has model input, which cannot receive synapses (allowed: a lif or cuba_lif population)`},
	{"weight_exp out of range", proj(dense + ", weight_exp: 9"), nil,
		`net.yaml:6:92: projections[0].weight_exp: 9 is out of range (allowed: -8..7)`},
	{"weight_bits out of range", proj(dense + ", weight_bits: 0"), nil,
		`net.yaml:6:93: projections[0].weight_bits: 0 is out of range (allowed: 1..8)`},
	{"unknown sign mode", proj(dense + ", sign_mode: positive"), nil,
		`net.yaml:6:91: projections[0].sign_mode: unknown sign mode "positive" (allowed: mixed, excitatory, inhibitory)`},
	{"duplicate projection name", head + "  - {name: p, from: in, to: exc, " + dense + "}\n  - {name: p, from: in, to: exc, " + dense + "}\n", nil,
		`net.yaml:7:12: projections[1].name: "p" is already the name of another projection`},

	// Dense weights.
	{"too few rows", proj("weights: [[1, 0, 2], [0, 3, 0], [4, 5, 6]]"), nil,
		`net.yaml:6:34: projections[0].weights: 3 rows, expected 4 (one per neuron of "exc"; row = target, column = source)`},
	{"too few columns", proj("weights: [[1, 0, 2], [0, 3], [4, 5, 6], [0, 0, 7]]"), nil,
		`net.yaml:6:46: projections[0].weights[1]: 2 columns, expected 3 (one per neuron of "in"; row = target, column = source)`},
	{"flat list", proj("weights: [1, 0, 2, 0]"), nil,
		`net.yaml:6:34: projections[0].weights: a list of single weights needs connect: {pairs: ...} to say which synapse each is for (allowed: without connect, a matrix with one row per neuron of "exc" and one column per neuron of "in")`},
	{"weight not an integer", proj("weights: [[1, 0, 2], [0, 1.5, 0], [4, 5, 6], [0, 0, 7]]"), nil,
		`net.yaml:6:50: projections[0].weights[1][1]: 1.5 is not an integer (allowed: -32768..32767)`},
	{"weight out of range", proj("weights: [[1, 0, 2], [0, 40000, 0], [4, 5, 6], [0, 0, 7]]"), nil,
		`net.yaml:6:50: projections[0].weights[1][1]: 40000 is out of range (allowed: -32768..32767)`},
	{"scalar weight without connect", proj("weights: 5"), nil,
		`net.yaml:6:34: projections[0].weights: 5 without connect: does not say which synapses exist (allowed: a matrix, {file: ...}; or a number or {uniform: ...} together with connect:)`},
	{"uniform without connect", proj("weights: {uniform: {min: 1, max: 2, seed: 3}}"), nil,
		`net.yaml:6:35: projections[0].weights: unknown key "uniform" (allowed: file)`},
	{"file name not a string", proj("weights: {file: [w.csv]}"), nil,
		`net.yaml:6:41: projections[0].weights.file: expected a file name; found a list`},
	{"weights file missing", proj("weights: {file: w.csv}"), nil,
		`net.yaml:6:41: projections[0].weights.file: cannot read "w.csv": file does not exist`},
	{"csv rows", proj("weights: {file: w.csv}"), map[string][]byte{"w.csv": []byte("1,2,3\n4,5,6\n")},
		`w.csv: projections[0].weights: 2 rows, expected 4 (one per neuron of "exc"; row = target, column = source)`},
	{"csv columns", proj("weights: {file: w.csv}"), map[string][]byte{"w.csv": []byte("1,2,3\n4,5,6\n1,2\n1,2,3\n")},
		`w.csv:3:1: projections[0].weights[2]: 2 columns, expected 3 (one per neuron of "in"; row = target, column = source)`},
	{"csv value", proj("weights: {file: w.csv}"), map[string][]byte{"w.csv": []byte("1,2,3\n4, 5 ,6\n1,2,3\n1,2,0.5\n")},
		`w.csv:4:5: projections[0].weights[3][2]: 0.5 is not an integer (allowed: -32768..32767)`},
	{"csv empty value", proj("weights: {file: w.csv}"), map[string][]byte{"w.csv": []byte("1,2,3\n4,,6\n1,2,3\n1,2,3\n")},
		`w.csv:2:3: projections[0].weights[1][1]: empty value (allowed: -32768..32767)`},
	{"csv header", proj("weights: {file: w.csv}"), map[string][]byte{"w.csv": []byte("a,b,c\n1,2,3\n1,2,3\n1,2,3\n")},
		`w.csv:1:1: projections[0].weights[0][0]: "a" is not an integer (allowed: -32768..32767)`},
	{"csv blank line", proj("weights: {file: w.csv}"), map[string][]byte{"w.csv": []byte("1,2,3\n\n1,2,3\n1,2,3\n1,2,3\n")},
		`w.csv:2:1: projections[0].weights: blank line between values (allowed: one row per line, no blank lines)`},
	{"csv empty", proj("weights: {file: w.csv}"), map[string][]byte{"w.csv": []byte("\n")},
		`w.csv: projections[0].weights: the file is empty`},
	{"npy not npy", proj("weights: {file: w.npy}"), map[string][]byte{"w.npy": []byte("1,2,3\n")},
		`w.npy: projections[0].weights: not a NumPy .npy file (it does not start with \x93NUMPY)`},
	{"npy truncated", proj("weights: {file: w.npy}"), map[string][]byte{"w.npy": npyWeights[:len(npyWeights)-1]},
		`w.npy: projections[0].weights: shape (4, 3) of <i2 needs 24 bytes of data, the file has 23`},
	{"npy huge shape", proj("weights: {file: w.npy}"), map[string][]byte{"w.npy": encodeNPY("<i2", false, []int{1 << 30, 1 << 30}, nil)},
		`w.npy: projections[0].weights: shape (1073741824, 1073741824) of <i2 needs 2305843009213693952 bytes of data, the file has 0`},
	{"npy absurd shape", proj("weights: {file: w.npy}"), map[string][]byte{"w.npy": encodeNPY("<i8", false, []int{1 << 30, 1 << 30, 1 << 30}, nil)},
		`w.npy: projections[0].weights: shape (1073741824, 1073741824, 1073741824) of <i8 needs 9903520314283042199192993792 bytes of data, the file has 0`},
	{"npy shape", proj("weights: {file: w.npy}"), map[string][]byte{"w.npy": encodeNPY("<i2", false, []int{3, 4}, specWeights)},
		`w.npy: projections[0].weights: 3 rows, expected 4 (one per neuron of "exc"; row = target, column = source)`},
	{"npy 1-D", proj("weights: {file: w.npy}"), map[string][]byte{"w.npy": encodeNPY("<i2", false, []int{12}, specWeights)},
		`w.npy: projections[0].weights: array of shape (12,), expected 2-D of shape (4, 3) (row = target, column = source; one value per synapse, 1-D, needs connect: {pairs: ...})`},
	{"npy dtype", proj("weights: {file: w.npy}"), map[string][]byte{"w.npy": []byte(strings.Replace(string(npyWeights), "<i2", "<c8", 1))},
		`w.npy: projections[0].weights: unsupported .npy dtype "<c8" (allowed: i1 i2 i4 i8 u1 u2 u4 u8 f4 f8 b1, little or big endian)`},
	{"npy float", proj("weights: {file: w.npy}"), map[string][]byte{"w.npy": encodeNPY(">f4", true, []int{4, 3}, []float64{1, 0, 2, 0, 3, 0, 4, 5, 6, 0, 0, 0.25})},
		`w.npy: projections[0].weights[3][2]: 0.25 is not an integer (allowed: -32768..32767)`},
	{"npy u8 too large", proj("weights: {file: w.npy}"), map[string][]byte{"w.npy": encodeNPY("<u8", false, []int{4, 3}, []float64{1, 0, 2, 0, 3, 0, 4, 5, 6, 0, 0, 1 << 63})},
		`w.npy: projections[0].weights[3][2]: 9223372036854775808 is out of range (allowed: -32768..32767)`},
	{"npy bad header", proj("weights: {file: w.npy}"), map[string][]byte{"w.npy": []byte(strings.Replace(string(npyWeights), "'shape'", "'shapes'", 1))},
		`w.npy: projections[0].weights: bad .npy header: unknown key "shapes"`},

	// Delays.
	{"delay 0", proj(dense + ", delays: 0"), nil,
		`net.yaml:6:88: projections[0].delays: delay 0 is not allowed: a spike arrives at the earliest on the next step (allowed: 1..65535)`},
	{"delay 0 in a matrix", proj(dense + ", delays: [[1, 1, 1], [1, 0, 1], [1, 1, 1], [1, 1, 1]]"), nil,
		`net.yaml:6:104: projections[0].delays[1][1]: delay 0 is not allowed: a spike arrives at the earliest on the next step (allowed: 1..65535)`},
	{"delay 0 where the weight is 0", proj(dense + ", delays: [[1, 0, 1], [1, 1, 1], [1, 1, 1], [1, 1, 1]]"), nil,
		`net.yaml:6:93: projections[0].delays[0][1]: delay 0 is not allowed: a spike arrives at the earliest on the next step (allowed: 1..65535)`},
	{"delay too long", proj(dense + ", delays: 65536"), nil,
		`net.yaml:6:88: projections[0].delays: 65536 is out of range (allowed: 1..65535 steps, or a time such as 2ms when timestep is set)`},
	{"delay time without timestep", proj(dense + ", delays: 3ms"), nil,
		`net.yaml:6:88: projections[0].delays: "3ms": a time needs the step length: set timestep at the top level (e.g. timestep: 1ms) or write the number of steps`},
	{"delay not whole timesteps", "version: 1\ntimestep: 0.5ms\n" + proj(dense + ", delays: 1.25ms")[len("version: 1\n"):], nil,
		`net.yaml:7:88: projections[0].delays: "1.25ms" is not a whole number of timesteps (timestep: 0.5ms)`},
	{"delay time too long", "version: 1\ntimestep: 1us\n" + proj(dense + ", delays: 1s")[len("version: 1\n"):], nil,
		`net.yaml:7:88: projections[0].delays: 1s (1000000 steps) is out of range (allowed: 1..65535 steps, or a time such as 2ms when timestep is set)`},
	{"delay matrix shape", proj(dense + ", delays: [[1, 1, 1]]"), nil,
		`net.yaml:6:88: projections[0].delays: 1 rows, expected 4 (one per neuron of "exc"; row = target, column = source)`},
	{"delay csv 0", proj(dense + ", delays: {file: d.csv}"), map[string][]byte{"d.csv": []byte("1,1,1\n1,1,1\n1,1,0\n1,1,1\n")},
		`d.csv:3:5: projections[0].delays[2][2]: delay 0 is not allowed: a spike arrives at the earliest on the next step (allowed: 1..65535)`},
	{"delay both file and uniform", proj(dense + ", delays: {file: d.csv, uniform: {min: 1, max: 2, seed: 3}}"), nil,
		`net.yaml:6:88: projections[0].delays: expected exactly one of file, uniform; found 2 keys`},
	{"uniform delays min above max", proj(dense + ", delays: {uniform: {min: 5, max: 3, seed: 1}}"), nil,
		`net.yaml:6:112: projections[0].delays.uniform.max: max 3 is below min 5 (allowed: min <= max)`},
	{"uniform delays 0", proj(dense + ", delays: {uniform: {min: 0, max: 3, seed: 1}}"), nil,
		`net.yaml:6:104: projections[0].delays.uniform.min: delay 0 is not allowed: a spike arrives at the earliest on the next step (allowed: 1..65535)`},

	// Patterns.
	{"unknown pattern", proj("connect: one2one, weights: 1"), nil,
		`net.yaml:6:34: projections[0].connect: unknown pattern "one2one" (allowed: one_to_one, all_to_all, {random: {p, seed}}, {fixed_fanout: {n, seed}}, {pairs: [[source, target], ...] or {file}})`},
	{"one_to_one sizes", proj("connect: one_to_one, weights: 1"), nil,
		`net.yaml:6:34: projections[0].connect: one_to_one needs populations of the same size ("in" has 3 neurons, "exc" has 4)`},
	{"pattern not a string", proj("connect: 3, weights: 1"), nil,
		`net.yaml:6:34: projections[0].connect: expected a pattern (allowed: one_to_one, all_to_all, {random: {p, seed}}, {fixed_fanout: {n, seed}}, {pairs: [[source, target], ...] or {file}}); found 3`},
	{"two patterns", proj("connect: {random: {p: 1, seed: 1}, fixed_fanout: {n: 1, seed: 1}}, weights: 1"), nil,
		`net.yaml:6:34: projections[0].connect: expected exactly one pattern, found 2 (allowed: one_to_one, all_to_all, {random: {p, seed}}, {fixed_fanout: {n, seed}}, {pairs: [[source, target], ...] or {file}})`},
	{"random p 0", proj("connect: {random: {p: 0, seed: 1}}, weights: 1"), nil,
		`net.yaml:6:47: projections[0].connect.random.p: 0 is out of range (allowed: a number with 0 < p <= 1)`},
	{"random p above 1", proj("connect: {random: {p: 1.5, seed: 1}}, weights: 1"), nil,
		`net.yaml:6:47: projections[0].connect.random.p: 1.5 is out of range (allowed: a number with 0 < p <= 1)`},
	{"random without seed", proj("connect: {random: {p: 0.5}}, weights: 1"), nil,
		`net.yaml:6:43: projections[0].connect.random: missing key "seed" (required: p, seed)`},
	{"negative seed", proj("connect: {random: {p: 0.5, seed: -1}}, weights: 1"), nil,
		`net.yaml:6:58: projections[0].connect.random.seed: -1 is out of range (allowed: an integer 0..18446744073709551615)`},
	{"fixed_fanout too many", proj("connect: {fixed_fanout: {n: 5, seed: 1}}, weights: 1"), nil,
		`net.yaml:6:53: projections[0].connect.fixed_fanout.n: 5 is out of range (allowed: 1..4)`},
	{"matrix with connect", proj("connect: all_to_all, " + dense), nil,
		`net.yaml:6:55: projections[0].weights: a matrix cannot be combined with connect: (a matrix already says which synapses exist; remove connect:, or give a number or {uniform: {min, max, seed}})`},
	{"weights file with connect", proj("connect: all_to_all, weights: {file: w.csv}"), nil,
		`net.yaml:6:56: projections[0].weights: unknown key "file" (allowed: uniform)`},
	{"uniform weights min above max", proj("connect: all_to_all, weights: {uniform: {min: 5, max: -3, seed: 1}}"), nil,
		`net.yaml:6:79: projections[0].weights.uniform.max: max -3 is below min 5 (allowed: min <= max)`},
	{"uniform weight out of range", proj("connect: all_to_all, weights: {uniform: {min: -40000, max: 3, seed: 1}}"), nil,
		`net.yaml:6:71: projections[0].weights.uniform.min: -40000 is out of range (allowed: -32768..32767)`},
	{"delay matrix with pattern", proj("connect: all_to_all, weights: 1, delays: [[1, 1, 1], [1, 1, 1], [1, 1, 1], [1, 1]]"), nil,
		`net.yaml:6:100: projections[0].delays[3]: 2 columns, expected 3 (one per neuron of "in"; row = target, column = source)`},
	{"flat weights with a pattern", proj("connect: all_to_all, weights: [1, 2]"), nil,
		`net.yaml:6:55: projections[0].weights: a list of single weights needs connect: {pairs: ...} to say which synapse each is for (allowed: with this pattern, a number or {uniform: {min, max, seed}})`},
	{"flat delays without pairs", proj(dense + ", delays: [1, 2]"), nil,
		`net.yaml:6:88: projections[0].delays: a list of single delays needs connect: {pairs: ...} to say which synapse each is for (allowed: a number, {uniform: {min, max, seed}}, or a matrix with one row per neuron of "exc" and one column per neuron of "in")`},
	{"all_to_all too large", "version: 1\npopulations:\n  - {name: a, size: 1000000, model: lif, params: {vth: 1}}\nprojections:\n  - {from: a, to: a, connect: all_to_all, weights: 1}\n", nil,
		`net.yaml:5:31: projections[0].connect: all_to_all makes 1000000000000 synapses from "a" (1000000) to "a" (1000000) (allowed: at most 2147483647 per projection)`},
	{"random too large", "version: 1\npopulations:\n  - {name: a, size: 1073741824, model: lif, params: {vth: 1}}\nprojections:\n  - {from: a, to: a, connect: {random: {p: 0.001, seed: 1}}, weights: 1}\n", nil,
		`net.yaml:5:31: projections[0].connect: random makes 1152921504606847 synapses from "a" (1073741824) to "a" (1073741824) (allowed: at most 2147483647 per projection)`},

	// Pairs (connect: {pairs: ...}).
	{"pairs not a list", proj("connect: {pairs: 3}, weights: 1"), nil,
		`net.yaml:6:42: projections[0].connect.pairs: expected a list of pairs [[source, target], ...] or {file: ...} (.csv or .npy); found 3`},
	{"pairs flat", proj("connect: {pairs: [0, 1]}, weights: 1"), nil,
		`net.yaml:6:43: projections[0].connect.pairs[0]: expected a list of two indices [source, target]; found 0`},
	{"pair of three", proj("connect: {pairs: [[0, 1], [0, 1, 2]]}, weights: 1"), nil,
		`net.yaml:6:51: projections[0].connect.pairs[1]: 3 values, expected 2 ([source, target])`},
	{"pair source out of range", proj("connect: {pairs: [[0, 1], [3, 0]]}, weights: 1"), nil,
		`net.yaml:6:52: projections[0].connect.pairs[1][0]: 3 is out of range (allowed: 0..2, a source neuron of "in")`},
	{"pair target out of range", proj("connect: {pairs: [[0, -1]]}, weights: 1"), nil,
		`net.yaml:6:47: projections[0].connect.pairs[0][1]: -1 is out of range (allowed: 0..3, a target neuron of "exc")`},
	{"pair not an integer", proj("connect: {pairs: [[0.5, 1]]}, weights: 1"), nil,
		`net.yaml:6:44: projections[0].connect.pairs[0][0]: 0.5 is not an integer (allowed: 0..2, a source neuron of "in")`},
	{"duplicate pair", proj("connect: {pairs: [[0, 1], [2, 3], [0, 1]]}, weights: 1"), nil,
		`net.yaml:6:59: projections[0].connect.pairs[2]: source 0 and target 1 are already joined by pairs[0]: two synapses between the same neurons need two projections, e.g. one per delay (allowed: each (source, target) pair once in a projection)`},
	{"pairs with another pattern", proj("connect: {pairs: [[0, 1]], random: {p: 1, seed: 1}}, weights: 1"), nil,
		`net.yaml:6:34: projections[0].connect: expected exactly one pattern, found 2 (allowed: one_to_one, all_to_all, {random: {p, seed}}, {fixed_fanout: {n, seed}}, {pairs: [[source, target], ...] or {file}})`},
	{"pair weights length", proj("connect: {pairs: [[0, 1], [1, 2]]}, weights: [1, 2, 3]"), nil,
		`net.yaml:6:70: projections[0].weights: 3 values, expected 2 (one per pair of connect: {pairs}, in their order)`},
	{"pair weight out of range", proj("connect: {pairs: [[0, 1], [1, 2]]}, weights: [1, 40000]"), nil,
		`net.yaml:6:74: projections[0].weights[1]: 40000 is out of range (allowed: -32768..32767)`},
	{"pair weight matrix", proj("connect: {pairs: [[0, 1]]}, " + dense), nil,
		`net.yaml:6:62: projections[0].weights: a weight matrix cannot be combined with connect: {pairs} (allowed: one weight per pair, a list [w0, w1, ...] or {file: ...} of 1 values; a number; or {uniform: {min, max, seed}})`},
	{"pair delays length", proj("connect: {pairs: [[0, 1], [1, 2]]}, weights: 1, delays: [1]"), nil,
		`net.yaml:6:81: projections[0].delays: 1 values, expected 2 (one per pair of connect: {pairs}, in their order)`},
	{"pair delay 0", proj("connect: {pairs: [[0, 1], [1, 2]]}, weights: 1, delays: [1, 0]"), nil,
		`net.yaml:6:85: projections[0].delays[1]: delay 0 is not allowed: a spike arrives at the earliest on the next step (allowed: 1..65535)`},
	{"pair delay matrix", proj("connect: {pairs: [[0, 1]]}, weights: 1, delays: [[1, 1, 1], [1, 1, 1], [1, 1, 1], [1, 1, 1]]"), nil,
		`net.yaml:6:73: projections[0].delays: a delay matrix cannot be combined with connect: {pairs}: give one delay per pair (allowed: a list [d0, d1, ...] or {file: ...} of 1 delays, a number, or {uniform: {min, max, seed}})`},
	{"pairs npy shape", proj("connect: {pairs: {file: p.npy}}, weights: 1"), map[string][]byte{"p.npy": encodeNPY("<i4", false, []int{4}, []float64{0, 1, 2, 3})},
		`p.npy: projections[0].connect.pairs: array of shape (4,), expected 2-D of shape (n, 2) (one row per synapse: source, target)`},
	{"pairs npy out of range", proj("connect: {pairs: {file: p.npy}}, weights: 1"), map[string][]byte{"p.npy": encodeNPY("<i8", false, []int{2, 2}, []float64{0, 1, 2, 4})},
		`p.npy: projections[0].connect.pairs[1][1]: 4 is out of range (allowed: 0..3, a target neuron of "exc")`},
	{"pairs npy float", proj("connect: {pairs: {file: p.npy}}, weights: 1"), map[string][]byte{"p.npy": encodeNPY("<f8", true, []int{2, 2}, []float64{0, 1, 2.5, 3})},
		`p.npy: projections[0].connect.pairs[1][0]: 2.5 is not an integer (allowed: 0..2, a source neuron of "in")`},
	{"pairs npy duplicate", proj("connect: {pairs: {file: p.npy}}, weights: 1"), map[string][]byte{"p.npy": encodeNPY("<u2", false, []int{3, 2}, []float64{2, 3, 0, 0, 2, 3})},
		`p.npy: projections[0].connect.pairs[2]: source 2 and target 3 are already joined by pairs[0]: two synapses between the same neurons need two projections, e.g. one per delay (allowed: each (source, target) pair once in a projection)`},
	{"pairs csv three values", proj("connect: {pairs: {file: p.csv}}, weights: 1"), map[string][]byte{"p.csv": []byte("0,1\n1, 2, 3\n")},
		`p.csv:2:1: projections[0].connect.pairs[1]: 3 values, expected 2 (one pair a line: source, target)`},
	{"pairs csv value", proj("connect: {pairs: {file: p.csv}}, weights: 1"), map[string][]byte{"p.csv": []byte("0,1\n1, x\n")},
		`p.csv:2:4: projections[0].connect.pairs[1][1]: "x" is not an integer (allowed: 0..3, a target neuron of "exc")`},
	{"pairs csv blank line", proj("connect: {pairs: {file: p.csv}}, weights: 1"), map[string][]byte{"p.csv": []byte("0,1\n\n1,2\n")},
		`p.csv:2:1: projections[0].connect.pairs: blank line between values (allowed: one row per line, no blank lines)`},
	{"pairs csv duplicate", proj("connect: {pairs: {file: p.csv}}, weights: 1"), map[string][]byte{"p.csv": []byte("0,1\n1,1\n0,1\n")},
		`p.csv:3:1: projections[0].connect.pairs[2]: source 0 and target 1 are already joined by pairs[0]: two synapses between the same neurons need two projections, e.g. one per delay (allowed: each (source, target) pair once in a projection)`},
	{"pair weights npy length", proj("connect: {pairs: [[0, 1], [1, 2]]}, weights: {file: w.npy}"), map[string][]byte{"w.npy": encodeNPY("<i2", false, []int{3}, []float64{1, 2, 3})},
		`w.npy: projections[0].weights: array of shape (3,), expected 1-D of shape (2,) (one weight per pair of connect: {pairs}, in their order)`},
	{"pair weights csv length", proj("connect: {pairs: [[0, 1], [1, 2]]}, weights: {file: w.csv}"), map[string][]byte{"w.csv": []byte("1\n2\n3\n")},
		`w.csv: projections[0].weights: 3 values, expected 2 (one per pair of connect: {pairs}, in their order)`},
	{"pair weights csv value", proj("connect: {pairs: [[0, 1], [1, 2]]}, weights: {file: w.csv}"), map[string][]byte{"w.csv": []byte("1, 2.5\n")},
		`w.csv:1:4: projections[0].weights[1]: 2.5 is not an integer (allowed: -32768..32767)`},
	{"pair delays npy 2-D", proj("connect: {pairs: [[0, 1], [1, 2]]}, weights: 1, delays: {file: d.npy}"), map[string][]byte{"d.npy": encodeNPY("<u2", false, []int{4, 3}, specWeights)},
		`d.npy: projections[0].delays: array of shape (4, 3), expected 1-D of shape (2,) (one delay per pair of connect: {pairs}, in their order)`},
	{"pair delays npy 0", proj("connect: {pairs: [[0, 1], [1, 2]]}, weights: 1, delays: {file: d.npy}"), map[string][]byte{"d.npy": encodeNPY("<u2", false, []int{2}, []float64{3, 0})},
		`d.npy: projections[0].delays[1]: delay 0 is not allowed: a spike arrives at the earliest on the next step (allowed: 1..65535)`},
	{"pair delays csv two per line", proj("connect: {pairs: [[0, 1], [1, 2]]}, weights: 1, delays: {file: d.csv}"), map[string][]byte{"d.csv": []byte("1,2\n3,4\n")},
		`d.csv:1:1: projections[0].delays: 2 values on one line (allowed: one value per line, or all values on one line)`},
	{"pair delays file and uniform", proj("connect: {pairs: [[0, 1]]}, weights: 1, delays: {file: d.csv, uniform: {min: 1, max: 2, seed: 3}}"), nil,
		`net.yaml:6:73: projections[0].delays: expected exactly one of file, uniform; found 2 keys`},
	{"pair float weights csv", "version: 1\npopulations:\n  - {name: a, size: 2, model: input}\n  - {name: b, size: 2, model: cuba_lif, params: {tau_syn: 1, tau_mem: 3, v_th: 1}}\nprojections:\n  - {from: a, to: b, connect: {pairs: [[0, 1], [1, 0]]}, weights: {file: w.csv}}\n",
		map[string][]byte{"w.csv": []byte("0.5\nnan\n")},
		`w.csv:2:1: projections[0].weights[1]: "nan" is not a number (allowed: a finite number)`},
	{"pair float weights inline", "version: 1\npopulations:\n  - {name: a, size: 2, model: input}\n  - {name: b, size: 2, model: cuba_lif, params: {tau_syn: 1, tau_mem: 3, v_th: 1}}\nprojections:\n  - {from: a, to: b, connect: {pairs: [[0, 1], [1, 0]]}, weights: [0.5, .inf]}\n", nil,
		`net.yaml:6:73: projections[0].weights[1]: .inf is not allowed (allowed: a finite number)`},
}

func TestErrorMessages(t *testing.T) {
	for _, c := range errorCases {
		t.Run(c.name, func(t *testing.T) {
			net, err := parseString(t, c.src, c.files)
			wantError(t, net, err, c.want)
		})
	}
}

// wantError checks that parsing failed with one *Error of one line, want.
func wantError(t *testing.T, net *ir.Network, err error, want string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, got\n%s", dump(net))
	}
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("%T is not an *Error: %v", err, err)
	}
	if err.Error() != want {
		t.Errorf("got  %s\nwant %s", err, want)
	}
	if strings.ContainsAny(err.Error(), "\n\r") {
		t.Errorf("message has a line break: %q", err)
	}
}

func TestErrorFormat(t *testing.T) {
	cases := []struct {
		e    Error
		want string
	}{
		{Error{Msg: "m"}, "m"},
		{Error{Field: "f", Msg: "m"}, "f: m"},
		{Error{Pos: pos("a.yaml", 0, 0), Msg: "m"}, "a.yaml: m"},
		{Error{Pos: pos("a.yaml", 3, 0), Field: "f", Msg: "m"}, "a.yaml:3: f: m"},
		{Error{Pos: pos("a.yaml", 3, 4), Field: "f", Msg: "m"}, "a.yaml:3:4: f: m"},
		{Error{Pos: pos("", 3, 4), Msg: "m"}, "3:4: m"},
	}
	for _, c := range cases {
		if got := c.e.Error(); got != c.want {
			t.Errorf("%+v: got %q, want %q", c.e, got, c.want)
		}
	}
}
