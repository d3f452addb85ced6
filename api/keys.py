"""A websocket held open by an API key closes when the key is revoked.

The keys themselves (making, hashing, resolving, revoking) are
``services.keys``'s.
"""

from __future__ import annotations

import asyncio
from uuid import UUID

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.keys import KeyResolver

# The close code a revoked key's socket gets (4xxx: the application's own).
REVOKED_CLOSE_CODE = 4403


async def serve_until_revoked(
    keys: KeyResolver,
    key_id: UUID | None,
    app: ASGIApp,
    scope: Scope,
    receive: Receive,
    send: Send,
) -> None:
    """Run a websocket ``app`` for ``key_id``'s connection; when the key is revoked,
    close the socket at once: the app hears a disconnect and sends nothing more."""
    with keys.watch(key_id) as revoked:
        closed = False

        async def guarded_receive() -> Message:
            nonlocal closed
            if not revoked.is_set():
                message = asyncio.ensure_future(receive())
                waiting = asyncio.ensure_future(revoked.wait())
                try:
                    await asyncio.wait({message, waiting}, return_when=asyncio.FIRST_COMPLETED)
                finally:  # also when the app is cancelled while it waits
                    waiting.cancel()
                    if not message.done():
                        message.cancel()
                if message.done() and not message.cancelled():
                    return message.result()
            if not closed:
                closed = True
                await send(
                    {"type": "websocket.close", "code": REVOKED_CLOSE_CODE, "reason": "key revoked"}
                )
            return {"type": "websocket.disconnect", "code": REVOKED_CLOSE_CODE}

        async def guarded_send(message: Message) -> None:
            if revoked.is_set() or closed:
                return  # nothing more reaches a revoked key
            await send(message)

        await app(scope, guarded_receive, guarded_send)
