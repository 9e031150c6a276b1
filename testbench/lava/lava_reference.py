#!/usr/bin/env python3
"""An independent model of what Intel Lava computes for a network of
bit-accurate LIF neurons connected by Dense / DelayDense processes.

This is snnc's oracle for Lava's semantics. Lava itself cannot be installed
where snnc is built and tested, so this file re-implements, in NumPy and
from a reading of Lava's source (no Lava code is copied here), the pieces of
Lava that such a network exercises:

  * the bit-accurate LIF process model
      lava/proc/lif/models.py: AbstractPyLifModelFixed, PyLifModelBitAcc
  * the bit-accurate connection process models
      lava/proc/dense/models.py: PyDenseModelBitAcc (AbstractPyDenseModelBitAcc),
      PyDelayDenseModelBitAcc (AbstractPyDelayDenseModel)
  * weight preparation
      lava/utils/weightutils.py: SignMode, determine_sign_mode, clip_weights,
      truncate_weights
  * the message passing that orders a time step: dense vector ports that
      sum what every connected channel delivers
      (lava/magma/core/model/py/ports.py: PyInPortVectorDense.recv,
      PyOutPortVectorDense.send) over channels typed by the sending port
      (lava/magma/compiler/builders/channel_builder.py), with every process
      running its run_spk once per time step under the LoihiProtocol.

Nothing here knows snnc's simulator: the order of events inside a time step
is not written down as a list of phases but emerges, as in Lava, from
processes that block on their input ports (a small cooperative scheduler
plays the part of Lava's runtime). Lava counts time steps from 1; snnc's
step s is Lava's time step s + 1.

Usage:
  lava_reference.py NET.json --spikes OUT.csv [--trace TRACE.csv]
                    [--report REPORT.json] [--steps N] [--shuffle SEED]

NET.json (weights and delays are dense matrices, row = target, column =
source, as in Lava; snnc's delay d >= 1 is Lava's DelayDense delay d - 1,
and a projection whose delays are all 1 is a plain Dense):

  {"steps": 100,
   "populations": [
     {"name": "in", "size": 3, "model": "input"},
     {"name": "exc", "size": 2, "model": "lif",
      "params": {"du": 0, "dv": [2048, 100], "vth": 256, "bias_mant": 0,
                 "bias_exp": 0, "u": 0, "v": 0}}],
   "projections": [
     {"from": "in", "to": "exc", "weights": [[128, 0, -3], [0, 5, 7]],
      "delays": [[1, 1, 2], [1, 1, 1]], "weight_exp": 0, "weight_bits": 8,
      "sign_mode": null}],
   "input_spikes": [[0, "in", 0], [3, "in", 2]]}

Each LIF parameter is a number for the whole population or a list with one
value per neuron. (Lava's LIF holds du, dv and vth per process; its update
is element-wise, so per-neuron values are what one single-neuron LIF process
per neuron would compute.) sign_mode is "mixed", "excitatory", "inhibitory"
or null (derived from the weights, as Lava does). weight_bits defaults to 8,
weight_exp to 0, delays to 1.

Outputs are snnc's formats: spikes "step,population,index" of every LIF
population (sorted by step, population in file order, index), and the trace
"step,population,index,u,v" of every LIF neuron after every step (v after
the reset). --report writes counters of the places where Lava's arithmetic
leaves the ground snnc shares with it (see README.md).
"""

import argparse
import collections
import enum
import json
import random
import sys

import numpy as np


# ---------------------------------------------------------------------------
# Weight preparation: lava/utils/weightutils.py
# ---------------------------------------------------------------------------

class SignMode(enum.Enum):
    """Mirrors weightutils.SignMode."""
    NULL = 0
    MIXED = 1
    EXCITATORY = 2
    INHIBITORY = 3


SIGN_MODES = {"mixed": SignMode.MIXED, "excitatory": SignMode.EXCITATORY,
              "inhibitory": SignMode.INHIBITORY}


def determine_sign_mode(weights):
    """Mirrors weightutils.determine_sign_mode: excitatory when no weight is
    negative (an all-zero matrix too), inhibitory when none is positive,
    mixed otherwise. Lava looks at the weights as given, before clipping."""
    if weights.min() >= 0:
        return SignMode.EXCITATORY
    if weights.max() <= 0:
        return SignMode.INHIBITORY
    return SignMode.MIXED


def clip_weights(weights, sign_mode, num_bits):
    """Mirrors weightutils.clip_weights: inhibitory weights are clipped on
    their negation; the lower bound is -2^num_bits only for mixed weights."""
    mixed = sign_mode == SignMode.MIXED
    inhibitory = sign_mode == SignMode.INHIBITORY
    w = weights.astype(np.int32)
    if inhibitory:
        w = -w
    lo = -(2 ** num_bits) if mixed else 0
    hi = 2 ** num_bits - 1
    w = np.clip(w, lo, hi)
    if inhibitory:
        w = -w
    return w


def truncate_weights(weights, sign_mode, num_weight_bits, max_num_weight_bits=8):
    """Mirrors weightutils.truncate_weights: drop the low bits the weight
    width does not keep (one more for mixed weights, whose sign takes a bit)
    with an arithmetic shift pair, on the negation for inhibitory weights."""
    w = weights.astype(np.int32)
    inhibitory = sign_mode == SignMode.INHIBITORY
    if inhibitory:
        w = -w
    k = max_num_weight_bits - num_weight_bits + (1 if sign_mode == SignMode.MIXED else 0)
    w = np.left_shift(np.right_shift(w, k), k)
    if inhibitory:
        w = -w
    return w


def scale_by_weight_exp(a_accum, weight_exp):
    """The shift Lava's bit-accurate Dense and DelayDense apply to the summed
    activation of one projection (per delay slot for DelayDense): left for a
    positive exponent, arithmetic right (a floor) otherwise."""
    if weight_exp > 0:
        return np.left_shift(a_accum, weight_exp)
    return np.right_shift(a_accum, -weight_exp)


# ---------------------------------------------------------------------------
# Message passing: channels and dense vector ports
# ---------------------------------------------------------------------------

class Channel:
    """A CSP channel between an out port and an in port. Lava builds its
    buffer with the sending port's d_type (ChannelBuilderMp uses the source
    port initializer), so a message is cast to that type on send. The queue
    is unbounded here; under the LoihiProtocol a process never runs more
    than one time step ahead, so Lava's bounded queue never fills either."""

    def __init__(self, dtype):
        self.dtype = dtype
        self.queue = collections.deque()
        self.sent = 0

    def send(self, data):
        self.queue.append(np.array(data).astype(self.dtype))
        self.sent += 1

    def probe(self):
        return len(self.queue) > 0

    def recv(self):
        return self.queue.popleft()


class OutPort:
    """Mirrors PyOutPortVectorDense: send the vector on every channel."""

    def __init__(self, shape, dtype):
        self.shape = shape
        self.dtype = dtype
        self.channels = []

    def send(self, data):
        for ch in self.channels:
            ch.send(data)


class InPort:
    """Mirrors PyInPortVectorDense: recv blocks until every connected channel
    holds a message, then returns their sum, starting from zeros of the
    receiving port's d_type (so NumPy's type promotion decides the result's
    type, as in Lava). recv is a generator: `x = yield from port.recv()`."""

    def __init__(self, shape, dtype):
        self.shape = shape
        self.dtype = dtype
        self.channels = []

    def recv(self):
        while not all(ch.probe() for ch in self.channels):
            yield "blocked"
        acc = np.zeros(self.shape, self.dtype)
        for ch in self.channels:
            acc = acc + ch.recv()
        return acc


def connect(out_port, in_port):
    ch = Channel(out_port.dtype)
    out_port.channels.append(ch)
    in_port.channels.append(ch)
    return ch


class Diagnostics:
    """Counts where Lava's arithmetic leaves the ground snnc shares with it,
    so that a comparison can tell a documented difference from a bug."""

    def __init__(self):
        self.counts = collections.Counter()
        self.first = {}

    def note(self, kind, where):
        """where = [snnc step at which the effect reaches a neuron, ...];
        first keeps the earliest of them."""
        self.counts[kind] += 1
        if kind not in self.first or where[0] < self.first[kind][0]:
            self.first[kind] = where


# ---------------------------------------------------------------------------
# Processes
# ---------------------------------------------------------------------------

class SpikeSource:
    """Plays the part of a spike generator such as lava.proc.io.source's
    RingBuffer or the VecSendProcess of Lava's own LIF and Dense tests: at
    Lava time step ts it sends the spikes listed for snnc step ts - 1."""

    def __init__(self, name, size, spikes_by_step):
        self.name = name
        self.size = size
        self.spikes_by_step = spikes_by_step  # snnc step -> list of indices
        self.s_out = OutPort((size,), np.bool_)

    def run_spk(self, time_step):
        s = np.zeros(self.size, dtype=np.bool_)
        for i in self.spikes_by_step.get(time_step - 1, ()):
            s[i] = True
        self.s_out.send(s)
        return
        yield  # a generator, like every run_spk here


class LIFBitAcc:
    """Mirrors lava.proc.lif.models.PyLifModelBitAcc and its base
    AbstractPyLifModelFixed, with their variable types: u, v int32 (24-bit
    values), du, dv uint16 (12-bit), bias_mant, bias_exp int16, vth int32;
    the a_in port is a dense int16 port, s_out a dense int32 port."""

    # AbstractPyLifModelFixed.__init__
    ds_offset = 1          # added to du: the current decays by (du + 1)/4096
    dm_offset = 0          # added to dv
    uv_bitwidth = 24
    max_uv_val = 2 ** (uv_bitwidth - 1)
    decay_shift = 12
    decay_unity = 2 ** decay_shift
    vth_shift = 6
    act_shift = 6

    def __init__(self, name, size, du, dv, vth, bias_mant, bias_exp, u, v, diag):
        self.name = name
        self.size = size
        self.du = du.astype(np.uint16)
        self.dv = dv.astype(np.uint16)
        self.vth = vth.astype(np.int32)
        self.bias_mant = bias_mant.astype(np.int16)
        self.bias_exp = bias_exp.astype(np.int16)
        self.u = u.astype(np.int32)
        self.v = v.astype(np.int32)
        self.a_in = InPort((size,), np.int16)
        self.s_out = OutPort((size,), np.int32)
        self.isthrscaled = False
        self.effective_bias = 0
        self.effective_vth = 0
        self.diag = diag
        self.time_step = 0

    def scale_bias(self):
        """AbstractPyLifModelFixed.scale_bias: bias_mant << bias_exp in int32
        (a right shift for a negative exponent, which snnc does not allow)."""
        mant = self.bias_mant.astype(np.int32)
        self.effective_bias = np.where(self.bias_exp >= 0,
                                       np.left_shift(mant, np.maximum(self.bias_exp, 0)),
                                       np.right_shift(mant, np.maximum(-self.bias_exp, 0)))

    def scale_threshold(self):
        """PyLifModelBitAcc.scale_threshold: vth << vth_shift, once."""
        self.effective_vth = np.left_shift(self.vth, self.vth_shift)
        self.isthrscaled = True

    @staticmethod
    def decay(x, factor, shift):
        """x * factor / 2^shift rounded toward zero: the product in int64,
        then sign(p) * (|p| >> shift), back to int32 — Lava's formulation."""
        p = x.astype(np.int64) * factor.astype(np.int64)
        return (np.sign(p) * np.right_shift(np.abs(p), shift)).astype(np.int32)

    def subthr_dynamics(self, activation_in):
        """AbstractPyLifModelFixed.subthr_dynamics."""
        # Current: decay, add the input aligned by act_shift, wrap.
        decay_const_u = self.du.astype(np.int64) + self.ds_offset
        decayed_curr = self.decay(self.u, self.decay_unity - decay_const_u, self.decay_shift)
        activation = np.left_shift(activation_in, self.act_shift)
        exact = decayed_curr.astype(np.int64) + np.left_shift(activation_in.astype(np.int64), self.act_shift)
        decayed_curr = (decayed_curr + activation).astype(np.int32)  # int32, as in Lava
        # Lava's wrap: subtract 2^24 once above +2^23; add 2^24 once (to the
        # unwrapped value) at or below -2^23.
        m = self.max_uv_val
        wrapped = np.where(decayed_curr > m, decayed_curr - 2 * m, decayed_curr)
        wrapped = np.where(wrapped <= -m, decayed_curr + 2 * m, wrapped)
        self._diagnose_current(exact, decayed_curr, wrapped)
        self.u[:] = wrapped
        # Voltage: decay, add the new current and the bias, clip.
        decay_const_v = self.dv.astype(np.int64) + self.dm_offset
        decayed_volt = self.decay(self.v, self.decay_unity - decay_const_v, self.decay_shift)
        neg_limit = -np.int32(m) + 1
        pos_limit = np.int32(m) - 1
        updated = decayed_volt + self.u + self.effective_bias
        n = int(np.count_nonzero((updated < neg_limit) | (updated > pos_limit)))
        if n:
            self.diag.counts["v_clipped"] += n
        self.v[:] = np.clip(updated, neg_limit, pos_limit)

    def _diagnose_current(self, exact, int32_sum, lava_wrapped):
        """Record where Lava's current differs from plain 24-bit two's
        complement of the exact sum (snnc's wrap24), and why."""
        for i in np.nonzero(exact != int32_sum.astype(np.int64))[0]:
            self.diag.note("int32_overflow", [self.time_step - 1, self.name, int(i), int(exact[i])])
        wrap24 = ((exact + (1 << 23)) & ((1 << 24) - 1)) - (1 << 23)
        for i in np.nonzero(wrap24 != lava_wrapped.astype(np.int64))[0]:
            self.diag.note("wrap_differs", [self.time_step - 1, self.name, int(i), int(exact[i])])
        n = int(np.count_nonzero(exact != wrap24))
        if n:
            self.diag.counts["wraps"] += n

    def spiking_activation(self):
        """PyLifModelBitAcc.spiking_activation: strictly above threshold."""
        return self.v > self.effective_vth

    def reset_voltage(self, spike_vector):
        """AbstractPyLifModelFixed.reset_voltage: v <- 0 where it spiked."""
        self.v[spike_vector] = 0

    def run_spk(self, time_step):
        """AbstractPyLifModelFixed.run_spk."""
        self.time_step = time_step
        a_in_data = yield from self.a_in.recv()
        self.scale_bias()
        if not self.isthrscaled:
            self.scale_threshold()
        self.subthr_dynamics(a_in_data)
        self.s_out_buff = self.spiking_activation()
        self.reset_voltage(self.s_out_buff)
        self.s_out.send(self.s_out_buff)


class DenseBitAcc:
    """Mirrors lava.proc.dense.models.PyDenseModelBitAcc (the body is in
    AbstractPyDenseModelBitAcc): weights int32 [n_out, n_in], a_buff int32
    [n_out]; binary spikes in (num_message_bits = 0), int32 activations out."""

    def __init__(self, name, weights, weight_exp, num_weight_bits, sign_mode, diag):
        self.name = name
        self.weights = weights.astype(np.int32)
        self.weight_exp = weight_exp
        self.num_weight_bits = num_weight_bits
        self.sign_mode = sign_mode
        self.weights_set = False
        n_out, n_in = weights.shape
        self.a_buff = np.zeros(n_out, dtype=np.int32)
        self.s_in = InPort((n_in,), np.bool_)
        self.a_out = OutPort((n_out,), np.int32)
        self.diag = diag

    def prepare_weights(self):
        """First run_spk: the sign mode as given or derived, clip to 8 bits,
        then truncate to num_weight_bits."""
        sign_mode = self.sign_mode or determine_sign_mode(self.weights)
        self.weights = clip_weights(self.weights, sign_mode, num_bits=8)
        self.weights = truncate_weights(self.weights, sign_mode, self.num_weight_bits)
        self.weights_set = True

    def scaled(self, a_accum, time_step):
        if self.weight_exp < 0:
            lossy = np.nonzero(a_accum % (1 << -self.weight_exp))
            if len(lossy[0]):
                # The floored activation reaches the LIF at snnc step
                # time_step + k for delay slot k (column k of a 2-D buffer).
                k = int(lossy[1].min()) if a_accum.ndim == 2 else 0
                self.diag.note("weight_exp_floor", [time_step + k, self.name, int(len(lossy[0]))])
        return scale_by_weight_exp(a_accum, self.weight_exp)

    def run_spk(self, time_step):
        if not self.weights_set:
            self.prepare_weights()
        # The activation sent now was accumulated from the previous time
        # step's spikes: this is what makes a spike arrive one step later,
        # and what lets recurrent networks run without deadlock.
        self.a_out.send(self.a_buff)
        s_in = (yield from self.s_in.recv()).astype(bool)
        a_accum = self.weights[:, s_in].sum(axis=1)
        self.a_buff = self.scaled(a_accum, time_step)


class DelayDenseBitAcc(DenseBitAcc):
    """Mirrors lava.proc.dense.models.PyDelayDenseModelBitAcc with
    AbstractPyDelayDenseModel: a_buff is [n_out, max_delay + 1]; column 0 is
    sent each step, a spike through a synapse of delay k lands in column k
    and so arrives k + 1 steps after it was sent."""

    def __init__(self, name, weights, delays, weight_exp, num_weight_bits, sign_mode, diag):
        super().__init__(name, weights, weight_exp, num_weight_bits, sign_mode, diag)
        self.delays = delays.astype(np.int32)
        self.max_delay = int(self.delays.max())
        self.a_buff = np.zeros((weights.shape[0], self.max_delay + 1), dtype=np.int32)

    @staticmethod
    def get_delay_wgts_mat(weights, delays, max_delay):
        """AbstractPyDelayDenseModel.get_delay_wgts_mat: the weights of
        delay k, for k = 0..max_delay, stacked vertically."""
        return np.vstack([np.where(delays == k, weights, 0) for k in range(max_delay + 1)])

    def calc_act(self, s_in):
        """AbstractPyDelayDenseModel.calc_act: the summed activation per
        target and delay, as an [n_out, max_delay + 1] matrix."""
        n_out = self.weights.shape[0]
        stacked = self.get_delay_wgts_mat(self.weights, self.delays, self.max_delay)
        per_row = np.sum(stacked * s_in, axis=1)
        return np.reshape(per_row, (self.max_delay + 1, n_out)).T

    def run_spk(self, time_step):
        if not self.weights_set:
            self.prepare_weights()
            if self.max_delay > 63:
                raise ValueError("DelayDense delays above 63 are rejected by Lava")
        self.a_out.send(self.a_buff[:, 0])
        s_in = (yield from self.s_in.recv()).astype(bool)
        a_accum = self.calc_act(s_in)
        # Clear the column just sent, then shift every column one to the
        # left. Lava rolls the flattened buffer by -1: the last column of a
        # row receives the first element of the next row, which is the zero
        # just written, so this is a per-row shift.
        self.a_buff[:, 0] = 0
        self.a_buff = np.roll(self.a_buff, -1)
        self.a_buff = self.a_buff + self.scaled(a_accum, time_step)


# ---------------------------------------------------------------------------
# The runtime: every process runs run_spk once per time step
# ---------------------------------------------------------------------------

class Runtime:
    """Runs each process's run_spk once per time step, switching between
    them whenever one blocks on an empty in port, as Lava's processes block
    on their channels. The result does not depend on the order in which
    runnable processes are picked (shuffle checks that)."""

    def __init__(self, processes, shuffle_seed=None):
        self.processes = processes
        self.rng = random.Random(shuffle_seed) if shuffle_seed is not None else None
        self.time_step = 0

    def _channels(self):
        for p in self.processes:
            for port in vars(p).values():
                if isinstance(port, OutPort):
                    yield from port.channels

    def run_step(self):
        self.time_step += 1
        order = list(self.processes)
        if self.rng is not None:
            self.rng.shuffle(order)
        pending = [(p, p.run_spk(self.time_step)) for p in order]
        while pending:
            before = sum(ch.sent for ch in self._channels())
            still = []
            for p, gen in pending:
                try:
                    next(gen)
                    still.append((p, gen))
                except StopIteration:
                    pass
            after = sum(ch.sent for ch in self._channels())
            if still and len(still) == len(pending) and after == before:
                names = ", ".join(getattr(p, "name", type(p).__name__) for p, _ in still)
                raise RuntimeError("deadlock at time step %d: %s" % (self.time_step, names))
            pending = still
        for ch in self._channels():
            if ch.queue:
                raise RuntimeError("a message was left unread at time step %d" % self.time_step)


# ---------------------------------------------------------------------------
# Building a network from the JSON description
# ---------------------------------------------------------------------------

LIF_DEFAULTS = {"du": 0, "dv": 0, "bias_mant": 0, "bias_exp": 0, "u": 0, "v": 0}


def per_neuron(params, key, size, where):
    if key in params:
        val = params[key]
    elif key in LIF_DEFAULTS:
        val = LIF_DEFAULTS[key]
    else:
        raise ValueError("%s: missing parameter %s" % (where, key))
    if isinstance(val, list):
        if len(val) != size:
            raise ValueError("%s: %s has %d values, expected %d" % (where, key, len(val), size))
        return np.array(val, dtype=np.int64)
    return np.full(size, int(val), dtype=np.int64)


def build(desc, diag):
    pops = {}
    order = []
    steps_spikes = collections.defaultdict(lambda: collections.defaultdict(list))
    for s in (desc.get("input_spikes") or []):
        step, pop, idx = int(s[0]), s[1], int(s[2])
        steps_spikes[pop][step].append(idx)
    for p in desc["populations"]:
        name, size, model = p["name"], int(p["size"]), p["model"]
        if name in pops:
            raise ValueError("duplicate population %s" % name)
        if model == "input":
            proc = SpikeSource(name, size, dict(steps_spikes.get(name, {})))
        elif model == "lif":
            prm = p.get("params", {})
            if "refractory" in prm and any(per_neuron(prm, "refractory", size, name)):
                raise ValueError("%s: Lava's PyLifModelBitAcc has no refractory period" % name)
            vals = {k: per_neuron(prm, k, size, name)
                    for k in ("du", "dv", "vth", "bias_mant", "bias_exp", "u", "v")}
            proc = LIFBitAcc(name, size, diag=diag, **vals)
        else:
            raise ValueError("%s: unknown model %s" % (name, model))
        pops[name] = proc
        order.append(proc)
    for pop, by_step in steps_spikes.items():
        proc = pops.get(pop)
        if not isinstance(proc, SpikeSource):
            raise ValueError("input spike for %s, which is not an input population" % pop)
        for idxs in by_step.values():
            for i in idxs:
                if not 0 <= i < proc.size:
                    raise ValueError("input spike for %s[%d] out of range" % (pop, i))
    conns = []
    for k, pr in enumerate((desc.get("projections") or [])):
        src, dst = pops[pr["from"]], pops[pr["to"]]
        if not isinstance(dst, LIFBitAcc):
            raise ValueError("projection %d: target %s is not a lif population" % (k, pr["to"]))
        w = np.array(pr["weights"], dtype=np.int64).reshape(dst.size, src.size)
        d = pr.get("delays", 1)
        d = np.array(d, dtype=np.int64) if isinstance(d, list) else np.full(w.shape, int(d), dtype=np.int64)
        d = d.reshape(w.shape)
        if d.min() < 1:
            raise ValueError("projection %d: delays must be >= 1 (snnc's count)" % k)
        sm = pr.get("sign_mode")
        sign_mode = SIGN_MODES[sm] if sm is not None else None
        name = pr.get("name", "%s_%s_%d" % (pr["from"], pr["to"], k))
        exp = int(pr.get("weight_exp", 0))
        bits = int(pr.get("weight_bits", 8))
        if d.max() == 1:
            conn = DenseBitAcc(name, w, exp, bits, sign_mode, diag)
        else:
            conn = DelayDenseBitAcc(name, w, d - 1, exp, bits, sign_mode, diag)
        connect(src.s_out, conn.s_in)
        connect(conn.a_out, dst.a_in)
        conns.append(conn)
    return order, conns


def run(desc, steps, shuffle_seed=None):
    diag = Diagnostics()
    pops, conns = build(desc, diag)
    runtime = Runtime(pops + conns, shuffle_seed)
    lifs = [p for p in pops if isinstance(p, LIFBitAcc)]
    spikes, trace = [], []
    for step in range(steps):
        runtime.run_step()
        for p in lifs:
            for i in np.nonzero(p.s_out_buff)[0]:
                spikes.append("%d,%s,%d\n" % (step, p.name, i))
        for p in lifs:
            for i in range(p.size):
                trace.append("%d,%s,%d,%d,%d\n" % (step, p.name, i, p.u[i], p.v[i]))
    return spikes, trace, diag


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("net", help="network description (JSON)")
    ap.add_argument("--spikes", required=True, help="write the LIF spikes here (CSV)")
    ap.add_argument("--trace", help="write u and v of every LIF neuron after every step here (CSV)")
    ap.add_argument("--report", help="write counters of Lava-specific arithmetic events here (JSON)")
    ap.add_argument("--steps", type=int, help="number of steps (default: the description's steps)")
    ap.add_argument("--shuffle", type=int, help="run the processes of a step in an order shuffled with this seed")
    args = ap.parse_args(argv)
    with open(args.net) as f:
        desc = json.load(f)
    steps = args.steps if args.steps is not None else int(desc["steps"])
    spikes, trace, diag = run(desc, steps, args.shuffle)
    with open(args.spikes, "w") as f:
        f.write("step,population,index\n")
        f.writelines(spikes)
    if args.trace:
        with open(args.trace, "w") as f:
            f.write("step,population,index,u,v\n")
            f.writelines(trace)
    if args.report:
        with open(args.report, "w") as f:
            json.dump({"spikes": len(spikes), "counts": dict(diag.counts), "first": diag.first}, f, indent=1)
            f.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
