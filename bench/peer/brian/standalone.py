"""Brian2 set-up shared by bench/peer's scripts (cuba.py, construct.py).

Both scripts sit in this directory, which Python puts on sys.path when it
runs one of them, so "from standalone import ..." finds this file.
"""
import os

from brian2 import defaultclock, ms, prefs, seed, set_device


def single_threaded_standalone():
    """C++ standalone mode, built but not run by Brian2, on one thread,
    steps of 0.1 ms, seed 1."""
    set_device("cpp_standalone", build_on_run=False)
    prefs.devices.cpp_standalone.openmp_threads = 0
    # Brian2 runs make -j (unbounded) by default: dozens of g++ at once on a
    # machine others share. One job per processor.
    prefs.devices.cpp_standalone.extra_make_args_unix = [f"-j{os.cpu_count() or 1}"]
    defaultclock.dt = 0.1 * ms
    seed(1)
