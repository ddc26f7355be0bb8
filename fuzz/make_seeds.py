#!/usr/bin/env python3
"""Writes the small seed corpora under fuzz/corpus/<target>/.

Byte layouts are documented in src/model.rs and src/concurrent.rs. Run from
anywhere: `python3 fuzz/make_seeds.py`. Re-running rewrites the same files.
"""
import os

HERE = os.path.dirname(os.path.abspath(__file__))

# model opcodes (byte % 16)
SEND, TRY_SEND, SEND_T0, SEND_TMAX, TRY_RECV, RECV, RECV_T0, RECV_TMAX, \
    RECV_MANY, TRY_RECV_MANY, ITER, DROP_TX, DROP_RX, CLONE_TX, CLONE_RX, QUERY = range(16)
BLOCK, DROP_NEWEST, DROP_OLDEST = range(3)
SPIN, YIELD, PARK = range(3)


def q(question, rx=False, handle=0):
    """A query op: question 0 len, 1 is_empty, 2 is_full/lagged, 3 capacity,
    4 is_closed, 5 pressure, 7 stats."""
    return [QUERY, (0x80 if rx else 0) | (question << 2) | handle]


def model_seeds():
    seeds = {}
    for policy, name in [(BLOCK, "block"), (DROP_NEWEST, "newest"), (DROP_OLDEST, "oldest")]:
        ops = []
        for _ in range(4):  # overflow a capacity-2 ring
            ops += [SEND, 0]
        ops += q(7) + q(2) + q(5) + q(2, rx=True)
        ops += [TRY_SEND, 0, SEND_T0, 0, SEND_TMAX, 0]
        ops += [RECV, 0, RECV_MANY, 0, 3, TRY_RECV, 0, RECV_T0, 0]
        ops += q(7, rx=True) + q(5, rx=True)
        ops += [DROP_TX, 0, RECV, 0, RECV_TMAX, 0, ITER, 0, 5] + q(4, rx=True)
        seeds[f"overflow_{name}"] = [1, policy, PARK, 0] + ops
    # watermarks high 3, low 1 on capacity 4: climb, fall, and flap checks
    ops = []
    for _ in range(4):
        ops += [SEND, 0] + q(5)
    for _ in range(4):
        ops += [TRY_RECV, 0] + q(5, rx=True)
    seeds["pressure"] = [3, BLOCK, SPIN, 0x80 | 3, 1] + ops
    # clones, then handles dropped in turn, queued values left behind
    ops = [CLONE_TX, 0, CLONE_RX, 0, SEND, 0, SEND, 1, SEND, 2, CLONE_TX, 1]
    ops += [DROP_TX, 0, SEND, 1, DROP_RX, 1] + q(4) + [DROP_RX, 0] + q(4) + q(7)
    ops += [SEND, 0, TRY_SEND, 1, DROP_TX, 0, DROP_TX, 0]
    seeds["clone_and_close"] = [5, DROP_OLDEST, YIELD, 0] + ops
    # capacity 1, eviction with lag read by two consumers
    ops = [SEND, 0, SEND, 0, SEND, 0, CLONE_RX, 0] + q(2, rx=True, handle=0)
    ops += [SEND, 0] + q(2, rx=True, handle=1) + q(2, rx=True, handle=0) + [TRY_RECV_MANY, 0, 4]
    seeds["lagged"] = [0, DROP_OLDEST, PARK, 0] + ops
    return seeds


def concurrent_seeds():
    # [topology, overflow, wait, capacity, shape, (mpmc role bits)] then per
    # thread: op count, then (opcode, arg) pairs.
    P_SEND, P_BURST, P_QUERY, P_CLONE = 0, 4, 6, 7
    C_RECV, C_TRY, C_MANY, C_LAG, C_DRAIN = 0, 1, 4, 7, 10
    burst = [P_BURST, 15, P_BURST, 15, P_QUERY, 0, P_SEND, 0, P_CLONE, 0x81]
    drain = [C_RECV, 0, C_MANY, 3, C_LAG, 0, C_TRY, 0, C_DRAIN, 0]
    half = [C_RECV, 0, C_MANY, 3, C_LAG, 0]
    seeds = {}
    for topo, tname in [(0, "spsc"), (1, "mpsc"), (2, "mpmc")]:
        for policy, pname in [(BLOCK, "block"), (DROP_NEWEST, "newest"), (DROP_OLDEST, "oldest")]:
            head = [topo, policy, PARK if policy == BLOCK else YIELD, 1, 1]
            if topo == 2:
                head.append(0b100)  # P, P, C
            threads = [burst, burst, drain] if topo else [burst, drain]
            body = []
            for t in threads:
                body += [len(t) // 2] + t
            seeds[f"{tname}_{pname}"] = head + body
    # a consumer that leaves early while producers still send (Block, Spin)
    seeds["mpmc_consumer_leaves"] = [2, BLOCK, SPIN, 0, 1, 0b110, 5] + burst + [3] + half + [5] + drain
    return seeds


def write(target, seeds):
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    for name, data in seeds.items():
        with open(os.path.join(d, name), "wb") as f:
            f.write(bytes(b & 0xFF for b in data))


for t in ["model_spsc", "model_mpsc", "model_mpmc"]:
    write(t, model_seeds())
write("concurrent", concurrent_seeds())
