"""Only the platform rejects: an answer it did not make (a proxy's 404 page) is retried like a
network error; its own refusal is kept with its code and message, the changes that depend on the
refused one are held behind it, and the agent resends (edited) or discards it. The real platform
on loopback, a real cache file; the proxy's pages are the one fault injected (see ProxyPages)."""
from __future__ import annotations

import json
import uuid

import httpx
import pytest
import pytest_asyncio

from central.errors import ApiError
from central.seed import DEMO_PASSWORD
from domain.errors import is_platform_rejection
from offline_cache import workorders
from workstation.orders import OrderService
from workstation.platform_client import PlatformClient
from workstation.sync import Backoff, SyncService

pytestmark = pytest.mark.asyncio

NGINX_404 = b"<html>\r\n<head><title>404 Not Found</title></head>\r\n<body>\r\n<center><h1>404 Not Found</h1>" \
            b"</center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
# a gateway's own JSON, shaped like ours but without the platform's marker
GATEWAY_404 = json.dumps({"error": "not_found", "message": "no route matched"}).encode()
PAGES = {"html": (NGINX_404, "text/html"), "json": (GATEWAY_404, "application/json")}


class ProxyPages(httpx.AsyncBaseTransport):
    """A reverse proxy in front of the platform that answers the next `pages` POSTs to /mutations
    with a 404 page of its own instead of forwarding them, and forwards everything else. A fault
    the real platform cannot produce: its every error answer carries its marker. Keeps the ids of
    the mutations that reached the platform, in order."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.pages: list[tuple[bytes, str]] = []
        self.answered_by_proxy = 0
        self.forwarded: list[str] = []
        self.down = False

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self.down:
            raise httpx.ConnectError("injected: connection refused", request=request)
        if request.method == "POST" and request.url.path == "/api/v1/mutations":
            if self.pages:
                body, kind = self.pages.pop(0)
                self.answered_by_proxy += 1
                return httpx.Response(404, content=body, headers={"content-type": kind}, request=request)
            self.forwarded.append(json.loads(request.content)["id"])
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


@pytest.fixture
def proxy() -> ProxyPages:
    return ProxyPages(httpx.AsyncHTTPTransport())


@pytest_asyncio.fixture
async def sync(cache, platform, proxy):
    client = PlatformClient(platform.url, transport=proxy, timeout=5.0)
    await client.sign_in("agent", DEMO_PASSWORD, "A-01")
    service = SyncService(cache, client, page_size=50, poll_interval_s=0.5, backoff=Backoff(base_s=0.01, cap_s=0.05))
    yield service
    await service.stop()
    await client.close()


def new_order(title: str = "咨询公积金", category_id: str = "010101") -> dict:
    return {"request_type": "consultation", "category_id": category_id, "title": title, "content": "来电咨询",
            "caller_phone": "13800138000"}


def on_platform(api, key: str) -> dict | None:
    """The platform's order by number or client_ref (None when it has none)."""
    r = api.get(f"/api/v1/work-orders/{key}")
    if r.status_code == 404:
        return None
    assert r.status_code == 200, r.text
    return r.json()


def outbox_ops(store) -> list[tuple[str, str | None]]:
    return [(m.op, m.entity_id) for m in store.pending(100)]


async def test_the_rule_is_the_platforms_error_body_and_nothing_else() -> None:
    platform_body = ApiError(422, "invalid", "payload.title: too long", field="payload.title").body()
    assert is_platform_rejection(422, platform_body) and is_platform_rejection(409, platform_body)
    assert not is_platform_rejection(404, json.loads(GATEWAY_404))  # JSON of a proxy's own
    assert not is_platform_rejection(404, None)  # an HTML page: no JSON at all
    assert not is_platform_rejection(401, platform_body)  # who we are: settled by signing in again
    assert not is_platform_rejection(429, platform_body) and not is_platform_rejection(503, platform_body)


@pytest.mark.parametrize("page", sorted(PAGES))
async def test_a_proxys_404_is_retried_and_the_order_and_its_close_arrive_in_order(sync, proxy, sign_in, page):
    proxy.pages.append(PAGES[page])
    orders = OrderService(sync, "A-01")
    provisional = await orders.create(new_order(), then=("close_at_intake", {"answer": "已按知识库答复"}))
    [create, close] = sync.store.pending(10)

    await sync.upload_all()

    assert proxy.answered_by_proxy == 1  # the first try of the create got the proxy's page
    assert proxy.forwarded == [create.id, close.id]  # then both went, the create first
    assert sync.outbox_size() == 0
    assert sync.store.rejections(include_dismissed=True) == []
    order = on_platform(sign_in("agent2"), provisional)
    assert order is not None and order["status"] == "closed_at_intake"
    await sync.download_all()
    cached = workorders.by_number(sync.store.conn, provisional)
    assert (cached["number"], cached["status"], cached["local"]) == (order["number"], "closed_at_intake", False)


async def _refused_create_with_its_close(sync, proxy) -> tuple[str, str, str]:
    """An order made here with a category the platform does not know, closed at intake at once, and
    another order after it: (provisional number, the close's mutation id, the other's number)."""
    orders = OrderService(sync, "A-01")
    provisional = await orders.create(new_order(category_id="0101"),  # not a leaf category: refused
                                      then=("close_at_intake", {"answer": "已按知识库答复"}))
    close_id = sync.store.pending(10)[1].id
    other = await orders.create(new_order("另一张工单"))
    await sync.upload_all()
    return provisional, close_id, other


async def test_a_refusal_holds_what_depends_on_it_and_an_edited_resend_delivers_both(sync, proxy, sign_in):
    provisional, close_id, other = await _refused_create_with_its_close(sync, proxy)
    api = sign_in("agent2")

    [refused] = sync.rejections()
    assert (refused.op, refused.status, refused.code) == ("create", 422, "invalid")
    assert "category" in refused.message and refused.payload["client_ref"] == provisional
    assert [m.id for m in sync.held_behind(refused.mutation_id)] == [close_id]
    assert close_id not in proxy.forwarded  # held, not sent to fail
    assert on_platform(api, other) is not None  # the queue went on with the other order
    assert sync.outbox_size() == 1  # the held close still counts: nothing reads "up to date"
    row = workorders.by_number(sync.store.conn, provisional)
    assert (row["local"], row["rejected_code"]) == (True, "invalid")  # says it is not confirmed

    await sync.resend_rejection(refused.mutation_id, {**refused.payload, "category_id": "010101"})
    assert sync.rejections() == [] and workorders.by_number(sync.store.conn, provisional)["rejected_code"] is None
    await sync.upload_all()

    assert sync.outbox_size() == 0 and sync.rejections() == []
    assert proxy.forwarded.index(close_id) == len(proxy.forwarded) - 1  # the close after the resent create
    order = on_platform(api, provisional)
    assert (order["client_ref"], order["category_id"], order["status"]) == (provisional, "010101",
                                                                            "closed_at_intake")
    await sync.download_all()
    cached = workorders.by_number(sync.store.conn, provisional)
    assert (cached["number"], cached["status"], cached["local"]) == (order["number"], "closed_at_intake", False)


async def test_discarding_a_refused_order_drops_it_with_what_depends_on_it(sync, proxy, sign_in):
    provisional, close_id, _other = await _refused_create_with_its_close(sync, proxy)
    [refused] = sync.rejections()

    await sync.discard_rejection(refused.mutation_id)

    assert sync.rejections() == [] and sync.outbox_size() == 0
    await sync.upload_all()
    assert close_id not in proxy.forwarded
    assert on_platform(sign_in("agent2"), provisional) is None
    # the platform never had it: the cache no longer shows an order closed at intake
    assert workorders.by_number(sync.store.conn, provisional) is None
    with pytest.raises(KeyError):
        await sync.resend_rejection(refused.mutation_id)  # resolved once and for all


async def test_discarding_a_refused_change_of_a_platform_order_shows_the_platforms_state(sync, proxy, sign_in):
    api = sign_in("agent2")
    number = api.post("/api/v1/mutations", json={"id": str(uuid.uuid4()), "entity": "work_order", "op": "create",
                                                 "payload": new_order()}).json()["data"]["number"]
    await sync.download_all()
    await OrderService(sync, "A-01").act(number, "close_at_intake", {"answer": ""})  # empty: refused
    held = await sync.record("work_order", "reject_at_intake", {"reason": "litigation"}, entity_id=number)
    await sync.upload_all()

    [refused] = sync.rejections()
    assert (refused.entity_id, refused.status, refused.code) == (number, 422, "invalid")
    assert [m.id for m in sync.held_behind(refused.mutation_id)] == [held] and held not in proxy.forwarded
    row = workorders.by_number(sync.store.conn, number)
    assert (row["status"], row["local"], row["rejected_code"]) == ("closed_at_intake", True, "invalid")

    proxy.down = True  # discarded offline: the row waits, marked unconfirmed, to be read again
    await sync.discard_rejection(refused.mutation_id)
    assert sync.rejections() == [] and sync.outbox_size() == 0
    row = workorders.by_number(sync.store.conn, number)
    assert row["local"] is True and sync.store.refetch_wanted() == [number]

    proxy.down = False
    await sync.download_all()
    row = workorders.by_number(sync.store.conn, number)
    assert (row["status"], row["local"], row["rejected_code"]) == ("accepted", False, None)
    assert on_platform(api, number)["status"] == "accepted" and sync.store.refetch_wanted() == []
    assert held not in proxy.forwarded
