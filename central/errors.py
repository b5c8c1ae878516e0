"""Errors the API answers with: one JSON shape (`domain.errors.error_body`: code, message and the
platform's marker, so that a client tells our refusals from a proxy's pages), a status a client
can act on, never a 500 for bad input."""
from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from domain.errors import error_body

log = logging.getLogger(__name__)


class ApiError(Exception):
    """A known condition: `code` is stable for programs, `message` is for people, `field` names
    the offending input field when there is one."""

    def __init__(self, status: int, code: str, message: str, field: str | None = None, **extra: object) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.field, self.extra = status, code, message, field, extra

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
    async def _api_error(_request: Request, exc: ApiError) -> JSONResponse:
        return JSONResponse(exc.body(), status_code=exc.status)

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

    @app.exception_handler(Exception)
    async def _bug(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return JSONResponse(error_body("internal", "internal error; it has been logged"), status_code=500)


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
