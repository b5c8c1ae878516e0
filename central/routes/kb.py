"""Knowledge base: read one entry, import and export JSON Lines, review correction reports."""
from __future__ import annotations

import json
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import StreamingResponse
from pydantic import AfterValidator
from sqlalchemy import select

from central import db, kb
from central.deps import PlatformDep, who
from central.errors import ApiError, not_found
from central.validation import clean

router = APIRouter(prefix="/api/v1/kb", tags=["knowledge base"])


@router.get("/entries/{entry_id}")
async def get_entry(entry_id: Annotated[str, Path(max_length=64), AfterValidator(clean)], platform: PlatformDep, _: who("kb.read")) -> dict:
    async with platform.db.read() as conn:
        row = (await conn.execute(select(db.kb_entries).where(db.kb_entries.c.id == entry_id))).mappings().first()
    if row is None:
        raise not_found("knowledge entry", entry_id)
    return {**kb.entry_from_row(row), "updated_at": row["updated_at"]}


@router.post("/import", openapi_extra={"requestBody": {"content": {"application/x-ndjson": {
    "schema": {"type": "string"}}}, "required": True}})
async def import_entries(request: Request, platform: PlatformDep, claims: who("kb.import")) -> dict:
    """JSON Lines in the export format. All or nothing: any malformed line refuses the whole file."""
    raw = await request.body()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ApiError(422, "invalid_import", f"the body is not UTF-8 (byte {exc.start})") from None
    try:
        entries = kb.parse_lines(text.splitlines())
    except kb.ImportRefused as exc:
        raise ApiError(422, "invalid_import", str(exc),
                       problems=[{"line": p.line, "message": p.message} for p in exc.problems]) from None
    async with platform.db.write() as conn:
        result = await kb.apply(conn, entries, by=claims.username)
    platform.changed()
    return result.counts()


SYNONYMS_BODY = {"requestBody": {"required": True, "content": {"application/json": {"schema": {
    "type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}, "minItems": 1}}}}}}


@router.put("/synonyms", openapi_extra=SYNONYMS_BODY)
async def put_synonyms(request: Request, platform: PlatformDep, _: who("kb.lexicon")) -> dict:
    """Replace the synonym list: a JSON object of term -> list of formal expansions. (The body
    was checked for its nesting on the way in: central/errors.py JsonDepthLimit.)"""
    try:
        mapping = kb.parse_synonyms(json.loads(await request.body()))
    except ValueError as exc:  # JSONDecodeError and UnicodeDecodeError among them
        raise ApiError(422, "invalid", str(exc), field="synonyms") from None
    async with platform.db.write() as conn:
        counts = await kb.replace_synonyms(conn, mapping)
    platform.changed()
    return counts


ENTRY_BODY = {"requestBody": {"required": True, "content": {"application/json": {"schema": {"type": "object"}}}}}


@router.put("/entries/{entry_id}", openapi_extra=ENTRY_BODY)
async def publish_entry(entry_id: Annotated[str, Path(max_length=64), AfterValidator(clean)], request: Request,
                        platform: PlatformDep, claims: who("kb.publish")) -> dict:
    """A department publishes one of its own entries or answers to a hot question (答复口径): a
    handling unit's user only with its own unit as `source_department`, and never another
    department's entry; the change gets a new version and reaches every seat through the feed.
    `valid_from` in the future: the seats list it from that day."""
    try:
        entry = kb.parse_one((await request.body()).decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise ApiError(422, "invalid", f"the body is not UTF-8 (byte {exc.start})") from None
    except kb.ImportRefused as exc:
        raise ApiError(422, "invalid", exc.problems[0].message,
                       field=exc.problems[0].message.split(":")[0]) from None
    if entry.id != entry_id:
        raise ApiError(422, "invalid", "the entry's id differs from the one in the path", field="id")
    try:
        async with platform.db.write() as conn:
            stored = await kb.publish(conn, claims, entry)
    except kb.NotYourDepartment as exc:
        raise ApiError(403, "not_your_department", str(exc)) from None
    platform.changed()
    return stored


@router.get("/expiring")
async def expiring_entries(platform: PlatformDep, claims: who("kb.publish"),
                           days: Annotated[int, Query(ge=1, le=366)] = 30) -> dict:
    """Entries whose validity ends within `days` (a department's own), soonest first."""
    async with platform.db.read() as conn:
        return {"items": await kb.expiring(conn, claims, days)}


@router.get("/export")
async def export_entries(platform: PlatformDep, _: who("kb.export")) -> StreamingResponse:
    async with platform.db.read() as conn:
        lines = list(await kb.export_lines(conn))
    return StreamingResponse((line + "\n" for line in lines), media_type="application/x-ndjson")


@router.get("/entries/{entry_id}/versions")
async def entry_versions(entry_id: Annotated[str, Path(max_length=64), AfterValidator(clean)], platform: PlatformDep,
                         _: who("kb.read")) -> dict:
    """Every version of an entry, newest first, with who changed it and when: the previous answer
    is one step down."""
    async with platform.db.read() as conn:
        items = await kb.versions(conn, entry_id)
    if not items:
        raise not_found("knowledge entry", entry_id)
    return {"items": items}


@router.get("/corrections/mine")
async def my_corrections(platform: PlatformDep, claims: who("kb.report")) -> dict:
    """The signed-in user's reports with their outcome (accepted, rejected and why), newest first."""
    async with platform.db.read() as conn:
        return {"items": await kb.reported_by(conn, claims.username)}


@router.get("/corrections")
async def list_corrections(platform: PlatformDep, _: who("kb.review"),
                           status: Literal["open", "all"] = "open",
                           limit: Annotated[int, Query(ge=1, le=500)] = 200) -> dict:
    """Correction reports and proposed answers waiting for review, newest first."""
    async with platform.db.read() as conn:
        return {"items": await kb.list_corrections(conn, status, limit)}
