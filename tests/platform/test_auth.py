"""Sign-in for every role, tokens, and the platform refusing what a role may not do."""
from __future__ import annotations

import httpx
import pytest

from central.seed import DEMO_PASSWORD, DEMO_USERS


def test_every_role_signs_in_and_gets_its_role(platform, sign_in):
    for username, _display, role in DEMO_USERS:
        api = sign_in(username, seat=f"seat-{username}")
        me = api.get("/api/v1/me").json()
        assert me == {"id": api.session["user"]["id"], "username": username, "role": role.value,
                      "seat": f"seat-{username}", "unit_id": None}
        assert api.session["expires_in"] > 0 and api.session["refresh_token"]


def test_wrong_password_and_unknown_user_are_refused_alike(platform):
    with httpx.Client(base_url=platform.url) as c:
        wrong = c.post("/api/v1/auth/sign-in", json={"username": "agent", "password": "nope-nope"})
        unknown = c.post("/api/v1/auth/sign-in", json={"username": "ghost", "password": DEMO_PASSWORD})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()


def test_requests_without_or_with_a_forged_token_are_refused(platform, sign_in):
    with httpx.Client(base_url=platform.url) as c:
        assert c.get("/api/v1/me").status_code == 401
        token = sign_in("agent").session["access_token"]
        forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
        r = c.get("/api/v1/me", headers={"Authorization": f"Bearer {forged}"})
    assert r.status_code == 401 and "signature" in r.json()["message"]


@pytest.mark.parametrize("platform_options", [{"access_ttl_s": -1}])
def test_an_expired_access_token_is_refused(platform):
    with httpx.Client(base_url=platform.url) as c:
        token = c.post("/api/v1/auth/sign-in", json={"username": "agent", "password": DEMO_PASSWORD}).json()
        r = c.get("/api/v1/me", headers={"Authorization": f"Bearer {token['access_token']}"})
    assert r.status_code == 401 and r.json()["message"] == "token expired"


def test_refresh_rotates_and_a_spent_refresh_token_is_refused(platform, sign_in):
    first = sign_in("agent").session["refresh_token"]
    with httpx.Client(base_url=platform.url) as c:
        r = c.post("/api/v1/auth/refresh", json={"refresh_token": first})
        assert r.status_code == 200
        second = r.json()
        assert second["refresh_token"] != first
        assert c.get("/api/v1/me", headers={"Authorization": f"Bearer {second['access_token']}"}).status_code == 200
        # the successor used: the first token's grace for a lost answer is over (test_refresh_grace.py)
        second = c.post("/api/v1/auth/refresh", json={"refresh_token": second["refresh_token"]}).json()
        assert c.post("/api/v1/auth/refresh", json={"refresh_token": first}).status_code == 401
        c.post("/api/v1/auth/sign-out", json={"refresh_token": second["refresh_token"]})
        assert c.post("/api/v1/auth/refresh", json={"refresh_token": second["refresh_token"]}).status_code == 401


NEW_USER = {"username": "newbie", "display_name": "新人", "role": "agent", "password": "long-enough-1"}
ORDER = {"id": "00000000-0000-4000-8000-000000000001", "entity": "work_order", "op": "create",
         "payload": {"request_type": "consultation", "category_id": "010101", "title": "t", "content": "c",
                     "caller_phone": "13800138000"}}

# (user, method, path, body): requests that user's role may not make.
REFUSED = [
    ("agent", "post", "/api/v1/users", NEW_USER),
    ("agent", "post", "/api/v1/kb/import", None),
    ("agent", "get", "/api/v1/audit", None),
    ("agent", "post", "/api/v1/calls", {"caller_phone": "13800138000"}),
    ("agent", "get", "/api/v1/queue", None),
    ("expert", "get", "/api/v1/kb/export", None),
    ("lead", "post", "/api/v1/kb/import", None),
    ("lead", "post", "/api/v1/agent/state", {"state": "ready"}),
    ("dispatcher", "post", "/api/v1/agent/state", {"state": "ready"}),
    ("dispatcher", "post", "/api/v1/mutations", ORDER),
    ("admin", "get", "/api/v1/work-orders?phone=13800138000", None),
    ("admin", "get", "/api/v1/callers/13800138000", None),
    ("admin", "post", "/api/v1/mutations", ORDER),
]


def test_each_role_is_refused_what_it_may_not_do(platform, sign_in):
    for username, method, path, body in REFUSED:
        api = sign_in(username)
        r = api.request(method.upper(), path, json=body) if body is not None else api.request(method.upper(), path)
        assert r.status_code == 403, (username, path, r.text)
        assert r.json()["error"] == "forbidden"
    # and the same requests go through for a role that may make them
    admin = sign_in("admin")
    assert admin.post("/api/v1/users", json=NEW_USER).status_code == 201
    assert admin.get("/api/v1/audit").status_code == 200
    assert sign_in("agent").post("/api/v1/mutations", json=ORDER).status_code == 200


def test_a_new_user_made_by_the_admin_can_sign_in(platform, sign_in):
    admin = sign_in("admin")
    assert admin.post("/api/v1/users", json=NEW_USER).status_code == 201
    again = admin.post("/api/v1/users", json=NEW_USER)
    assert again.status_code == 409 and again.json()["field"] == "username"
    with httpx.Client(base_url=platform.url) as c:
        r = c.post("/api/v1/auth/sign-in", json={"username": "newbie", "password": "long-enough-1"})
    assert r.status_code == 200 and r.json()["user"]["role"] == "agent"
