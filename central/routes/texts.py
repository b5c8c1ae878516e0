"""Agent texts: quick phrases, call scripts and form templates (central/texts.py). Anyone signed in
may read them (the seats get them through the feed); administrators edit them."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from pydantic import AfterValidator

from central import texts
from central.deps import PlatformDep, who
from central.validation import clean
from domain.texts import TextKind

router = APIRouter(prefix="/api/v1/agent-texts", tags=["agent texts"])

TextId = Annotated[str, Path(max_length=36), AfterValidator(clean)]


@router.get("")
async def list_texts(platform: PlatformDep, _: who("feed.read"), kind: TextKind | None = None) -> dict:
    async with platform.db.read() as conn:
        return {"items": await texts.list_texts(conn, kind)}


@router.post("", status_code=201)
async def add_text(body: texts.TextIn, platform: PlatformDep, claims: who("texts.edit")) -> dict:
    async with platform.db.write() as conn:
        row = await texts.create(conn, body, claims.username)
    platform.changed()
    return row


@router.put("/{text_id}")
async def change_text(text_id: TextId, body: texts.TextIn, platform: PlatformDep, claims: who("texts.edit")) -> dict:
    async with platform.db.write() as conn:
        row = await texts.update(conn, text_id, body, claims.username)
    platform.changed()
    return row


@router.delete("/{text_id}")
async def delete_text(text_id: TextId, platform: PlatformDep, _: who("texts.edit")) -> dict:
    async with platform.db.write() as conn:
        await texts.delete(conn, text_id)
    platform.changed()
    return {"deleted": text_id}
