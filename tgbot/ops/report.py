"""What `tgbot status` prints, as plain text for an operator's terminal.

The instances on a database as their heartbeats tell it, who sends, the outbox backlog and
the last push.
"""

from __future__ import annotations

import datetime as dt

from tgbot.domain.campaign import Campaign
from tgbot.domain.instance import Instance
from tgbot.domain.outbox import OPEN_STATES, Kind
from tgbot.domain.stats import LastPush

# An instance whose heartbeat is older than this has probably stopped (the beat is 2 s).
STALE_AFTER = 30.0


def status_report(campaign: Campaign, instances: list[Instance],
                  depth: dict[tuple[str, str], int],
                  last_push: LastPush | None, version: str | None,
                  now: float) -> str:
    """The report from what the database holds; `now` dates the heartbeats."""
    lines = [f"campaign: {campaign.name} {campaign.edition} ({campaign.start_date} to "
             f"{campaign.end_date}), published version {version or '-'}"]
    # One process holds the lock at a time, and a process records that it sends only once
    # it holds the lock: of several that say so (one just died, another took over), the
    # newest heartbeat is the holder's.
    senders = [i for i in instances if i.sending and now - i.heartbeat_at <= STALE_AFTER]
    holder = max(senders, key=lambda i: i.heartbeat_at).instance_id if senders else None
    lines.append(f"sender lock: held by {holder}" if holder
                 else "sender lock: no running instance holds it")
    for kind in (Kind.PUSH, Kind.REMINDER, Kind.ANNOUNCEMENT):
        states = {state: n for (k, state), n in sorted(depth.items()) if k == kind}
        backlog = sum(states.get(state, 0) for state in OPEN_STATES)
        lines.append(f"outbox ({kind}): backlog {backlog}"
                     + "".join(f", {state} {n}" for state, n in states.items()))
    if last_push is None:
        lines.append("last push: none yet")
    else:
        lines.append(f"last push: day {last_push.day}, " + ", ".join(
            f"{state} {n}" for state, n in sorted(last_push.states.items())))
    lines.append(f"instances: {len(instances)}")
    for instance in instances:
        age = now - instance.heartbeat_at
        started = dt.datetime.fromtimestamp(instance.started_at, dt.UTC).strftime(
            "%Y-%m-%d %H:%M:%S")
        lines.append(f"  {instance.instance_id}  tgbot {instance.version or '?'}  started "
                     f"{started} UTC  last heartbeat {age:.0f} s ago  "
                     f"{_role(instance.instance_id, instance.sending, holder)}"
                     f"{'  (stale: stopped?)' if age > STALE_AFTER else ''}")
    return "\n".join(lines)


def _role(instance_id: str, sending: bool, holder: str | None) -> str:
    """What an instance does: an earlier sender's heartbeat still says it sends."""
    if not sending:
        return "standby"
    return "sends" if holder in (instance_id, None) else "sent until another took over"
