"""Errors the API answers with: one JSON shape (`domain.errors.error_body`: code, message and the
platform's marker, so that a client tells our refusals from a proxy's pages), a status a client
can act on, never a 500 for bad input.

Every request has an id (`X-Request-ID`, the client's when it sends a sane one), answered in the
same header; a 500 is a bug, logged as one line with that id and carrying it in its body.
"""
from __future__ import annotations

import logging
import re
import uuid

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from central.validation import MAX_DEPTH, raw_json_depth
from domain.errors import error_body

log = logging.getLogger(__name__)


class ApiError(Exception):
    """A known condition: `code` is stable for programs, `message` is for people, `field` names
    the offending input field when there is one."""

    def __init__(self, status: int, code: str, message: str, field: str | None = None,
                 headers: dict[str, str] | None = None, **extra: object) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.field, self.extra = status, code, message, field, extra
        self.headers = headers  # e.g. Retry-After on a 429

    def body(self) -> dict:
        extra = {"field": self.field} if self.field else {}
        return error_body(self.code, self.message, **extra, **self.extra)


def invalid(field: str, reason: str) -> ApiError:
    return ApiError(422, "invalid", f"{field}: {reason}", field=field)


def not_found(what: str, key: str) -> ApiError:
    return ApiError(404, "not_found", f"{what} {key!r} does not exist")


def _field_name(loc: tuple | list) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or "body"


def install(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError) -> JSONResponse:
        if exc.status in (401, 403):
            from central.audit import record_refusal  # the audit needs the database; errors come first

            record_refusal(request, exc.status, _masked(f"{request.method} {request.url.path}"))
        return JSONResponse(exc.body(), status_code=exc.status, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(_request: Request, exc: RequestValidationError) -> JSONResponse:
        fields = [{"field": _field_name(e.get("loc", ())), "reason": e.get("msg", "invalid")} for e in exc.errors()]
        message = "; ".join(f"{f['field']}: {f['reason']}" for f in fields)
        return JSONResponse(error_body("invalid", message, field=fields[0]["field"] if fields else None,
                                       fields=fields), status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed", 413: "too_large"}.get(exc.status_code, "http_error")
        return JSONResponse(error_body(code, str(exc.detail)), status_code=exc.status_code,
                            headers=getattr(exc, "headers", None))


_SANE_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")
_LONG_NUMBER = re.compile(r"\d{7,}")  # a phone number in a path or a message


def _masked(text: str) -> str:
    return _LONG_NUMBER.sub(lambda m: m[0][:3] + "*" * (len(m[0]) - 5) + m[0][-2:], text)


class RequestContext:
    """The outermost middleware: give the request its id, answer with it, and turn a bug into one
    log line and a 500 that names the id (the traceback only at DEBUG)."""

    def __init__(self, app) -> None:  # noqa: ANN001
        self.app = app

    async def __call__(self, scope, receive, send) -> None:  # noqa: ANN001
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        sent = dict(scope.get("headers") or []).get(b"x-request-id", b"").decode("latin-1")
        rid = sent if _SANE_ID.fullmatch(sent) else uuid.uuid4().hex
        # the request's own copy: a server shares the lifespan state between requests
        scope["state"] = {**scope.get("state", {}), "request_id": rid}
        started = False

        async def send_with_id(message) -> None:  # noqa: ANN001
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                message = {**message, "headers": [*message.get("headers", []),
                                                  (b"x-request-id", rid.encode("latin-1"))]}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception as exc:  # a bug: the one place it is reported
            first_line = (str(exc).strip().splitlines() or [""])[0][:300]
            log.error("500 on %s %s: %s: %s (request %s)", scope.get("method"), _masked(scope.get("path", "")),
                      type(exc).__name__, _masked(first_line), rid)
            log.debug("traceback of request %s", rid, exc_info=exc)
            if started:  # a stream that failed halfway: the client sees it cut short
                return
            response = JSONResponse(error_body("internal", f"internal error; it has been logged as request {rid}",
                                               request_id=rid), status_code=500)
            await response(scope, receive, send_with_id)


class BodyLimit:
    """Refuse request bodies above `limit` bytes with 413, whether or not Content-Length is sent."""

    def __init__(self, app, limit: int) -> None:  # noqa: ANN001
        self.app, self.limit = app, limit

    async def __call__(self, scope, receive, send) -> None:  # noqa: ANN001
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.limit:
            await self._refuse(scope, receive, send)
            return
        seen = 0

        async def limited_receive():  # noqa: ANN202
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    # FastAPI re-raises HTTPException from body reading; the handler answers 413.
                    raise StarletteHTTPException(413, f"request body exceeds {self.limit} bytes")
            return message

        await self.app(scope, limited_receive, send)

    async def _refuse(self, scope, receive, send) -> None:  # noqa: ANN001
        response = JSONResponse(error_body("too_large", f"request body exceeds {self.limit} bytes"), status_code=413)
        await response(scope, receive, send)


class JsonDepthLimit:
    """Refuse a body nested deeper than MAX_DEPTH levels with 422, before anything parses it: a
    parser or encoder would hit Python's recursion limit on it (when parsing it, when encoding an
    answer that echoes it, or when reading it back from the database). Inside BodyLimit, which
    bounds what is buffered here."""

    def __init__(self, app, limit: int = MAX_DEPTH) -> None:  # noqa: ANN001
        self.app, self.limit = app, limit

    async def __call__(self, scope, receive, send) -> None:  # noqa: ANN001
        headers = dict(scope.get("headers") or [])
        has_body = headers.get(b"content-length", b"0") not in (b"0", b"") or b"transfer-encoding" in headers
        if scope["type"] != "http" or not has_body:
            await self.app(scope, receive, send)
            return
        chunks, more = [], True
        try:
            while more:
                message = await receive()
                if message["type"] != "http.request":  # the client went away
                    return
                chunks.append(message.get("body", b""))
                more = message.get("more_body", False)
        except StarletteHTTPException as exc:  # BodyLimit: too large
            await JSONResponse(error_body("too_large", str(exc.detail)), status_code=exc.status_code)(
                scope, receive, send)
            return
        body = b"".join(chunks)
        if raw_json_depth(body) > self.limit:
            response = JSONResponse(error_body("invalid", f"body: JSON nested deeper than {self.limit} levels",
                                               field="body"), status_code=422)
            await response(scope, receive, send)
            return
        replayed = False

        async def replay():  # noqa: ANN202
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)
