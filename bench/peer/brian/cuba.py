"""Brian2 C++ standalone side of bench/peer (snnc issue 6).

Builds and compiles one workload with Brian2's cpp_standalone device but does
not run it: bench/peer runs the compiled binary itself, so that the binary's
peak memory (wait4 rusage) and wall time are its own, not g++'s. The code
generation + compile time is printed as JSON on stdout.

Workloads (--workload):
  cuba    Brian2's CUBA example (Vogels & Abbott 2005) as published: N LIF
          neurons, 80% excitatory, connect(p=--p). With --arrays the
          connectivity (and delays) come from the raw int32 files that
          bench/peer wrote from snnc's network, so both sides run the same
          synapses.
  ff      Poisson inputs -> one LIF layer, synapses and delays from --arrays.
Single-threaded: openmp_threads = 0, set explicitly.
"""
import argparse
import json
import os
import sys
import time

import numpy as np
from standalone import single_threaded_standalone
from brian2 import (NeuronGroup, PoissonGroup, SpikeMonitor, Synapses, Hz, ms,
                    mV, defaultclock, device, run)

ap = argparse.ArgumentParser()
ap.add_argument("--workload", required=True, choices=["cuba", "ff"])
ap.add_argument("--n", type=int, required=True, help="LIF neurons")
ap.add_argument("--steps", type=int, required=True)
ap.add_argument("--p", type=float, default=0.02)
ap.add_argument("--arrays", default="", help="directory of pre_*.i32/post_*.i32/delay_*.i32")
ap.add_argument("--inputs", type=int, default=0, help="Poisson inputs (ff)")
ap.add_argument("--rate", type=float, default=20.0, help="Poisson rate in Hz (ff)")
ap.add_argument("--we", type=float, required=True, help="excitatory weight, mV")
ap.add_argument("--wi", type=float, default=0.0, help="inhibitory weight, mV")
ap.add_argument("--el", type=float, default=-49.0, help="rest potential, mV")
ap.add_argument("--refractory", type=float, default=5.0, help="ms")
ap.add_argument("--dir", required=True, help="standalone project directory")
a = ap.parse_args()

single_threaded_standalone()

taum, taue, taui = 20 * ms, 5 * ms, 10 * ms
Vt, Vr, El = -50 * mV, -60 * mV, a.el * mV
we, wi = a.we * mV, a.wi * mV
eqs = """
dv/dt  = (ge+gi-(v-El))/taum : volt (unless refractory)
dge/dt = -ge/taue : volt
dgi/dt = -gi/taui : volt
"""
P = NeuronGroup(a.n, eqs, threshold="v>Vt", reset="v = Vr",
                refractory=a.refractory * ms, method="exact")
P.v = "Vr + rand() * (Vt - Vr)"
P.ge = 0 * mV
P.gi = 0 * mV
# Named variables, not a list: run() collects the objects it can see.
M = SpikeMonitor(P, record=False)


def arr(name):
    return np.fromfile(os.path.join(a.arrays, name), dtype=np.int32)


if a.workload == "cuba":
    ne = a.n * 4 // 5
    Ce = Synapses(P, P, on_pre="ge += we")
    Ci = Synapses(P, P, on_pre="gi += wi")
    if a.arrays:
        Ce.connect(i=arr("pre_e.i32"), j=arr("post_e.i32"))
        Ci.connect(i=arr("pre_i.i32"), j=arr("post_i.i32"))
        Ce.delay = (arr("delay_e.i32") - 1) * defaultclock.dt
        Ci.delay = (arr("delay_i.i32") - 1) * defaultclock.dt
    else:
        Ce.connect("i<ne", p=a.p)
        Ci.connect("i>=ne", p=a.p)
else:
    G = PoissonGroup(a.inputs, a.rate * Hz)
    S = Synapses(G, P, on_pre="ge += we")
    S.connect(i=arr("pre_e.i32"), j=arr("post_e.i32"))
    S.delay = (arr("delay_e.i32") - 1) * defaultclock.dt
    MG = SpikeMonitor(G, record=False)

run(a.steps * defaultclock.dt)
t0 = time.perf_counter()
device.build(directory=a.dir, compile=True, run=False, clean=True)
json.dump({"build_s": time.perf_counter() - t0}, sys.stdout)
print()
