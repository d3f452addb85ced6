"""The HTTP application: GraphQL, health checks, bulk import, and the web console (its
sessions and its bundle)."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import logging
import time
from collections.abc import AsyncIterator, Callable
from decimal import Decimal
from typing import Any, Protocol

import msgspec
from cross_web import StarletteRequestAdapter
from graphql import GraphQLError
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route, WebSocketRoute, request_response
from starlette.types import Message, Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLRequestData
from strawberry.http.websocket_origin import is_same_origin, normalize_origin
from strawberry.types import ExecutionResult

from api import direct, session, web
from api.bulk import import_usage_endpoint
from api.context import Context
from api.cors import Cors
from api.files import download_report, import_costs_endpoint
from api.http import PRINCIPAL as _PRINCIPAL
from api.http import SESSION_EXPIRES as _SESSION_EXPIRES
from api.invoice_files import download_invoice
from api.keys import REVOKED_CLOSE_CODE, serve_until_revoked
from api.limits import Limited, QueryLimitSettings, RateLimiter, document_refusal
from api.metrics import metrics_endpoint
from api.schema import (
    INTERNAL_ERROR,
    MASKED_MESSAGE,
    audit_recorder,
    record_one,
    schema,
    unavailable_error,
    write_remaining,
)
from api.session import CSRF_HEADER, SAFE_METHODS, refusal, session_token
from api.typed_inputs import Decoded, MalformedBody, decode_body
from domain.access import Principal
from services.config import Settings
from services.errors import UNAVAILABLE_MESSAGE, is_unavailable
from services.keys import KeyResolver
from services.logs import begin_request, bind_principal
from services.metrics import observe_request, process_stopped
from services.runtime import (
    UNAVAILABLE_ERRORS,
    Runtime,
    database_server,
    ensure_database,
    liveness,
    open_runtime,
    readiness,
    tune_garbage_collector,
)
from services.sessions import EXPIRED_MESSAGE, SessionExpired, resolve_session

_log = logging.getLogger(__name__)

# The scope key under which DirectRecordUsage leaves the request body it
# decoded (a Decoded, or None: not one JSON request object) for the GraphQL
# app: get_context copies its drafts into the Context, parse_http_body reads
# the request from it instead of decoding the body again.
_DECODED = "metergraph.decoded"


def unauthorized() -> JSONResponse:
    return JSONResponse(
        {
            "error": {
                "code": "UNAUTHENTICATED",
                "message": "send a valid API key as 'Authorization: Bearer <key>'",
            }
        },
        status_code=401,
        headers={"WWW-Authenticate": 'Bearer realm="metergraph"'},
    )


class _RequestAdapter(StarletteRequestAdapter):
    """strawberry's view of an HTTP request, with its ASGI scope."""

    def __init__(self, request: Request) -> None:
        super().__init__(request)
        self.scope = request.scope


class MetergraphGraphQL(GraphQL[Context, None]):
    request_adapter_class = _RequestAdapter

    async def get_context(self, request: Any, response: Any = None) -> Context:
        context = Context(
            runtime=request.app.state.runtime,
            principal=request.scope[_PRINCIPAL],
            session_expires_at=request.scope.get(_SESSION_EXPIRES),
        )
        decoded: Decoded | None = request.scope.get(_DECODED)
        if decoded is not None and decoded.field is not None and decoded.drafts is not None:
            context.decoded = (decoded.field, decoded.drafts)
            context.audited_variables = decoded.audited
        return context

    def decode_json(self, data: str | bytes) -> object:
        # JSON numbers become exact Decimals, never binary floats.
        return json.loads(data, parse_float=Decimal)

    async def parse_http_body(self, request: Any) -> Any:
        decoded: Decoded | None = request.scope.get(_DECODED)
        if decoded is not None:
            return GraphQLRequestData(
                query=decoded.query,
                variables=decoded.variables,
                operation_name=decoded.operation_name,
                extensions=decoded.extensions,
            )
        return await super().parse_http_body(request)


async def record_directly(context: Context, decoded: Decoded) -> ExecutionResult | None:
    """A plain single recordUsage answered without the executor (api.direct); else None."""
    if not context.principal.can_record_usage or decoded.query is None:
        return None
    graphql_schema = schema._schema
    plan = direct.plan_for(graphql_schema, decoded.query, decoded.operation_name)
    if plan is None:
        return None
    drafts = context.take_decoded("recordUsage")
    assert drafts is not None
    context.audit = audit_recorder(context, plan.operation, decoded.variables)
    began = time.perf_counter()
    try:
        result = await record_one(context, drafts[0], backfill=False)
    except Exception as exc:  # answered as the executor answers a failed resolver: masked
        _log.exception("recordUsage failed")
        error = GraphQLError(MASKED_MESSAGE, path=[plan.root_key])
        code = INTERNAL_ERROR
        if is_unavailable(exc):
            error, code = unavailable_error(error), "DATABASE_UNAVAILABLE"
        await write_remaining(context, "error", [code])
        observe_request("recordUsage", "mutation", code, time.perf_counter() - began)
        return ExecutionResult(data=None, errors=[error])
    kind = direct.runtime_type(graphql_schema, result)
    data = {plan.root_key: direct.shape(graphql_schema, result, kind, plan.selections)}
    await write_remaining(context, direct.outcome(data), [])
    observe_request("recordUsage", "mutation", "ok", time.perf_counter() - began)
    return ExecutionResult(data=data, errors=None)


class Authenticated:
    """ASGI wrapper: resolves the caller or answers 401 before the app runs.

    The caller is the ``Authorization: Bearer`` key when the request has that
    header, else the console's session cookie (api.session). A cookie request
    that may change something must carry the session's CSRF token; a
    websocket opened with the cookie must come from this host's own page.
    A websocket with neither is accepted and authenticated by its
    ``connection_init`` payload (``{"authorization": "Bearer <key>"}``), as the
    stock graphql-ws client sends it.
    """

    def __init__(
        self, app: Any, *, init_timeout: float = 60.0, origins: tuple[str, ...] = ()
    ) -> None:
        self.app = app
        self.init_timeout = init_timeout
        # Other origins whose pages may open a websocket (with a key, never a cookie).
        self.origins = frozenset(origins)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        send = _with_request_id(send, begin_request())
        keys: KeyResolver = scope["app"].state.keys
        authorization = _header(scope, b"authorization")
        token = session_token(scope) if authorization is None else None
        if token is not None:
            await self._by_cookie(token, keys, scope, receive, send)
            return
        if authorization is None and scope["type"] == "websocket":
            await self._on_init(keys, scope, receive, send)
            return
        principal = await keys.resolve(authorization)
        if principal is None:
            if scope["type"] == "websocket":
                await _refuse_socket(receive, send, 4401, "unauthenticated")
                return
            await unauthorized()(scope, receive, send)
            return
        scope[_PRINCIPAL] = principal
        bind_principal(principal.key_id, principal.company_id)
        if scope["type"] == "websocket":  # open only while the key is valid
            await serve_until_revoked(keys, principal.key_id, self.app, scope, receive, send)
            return
        await self.app(scope, receive, send)

    async def _by_cookie(
        self, token: str, keys: KeyResolver, scope: Scope, receive: Receive, send: Send
    ) -> None:
        socket = scope["type"] == "websocket"
        if socket and not _same_origin(scope):  # cross-site websocket hijacking
            await _refuse_socket(receive, send, REVOKED_CLOSE_CODE, "cross-origin")
            return
        try:
            session = await resolve_session(scope["app"].state.runtime.pool, token)
        except SessionExpired:
            if socket:
                await _refuse_socket(receive, send, 4401, "session expired")
                return
            await refusal(scope, 401, "SESSION_EXPIRED", EXPIRED_MESSAGE)(scope, receive, send)
            return
        if session is None:
            if socket:
                await _refuse_socket(receive, send, 4401, "unauthenticated")
                return
            message = "this session has ended; sign in again"
            await refusal(scope, 401, "UNAUTHENTICATED", message)(scope, receive, send)
            return
        if (
            not socket
            and scope["method"] not in SAFE_METHODS
            and not session.csrf_matches(_header(scope, CSRF_HEADER.encode()))
        ):
            error = {
                "code": "CSRF_TOKEN_INVALID",
                "message": f"a request with the session cookie needs the {CSRF_HEADER} header"
                " the sign-in answered",
            }
            await JSONResponse({"error": error}, status_code=403)(scope, receive, send)
            return
        scope[_PRINCIPAL] = session.principal
        bind_principal(session.principal.key_id, session.principal.company_id)
        scope[_SESSION_EXPIRES] = session.expires_at
        if socket:
            key_id = session.principal.key_id
            await serve_until_revoked(keys, key_id, self.app, scope, receive, send)
            return
        await self.app(scope, receive, send)

    async def _on_init(self, keys: KeyResolver, scope: Scope, receive: Receive, send: Send) -> None:
        """Accept the socket, read its connection_init and authenticate by its payload."""
        connect = await receive()
        if connect["type"] != "websocket.connect":
            return
        if not _same_origin(scope) and _origin(scope) not in self.origins:
            await send({"type": "websocket.close", "code": 4403, "reason": "cross-origin"})
            return
        await send({"type": "websocket.accept", "subprotocol": _subprotocol(scope)})
        try:
            first = await asyncio.wait_for(receive(), self.init_timeout)
        except TimeoutError:
            await _close(send, 4408, "connection initialisation timeout")
            return
        if first["type"] != "websocket.receive":
            return  # gone already
        try:
            message = json.loads(first.get("text") or first.get("bytes") or b"")
        except (ValueError, RecursionError):
            await _close(send, 4400, "invalid message")
            return
        if not isinstance(message, dict) or message.get("type") != "connection_init":
            await _close(send, 4401, "unauthorized")
            return
        payload = message.get("payload")
        authorization = None
        if isinstance(payload, dict):
            for name, value in payload.items():
                if isinstance(name, str) and name.lower() == "authorization":
                    authorization = value if isinstance(value, str) else None
        principal = await keys.resolve(authorization)
        if principal is None:
            await _close(send, 4401, "unauthenticated")
            return
        scope[_PRINCIPAL] = principal
        bind_principal(principal.key_id, principal.company_id)
        replayed = [connect, first]

        async def replay() -> Message:
            return replayed.pop(0) if replayed else await receive()

        async def accepted(message: Message) -> None:
            if message["type"] != "websocket.accept":  # it is, already
                await send(message)

        await serve_until_revoked(keys, principal.key_id, self.app, scope, replay, accepted)


# The graphql-transport-ws (or the older graphql-ws) protocol, as the client asked.
_PROTOCOLS = ("graphql-transport-ws", "graphql-ws")


def _with_request_id(send: Send, request_id: str) -> Send:
    """``send`` that names the request's id in an HTTP answer's X-Request-Id header."""

    async def sending(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = [*message.get("headers", ()), (b"x-request-id", request_id.encode())]
            message = {**message, "headers": headers}
        await send(message)

    return sending


def _subprotocol(scope: Scope) -> str | None:
    requested: list[str] = scope.get("subprotocols", [])
    return next((p for p in requested if p in _PROTOCOLS), None)


def _origin(scope: Scope) -> str | None:
    origin = _header(scope, b"origin")
    return normalize_origin(origin) if origin is not None else None


def _same_origin(scope: Scope) -> bool:
    """No Origin (not a browser: no ambient cookie to abuse) or this very host's."""
    origin = _header(scope, b"origin")
    return origin is None or is_same_origin(origin, _header(scope, b"host"))


async def _refuse_socket(receive: Receive, send: Send, code: int, reason: str) -> None:
    """Refuse a websocket before accepting it (the client sees HTTP 403)."""
    await receive()  # the client's connect
    await send({"type": "websocket.close", "code": code, "reason": reason})


async def _close(send: Send, code: int, reason: str) -> None:
    with contextlib.suppress(OSError, RuntimeError):  # the client may be gone
        await send({"type": "websocket.close", "code": code, "reason": reason})


def _header(scope: Scope, name: bytes) -> str | None:
    """The first ``name`` header (lower-case bytes), decoded as HTTP headers are (latin-1)."""
    for key, value in scope["headers"]:
        if key.lower() == name:
            return value.decode("latin-1")
    return None


class DirectRecordUsage:
    """ASGI wrapper: a plain single recordUsage is answered here (api.direct), the rest
    reaches the GraphQL app with its body intact."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" or not _plain_json(scope):
            await self.app(scope, receive, send)
            return
        chunks = []
        while True:
            message = await receive()
            if message["type"] != "http.request":  # the client went away
                return
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        runtime: Runtime = scope["app"].state.runtime
        principal: Principal = scope[_PRINCIPAL]
        refusal = _refusal(body, runtime.settings)
        if refusal is not None:
            await _send_json(send, {"data": None, "errors": [refusal.formatted]})
            return
        decode = functools.partial(
            decode_body,
            body,
            may_write=principal.can_record_usage,
            max_items=runtime.settings.max_batch_size,
        )
        try:
            # A large batch is decoded off the event loop: other requests keep
            # their turns meanwhile.
            decoded = await asyncio.to_thread(decode) if len(body) > _DECODE_IN_THREAD else decode()
        except MalformedBody as exc:
            await _send_json(send, exc.as_json(), status=400)
            return
        if decoded is not None and decoded.field == "recordUsage" and decoded.drafts is not None:
            context = Context(runtime=runtime, principal=principal)
            context.decoded = (decoded.field, decoded.drafts)
            context.audited_variables = decoded.audited
            result = await record_directly(context, decoded)
            if result is not None:
                answer: dict[str, Any] = {"data": result.data}
                if result.errors:
                    answer["errors"] = [e.formatted for e in result.errors]
                await _send_json(send, answer)
                return
        scope[_DECODED] = decoded
        replayed = False

        async def replay() -> Any:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


_JSON = msgspec.json.Encoder()
# Bodies larger than this are decoded in a worker thread (about 400 records).
_DECODE_IN_THREAD = 128 * 1024


class _Head(msgspec.Struct):
    query: str | None = None
    operationName: str | None = None


_HEAD = msgspec.json.Decoder(_Head)


def _refusal(body: bytes, settings: Settings) -> GraphQLError | None:
    """A document over the token, depth or alias limits, found before its variables are read."""
    try:
        head = _HEAD.decode(body)
    except (msgspec.DecodeError, msgspec.ValidationError, UnicodeDecodeError, RecursionError):
        return None  # decode_body answers what is wrong with the body
    if not isinstance(head.query, str):
        return None
    return document_refusal(head.query, head.operationName, QueryLimitSettings.of(settings))


async def _send_json(send: Send, answer: dict[str, Any], status: int = 200) -> None:
    """``answer`` as a JSON response (what JSONResponse sends, with less work:
    this is every single recordUsage's answer)."""
    body = _JSON.encode(answer)
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-length", str(len(body)).encode()),
                (b"content-type", b"application/json"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def _plain_json(scope: Scope) -> bool:
    """A JSON request that does not ask for a multipart (incremental) answer."""
    content_type = accept = b""
    for name, value in scope["headers"]:
        if name == b"content-type":
            content_type = value.lower()
        elif name == b"accept":
            accept = value.lower()
    return b"application/json" in content_type and b"multipart" not in accept


async def healthz(request: Request) -> Response:
    health = liveness(request.app.state.runtime)
    status = "ok" if health.live else "failing"
    return JSONResponse(
        {"status": status, "database": health.database}, status_code=200 if health.live else 503
    )


async def readyz(request: Request) -> Response:
    health = await readiness(request.app.state.runtime)
    if not health.ready:
        return JSONResponse(
            {"status": "unavailable", "code": "DATABASE_UNAVAILABLE", "database": health.database},
            status_code=503,
            headers={"Retry-After": "1"},
        )
    return JSONResponse({"status": "ready", "database": health.database})


async def database_unavailable(request: Request | WebSocket, exc: Exception) -> Response | None:
    if isinstance(request, WebSocket):  # 1013: try again later
        await request.close(code=1013, reason="DATABASE_UNAVAILABLE")
        return None
    return JSONResponse(
        {"error": {"code": "DATABASE_UNAVAILABLE", "message": UNAVAILABLE_MESSAGE}},
        status_code=503,
        headers={"Retry-After": "1"},
    )


class Stoppable(Protocol):
    """What ``on_startup`` started (the job scheduler): stopped when the server stops."""

    async def stop(self) -> Any: ...


# Started once the server's runtime is open (``metergraph serve`` passes the
# job scheduler's start); what it returns is stopped before the runtime closes.
Startup = Callable[[Runtime], Stoppable | None]


def create_app(
    settings: Settings | None = None,
    *,
    runtime: Runtime | None = None,
    on_startup: Startup | None = None,
) -> Starlette:
    """The ASGI app. With ``runtime`` given (tests), the caller owns its lifecycle;
    else the app opens its own, and runs ``on_startup`` (if given) once it is open."""
    settings = settings or Settings.from_env()
    app = Starlette(
        routes=_routes(settings),
        middleware=[Middleware(Cors, origins=settings.cors_origins)],
        lifespan=_lifespan(settings, runtime, on_startup),
        exception_handlers={e: database_unavailable for e in UNAVAILABLE_ERRORS},
    )
    app.state.web_dist = settings.web_dist
    app.state.rate_limiter = RateLimiter(settings.rate_limit_per_second, settings.rate_limit_burst)
    if runtime is not None:
        _serve_with(app, runtime)
    return app


def _serve_with(app: Starlette, runtime: Runtime) -> None:
    app.state.runtime = runtime
    app.state.keys = KeyResolver(runtime.pool, runtime.alert_hub)


def _lifespan(
    settings: Settings, runtime: Runtime | None, on_startup: Startup | None
) -> Callable[[Starlette], contextlib.AbstractAsyncContextManager[None]]:
    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if runtime is not None:
            _serve_with(app, runtime)
            yield
            return
        with database_server(settings) as dsn:
            if settings.uses_embedded_postgres:
                await ensure_database(dsn)
            async with open_runtime(settings, dsn) as rt:
                _serve_with(app, rt)
                tune_garbage_collector()
                started = None
                if settings.scheduler_enabled and on_startup is not None:
                    started = on_startup(rt)
                try:
                    yield
                finally:
                    if started is not None:
                        await started.stop()
                    await app.state.keys.settled()  # the last uses noted, written
                    process_stopped()

    return lifespan


def _routes(settings: Settings) -> list[BaseRoute]:
    graphql_app = MetergraphGraphQL(schema, graphql_ide=None, allowed_origins=settings.cors_origins)
    graphql = Authenticated(Limited(DirectRecordUsage(graphql_app), "max_body_bytes"))
    socket = Authenticated(
        graphql_app,
        init_timeout=graphql_app.connection_init_wait_timeout.total_seconds(),
        origins=settings.cors_origins,
    )
    return [
        Route("/healthz", healthz, methods=["GET"]),
        Route("/readyz", readyz, methods=["GET"]),
        Route("/metrics", metrics_endpoint, methods=["GET"]),
        Route("/graphql", graphql, methods=["GET", "POST"]),
        WebSocketRoute("/graphql", socket),
        Route(
            "/v1/session",
            Limited(request_response(session.sign_in), "max_body_bytes"),
            methods=["POST"],
        ),
        Route("/v1/session", session.sign_out, methods=["DELETE"]),
        Route(
            "/v1/usage-records:import",
            Authenticated(Limited(request_response(import_usage_endpoint), "max_import_bytes")),
        ),
        Route(
            "/v1/costs:import",
            Authenticated(Limited(request_response(import_costs_endpoint), "max_import_bytes")),
            methods=["POST"],
        ),
        Route(
            "/v1/reports/{id}",
            Authenticated(request_response(download_report)),
            methods=["GET"],
        ),
        Route(
            "/v1/invoices/{id}.pdf",
            Authenticated(request_response(download_invoice)),
            methods=["GET"],
        ),
        Route("/", web.index, methods=["GET", "HEAD"]),
        Route("/assets/{path:path}", web.asset, methods=["GET", "HEAD"]),
        Route("/{path:path}", web.fallback, methods=["GET", "HEAD"]),
    ]
