"""Whatever a signed-in user sends to any operation of the OpenAPI schema, the platform answers
below 500: schemathesis against the real application (in process, over ASGI, its lifespan started)
over a real SQLite file with demo-like data, as an admin, an agent and a handling unit's user.

Per operation: the schema's examples, the coverage cases (boundaries: the largest integers, the
longest strings, each constraint just broken) and `MAX_EXAMPLES` fuzzed cases, valid and invalid,
derandomized so that every run sends the same requests. Each case is generated once and sent as
every user (generating costs as much as sending); an operation open without a token (sign-in,
refresh, ...; no `security` in the schema) answers the same whoever asks, so its cases are sent once.
Schemathesis 4 runs the coverage cases only from its pytest and CLI drivers; the test builds them
with the function its pytest plugin uses (`build_operation_test`, hence the exact version pin in
pyproject.toml).
"""
from __future__ import annotations

import asyncio
import shutil
from collections import Counter
from collections.abc import Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.generation.feedback import FeedbackSources
from schemathesis.pytest._test_builder import build_operation_test
from schemathesis.python import asgi

from central import kb, seed
from central.app import create_app
from central.platform import Platform
from central.seed import DEMO_PASSWORD
from central.store import Database

# Each case is sent as each user in this order: the admin last, since what it does to another
# user's account (disable, a new password) should come after that user's own request.
USERS = ("agent", "unit_d01", "admin")
MAX_EXAMPLES = 20
# an endless stream (each request would wait for its keep-alive): tests/platform/test_events.py
SKIP = {"GET /api/v1/events"}
# These may end the fuzzing user's own session: last, in this order, so that the rest runs signed
# in. Signing out everywhere surely ends it (its first case is valid), so it is the very last.
SESSION_ENDING = ("POST /api/v1/me/password", "POST /api/v1/users/{username}/password",
                  "POST /api/v1/users/{username}/disable", "POST /api/v1/auth/sign-out-everywhere")
SETTINGS = settings(max_examples=MAX_EXAMPLES, derandomize=True, database=None, deadline=None,
                    suppress_health_check=list(HealthCheck))

# the knowledge import takes JSON Lines: sent as the generated text
schemathesis.serializer.alias("application/x-ndjson", "text/plain")


async def _demo_like(url: str) -> None:
    """What `seed --demo` adds to the reference data, with a smaller history."""
    database = Database(url)
    try:
        await database.start()
        async with database.write() as conn:
            await kb.replace_synonyms(conn, seed.demo_synonyms())
            await kb.apply(conn, kb.parse_lines(seed.demo_kb_lines()))
            await seed.seed_history(conn, callers=100, orders=300)
    finally:
        await database.close()


@pytest.fixture
def demo_url(sqlite_template, tmp_path) -> str:
    target = tmp_path / "central.db"
    shutil.copy(sqlite_template, target)
    url = f"sqlite:///{target}"
    asyncio.run(_demo_like(url))
    return url


@pytest.fixture
def schema(demo_url) -> Iterator[schemathesis.BaseSchema]:
    """The schema of the running application: loading it starts the platform (its lifespan)."""
    app = create_app(Platform(demo_url))
    try:
        yield schemathesis.openapi.from_asgi("/openapi.json", app)
    finally:
        asgi.shutdown_lifespans()


def _sign_in(schema, username: str) -> str:  # noqa: ANN001
    with asgi.get_client(schema.app) as client:
        r = client.post(f"http://{asgi.HOST}/api/v1/auth/sign-in",
                        json={"username": username, "password": DEMO_PASSWORD, "seat": "S-FUZZ"})
    assert r.status_code == 200, r.text
    return r.json()["access_token"]


def _order(operation) -> int:  # noqa: ANN001
    return SESSION_ENDING.index(operation.label) + 1 if operation.label in SESSION_ENDING else 0


def _sender(users: dict[str, dict], statuses: dict[str, Counter], failures: list[str]):  # noqa: ANN202
    """The test function of one operation: each case sent as each of `users` (name: headers)."""
    def call(case) -> None:  # noqa: ANN001
        for user, headers in users.items():
            response = case.call(headers=headers)
            statuses[user][response.status_code] += 1
            if response.status_code >= 500:
                failures.append(f"{user}: {response.status_code} {case.as_curl_command()}\n    {response.text[:300]}")
    return call


def _run(schema, tokens: dict[str, str], statuses: dict[str, Counter], failures: list[str]) -> None:  # noqa: ANN001
    everyone = {user: {"Authorization": f"Bearer {token}"} for user, token in tokens.items()}
    anyone = {USERS[0]: everyone[USERS[0]]}
    for operation in sorted((r.ok() for r in schema.get_all_operations()), key=_order):
        if operation.label in SKIP:
            continue
        users = everyone if operation.definition.raw.get("security") else anyone
        build_operation_test(config=schema.config, operation=operation, test_func=_sender(users, statuses, failures),
                             given_kwargs={}, feedback=FeedbackSources(), explicit_settings=SETTINGS)()


@pytest.mark.timeout(300)  # about 80 s on 2 cores
def test_no_operation_answers_500_to_any_user(schema):
    # all signed in first: fuzzing the sign-in slows this address down
    tokens = {user: _sign_in(schema, user) for user in USERS}
    statuses = {user: Counter() for user in USERS}
    failures: list[str] = []
    _run(schema, tokens, statuses, failures)
    report = "; ".join(f"{user}: {sum(s.values())} requests, {s[500]} of them 500 ({dict(sorted(s.items()))})"
                       for user, s in statuses.items())
    print(report)
    assert all(sum(s.values()) >= 1000 for s in statuses.values()), report
    # signed in the whole way: most answers are not 401
    assert all(s[401] < sum(s.values()) / 3 for s in statuses.values()), report
    assert not failures, report + "\n" + "\n".join(failures[:20])


UNBOUNDED_ALLOWED: set[str] = set()  # every integer is bounded


def _integers(node: object, where: str) -> Iterator[tuple[str, dict]]:
    if isinstance(node, dict):
        if node.get("type") == "integer":
            yield where, node
        for key in ("anyOf", "oneOf", "allOf"):
            for option in node.get(key, []):
                yield from _integers(option, where)
        if isinstance(node.get("items"), dict):
            yield from _integers(node["items"], where)


def test_every_integer_a_client_sends_is_bounded_below_64_bits():
    """The coverage cases probe a declared maximum; an integer without one reaches the database's
    64-bit limit unprobed (a 500 on SQLite and PostgreSQL alike)."""
    spec = create_app(Platform("sqlite://", sweep_every_s=None)).openapi()  # never started: nothing is opened
    components = spec["components"]["schemas"]
    found: list[tuple[str, dict]] = []
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            for parameter in operation.get("parameters", []):
                found += _integers(parameter.get("schema"), f"{method.upper()} {path} {parameter['name']}")
            for content in operation.get("requestBody", {}).get("content", {}).values():
                name = content["schema"].get("$ref", "").rpartition("/")[2]
                for field, node in components.get(name, {}).get("properties", {}).items():
                    found += _integers(node, f"{name}.{field}")
    assert found, "no integer parameter found: the walk is broken"
    unbounded = [where for where, node in found
                 if where not in UNBOUNDED_ALLOWED and not node.get("maximum", 2**63) <= 2**62]
    assert not unbounded
