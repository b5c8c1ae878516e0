"""Refresh-token rotation with a grace period (issue 11, point 4): one lost answer to `/auth/refresh`
must not sign the seat out. The token just rotated stays good for `refresh_grace_s` or until its
successor is used, whichever comes first; sign-out ends the grace. On the real platform over
loopback, on SQLite and PostgreSQL; time is the platform's clock (domain.clock), driven here."""
from __future__ import annotations

import asyncio

import httpx
import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, Text, insert, select
from sqlalchemy import inspect as sa_inspect

from central import db
from central.migrations import V6_REFRESH_COLUMNS, latest_version, migrate
from central.security import refresh_token_hash
from central.store import Database
from workstation.platform_client import PlatformClient, PlatformError, PlatformUnreachable


def refresh(http: httpx.Client, token: str) -> httpx.Response:
    return http.post("/api/v1/auth/refresh", json={"refresh_token": token})


def works(http: httpx.Client, pair: dict) -> bool:
    """The pair's access token is taken by a request that needs it."""
    r = http.get("/api/v1/me", headers={"Authorization": f"Bearer {pair['access_token']}"})
    return r.status_code == 200


def refused(r: httpx.Response) -> bool:
    return r.status_code == 401 and r.json()["error"] == "bad_refresh_token"


# -- the lost answer -------------------------------------------------------------------------------

def test_after_a_lost_answer_the_old_token_gives_a_working_pair_and_the_first_one_used_wins(
        platform, sign_in, http, sim_clock):
    old = sign_in("agent").session["refresh_token"]
    lost = refresh(http, old)
    assert lost.status_code == 200  # the platform rotated; the seat never sees this answer

    sim_clock.advance(30)
    again = refresh(http, old)
    assert again.status_code == 200, again.text
    pair = again.json()
    assert pair["refresh_token"] not in (old, lost.json()["refresh_token"])
    assert works(http, pair)
    # the first of the two siblings to be used wins: the other is spent, and so is the old token
    assert refresh(http, pair["refresh_token"]).status_code == 200
    assert refused(refresh(http, lost.json()["refresh_token"]))
    assert refused(refresh(http, old))


def test_a_refresh_delivered_twice_leaves_the_seat_signed_in_whichever_answer_arrives(
        platform, sign_in, http, sim_clock):
    """A proxy that delivers a request twice answers the seat with the first answer: the token in
    it must still work, though the platform rotated the same token a second time."""
    old = sign_in("agent").session["refresh_token"]
    first, second = refresh(http, old), refresh(http, old)
    assert first.status_code == second.status_code == 200
    kept = refresh(http, first.json()["refresh_token"])  # the seat goes on with the answer it got
    assert kept.status_code == 200, kept.text
    assert refused(refresh(http, second.json()["refresh_token"]))  # the other sibling is spent


class LosesTheFirstRefreshAnswer(httpx.AsyncBaseTransport):
    """Forwards every request to the real platform; the answer of the first /auth/refresh, which the
    platform has applied, never reaches the client: the connection breaks while the body is read
    (httpx.ReadError), or a proxy in between answers 502 instead. A fake, because the real platform
    on loopback cannot lose an answer it has sent."""

    def __init__(self, fault: str) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.fault = fault
        self.lost = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        if request.url.path.endswith("/auth/refresh") and not self.lost:
            await response.aread()  # the platform answered 200: the rotation is committed
            await response.aclose()
            assert response.status_code == 200
            self.lost += 1
            if self.fault == "read error":
                raise httpx.ReadError("connection reset while reading the answer", request=request)
            return httpx.Response(502, text="<html>Bad Gateway</html>", request=request)
        return response

    async def aclose(self) -> None:
        await self.inner.aclose()


@pytest.mark.parametrize("fault", ["read error", "proxy 502"])
def test_a_client_that_lost_the_refresh_answer_signs_in_again_with_its_old_token(platform, sign_in, fault):
    old = sign_in("agent").session["refresh_token"]

    async def used_at() -> str | None:
        async with platform.platform.db.read() as conn:
            t = db.refresh_tokens
            return (await conn.execute(select(t.c.used_at).where(t.c.token_hash == refresh_token_hash(old)))).scalar()

    async def scenario() -> tuple[Exception, dict, list]:
        transport = LosesTheFirstRefreshAnswer(fault)
        client = PlatformClient(platform.url, transport=transport)
        sessions: list = []
        client.on_session.append(sessions.append)
        try:
            client.adopt_refresh_token(old)  # the seat starts from the keyring: the first request refreshes
            with pytest.raises((PlatformUnreachable, PlatformError)) as first:
                await client.me()
            assert transport.lost == 1 and sessions == []
            assert client.session is not None and client.session.refresh_token == old  # kept for the next try
            me = await client.me()
            return first.value, me, sessions
        finally:
            await client.close()

    error, me, sessions = asyncio.run(scenario())
    assert platform.run_coroutine(used_at()) is not None  # the platform did apply the lost rotation
    assert isinstance(error, PlatformUnreachable) or error.transient
    assert me["username"] == "agent"
    assert len(sessions) == 1 and sessions[0].refresh_token != old  # the keyring gets the live token


# -- the end of the grace --------------------------------------------------------------------------

def test_once_the_successor_is_used_the_old_token_is_a_copy_and_ends_the_whole_session(
        platform, sign_in, http, sim_clock):
    old = sign_in("agent").session["refresh_token"]
    refresh(http, old)  # lost
    successor = refresh(http, old)
    assert successor.status_code == 200, successor.text  # still in its grace
    newest = refresh(http, successor.json()["refresh_token"])  # the seat used the successor
    assert newest.status_code == 200

    sim_clock.advance(1)
    r = refresh(http, old)
    assert refused(r), r.text
    assert r.json()["message"] == "this refresh token was used already; the session has been ended for safety"
    # whoever holds the family's live tokens (the seat, or the thief) is signed out with it
    assert not works(http, newest.json()) and refused(refresh(http, newest.json()["refresh_token"]))


@pytest.mark.parametrize(("platform_options", "grace"), [({}, 120.0), ({"refresh_grace_s": 30.0}, 30.0)],
                         ids=["default", "set"])
def test_after_the_grace_period_the_old_token_is_refused_and_its_session_ends(
        platform, sign_in, http, sim_clock, grace):
    old = sign_in("agent").session["refresh_token"]
    refresh(http, old)  # lost

    sim_clock.advance(grace - 1)
    last = refresh(http, old)
    assert last.status_code == 200, last.text  # the grace counts from the first rotation...
    sim_clock.advance(1)
    assert refused(refresh(http, old))  # ...not from the latest
    assert refused(refresh(http, last.json()["refresh_token"]))  # a replay ends the live descendants too
    assert not works(http, last.json())


# -- sign-out --------------------------------------------------------------------------------------

def test_signing_out_ends_the_grace_of_the_token_before(platform, sign_in, http, sim_clock):
    old = sign_in("agent").session["refresh_token"]
    refresh(http, old)  # lost
    again = refresh(http, old)
    assert again.status_code == 200, again.text  # in its grace
    pair = again.json()
    assert works(http, pair)
    assert http.post("/api/v1/auth/sign-out", json={"refresh_token": pair["refresh_token"]}).status_code == 200

    assert refused(refresh(http, pair["refresh_token"]))
    assert refused(refresh(http, old))  # a signed-out seat is not revived with the old token


def test_signing_out_with_the_old_token_also_ends_the_pair_whose_answer_was_lost(platform, sign_in, http, sim_clock):
    old = sign_in("agent").session["refresh_token"]
    lost = refresh(http, old).json()["refresh_token"]
    assert http.post("/api/v1/auth/sign-out", json={"refresh_token": old}).status_code == 200

    assert refused(refresh(http, old))
    assert refused(refresh(http, lost))


# -- the schema step -------------------------------------------------------------------------------

async def _upgrade_from_v5(url: str) -> dict:
    """refresh_tokens as schema version 5 had it, one live and one spent token, then the migration."""
    database = Database(url)
    old = MetaData()
    Table("schema_migrations", old, Column("version", Integer, primary_key=True),
          Column("description", Text, nullable=False), Column("applied_at", String(40), nullable=False))
    Table("refresh_tokens", old, *[c._copy() for c in db.refresh_tokens.columns if c.name not in V6_REFRESH_COLUMNS])
    try:
        async with database.engine.begin() as conn:
            await conn.run_sync(old.create_all)
            await conn.execute(insert(old.tables["schema_migrations"]),
                               [{"version": v, "description": "old", "applied_at": "x"} for v in range(1, 6)])
            await conn.execute(insert(old.tables["refresh_tokens"]), [
                {"token_hash": "a" * 64, "user_id": 1, "seat": "S", "expires_at": "2099", "revoked": False},
                {"token_hash": "b" * 64, "user_id": 1, "seat": "S", "expires_at": "2099", "revoked": True}])
        applied = await migrate(database.engine)
        async with database.engine.connect() as conn:
            rows = (await conn.execute(select(db.refresh_tokens).order_by(db.refresh_tokens.c.token_hash))).mappings()
            rows = [dict(r) for r in rows]
            columns = await conn.run_sync(lambda c: [i["name"] for i in sa_inspect(c).get_columns("refresh_tokens")])
        return {"applied": applied, "rows": rows, "columns": columns}
    finally:
        await database.close()


def test_version_6_adds_the_rotation_links_and_version_7_revokes_the_tokens_of_no_session(empty_db_url):
    result = asyncio.run(_upgrade_from_v5(empty_db_url))
    assert result["applied"] == list(range(6, latest_version() + 1))
    assert set(V6_REFRESH_COLUMNS) <= set(result["columns"])
    # tokens from before sessions belong to none: their seats sign in again once (migration 7)
    assert [(r["revoked"], r["parent"], r["replaced_by"], r["used_at"]) for r in result["rows"]] == [
        (True, None, None, None), (True, None, None, None)]
