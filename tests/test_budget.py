"""The shared budget: a window that no late event loop can overrun, replies before the
broadcast, broadcast sends spaced, and the leases that keep several instances within it."""

from __future__ import annotations

import asyncio
import random
import time

import pytest

from tgbot.config import Settings
from tgbot.delivery.budget import (
    BURST,
    HANDOVER,
    LEASE_GRACE,
    LEASE_MIN,
    Budget,
    Priority,
    ReplyLease,
    SlidingWindow,
)
from tgbot.delivery.instances import Instance
from tgbot.errors import ConfigError
from tgbot.storage.store import Store

WINDOW = 0.2  # a short window keeps the tests quick; the rule is the same at 1 s


def most_in_a_window(times: list[float], window: float) -> int:
    times, most, first = sorted(times), 0, 0
    for last, at in enumerate(times):
        while at - times[first] >= window:
            first += 1
        most = max(most, last - first + 1)
    return most


async def test_no_window_sees_more_than_capacity_when_the_loop_runs_late() -> None:
    """Requests arrive at a random moment between start and answer; the event loop is
    blocked again and again (a loaded machine): the server still never counts more."""
    window, arrivals = SlidingWindow(10, WINDOW), []
    rng = random.Random(7)

    async def request() -> None:
        await asyncio.sleep(rng.uniform(0, 0.03))
        arrivals.append(time.monotonic())  # the server counts it now
        await asyncio.sleep(rng.uniform(0, 0.03))

    async def stalls() -> None:
        for _ in range(20):
            await asyncio.sleep(rng.uniform(0.01, 0.05))
            time.sleep(rng.uniform(0.02, 0.08))  # noqa: ASYNC251 - the loop stalls meanwhile

    await asyncio.gather(stalls(), *(window.run(rng.choice(list(Priority)), request)
                                     for _ in range(150)))
    assert len(arrivals) == 150
    assert most_in_a_window(arrivals, WINDOW) <= 10


async def test_a_waiting_reply_gets_the_next_slot_before_the_broadcast() -> None:
    window, order = SlidingWindow(2, WINDOW), []

    def request(name: str):  # noqa: ANN202
        async def send() -> None:
            order.append(name)
        return send

    broadcast = [asyncio.create_task(window.run(Priority.BROADCAST, request(f"b{i}")))
                 for i in range(6)]
    await asyncio.sleep(0.01)
    reply = asyncio.create_task(window.run(Priority.REPLY, request("reply")))
    await asyncio.gather(reply, *broadcast)
    assert order.index("reply") <= 2  # after at most the two broadcast sends in the slots


async def test_broadcast_sends_are_spaced_not_bursty() -> None:
    """A broadcast of 40 over a window of 20: starts spread over the window, so slots come
    free one by one, not all at once."""
    window, starts = SlidingWindow(20, WINDOW), []

    async def send() -> None:
        starts.append(time.monotonic())

    began = time.monotonic()
    await asyncio.gather(*(window.run(Priority.BROADCAST, send) for _ in range(40)))
    early = [at for at in starts if at - began < WINDOW / 2]
    assert len(early) <= 20 * (0.5 + BURST) + 1  # not the whole window's worth at once
    assert most_in_a_window(starts, WINDOW) <= 20


def test_a_larger_lease_waits_for_the_sender_and_a_smaller_one_does_not() -> None:
    now = [0.0]
    lease = ReplyLease(clock=lambda: now[0])
    assert lease.beat() == LEASE_MIN and lease.current == LEASE_MIN
    for i in range(5):  # five replies within one window
        now[0] = 1.0 + i * 0.01
        lease.count()
    asked = lease.beat()
    assert asked == 6 and lease.current == LEASE_MIN  # recorded now, used later
    now[0] += LEASE_GRACE + 0.1
    assert lease.beat() >= 6 and lease.current == 6
    now[0] += 20.0  # quiet again
    assert lease.beat() == LEASE_MIN and lease.current == LEASE_MIN


def test_a_newcomer_beside_others_asks_for_its_first_lease_like_for_a_larger_one() -> None:
    now = [0.0]
    newcomer = ReplyLease(clock=lambda: now[0], current=0)
    assert newcomer.beat() == LEASE_MIN and newcomer.current == 0  # recorded, not used
    now[0] += LEASE_GRACE
    assert newcomer.beat() == LEASE_MIN and newcomer.current == LEASE_MIN
    push = ReplyLease(clock=lambda: now[0], least=0, current=0)  # `tgbot push` never replies
    assert push.beat() == 0 and push.current == 0


def test_a_larger_lease_is_used_once_a_newer_heartbeat_of_the_sender_read_it() -> None:
    now = [0.0]
    lease = ReplyLease(clock=lambda: now[0], current=0)
    assert lease.beat() == LEASE_MIN
    assert not lease.read(("sender", 100.0))  # read right after recording the ask
    now[0] += 1.0
    lease.beat()
    assert not lease.read(("sender", 100.0))  # the sender has not beaten since
    now[0] += 1.0
    lease.beat()
    assert lease.read(("sender", 102.0))  # it has, and read the instances after it
    assert lease.current == 0  # its slots beyond its new share come free meanwhile
    now[0] += HANDOVER
    lease.settle()
    assert lease.current == LEASE_MIN and now[0] < LEASE_GRACE


async def test_a_new_sender_keeps_its_lease_for_the_handover() -> None:
    budget = Budget(30)
    budget.set_sending(False, 0)
    assert budget.window.capacity == LEASE_MIN
    budget.set_sending(True, 3)
    assert budget.window.capacity == LEASE_MIN  # the sender before may still count
    await asyncio.sleep(HANDOVER + 0.05)
    assert budget.window.capacity == 30 - 3
    budget.set_sending(False, 3)
    assert budget.window.capacity == LEASE_MIN
    budget.set_sending(True, 3, handover=0.0)  # nobody sent a moment ago
    assert budget.window.capacity == 30 - 3


async def test_a_new_sender_waits_only_as_long_as_the_sender_before_may_still_count(
        database: str) -> None:
    """A database's first sender takes the whole budget at once. After a sender stops
    cleanly, the next keeps its lease for what remains of HANDOVER since then; beside any
    other live instance (a sender killed, its heartbeat still fresh) for all of it."""
    wall = [1_000.0]
    store = await Store.open(database)

    async def new_sender() -> Instance:
        instance = Instance(store, Budget(30), wall=lambda: wall[0])
        await instance.join()
        assert await instance.is_sender()
        return instance

    try:
        first = await new_sender()
        assert first.budget is not None and first.budget.window.capacity == 30
        await first.leave()
        wall[0] += HANDOVER / 2  # the next one starts half a handover later
        second = await new_sender()
        assert second.budget is not None and second.budget.window.capacity == LEASE_MIN
        await asyncio.sleep(HANDOVER / 2 + 0.1)
        assert second.budget.window.capacity == 30  # only the half that remained
        await second.leave()
        wall[0] += HANDOVER  # long after: the whole budget at once
        third = await new_sender()
        assert third.budget is not None and third.budget.window.capacity == 30
        await store.heartbeat("killed", started_at=wall[0], sending=True, reply_lease=0,
                              version="0", now=wall[0])
        await third.leave()
        wall[0] += 2 * HANDOVER  # the killed sender's heartbeat is still fresh
        fourth = await new_sender()
        assert fourth.budget is not None and fourth.budget.window.capacity < 30  # its lease
        await asyncio.sleep(HANDOVER / 2 + 0.1)
        assert fourth.budget.window.capacity < 30  # all of HANDOVER
        await fourth.leave()
    finally:
        await store.close()


@pytest.mark.parametrize("env", [{"TGBOT_RATE": "100"}, {"TGBOT_RATE": "2000",
                                                        "TGBOT_PAID_BROADCAST": "1"}])
def test_a_rate_above_telegrams_limits_is_refused(env: dict[str, str]) -> None:
    with pytest.raises(ConfigError, match="TGBOT_RATE"):
        Settings.from_env(env).check_rate()


def test_paid_broadcasts_allow_up_to_1000() -> None:
    Settings.from_env({"TGBOT_RATE": "1000", "TGBOT_PAID_BROADCAST": "1"}).check_rate()
