"""Brian2 C++ standalone side of bench/peer's construction workload (build1M).

Builds bench/networks/random1M.yaml's network (or random10k.yaml's with -quick)
in Brian2's cpp_standalone device and compiles it, but does not run it:
bench/peer runs the binary from a small launcher so that its peak memory and
wall time are its own.

The network: INPUTS input neurons and N LIF neurons; every input neuron and
every LIF neuron has FANOUT distinct random LIF targets, drawn by Brian2 itself
inside the binary (connect(j='k for k in sample(N_post, size=FANOUT)'), the
same law as snnc's fixed_fanout), with per-synapse weights uniform over the
yaml's integer ranges and delays uniform over 1..MAXDELAY steps (Brian2's delay
d-1 steps is snnc's delay d). Same sizes and distributions as snnc's network,
not the same draws: writing snnc's 10^8 synapses out for Brian2 would take
1.2 GB of arrays and make the comparison about file reading.

The binary runs one 0.1 ms step. Code inserted into its main() writes
peer_timing.txt: on line 1 construction seconds (from before brian_start()
to the network's run: array set-up, synapse generation, weights, delays and
the spike queues' preparation), run seconds, and the synapse count; then
one line per phase, "LABEL SECONDS" with SECONDS since before brian_start()
at the phase's end. Then it leaves with _Exit(0), skipping brian_end()'s
dump of every array to results/ (2.4 GB at 10^8 synapses), which is no
part of construction.
Code generation + g++ time is printed as JSON on stdout.
Single-threaded: openmp_threads = 0.
"""
import argparse
import json
import sys
import time

from standalone import single_threaded_standalone
from brian2 import (NeuronGroup, PoissonGroup, Synapses, Hz, ms, mV,
                    defaultclock, device, run)

ap = argparse.ArgumentParser()
ap.add_argument("--inputs", type=int, required=True)
ap.add_argument("--n", type=int, required=True, help="LIF neurons")
ap.add_argument("--fanout", type=int, required=True)
ap.add_argument("--max-delay", type=int, required=True, help="steps; delays 1..max")
ap.add_argument("--drive-w", type=int, nargs=2, required=True, help="input weights, min max")
ap.add_argument("--rec-w", type=int, nargs=2, required=True, help="recurrent weights, min max")
ap.add_argument("--du", type=int, required=True)
ap.add_argument("--dv", type=int, required=True)
ap.add_argument("--refractory", type=int, required=True, help="steps")
ap.add_argument("--dir", required=True, help="standalone project directory")
a = ap.parse_args()

single_threaded_standalone()

step = 0.1 * ms  # not "dt": Brian2 warns about that name in the namespace
taus = step * 4096 / (a.du + 1)
taum = step * 4096 / a.dv
eqs = """
dv/dt = (I - v)/taum : volt (unless refractory)
dI/dt = -I/taus : volt
"""
P = NeuronGroup(a.n, eqs, threshold="v > 10*mV", reset="v = 0*mV",
                refractory=a.refractory * step, method="exact")
G = PoissonGroup(a.inputs, 0 * Hz)


# Timestamps inside the binary: mark(SLOT, LABEL) inserts code at SLOT that
# records LABEL and the seconds since before brian_start(); before_end
# writes them to peer_timing.txt.
device.insert_code("before_start", "struct timespec _peer_t0, _peer_t;\n"
                   "double _peer_at[16]; const char *_peer_what[16]; int _peer_n = 0;\n"
                   "clock_gettime(CLOCK_MONOTONIC, &_peer_t0);")


def mark(slot, label):
    device.insert_code(slot, "clock_gettime(CLOCK_MONOTONIC, &_peer_t);\n"
                       f"_peer_what[_peer_n] = \"{label}\";\n"
                       "_peer_at[_peer_n++] = (double)(_peer_t.tv_sec - _peer_t0.tv_sec)"
                       " + 1e-9 * (double)(_peer_t.tv_nsec - _peer_t0.tv_nsec);")


mark("after_start", "brian_start")


def synapses(name, src, lo, hi):
    s = Synapses(src, P, "w : volt", on_pre="I += w")
    s.connect(j=f"k for k in sample(N_post, size={a.fanout})")
    mark("main", f"{name}_connect")
    s.w = f"({lo} + floor(rand() * {hi - lo + 1})) * mV"
    mark("main", f"{name}_w")
    s.delay = f"floor(rand() * {a.max_delay}) * {float(step / ms)!r} * ms"
    mark("main", f"{name}_delay")
    return s


drive = synapses("drive", G, *a.drive_w)
recurrent = synapses("recurrent", P, *a.rec_w)

pre = [device.get_array_name(s.variables["_synaptic_pre"], access_data=False)
       for s in (drive, recurrent)]
mark("before_network_run", "queues")  # the spike queues' preparation ends here
mark("after_network_run", "run")
# Line 1: construction s, run s, synapses; then one line per mark: label,
# seconds since before brian_start().
device.insert_code("before_end", "{\n"
                   "    std::ofstream _peer_f(\"peer_timing.txt\");\n"
                   "    _peer_f << _peer_at[_peer_n - 2] << \" \" << _peer_at[_peer_n - 1] - _peer_at[_peer_n - 2] << \" \"\n"
                   f"            << (long long)(brian::{pre[0]}.size() + brian::{pre[1]}.size()) << \"\\n\";\n"
                   "    for (int _i = 0; _i < _peer_n; _i++)\n"
                   "        _peer_f << _peer_what[_i] << \" \" << _peer_at[_i] << \"\\n\";\n"
                   "    _peer_f.close();\n"
                   "    _Exit(_peer_f ? 0 : 1);\n"
                   "}")

run(defaultclock.dt)
t0 = time.perf_counter()
device.build(directory=a.dir, compile=True, run=False, clean=True)
json.dump({"build_s": time.perf_counter() - t0,
           "method": f"connect(j='k for k in sample(N_post, size={a.fanout})'), w and delay from rand(), in the binary"},
          sys.stdout)
print()
