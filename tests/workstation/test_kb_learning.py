"""The knowledge base on the seats gets better (issue 14): an answer agents inserted after a query
comes first for that query on every other seat, and a correction the editor accepts reaches a
seat's search and detail, each after a sync. The real platform on loopback, seats with their own
caches."""
from __future__ import annotations

import json

import pytest

from central.seed import DEMO_PASSWORD
from tests.workstation.test_sync import until
from workstation.platform_client import PlatformClient
from workstation.session import SeatSession


def _entry(key: str, title: str, answer: str) -> dict:
    return {"id": key, "title": title, "answer": answer, "category_path": ["住房与物业"], "source_department": "",
            "policy_basis": "", "keywords": [], "valid_from": "2024-01-01", "valid_to": None, "version": 1,
            "status": "published"}


async def _seat(platform, tmp_path, username: str, seat: str) -> SeatSession:  # noqa: ANN001
    client = PlatformClient(platform.url, timeout=5.0)
    await client.sign_in(username, DEMO_PASSWORD, seat)
    session = await SeatSession.open(client, seat, tmp_path / username)
    await until(session.sync.synced, lambda: session.store.get_state("cursor") is not None)
    return session


@pytest.mark.asyncio
async def test_an_answer_two_agents_inserted_comes_first_for_that_query_on_another_seat(platform, sign_in, tmp_path):
    lines = [_entry("kb-near", "公积金提取", "提取公积金的一般条件。"),
             _entry("kb-used", "租房可以用公积金吗", "租房提取公积金：身份证和租房合同即可。")]
    r = sign_in("admin").post("/api/v1/kb/import",
                              content="".join(json.dumps(e, ensure_ascii=False) + "\n" for e in lines).encode())
    assert r.status_code == 200, r.text
    seats = [await _seat(platform, tmp_path, u, s) for u, s in (("agent", "L-01"), ("agent2", "L-02"),
                                                               ("expert", "L-03"))]
    try:
        other = seats[2]
        await other.sync.download_all()
        query = "公积金提取"
        assert [h.id for h in other.knowledge.search(query)][0] == "kb-near"
        before = [h.id for h in other.knowledge.search("公积金")]
        for seat in seats[:2]:
            assert await seat.knowledge.record_use(query, "kb-used", "insert") is True
            await seat.sync.upload_all()
        assert await seats[0].knowledge.record_use("13912345678", "kb-used", "insert") is False  # nothing sent
        await other.sync.download_all()
        hits = other.knowledge.search(query)
        assert [h.id for h in hits][:2] == ["kb-used", "kb-near"]
        assert [h.id for h in other.knowledge.search("公积金")] == before  # another query: as before
    finally:
        for seat in seats:
            client = seat.client
            await seat.close()
            await client.close()


@pytest.mark.asyncio
async def test_a_correction_the_editor_accepts_reaches_the_seats_search_and_detail_within_a_sync(
        platform, sign_in, tmp_path):
    import uuid
    sign_in("admin").post("/api/v1/kb/import", content=json.dumps(
        _entry("kb-fix", "居住证办理材料", "身份证和租房合同。"), ensure_ascii=False).encode()).raise_for_status()
    seat = await _seat(platform, tmp_path, "agent", "L-04")
    try:
        assert seat.knowledge.search("社保缴费证明") == []
        r = sign_in("expert").post("/api/v1/mutations", json={
            "id": str(uuid.uuid4()), "entity": "kb_correction", "op": "create",
            "payload": {"entry_id": "kb-fix", "comment": "材料有变", "proposed_answer": "身份证、租房合同和社保缴费证明。"}})
        correction = r.json()["data"]["id"]
        sign_in("lead").post("/api/v1/mutations", json={
            "id": str(uuid.uuid4()), "entity": "kb_correction", "op": "decide", "entity_id": correction,
            "payload": {"decision": "accept"}}).raise_for_status()
        await seat.sync.download_all()
        assert [h.id for h in seat.knowledge.search("社保缴费证明")] == ["kb-fix"]
        assert seat.knowledge.entry("kb-fix")["answer"] == "身份证、租房合同和社保缴费证明。"
    finally:
        client = seat.client
        await seat.close()
        await client.close()


@pytest.mark.asyncio
async def test_the_lexicon_the_editor_keeps_changes_a_seats_results_after_a_sync(platform, sign_in, tmp_path):
    sign_in("admin").post("/api/v1/kb/import", content=json.dumps(
        _entry("kb-refund", "预付卡退费投诉", "商家拒绝退费的，可以向市场监管部门投诉。"), ensure_ascii=False).encode()
    ).raise_for_status()
    seat = await _seat(platform, tmp_path, "agent", "L-05")
    editor = sign_in("editor")
    try:
        assert [h.id for h in seat.knowledge.search("理发店办的卡不给退")] == []
        lexicon = editor.get("/api/v1/snapshot/synonym", params={"limit": 5000}).json()["items"]
        mapping = {row["term"]: row["expansions"] for row in lexicon}
        r = editor.put("/api/v1/kb/synonyms", json={**mapping, "不给退": ["退费"]})
        assert r.status_code == 200, r.text
        await seat.sync.download_all()
        assert [h.id for h in seat.knowledge.search("理发店办的卡不给退")][:1] == ["kb-refund"]
        assert sign_in("agent").put("/api/v1/kb/synonyms", json=mapping).status_code == 403
    finally:
        client = seat.client
        await seat.close()
        await client.close()


@pytest.mark.asyncio
async def test_a_lexicon_line_the_editor_saves_on_their_seat_reaches_another_seats_search(platform, sign_in, tmp_path):
    sign_in("admin").post("/api/v1/kb/import", content=json.dumps(
        _entry("kb-deposit", "房屋租赁押金退还纠纷", "出租人无正当理由不退还押金的，可以申请调解或向法院起诉。"),
        ensure_ascii=False).encode()).raise_for_status()
    editor, agent = await _seat(platform, tmp_path, "editor", "L-06"), await _seat(platform, tmp_path, "agent", "L-07")
    try:
        query = "房东扣着钱不还"
        assert "kb-deposit" not in [h.id for h in agent.knowledge.search(query)]
        with pytest.raises(ValueError, match="^expansions"):
            await editor.knowledge.put_lexicon_line("扣着钱不还", ["  "])  # refused here, nothing sent
        assert editor.sync.outbox_size() == 0
        await editor.knowledge.put_lexicon_line(" 扣着钱不还 ", ["押金", " 不退还押金 ", "押金"])
        assert ("扣着钱不还", ["押金", "不退还押金"]) in editor.knowledge.lexicon()  # this seat: at once
        await editor.sync.upload_all()
        assert editor.sync.outbox_size() == 0 and editor.sync.rejections() == []
        await agent.sync.download_all()
        assert "kb-deposit" in [h.id for h in agent.knowledge.search(query)][:3]
        await editor.knowledge.delete_lexicon_line("扣着钱不还")
        await editor.sync.upload_all()
        await agent.sync.download_all()
        assert "扣着钱不还" not in dict(agent.knowledge.lexicon())
        # an agent's seat may record the change, and the platform refuses it with the reason
        await agent.knowledge.put_lexicon_line("不给退", ["退费"])
        await agent.sync.upload_all()
        assert [(r.entity, r.status) for r in agent.sync.rejections()] == [("synonym", 403)]
    finally:
        for seat in (editor, agent):
            client = seat.client
            await seat.close()
            await client.close()
