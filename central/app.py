"""The FastAPI application of the reference platform."""
from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from central import errors
from central.platform import Platform
from central.routes import auth, calls, escalations, feed, kb, metrics, orders, texts

MAX_BODY = 1 << 20
MAX_IMPORT_BODY = 64 << 20


class _Limits:
    """Per-path body limits: knowledge imports may be large (JSON Lines, each line checked by
    central/kb.py), everything else is small and JSON nested at most MAX_DEPTH levels."""

    def __init__(self, app) -> None:  # noqa: ANN001
        self.small = errors.BodyLimit(errors.JsonDepthLimit(app), MAX_BODY)
        self.large = errors.BodyLimit(app, MAX_IMPORT_BODY)

    async def __call__(self, scope, receive, send) -> None:  # noqa: ANN001
        limiter = self.large if scope.get("path") == "/api/v1/kb/import" else self.small
        await limiter(scope, receive, send)


def create_app(platform: Platform) -> FastAPI:
    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        await platform.start()
        try:
            yield
        finally:
            await platform.stop()

    app = FastAPI(title="12345 reference central platform", version="1", lifespan=lifespan)
    app.state.platform = platform
    errors.install(app)
    for module in (auth, kb, orders, feed, calls, escalations, metrics, texts):
        app.include_router(module.router)

    @app.get("/api/v1/health", tags=["health"])
    async def health() -> dict:
        cluster = platform.cluster
        if cluster is None:
            return {"status": "ok"}
        return {"status": "ok", "worker": cluster.worker_id, "leads": cluster.leading}

    app.add_middleware(_Limits)
    if platform.cluster is not None:
        from central.cluster import RouterForward
        app.add_middleware(RouterForward, platform=platform)
    app.add_middleware(errors.RequestContext)  # the outermost: its id is on every answer, 413 and 500 too
    return app
