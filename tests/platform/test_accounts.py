"""Accounts and sessions (issue 12): wrong passwords lock an account and slow an address down;
sign-out, a disabled user, a new password and a replayed refresh token end the session's access
tokens and event streams at once; only an administrator manages accounts, under the password
policy. On the real platform over loopback, on SQLite and PostgreSQL; the platform's clock
(domain.clock) is moved by the test.

A user whose sign-in is not what the test is about (the administrator acting, a colleague) holds
the platform's own token (`desk`, no argon2 round); the tests that are refused and change nothing
share one platform per backend (`shared_platform`)."""
from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import select

from central import db
from central.platform import Platform
from central.seed import DEMO_PASSWORD
from central.server import ThreadedPlatform
from central.sign_in import SignInLimits
from tests.platform.test_events import events
from tests.platform.test_lifecycle import Desk, desk  # noqa: F401 - a fixture

STRONG = "violet-Harbour-93-kite"
LIMITS = SignInLimits(account_failures=3, account_lock_s=60.0, address_failures=1000, address_window_s=60.0)


@pytest.fixture
def platform_options() -> dict:
    return {"sign_in_limits": LIMITS}


@pytest.fixture(scope="module")
def shared_platform(module_db_url) -> Iterator[ThreadedPlatform]:
    """One platform per backend for the tests that are only refused: they change no account."""
    server = ThreadedPlatform(Platform(module_db_url, sign_in_limits=LIMITS)).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def shared_admin(shared_platform) -> Iterator[Desk]:
    admin = Desk(shared_platform, "admin", "S-09")
    with admin.client:
        yield admin


def attempt(http: httpx.Client, username: str, password: str) -> httpx.Response:
    return http.post("/api/v1/auth/sign-in", json={"username": username, "password": password, "seat": "S-09"})


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def audit_actions(platform, username: str) -> list[str]:  # noqa: ANN001
    async def read() -> list[str]:
        async with platform.platform.db.read() as conn:
            rows = await conn.execute(select(db.audit_log.c.action).where(
                db.audit_log.c.entity == "user", db.audit_log.c.entity_id == username).order_by(db.audit_log.c.id))
            return list(rows.scalars())
    return platform.run_coroutine(read())


def stream_ends(stream) -> bool:  # noqa: ANN001
    """Reads the stream until the platform ends it (a keep-alive would come only after the read timeout)."""
    try:
        while True:
            stream.next()
    except AssertionError:
        return True


# -- wrong passwords ---------------------------------------------------------------------------------

def test_wrong_passwords_lock_the_account_even_against_the_right_one_until_the_lock_ends(
        platform, http, sim_clock):
    for _ in range(LIMITS.account_failures):
        r = attempt(http, "agent", "not-the-password")
        assert r.status_code == 401 and r.json()["error"] == "bad_credentials"
    locked = attempt(http, "agent", DEMO_PASSWORD)
    assert locked.status_code == 429 and locked.json()["error"] == "account_locked"
    assert locked.headers["Retry-After"] == "60"
    assert attempt(http, "agent2", DEMO_PASSWORD).status_code == 200  # another account is not touched

    sim_clock.advance(59)
    assert attempt(http, "agent", DEMO_PASSWORD).status_code == 429
    sim_clock.advance(2)
    assert attempt(http, "agent", DEMO_PASSWORD).status_code == 200
    assert audit_actions(platform, "agent") == ["sign_in_failed"] * 3 + ["sign_in_locked"] * 2


def test_a_right_password_before_the_lock_starts_the_count_again(platform, http, sim_clock):
    for _ in range(LIMITS.account_failures - 1):
        assert attempt(http, "agent", "nope-nope-nope").status_code == 401
    assert attempt(http, "agent", DEMO_PASSWORD).status_code == 200
    for _ in range(LIMITS.account_failures - 1):
        assert attempt(http, "agent", "nope-nope-nope").status_code == 401
    assert attempt(http, "agent", DEMO_PASSWORD).status_code == 200


def test_an_administrator_lifts_a_lock(platform, http, desk, sim_clock):  # noqa: F811
    admin = desk("admin")
    for _ in range(LIMITS.account_failures):
        attempt(http, "lead", "wrong-wrong-wrong")
    assert attempt(http, "lead", DEMO_PASSWORD).status_code == 429
    listed = {u["username"]: u for u in admin.get("/api/v1/users").json()}
    assert listed["lead"]["locked_until"] is not None and "password_hash" not in listed["lead"]
    assert admin.post("/api/v1/users/lead/unlock").json()["locked_until"] is None
    assert attempt(http, "lead", DEMO_PASSWORD).status_code == 200


@pytest.mark.parametrize("platform_options", [{"sign_in_limits": SignInLimits(
    account_failures=1000, address_failures=4, address_window_s=60.0)}])
def test_wrong_passwords_from_one_address_slow_it_down_whatever_the_names(platform, http, sim_clock):
    for username in ("agent", "nobody", "lead", "ghost-of-2026"):
        assert attempt(http, username, "guess-guess-guess").status_code == 401
    blocked = attempt(http, "expert", DEMO_PASSWORD)
    assert blocked.status_code == 429 and blocked.json()["error"] == "too_many_attempts"
    assert 1 <= int(blocked.headers["Retry-After"]) <= 60
    sim_clock.advance(61)
    assert attempt(http, "expert", DEMO_PASSWORD).status_code == 200
    assert audit_actions(platform, "nobody") == ["sign_in_failed"]  # an unknown name is audited too


# -- sessions end at once ------------------------------------------------------------------------------

def test_sign_out_ends_the_access_token_and_the_event_stream_at_once(platform, sign_in, http):
    agent = sign_in("agent")
    with events(agent) as stream:
        r = http.post("/api/v1/auth/sign-out", json={"refresh_token": agent.session["refresh_token"]})
        assert r.status_code == 200
        assert stream_ends(stream)
    gone = agent.get("/api/v1/me")
    assert gone.status_code == 401 and gone.json()["error"] == "unauthenticated"
    other = sign_in("agent")  # a new sign-in is a new session
    assert other.get("/api/v1/me").status_code == 200


def test_sign_out_everywhere_ends_every_session_of_the_user_and_no_other(platform, sign_in, desk):  # noqa: F811
    office, laptop, colleague = sign_in("agent", "S-01"), sign_in("agent", "S-02"), desk("agent2", "S-03")
    with events(laptop) as stream:
        r = office.post("/api/v1/auth/sign-out-everywhere")
        assert r.status_code == 200 and r.json()["sessions_ended"] == 2
        assert stream_ends(stream)
    assert office.get("/api/v1/me").status_code == 401 and laptop.get("/api/v1/me").status_code == 401
    assert colleague.get("/api/v1/me").status_code == 200


def test_a_disabled_user_is_out_at_once_and_cannot_sign_in_until_enabled(platform, sign_in, desk, http):  # noqa: F811
    admin, agent = desk("admin"), sign_in("agent")
    with events(agent) as stream:
        r = admin.post("/api/v1/users/agent/disable")
        assert r.status_code == 200 and r.json()["active"] is False
        assert stream_ends(stream)
    assert agent.get("/api/v1/me").status_code == 401
    refused = http.post("/api/v1/auth/refresh", json={"refresh_token": agent.session["refresh_token"]})
    assert refused.status_code == 401
    disabled = attempt(http, "agent", DEMO_PASSWORD)
    assert disabled.status_code == 401 and disabled.json()["error"] == "account_disabled"
    assert admin.post("/api/v1/users/admin/disable").status_code == 409  # not oneself
    assert admin.post("/api/v1/users/agent/enable").json()["active"] is True
    assert attempt(http, "agent", DEMO_PASSWORD).status_code == 200


def test_only_an_administrator_manages_accounts(shared_platform):
    lead = Desk(shared_platform, "lead", "S-09")
    with lead.client:
        for path in ("/api/v1/users/agent/disable", "/api/v1/users/agent/unlock", "/api/v1/users/agent/enable"):
            assert lead.post(path).status_code == 403
        assert lead.post("/api/v1/users/agent/password", json={"password": STRONG}).status_code == 403
        assert lead.get("/api/v1/users").status_code == 403


# -- passwords ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("password", ["short1!", "hotline-demo", "1234567890ab", "wang-xiaoming-agent7",
                                      " padded-Harbour-93 "])
def test_the_password_policy_refuses_weak_passwords(shared_admin, password):
    r = shared_admin.post("/api/v1/users", json={"username": "wang-xiaoming", "display_name": "王晓明",
                                                 "role": "agent", "password": password})
    assert r.status_code == 422 and r.json()["field"] == "password", r.text


def test_a_new_user_signs_in_and_a_password_set_by_the_administrator_ends_their_sessions(
        platform, desk, http):  # noqa: F811
    admin = desk("admin")
    made = admin.post("/api/v1/users", json={"username": "zhou", "display_name": "话务员 周", "role": "agent",
                                             "password": STRONG})
    assert made.status_code == 201 and made.json()["active"] is True
    first = attempt(http, "zhou", STRONG)
    assert first.status_code == 200
    token = first.json()["access_token"]
    assert admin.post("/api/v1/users/zhou/password", json={"password": "amber-Lantern-57-river"}).status_code == 200
    assert http.get("/api/v1/me", headers=bearer(token)).status_code == 401
    assert attempt(http, "zhou", STRONG).status_code == 401
    assert attempt(http, "zhou", "amber-Lantern-57-river").status_code == 200


def test_a_user_changes_their_own_password_with_the_current_one(platform, sign_in, http):
    agent = sign_in("agent")
    wrong = agent.post("/api/v1/me/password", json={"current_password": "not-it", "new_password": STRONG})
    assert wrong.status_code == 403
    weak = agent.post("/api/v1/me/password", json={"current_password": DEMO_PASSWORD, "new_password": "agent12345"})
    assert weak.status_code == 422
    done = agent.post("/api/v1/me/password", json={"current_password": DEMO_PASSWORD, "new_password": STRONG})
    assert done.status_code == 200 and done.json()["sessions_ended"] == 1
    assert agent.get("/api/v1/me").status_code == 401
    assert attempt(http, "agent", STRONG).status_code == 200


# -- the audit of refusals -----------------------------------------------------------------------------

def test_refused_requests_and_reads_of_the_audit_are_audited(platform, desk, http):  # noqa: F811
    agent, admin = desk("agent"), desk("admin")
    assert agent.get("/api/v1/users").status_code == 403
    assert agent.get("/api/v1/callers/13912345678").status_code == 200  # allowed: a read, audited as such
    assert http.get("/api/v1/work-orders/20260101000001", headers=bearer("forged")).status_code == 401
    platform.run_coroutine(platform.platform.drain())  # the refusals are written in the background

    items = admin.get("/api/v1/audit").json()["items"]
    refusals = [(i["action"], i["username"], i["entity_id"]) for i in items if i["entity"] == "request"]
    assert ("forbidden", "agent", "GET /api/v1/users") in refusals
    assert ("unauthenticated", "", "GET /api/v1/work-orders/202*********01") in refusals
    again = admin.get("/api/v1/audit").json()["items"]
    assert [(i["action"], i["username"]) for i in again if i["entity"] == "audit"] == [("read_audit", "admin")]


def test_the_audit_answers_who_read_which_caller_newest_first(platform, desk):  # noqa: F811
    agent, agent2, admin = desk("agent", "S-01"), desk("agent2", "S-02"), desk("admin")
    for api, phone in ((agent, "13912345678"), (agent2, "13800138000"), (agent, "13800138000")):
        assert api.get(f"/api/v1/callers/{phone}").status_code == 200

    def audit(**params) -> list[tuple]:  # noqa: ANN003
        items = admin.get("/api/v1/audit", params={"before": 2**40, **params}).json()["items"]
        return [(i["username"], i["seat"], i["entity_id"]) for i in items if i["action"] == "read"]

    assert audit(caller="138-0013-8000") == [("agent", "S-01", "13800138000"), ("agent2", "S-02", "13800138000")]
    assert audit(user="agent") == [("agent", "S-01", "13800138000"), ("agent", "S-01", "13912345678")]
    assert audit(user="agent", since="2100-01-01T00:00:00+08:00") == []
    bad = admin.get("/api/v1/audit", params={"since": "0001-01-01T00:00:00"})
    assert bad.status_code == 422 and bad.json()["field"] == "since"
