"""Who may do what, generated from the permission table (domain/roles.py) and checked on the real
platform over loopback, on SQLite (who may do what is decided above the database: the backends'
own behaviour, access to orders by unit included, is tested on both in the other platform tests):

- every route guarded by `who(permission)` (found in the application itself, the permission read off
  the closure of the route's `central.deps.require` check) is called as each role: a role the table
  leaves out gets the permission check's 403 `forbidden`, with no order data and nothing changed; a
  role it names gets past authorization (anything but 401, 403 and 5xx); without a token, or with a
  forged one, every such route answers 401. A route that is neither in `REQUESTS` nor a listed
  public exception (`EXCEPTIONS`) fails the run.
- every operation of every entity of the mutations endpoint (the work-order operations and their
  permissions from central/orders/payloads.py, the escalation ones from central/escalations.py, the
  single operations of the others) is sent by each role, the same way.
- a handling unit's user gets the same 403, without the order and changing nothing, for each
  operation a unit may do on an order of another unit as on an order that does not exist; and on
  its own unit's order when it claims to act for another unit.

One platform serves the whole module (`World`): every check either changes nothing or works on
orders, calls and escalations made for it alone.
"""
from __future__ import annotations

import inspect
import json
import shutil
import typing
import uuid
from collections.abc import Callable, Iterator

import httpx
import pytest
from sqlalchemy import func, select

from central import db, deps, escalations
from central.app import create_app
from central.mutations import MutationIn
from central.orders import payloads
from central.platform import Platform
from central.seed import DEMO_PARTNER_USERS, DEMO_PASSWORD, DEMO_UNIT_USERS, DEMO_USERS, demo_kb_lines
from central.server import ThreadedPlatform
from domain import clock
from domain.intake import NotAcceptedReason
from domain.roles import PERMISSIONS, Role
from domain.workorder import CaseKind, Satisfaction
from tests.platform.test_lifecycle import Desk
from tests.platform.test_work_orders import new_order

# -- the routes, found in the application ---------------------------------------------------------

# Routes that answer without a token, each with the reason.
EXCEPTIONS = {
    "POST /api/v1/auth/sign-in": "how a token is obtained: the user name and password are the credentials",
    "POST /api/v1/auth/refresh": "the refresh token in the body is the credential (an access token may have expired)",
    "POST /api/v1/auth/sign-out": "the refresh token in the body names the session to end",
    "GET /api/v1/health": "a load balancer's liveness probe; says nothing but ok",
    "GET /openapi.json": "the API's description, public like the source",
    "GET /docs": "the OpenAPI page (the description, rendered)",
    "GET /docs/oauth2-redirect": "part of the OpenAPI page",
    "GET /redoc": "the OpenAPI page (the description, rendered)",
}


def _guard(dependant) -> set[str]:  # noqa: ANN001
    """The permissions `central.deps.require` checks somewhere in a route's dependencies: the
    permission is the closure variable of the check it makes."""
    found: set[str] = set()
    pending = [dependant] if dependant is not None else []
    while pending:
        d = pending.pop()
        pending.extend(d.dependencies)
        call = d.call
        if inspect.isfunction(call) and call.__module__ == deps.__name__ and "permission" in call.__code__.co_freevars:
            found.add(inspect.getclosurevars(call).nonlocals["permission"])
    return found


def _routes() -> tuple[dict[str, frozenset[str]], set[str]]:
    """({"METHOD path": its permissions} of the guarded routes, the labels of the unguarded ones)."""
    app = create_app(Platform("sqlite://", sweep_every_s=None))  # never started: nothing is opened
    try:
        from fastapi.routing import iter_route_contexts  # FastAPI 0.165 on: included routers are lazy
        routes = list(iter_route_contexts(app.routes))
    except ImportError:  # before it, the application's routes are flat already
        routes = list(app.routes)
    guarded: dict[str, frozenset[str]] = {}
    public: set[str] = set()
    for route in routes:
        permissions = frozenset(_guard(getattr(route, "dependant", None)))
        for method in sorted((route.methods or set()) - {"HEAD"}):
            label = f"{method} {route.path}"
            if permissions:
                guarded[label] = permissions
            else:
                public.add(label)
    return guarded, public


GUARDED, PUBLIC = _routes()

# The demo user each role acts as: the first of the seeded ones.
UNIT_USER, _, UNIT_ID = DEMO_UNIT_USERS[0]
PARTNER_USER, _, PARTNER_UNIT = DEMO_PARTNER_USERS[0]
ROLE_USERS: dict[Role, str] = {**{Role(role): name for name, _, role in reversed(DEMO_USERS)}, Role.unit: UNIT_USER,
                               Role.partner: PARTNER_USER}
# a user of another unit
STRANGER, _, STRANGER_UNIT = next(u for u in DEMO_UNIT_USERS if u[2] != UNIT_ID and not u[2].startswith(UNIT_ID))

PHONE = "13955550123"  # the requester of the matrix's orders: never in a refusal
MISSING_ORDER = "20991231999999"
WEAK = "x"  # refused by the password policy (422) before anything is changed


def _bare(w: World) -> dict:  # noqa: ARG001
    """No parameters."""
    return {}


# How each guarded route is called: harmless for a role that may (a 404 for nobody, a 422 for a
# weak password, ...), with enough to get past validation where it is cheap. Path parameters in "path".
REQUESTS: dict[str, Callable[[World], dict]] = {
    "POST /api/v1/auth/sign-out-everywhere": _bare,  # ends the caller's sessions: World.renew
    "GET /api/v1/me": _bare,
    "POST /api/v1/me/password": lambda w: {"json": {"current_password": DEMO_PASSWORD, "new_password": WEAK}},
    "POST /api/v1/users": lambda w: {"json": {"username": "matrix_new", "display_name": "矩阵", "role": "agent",
                                              "password": WEAK}},
    "GET /api/v1/users": _bare,
    "POST /api/v1/users/{username}/password": lambda w: {"path": {"username": "matrix_nobody"},
                                                         "json": {"password": WEAK}},
    "POST /api/v1/users/{username}/disable": lambda w: {"path": {"username": "matrix_nobody"}},
    "POST /api/v1/users/{username}/enable": lambda w: {"path": {"username": "matrix_nobody"}},
    "POST /api/v1/users/{username}/unlock": lambda w: {"path": {"username": "matrix_nobody"}},
    "GET /api/v1/kb/entries/{entry_id}": lambda w: {"path": {"entry_id": w.kb_entry}},
    "POST /api/v1/kb/import": lambda w: {"content": b"not json\n", "headers": {"Content-Type": "application/x-ndjson"}},
    "PUT /api/v1/kb/synonyms": lambda w: {"json": []},
    "GET /api/v1/kb/export": _bare,
    "GET /api/v1/kb/corrections": _bare,
    "GET /api/v1/kb/expiring": _bare,
    "GET /api/v1/kb/entries/{entry_id}/versions": lambda w: {"path": {"entry_id": w.kb_entry}},
    "GET /api/v1/kb/corrections/mine": _bare,
    # the path's id differs from the body's: 422, nothing published
    "PUT /api/v1/kb/entries/{entry_id}": lambda w: {"path": {"entry_id": "matrix-none"}, "json": {"id": "other"}},
    # the operations themselves: test_every_mutation_answers_by_the_permission_table
    "POST /api/v1/mutations": lambda w: {"json": {"id": "not a uuid", "entity": "work_order", "op": "create"}},
    "GET /api/v1/work-orders/{key}": lambda w: {"path": {"key": w.number}},  # the unit's own order
    "GET /api/v1/work-orders": _bare,
    "GET /api/v1/progress": lambda w: {"params": {"number": w.number}},
    "GET /api/v1/reviews": _bare,
    "GET /api/v1/supervisions": _bare,
    "GET /api/v1/callbacks": _bare,
    "GET /api/v1/callers/{phone}": lambda w: {"path": {"phone": PHONE}},
    "GET /api/v1/audit": _bare,
    "GET /api/v1/changes": _bare,
    "GET /api/v1/snapshot/{entity}": lambda w: {"path": {"entity": "work_order"}},
    "GET /api/v1/lookup-key": _bare,
    "GET /api/v1/events": _bare,  # a stream: its status only
    "POST /api/v1/agent/state": lambda w: {"json": {"state": "not_ready"}},
    "POST /api/v1/calls/{call_id}/answer": lambda w: {"path": {"call_id": "matrix-no-call"}},
    "POST /api/v1/calls/{call_id}/hangup": lambda w: {"path": {"call_id": "matrix-no-call"}},
    "POST /api/v1/calls/{call_id}/transfer": lambda w: {"path": {"call_id": "matrix-no-call"},
                                                        "json": {"target": "110"}},
    "POST /api/v1/calls": lambda w: {"json": {"caller_phone": "not a phone"}},  # 422: no call is queued
    "GET /api/v1/queue": _bare,
    "GET /api/v1/wallboard": _bare,
    "GET /api/v1/missed-calls": _bare,
    "GET /api/v1/escalations": _bare,
    "GET /api/v1/escalations/{escalation_id}": lambda w: {"path": {"escalation_id": str(uuid.uuid4())}},
    "GET /api/v1/metrics": lambda w: {"params": {"from": "2026-09-28"}},
    "GET /api/v1/metrics/hot-topics": _bare,
    "GET /api/v1/agent-texts": _bare,
    "POST /api/v1/agent-texts": lambda w: {"json": {"kind": "phrase", "title": "", "body": "矩阵"}},  # 422
    "PUT /api/v1/agent-texts/{text_id}": lambda w: {"path": {"text_id": "matrix-none"},
                                                    "json": {"kind": "phrase", "title": "矩阵", "body": "矩阵"}},
    "DELETE /api/v1/agent-texts/{text_id}": lambda w: {"path": {"text_id": "matrix-none"}},
}
SESSION_ENDING = {"POST /api/v1/auth/sign-out-everywhere"}

# -- the mutations, from the operation tables -----------------------------------------------------

# Entities whose only operation is not in a table of its own: (op, permission).
SINGLE_OP = {"kb_correction": ("create", "kb.report"), "kb_usage": ("use", "kb.report"),
             "call": ("report", "calls.handle"),
             "missed_call": ("outcome", "callbacks.work"), "caller": ("reveal", "callers.read")}
OPERATIONS: dict[tuple[str, str], str] = {
    **{("work_order", op): payloads.permission(op) for op in payloads.PAYLOADS},
    **{("escalation", op): escalations.permission(op) for op in escalations.PAYLOADS},
    **{(entity, op): permission for entity, (op, permission) in SINGLE_OP.items()},
    ("kb_correction", "decide"): "kb.review",
    ("synonym", "put"): "kb.lexicon",
    ("synonym", "delete"): "kb.lexicon",
}
# the work-order operations a handling unit's user may do
UNIT_OPS = sorted(op for (entity, op), permission in OPERATIONS.items()
                  if entity == "work_order" and Role.unit in PERMISSIONS[permission])

# What a refusal may change: the audit log records it, the sessions are the callers'.
UNWATCHED = {"audit_log", "sessions", "refresh_tokens"}
# Tables only ever added to (the feed grows with every order), and the reference data no request
# changes: their row count tells a change.
COUNTED = {"changes", "order_timeline", "mutations", "categories", "handling_units", "calendar_days",
           "schema_migrations"}

# -- the platform ------------------------------------------------------------------------------------


class World:
    """One platform, its users' clients, and an order of the unit `UNIT_ID`."""

    def __init__(self, url: str) -> None:
        # no supervision sweep: nothing changes the database but the requests
        self.server = ThreadedPlatform(Platform(url, sweep_every_s=None)).start()
        self._desks: dict[str, Desk] = {}
        self.anonymous = httpx.Client(base_url=self.server.url, timeout=20.0)
        try:
            self.number = self.order()
            self.partner_number = self.partner_order()
            line = demo_kb_lines()[0]  # one knowledge entry, for the correction reports
            r = self.desk("admin").post("/api/v1/kb/import", content=line.encode(),
                                        headers={"Content-Type": "application/x-ndjson"})
            assert r.status_code == 200, r.text
            self.kb_entry = json.loads(line)["id"]
        except BaseException:
            self.close()
            raise

    def desk(self, username: str) -> Desk:
        if username not in self._desks:
            self._desks[username] = Desk(self.server, username, "S-MATRIX")
        return self._desks[username]

    def renew(self, username: str) -> None:
        """A new session for a user whose sessions were ended."""
        self._desks.pop(username).client.close()

    def order(self) -> str:
        """A new order dispatched to `UNIT_ID`."""
        number = self.desk("agent").ok("create", None, **new_order(PHONE))["number"]
        self.desk("dispatcher").ok("dispatch", number, handling_unit_id=UNIT_ID, working_days=3)
        return number

    def partner_order(self) -> str:
        """A new order transferred to the partner platform `PARTNER_UNIT`."""
        number = self.desk("agent").ok("create", None, **new_order(PHONE))["number"]
        self.desk("agent").ok("transfer", number, target_unit_id=PARTNER_UNIT)
        return number

    def escalation(self, username: str = "agent") -> str:
        esc_id = str(uuid.uuid4())
        r = self.desk(username).post("/api/v1/mutations", json={
            "id": str(uuid.uuid4()), "entity": "escalation", "op": "create", "entity_id": esc_id,
            "payload": {"question": "这项补贴政策怎么理解"}})
        assert r.status_code == 200, r.text
        return esc_id

    def missed_call(self) -> str:
        call_id = f"matrix-{uuid.uuid4()}"
        r = self.desk("agent").post("/api/v1/mutations", json=_call_report(call_id))
        assert r.status_code == 200 and r.json()["data"]["callback_state"] == "open", r.text
        return call_id

    def fingerprint(self) -> dict:
        """Every table a request could change, but the audit log and the sessions: the rows, or
        of the `COUNTED` tables their number."""
        async def take() -> dict:
            seen: dict[str, object] = {}
            async with self.server.platform.db.read() as conn:
                for table in db.metadata.sorted_tables:
                    if table.name in COUNTED:
                        seen[table.name] = (await conn.execute(select(func.count()).select_from(table))).scalar_one()
                    elif table.name not in UNWATCHED:
                        seen[table.name] = sorted(repr(tuple(r)) for r in (await conn.execute(select(table))).all())
            return seen
        return self.server.run_coroutine(take())

    def close(self) -> None:
        for d in self._desks.values():
            d.client.close()
        self.anonymous.close()
        self.server.stop()


@pytest.fixture(scope="module")
def world(sqlite_template, tmp_path_factory) -> Iterator[World]:
    target = tmp_path_factory.mktemp("matrix") / "central.db"
    shutil.copy(sqlite_template, target)
    world = World(f"sqlite:///{target}")
    yield world
    world.close()


# -- checks ----------------------------------------------------------------------------------------

def _send(client: httpx.Client, method: str, url: str, **kwargs) -> tuple[int, str]:
    """The status and the body; of an event stream only the status (it does not end)."""
    with client.stream(method, url, **kwargs) as r:
        if r.headers.get("content-type", "").startswith("text/event-stream"):
            return r.status_code, ""
        r.read()
        return r.status_code, r.text


def _refusal_problem(status: int, text: str, code: int, error: str, world: World,
                     permissions: frozenset[str] = frozenset()) -> str | None:
    """What is wrong with an answer that should be the platform's refusal `code`/`error`;
    `permissions`: the refusal must be the check of one of them (not a later check that happens
    to answer 403 as well, e.g. cancelling someone else's escalation)."""
    if status != code:
        return f"answered {status}, not {code}: {text[:200]}"
    body = json.loads(text)
    if body.get("error") != error or "current" in body or "data" in body:
        return f"not a bare {error!r} refusal: {text[:200]}"
    if permissions and not any(body.get("message", "").endswith(f"may not {p}") for p in permissions):
        return f"refused, but not for want of {' or '.join(sorted(permissions))}: {text[:200]}"
    if world.number in text or PHONE in text:
        return f"the refusal carries order data: {text[:200]}"
    return None


def _passed_problem(status: int, text: str) -> str | None:
    """What is wrong with the answer to a role the table allows."""
    if status in (401, 403) or status >= 500:
        return f"answered {status}: {text[:200]}"
    return None


def _route_call(label: str, world: World, role: Role | None = None) -> tuple[str, str, dict]:
    method, template = label.split(" ", 1)
    kwargs = REQUESTS[label](world)
    path = kwargs.pop("path", {})
    if role == Role.partner and path.get("key") == world.number:  # a partner reads the orders sent to it
        path["key"] = world.partner_number
    return method, template.format(**path), kwargs


def test_every_guarded_route_is_in_the_matrix_and_every_other_is_a_listed_exception():
    assert set(GUARDED) == set(REQUESTS), (
        f"guarded routes without a matrix entry: {sorted(set(GUARDED) - set(REQUESTS))}; "
        f"matrix entries for no guarded route: {sorted(set(REQUESTS) - set(GUARDED))}")
    assert PUBLIC == set(EXCEPTIONS), (f"routes open without a token: {sorted(PUBLIC - set(EXCEPTIONS))}; "
                                       f"exceptions for no such route: {sorted(set(EXCEPTIONS) - PUBLIC)}")
    assert all(len(p) == 1 for p in GUARDED.values()), "a route checks several permissions: is that meant?"
    assert set().union(*GUARDED.values()) <= set(PERMISSIONS)
    assert len(GUARDED) >= 30  # the walk found the guards
    assert set(ROLE_USERS) == set(Role), "a role without a demo user to act as"


@pytest.mark.parametrize("label", sorted(GUARDED))
def test_every_route_answers_by_the_permission_table(world, label):
    assert label in REQUESTS, f"{label} has no matrix entry: add it to REQUESTS"
    # (several guards on one route: each must let the role through)
    allowed = frozenset.intersection(*(PERMISSIONS[p] for p in GUARDED[label]))
    refused = [role for role in Role if role not in allowed]
    method, url, kwargs = _route_call(label, world)
    problems: list[str] = []
    before = world.fingerprint()
    for name, token in (("no token", {}), ("a forged token", {"Authorization": "Bearer not.a.token"})):
        status, text = _send(world.anonymous, method, url, **{**kwargs, "headers": {**kwargs.get("headers", {}),
                                                                                       **token}})
        if why := _refusal_problem(status, text, 401, "unauthenticated", world):
            problems.append(f"{name}: {why}")
    for role in refused:
        status, text = _send(world.desk(ROLE_USERS[role]).client, method, url, **_route_call(label, world)[2])
        if why := _refusal_problem(status, text, 403, "forbidden", world, GUARDED[label]):
            problems.append(f"{role} ({ROLE_USERS[role]}): {why}")
    if world.fingerprint() != before:
        problems.append(f"refused (anonymous, {', '.join(refused)}), but something changed")
    for role in allowed:
        username = ROLE_USERS[role]
        _, url_for_role, kwargs_for_role = _route_call(label, world, role)
        status, text = _send(world.desk(username).client, method, url_for_role, **kwargs_for_role)
        if why := _passed_problem(status, text):
            problems.append(f"{role} ({username}): {why}")
        if label in SESSION_ENDING and status == 200:
            world.renew(username)
    assert not problems, f"{label} ({', '.join(sorted(GUARDED[label]))}):\n" + "\n".join(problems)


# -- the mutations endpoint ------------------------------------------------------------------------

def _call_report(call_id: str) -> dict:
    """A seat's report of a call that ended unanswered (a missed call to call back)."""
    return {"id": str(uuid.uuid4()), "entity": "call", "op": "report", "entity_id": call_id,
            "payload": {"state": "ended", "caller_phone": PHONE, "source": "sip", "at": clock.stamp(),
                        "reason": "caller_cancel"}}


def _order_payload(op: str, world: World) -> dict:
    unit = {"unit_id": UNIT_ID}
    return {
        "create": new_order(PHONE),
        "accept": {},
        "close_at_intake": {"answer": "按口径答复"},
        "reject_at_intake": {"reason": next(iter(NotAcceptedReason)).value},
        "transfer": {"target_unit_id": STRANGER_UNIT},
        "dispatch": {"handling_unit_id": UNIT_ID, "working_days": 3},
        "sign": unit,
        "reply": {**unit, "reply": "已处理"},
        "apply_return": {**unit, "reason": "不属于本单位职责"},
        "apply_extension": {**unit, "working_days": 3, "reason": "需要现场核实"},
        "review_return": {"decision": "approve"},
        "review_extension": {"decision": "approve"},
        "review_unreasonable": {"decision": "approve"},
        "callback": {"satisfaction": Satisfaction.satisfied.value, "resolved": True},
        "supervise": {"kind": "remind", "note": "请加快办理"},
        "merge": {"into": world.number},
        "apply_unreasonable": {"reason": "同一诉求已答复三次"},
        "flag": {"case_kind": next(c for c in CaseKind if c != CaseKind.normal).value},
        "partner_progress": {"note": "已受理，正在核查"},
        "partner_reply": {"reply": "已处理并答复消费者"},
        "partner_return": {"reason": "不属于本平台受理范围"},
    }[op]


def _mutation(entity: str, op: str, world: World, username: str, fresh: bool) -> dict:
    """The mutation `username` sends; `fresh`: on a target made for it alone (the request may apply)."""
    body: dict = {"id": str(uuid.uuid4()), "entity": entity, "op": op}
    if entity == "work_order":
        body["payload"] = _order_payload(op, world)
        parsed = payloads.parse_payload(op, body["payload"])  # the matrix sends valid payloads
        assert parsed is not None
        if op.startswith("partner_"):  # on an order transferred to the partner platform
            body["entity_id"] = world.partner_order() if fresh else world.number
        elif op != "create":
            body["entity_id"] = world.order() if fresh else world.number
    elif entity == "escalation":
        body["payload"] = {"question": "这项补贴政策怎么理解"} if op == "create" else (
            {"answer": "按最新口径答复"} if op == "answer" else {})
        escalations.parse(op, body["payload"])
        if op == "create":
            body["entity_id"] = str(uuid.uuid4())
        elif op == "cancel" and fresh:  # only the agent who raised one may cancel it
            body["entity_id"] = world.escalation(username)
        else:
            body["entity_id"] = world.escalation()
    elif entity == "kb_correction" and op == "decide":  # a correction nobody reported: 404 for who may
        body["entity_id"] = "matrix-none"
        body["payload"] = {"decision": "reject", "note": "不属实"}
    elif entity == "kb_correction":
        body["payload"] = {"entry_id": world.kb_entry, "comment": "口径已过时"}
    elif entity == "kb_usage":
        body["payload"] = {"query": "公积金提取", "entry_id": world.kb_entry, "action": "insert"}
    elif entity == "call":
        body = _call_report(f"matrix-{uuid.uuid4()}")
    elif entity == "caller":  # a reveal of a caller's number, audited
        body["entity_id"] = "13800138000"
    elif entity == "synonym":  # one line of the search's lexicon
        body["entity_id"] = "医保"
        body["payload"] = {"expansions": ["医疗保障"]} if op == "put" else {}
    else:
        body["entity_id"] = world.missed_call()
        body["payload"] = {"outcome": "no_answer", "note": "无人接听"}
    return body


def test_the_matrix_has_every_mutation_entity():
    entities = set(typing.get_args(MutationIn.model_fields["entity"].annotation))
    assert entities == {entity for entity, _ in OPERATIONS}
    assert set(PERMISSIONS) >= set(OPERATIONS.values())
    assert UNIT_OPS, "no work-order operation for handling units: the table changed?"


@pytest.mark.parametrize(("entity", "op"), sorted(OPERATIONS), ids=[f"{e}.{o}" for e, o in sorted(OPERATIONS)])
def test_every_mutation_answers_by_the_permission_table(world, entity, op):
    permission = OPERATIONS[entity, op]
    allowed = PERMISSIONS[permission]
    refused = [role for role in Role if role not in allowed]
    problems: list[str] = []
    bodies = {role: _mutation(entity, op, world, ROLE_USERS[role], fresh=False) for role in refused}
    before = world.fingerprint()
    for role in refused:
        r = world.desk(ROLE_USERS[role]).post("/api/v1/mutations", json=bodies[role])
        if why := _refusal_problem(r.status_code, r.text, 403, "forbidden", world, frozenset({permission})):
            problems.append(f"{role} ({ROLE_USERS[role]}): {why}")
    if world.fingerprint() != before:
        problems.append(f"refused ({', '.join(refused)}), but something changed")
    for role in allowed:
        username = ROLE_USERS[role]
        r = world.desk(username).post("/api/v1/mutations", json=_mutation(entity, op, world, username, fresh=True))
        if why := _passed_problem(r.status_code, r.text):
            problems.append(f"{role} ({username}): {why}")
    assert not problems, f"{entity}.{op} (permission {permission}):\n" + "\n".join(problems)


# -- a handling unit and the orders of others ------------------------------------------------------

@pytest.mark.parametrize("op", UNIT_OPS)
def test_a_unit_acting_on_another_units_order_is_refused_as_if_it_did_not_exist(world, op):
    stranger = world.desk(STRANGER)
    problems: list[str] = []
    before = world.fingerprint()
    # for its own unit, and pretending to be the order's
    for unit_id in (STRANGER_UNIT, UNIT_ID):
        payload = {**_order_payload(op, world), "unit_id": unit_id}
        theirs, missing = stranger.op(op, world.number, **payload), stranger.op(op, MISSING_ORDER, **payload)
        for what, r in (("another unit's order", theirs), ("a missing order", missing)):
            if why := _refusal_problem(r.status_code, r.text, 403, "forbidden", world):
                problems.append(f"{what}, unit_id {unit_id}: {why}")
        if theirs.status_code == missing.status_code and theirs.json() != missing.json():
            problems.append(f"unit_id {unit_id}: the answers differ: {theirs.text} / {missing.text}")
    # the unit's own order, acting for another unit
    own = world.desk(UNIT_USER).op(op, world.number, **{**_order_payload(op, world), "unit_id": STRANGER_UNIT})
    if own.status_code != 403 or own.json().get("error") != "forbidden" or "current" in own.json():
        problems.append(f"its own order, for another unit: {own.status_code} {own.text[:200]}")
    if world.fingerprint() != before:
        problems.append("refused, but something changed")
    assert not problems, f"{op} by {STRANGER} on an order of {UNIT_ID}:\n" + "\n".join(problems)


def test_a_unit_reads_another_units_order_as_if_it_did_not_exist(world):
    stranger = world.desk(STRANGER)
    theirs = stranger.get(f"/api/v1/work-orders/{world.number}")
    missing = stranger.get(f"/api/v1/work-orders/{MISSING_ORDER}")
    assert _refusal_problem(theirs.status_code, theirs.text, 403, "forbidden", world) is None, theirs.text
    assert theirs.json() == missing.json()
    assert world.desk(UNIT_USER).get(f"/api/v1/work-orders/{world.number}").status_code == 200
