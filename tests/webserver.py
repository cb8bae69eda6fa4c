"""A real app server on a free loopback port, in a thread, for the web tests and benchmarks."""

from __future__ import annotations

import http.client
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import uvicorn

from cardscan.web.app import AppState, create_app, free_socket, hosts_for


@dataclass
class Running:
    port: int
    token: str

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        return f"http://{self.host}/?token={self.token}"

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        headers: dict[str, str] | None = None,
        cookie: bool = True,
        csrf: bool = True,
    ) -> tuple[int, dict[str, str], bytes]:
        """One request; by default as the app's own page would send it."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        sent = {"Host": self.host}
        if cookie:
            sent["Cookie"] = f"cardscan_token_{self.port}={self.token}"
        if method != "GET" and csrf:
            sent["Origin"] = f"http://{self.host}"
            sent["X-Cardscan-Token"] = self.token
        data = None
        if body is not None:
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
            sent["Content-Type"] = "application/json"
        sent.update(headers or {})
        conn.request(method, path, body=data, headers=sent)
        response = conn.getresponse()
        out = response.read()
        got = {k.lower(): v for k, v in response.getheaders()}
        conn.close()
        return response.status, got, out

    def json(self, method: str, path: str, body: Any = None) -> Any:
        _status, _h, out = self.request(method, path, body)
        return json.loads(out)


@contextmanager
def running(state: AppState) -> Iterator[Running]:
    sock = free_socket(0)
    port = int(sock.getsockname()[1])
    app = create_app(state, hosts_for(port))
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    try:
        yield Running(port, state.token)
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()
