"""The shift-start storm (issue 16): hundreds of event streams connecting at once and their agents
going ready within seconds, a stream that never reads among them. No stream is dropped, no request
fails, the queue's figures reach each seat a few times instead of once per change, and the stream
that does not read is told to resync instead of being ended (or ending others)."""
from __future__ import annotations

import asyncio
import time

import httpx
from sqlalchemy import select

from central import accounts, db
from central.events import MAX_PENDING, EventBroker
from central.routing import STATS_EVERY_S
from central.security import Claims, issue_access_token

STREAMS = 300


def test_a_stream_that_never_reads_is_told_to_resync_and_no_other_stream_is_touched():
    async def run() -> None:
        broker = EventBroker()
        left: list[int] = []
        broker.on_presence.append(lambda user, connected: None if connected else left.append(user))
        subs = [broker.subscribe(user, role="agent") for user in range(500)]
        slow, fast = subs[0], subs[1]
        seen_fast = []
        for i in range(3 * MAX_PENDING):
            broker.broadcast("missed_call", {"call_id": f"c{i}"})
            broker.broadcast("queue", {"waiting": i}, roles={"agent"})
            if i % 100 == 99:
                seen_fast += fast.take()
        seen_fast += fast.take()
        assert broker.connected() == 500 and not left and not any(s.closed for s in subs)
        assert [e.data["call_id"] for e in seen_fast if e.name == "missed_call"] == [f"c{i}" for i in range(3 * MAX_PENDING)]
        assert fast.overflows == 0 and "resync" not in {e.name for e in seen_fast}
        # the queue's figures: the newest only, whatever came before
        assert [e.data for e in seen_fast if e.name == "queue"][-1] == {"waiting": 3 * MAX_PENDING - 1}
        got = await slow.wait(1.0)
        assert slow.overflows == 2 and len([e for e in got if e.name == "missed_call"]) <= MAX_PENDING
        assert "resync" in {e.name for e in got}
        assert [e.data["waiting"] for e in got if e.name == "queue"] == [3 * MAX_PENDING - 1]
        # one event, one encoding, shared by every stream
        broker.broadcast("changes", {"seq": 7})
        frames = {id(s.take()[-1].frame) for s in subs[2:]}
        assert len(frames) == 1
    asyncio.run(run())


async def _agents(platform, count: int) -> list[str]:  # noqa: ANN001
    """`count` agents with a session each; their access tokens (no argon2: made by the platform's keys)."""
    async with platform.platform.db.write() as conn:
        tokens = []
        for i in range(count):
            name = f"storm_{i:04d}"
            if (await conn.execute(select(db.users.c.id).where(db.users.c.username == name))).first() is None:
                await accounts.create_user(conn, name, f"坐席 {i}", accounts.Role.agent, "!")
            user = (await conn.execute(select(db.users).where(db.users.c.username == name))).mappings().one()
            session = await accounts.start_session(conn, user["id"], f"ST-{i:04d}")
            claims = Claims(user["id"], name, "agent", f"ST-{i:04d}", int(time.time()) + 600, None, session)
            tokens.append(issue_access_token(platform.platform.keys, claims))
        return tokens


def test_three_hundred_seats_connect_and_go_ready_at_once_and_every_stream_stays(platform):
    tokens = platform.run_coroutine(_agents(platform, STREAMS))

    async def storm() -> dict:
        limits = httpx.Limits(max_connections=STREAMS + 20, max_keepalive_connections=STREAMS + 20)
        async with httpx.AsyncClient(base_url=platform.url, timeout=30.0, limits=limits) as client:
            frames: list[list[str]] = [[] for _ in tokens]
            opened = [asyncio.Event() for _ in tokens]
            stop = asyncio.Event()

            async def listen(i: int) -> None:
                headers = {"Authorization": f"Bearer {tokens[i]}"}
                async with client.stream("GET", "/api/v1/events", headers=headers) as r:
                    assert r.status_code == 200
                    async for line in r.aiter_lines():
                        if line.startswith("event: "):
                            frames[i].append(line[7:])
                            opened[i].set()
                        if stop.is_set() and len(frames[i]) >= 3:
                            return
                    frames[i].append("(ended by the platform)")

            listeners = [asyncio.create_task(listen(i)) for i in range(STREAMS)]
            await asyncio.wait_for(asyncio.gather(*(o.wait() for o in opened)), 60)
            before = [len(f) for f in frames]
            began = time.monotonic()
            statuses = await asyncio.gather(*(
                client.post("/api/v1/agent/state", json={"state": "ready"}, headers={"Authorization": f"Bearer {t}"})
                for t in tokens))
            await asyncio.sleep(1.5)  # two ticks of the queue's figures: they come on the platform's tick
            stop.set()
            # one more frame to each stream ends its listener: the figures of an agent going not ready
            await client.post("/api/v1/agent/state", json={"state": "not_ready"},
                              headers={"Authorization": f"Bearer {tokens[0]}"})
            done, pending = await asyncio.wait(listeners, timeout=30)
            elapsed = time.monotonic() - began
            for task in pending:
                task.cancel()
            return {"statuses": [r.status_code for r in statuses], "before": before, "frames": frames,
                    "elapsed": elapsed,
                    "failed": [t.exception() for t in done if t.exception() is not None], "pending": len(pending)}

    result = asyncio.run(storm())
    assert result["statuses"] == [200] * STREAMS
    assert result["failed"] == []
    # while 300 agents went ready, each stream heard the queue's figures at most once a tick, not
    # once per agent (300 frames each before issue 16)
    during = [f[b:].count("queue") for f, b in zip(result["frames"], result["before"], strict=True)]
    assert min(during) >= 1 and max(during) <= result["elapsed"] / STATS_EVERY_S + 2, (max(during), result["elapsed"])
    assert all(f.count("agent") >= 2 for f in result["frames"])  # its own state: offline, then ready
    names = {name for f in result["frames"] for name in f}
    assert "resync" not in names and "(ended by the platform)" not in names
