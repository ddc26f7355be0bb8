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
SPIN, YIELD, PARK, POLL = range(4)  # the same wait for both sides below


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
        seeds[f"overflow_{name}"] = [1, policy, PARK, PARK, 0] + ops
    # watermarks high 3, low 1 on capacity 4: climb, fall, and flap checks
    ops = []
    for _ in range(4):
        ops += [SEND, 0] + q(5)
    for _ in range(4):
        ops += [TRY_RECV, 0] + q(5, rx=True)
    seeds["pressure"] = [3, BLOCK, SPIN, SPIN, 0x80 | 3, 1] + ops
    # clones, then handles dropped in turn, queued values left behind
    ops = [CLONE_TX, 0, CLONE_RX, 0, SEND, 0, SEND, 1, SEND, 2, CLONE_TX, 1]
    ops += [DROP_TX, 0, SEND, 1, DROP_RX, 1] + q(4) + [DROP_RX, 0] + q(4) + q(7)
    ops += [SEND, 0, TRY_SEND, 1, DROP_TX, 0, DROP_TX, 0]
    seeds["clone_and_close"] = [5, DROP_OLDEST, YIELD, YIELD, 0] + ops
    # capacity 1, eviction with lag read by two consumers
    ops = [SEND, 0, SEND, 0, SEND, 0, CLONE_RX, 0] + q(2, rx=True, handle=0)
    ops += [SEND, 0] + q(2, rx=True, handle=1) + q(2, rx=True, handle=0) + [TRY_RECV_MANY, 0, 4]
    seeds["lagged"] = [0, DROP_OLDEST, PARK, PARK, 0] + ops
    return seeds


def concurrent_seeds():
    # [topology, overflow, producer wait, consumer wait, capacity | share
    # bits, shape, (mpmc role bits)] then per thread: op count, then
    # (opcode, arg) pairs. Shape: mpsc `1 + b % 3` producers and one
    # consumer, mpmc `2 + b % 3` threads. Share bits (mpsc/mpmc): thread i
    # (1 to 3) uses the handle of the nearest earlier thread of its role.
    P_SEND, P_TRY, P_T0, P_T50, P_BURST, P_NAP, P_QUERY, P_CLONE, P_TRY_SLICE, P_SLICE, \
        P_POLL = range(11)
    C_RECV, C_TRY, C_T0, C_T100, C_MANY, C_TRY_MANY, C_ITER, C_LAG, C_NAP, C_CLONE, C_DRAIN, \
        C_TRY_SLICE, C_SLICE, C_IN_PLACE, C_POLL = range(15)
    SLEEP = 0x80  # nap arg: sleep 100 us instead of yielding
    SHARE1, SHARE2, SHARE3 = 0x20, 0x40, 0x80  # capacity byte: thread 1, 2, 3 shares
    burst = [P_BURST, 15, P_BURST, 15, P_QUERY, 0, P_SEND, 0, P_CLONE, 0x81]
    drain = [C_RECV, 0, C_MANY, 3, C_LAG, 0, C_TRY, 0, C_DRAIN, 0]
    half = [C_RECV, 0, C_MANY, 3, C_LAG, 0]
    # batch sends of 8, 8 and 5 values, then single sends
    batch_burst = [P_SLICE, 7, P_TRY_SLICE, 7, P_SLICE, 4, P_QUERY, 0, P_BURST, 3, P_CLONE, 0x80]
    # every batch receive, then the rest
    batch_drain = [C_TRY_SLICE, 4, C_SLICE, 3, C_IN_PLACE, 4, C_TRY_MANY, 4, C_LAG, 0,
                   C_SLICE, 3, C_TRY_SLICE, 2, C_IN_PLACE, 2, C_DRAIN, 0]
    batch_recvs = [(C_TRY_SLICE, 4, "try_recv_slice"), (C_SLICE, 3, "recv_slice"),
                   (C_IN_PLACE, 4, "in_place"), (C_TRY_MANY, 4, "try_recv_many"),
                   (C_MANY, 3, "recv_many")]

    def threads(*scripts):
        body = []
        for t in scripts:
            assert len(t) // 2 < 25
            body += [len(t) // 2] + t
        return body

    seeds = {}
    for topo, tname in [(0, "spsc"), (1, "mpsc"), (2, "mpmc")]:
        for policy, pname in [(BLOCK, "block"), (DROP_NEWEST, "newest"), (DROP_OLDEST, "oldest")]:
            wait = PARK if policy == BLOCK else YIELD
            head = [topo, policy, wait, wait, 1, 1]
            if topo == 2:
                head.append(0b100)  # P, P, C
            seeds[f"{tname}_{pname}"] = head + threads(
                *([burst, burst, drain] if topo else [burst, drain]))
            # the same shapes with batch sends and batch receives
            seeds[f"{tname}_{pname}_batch"] = head + threads(
                *([batch_burst, burst, batch_drain] if topo else [batch_burst, batch_drain]))
    # a consumer that leaves early while producers still send (Block, Spin)
    seeds["mpmc_consumer_leaves"] = [2, BLOCK, SPIN, SPIN, 0, 1, 0b110, 5] + burst + [3] + half + [5] + drain

    # Three producers park in `send` on a full mpsc ring of 2 (Park); the
    # consumer sleeps until they have, takes the ring in one batch (which
    # must let two of them go on), then waits for the rest with `recv`.
    park = [P_BURST, 3, P_SEND, 0]
    for op, arg, name in batch_recvs:
        consumer = [C_NAP, SLEEP] * 4 + [op, arg] + [C_RECV, 0] * 6 + [C_NAP, SLEEP, op, arg] \
            + [C_RECV, 0] * 4 + [C_DRAIN, 0]
        seeds[f"mpsc_park3_{name}"] = [1, BLOCK, PARK, PARK, 1, 2] + threads(park, park, park, consumer)
    # The same, but checked: the consumer polls for a full ring after the
    # batch, taking nothing, so producers left asleep beside free slots are
    # a hang. P1 fills the ring of 2 and parks on its third value, P2 and P3
    # park on their only one; the batch frees two slots, so two must go on
    # and fill the ring again.
    late = [P_NAP, SLEEP, P_SEND, 0]
    for op, arg, name in batch_recvs:
        consumer = [C_NAP, SLEEP] * 4 + [op, arg, C_POLL, 0, C_RECV, 0, C_RECV, 0, C_DRAIN, 0]
        seeds[f"mpsc_park3_{name}_poll"] = [1, BLOCK, PARK, PARK, 1, 2] + threads(
            [P_SEND, 0] * 3, late, late, consumer)
    # On a ring of 4, P1 fills it and parks on its fifth value, P2 and P3
    # park on their only one: a batch of 4 must wake all three (a
    # `recv_slice` or `recv_many` that woke once for its first value and
    # once for the rest would still leave one asleep).
    for op, arg, name in batch_recvs:
        consumer = [C_NAP, SLEEP] * 4 + [op, arg, C_POLL, 0] + [C_RECV, 0] * 3 + [C_DRAIN, 0]
        seeds[f"mpsc_park3_cap4_{name}_poll"] = [1, BLOCK, PARK, PARK, 3, 2] + threads(
            [P_SEND, 0] * 5, late, late, consumer)
    # Producers sending in batches on a ring of 4, all parking.
    slices = [P_SLICE, 5, P_TRY_SLICE, 3, P_SLICE, 7]
    consumer = [C_NAP, SLEEP] * 4 + [C_TRY_SLICE, 4] + [C_RECV, 0] * 3 + [C_NAP, SLEEP] \
        + [C_IN_PLACE, 4, C_SLICE, 3] + [C_RECV, 0] * 3 + [C_DRAIN, 0]
    seeds["mpsc_park3_send_slice"] = [1, BLOCK, PARK, PARK, 3, 2] + threads(slices, slices, slices, consumer)
    # Three consumers park in `recv` on an empty mpmc ring of 4; one
    # producer's `send_slice` of 8 wakes them.
    producer = [P_NAP, SLEEP] * 4 + [P_SLICE, 7, P_NAP, SLEEP, P_SLICE, 3, P_TRY_SLICE, 3]
    waiter = [C_RECV, 0, C_RECV, 0, C_NAP, SLEEP, C_SLICE, 3, C_RECV, 0]
    seeds["mpmc_park3_send_slice"] = [2, BLOCK, PARK, PARK, 3, 2, 0b1110] + threads(
        producer, waiter, waiter, waiter + [C_DRAIN, 0])
    # The same, checked: each consumer takes one value, and a batch of 3
    # must wake all three, or the producer's poll for an empty ring hangs.
    seeds["mpmc_park3_send_slice_poll"] = [2, BLOCK, PARK, PARK, 3, 2, 0b1110] + threads(
        [P_NAP, SLEEP] * 4 + [P_SLICE, 2, P_POLL, 0], [C_RECV, 0], [C_RECV, 0], [C_RECV, 0])
    seeds["mpmc_park3_try_send_slice_poll"] = [2, BLOCK, PARK, PARK, 3, 2, 0b1110] + threads(
        [P_NAP, SLEEP] * 4 + [P_TRY_SLICE, 2, P_POLL, 0], [C_RECV, 0], [C_RECV, 0], [C_SLICE, 0])
    # two producers and two consumers, all parking, batches both ways
    seeds["mpmc_park2x2_batches"] = [2, BLOCK, PARK, PARK, 1, 2, 0b1010] + threads(
        slices + [P_BURST, 7], [C_NAP, SLEEP, C_TRY_SLICE, 4, C_RECV, 0, C_IN_PLACE, 4, C_SLICE, 3],
        slices + [P_SEND, 0], batch_drain)
    # DropOldest batch sends evict while a slow consumer lags
    seeds["mpsc_oldest_send_slice_lag"] = [1, DROP_OLDEST, PARK, PARK, 1, 2] + threads(
        slices, slices, slices, [C_NAP, SLEEP, C_LAG, 0, C_TRY_SLICE, 4, C_LAG, 0] + batch_drain)

    # Shared handles (`&` calls from several threads on one handle; batch
    # calls on a clone made for the call).
    for policy, pname in [(BLOCK, "block"), (DROP_NEWEST, "newest"), (DROP_OLDEST, "oldest")]:
        wait = PARK if policy == BLOCK else YIELD
        # three mpsc producers on one handle
        seeds[f"mpsc_shared3_{pname}"] = [1, policy, wait, wait, 1 | SHARE1 | SHARE2, 2] + threads(
            burst, batch_burst, burst, drain)
        # mpmc: P0 and P1 on one producer handle, C2 and C3 on one consumer
        seeds[f"mpmc_shared2x2_{pname}"] = [2, policy, wait, wait, 1 | SHARE1 | SHARE3, 2, 0b1100] \
            + threads(burst, batch_burst, batch_drain, half + drain)
    # As mpsc_park3_*_poll, the three producers parked through one handle.
    for op, arg, name in batch_recvs:
        consumer = [C_NAP, SLEEP] * 4 + [op, arg, C_POLL, 0, C_RECV, 0, C_RECV, 0, C_DRAIN, 0]
        seeds[f"mpsc_park3_shared_{name}_poll"] = [1, BLOCK, PARK, PARK, 1 | SHARE1 | SHARE2, 2] \
            + threads([P_SEND, 0] * 3, late, late, consumer)
    # As mpmc_park3_send_slice_poll, the three consumers parked in `recv`
    # through one handle: a batch of 3 must wake all three.
    seeds["mpmc_park3_shared_send_slice_poll"] = [2, BLOCK, PARK, PARK, 3 | SHARE2 | SHARE3, 2,
                                                  0b1110] + threads(
        [P_NAP, SLEEP] * 4 + [P_SLICE, 2, P_POLL, 0], [C_RECV, 0], [C_RECV, 0], [C_RECV, 0])
    # P0 and P1 on handles of their own, P2 on P1's; DropOldest evicts while
    # the consumer lags.
    seeds["mpsc_oldest_shared_send_slice_lag"] = [1, DROP_OLDEST, PARK, PARK, 1 | SHARE2, 2] \
        + threads(slices + [P_BURST, 7], slices, [P_BURST, 15, P_CLONE, 0x81] + slices,
                  [C_NAP, SLEEP, C_LAG, 0, C_TRY_SLICE, 4, C_LAG, 0] + batch_drain)
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
