"""Who may talk to the app: only this user's browser, on this machine, in this run.

The app listens on 127.0.0.1 only, but that alone does not keep other web pages out: any
site open in the same browser can send requests to localhost (cross-site forms), and a
hostile domain can be re-pointed at 127.0.0.1 (DNS rebinding). So every request must

- carry this run's secret: once in the URL the app prints (it is then moved into an
  HttpOnly, SameSite=Strict cookie and taken out of the address bar), then the cookie;
- name the app itself in ``Host`` (127.0.0.1:PORT or localhost:PORT), so a rebound
  domain is refused;
- come from the app's own origin when it has an ``Origin`` (any cross-site request);
- and, to change anything (POST), also carry the secret in a header that only the
  app's own pages can read (CSRF).

Anything else gets 403. Every response carries a strict Content-Security-Policy: the
pages run only the app's own script and style, and load nothing from anywhere else.
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable, MutableMapping
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import parse_qsl, urlencode

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

COOKIE = "cardscan_token"
HEADER = "x-cardscan-token"

CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)

#: Headers every response gets.
SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
    (b"cache-control", b"no-store"),
)

_SAFE_METHODS = {"GET", "HEAD"}


class Guard:
    """ASGI middleware that lets in only requests from this run's own pages (see module doc)."""

    def __init__(self, app: ASGIApp, token: str, hosts: set[str]) -> None:
        self.app = app
        self.token = token
        #: Accepted ``Host`` values (``127.0.0.1:PORT``, ``localhost:PORT``); set once bound.
        self.hosts = hosts
        # Cookies are not kept apart by port: two apps running at once need two names.
        port = next(iter(sorted(hosts)), "").rpartition(":")[2]
        self.cookie = f"{COOKIE}_{port}" if port.isdigit() else COOKIE

    def _same(self, given: str | None) -> bool:
        return given is not None and hmac.compare_digest(given.encode(), self.token.encode())

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Refuse the request with 403, or pass it on with the security headers added."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        host = headers.get("host", "")
        if host not in self.hosts:
            await _deny(send, "this app answers only at its own address (127.0.0.1)")
            return
        origin = headers.get("origin")
        if origin is not None and origin != f"http://{host}":
            await _deny(send, "requests from other sites are refused")
            return
        if headers.get("sec-fetch-site") == "cross-site":
            await _deny(send, "requests from other sites are refused")
            return
        cookie = SimpleCookie()
        try:
            cookie.load(headers.get("cookie", ""))
        except Exception:  # a malformed cookie header is no credential
            cookie = SimpleCookie()
        has_cookie = self.cookie in cookie and self._same(cookie[self.cookie].value)
        query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))
        method = scope["method"]
        if method in _SAFE_METHODS and self._same(query.get("token")):
            # The secret from the printed URL: keep it in a cookie, out of the address bar.
            rest = {k: v for k, v in query.items() if k != "token"}
            where = scope["path"] + (f"?{urlencode(rest)}" if rest else "")
            await _redirect(send, where, self.cookie, self.token)
            return
        if not has_cookie:
            await _deny(send, "open the address cardscan app printed (it carries the key)")
            return
        if method not in _SAFE_METHODS and (origin is None or not self._same(headers.get(HEADER))):
            await _deny(send, "changes are accepted only from the app's own pages")
            return

        async def send_secure(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *SECURITY_HEADERS]
            await send(message)

        await self.app(scope, receive, send_secure)


async def _deny(send: Send, why: str) -> None:
    body = f"403 Forbidden: {why}\n".encode()
    await send(
        {
            "type": "http.response.start",
            "status": 403,
            "headers": [
                (b"content-type", b"text/plain; charset=utf-8"),
                (b"content-length", str(len(body)).encode()),
                *SECURITY_HEADERS,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


async def _redirect(send: Send, where: str, name: str, token: str) -> None:
    cookie = f"{name}={token}; HttpOnly; SameSite=Strict; Path=/"
    await send(
        {
            "type": "http.response.start",
            "status": 303,
            "headers": [
                (b"location", where.encode("latin-1")),
                (b"set-cookie", cookie.encode("latin-1")),
                (b"content-length", b"0"),
                *SECURITY_HEADERS,
            ],
        }
    )
    await send({"type": "http.response.body", "body": b""})
