"""A browser with no network beyond 127.0.0.1, for the pages meant to work offline.

Chromium sends every request for another host to a proxy on 127.0.0.1 that records it and
answers none, so a page that needs the internet fails as it would offline, and the test can
say which request left.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import re
import socket
import threading
from pathlib import Path
from typing import Iterator

from .lab import CHROMIUM, CHROMIUM_FLAGS

# The proxy also sees Chromium's own background calls (updates, sign-in, autofill).
CHROMIUM_SERVICES = re.compile(r"\s(https?://)?[\w.-]+\.(google\.com|googleapis\.com|gvt1\.com)[:/]")


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


class RefusingProxy:
    """A proxy on 127.0.0.1 that records the first line of every request and answers none:
    Chromium sends it everything not addressed to 127.0.0.1."""

    def __init__(self):
        self.requests: list[str] = []
        self._socket = socket.create_server(("127.0.0.1", 0))
        self.port = self._socket.getsockname()[1]
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                connection, _ = self._socket.accept()
            except OSError:
                return
            with connection:
                connection.settimeout(5)
                with contextlib.suppress(OSError):
                    first_line = connection.recv(4096).split(b"\r\n", 1)[0].decode()
                    # Chromium may open a spare connection ahead of need and close it unused:
                    # no bytes, no request.
                    if first_line:
                        self.requests.append(first_line)

    def close(self) -> None:
        self._socket.close()


@contextlib.contextmanager
def serve(folder: Path) -> Iterator[str]:
    """Serve ``folder`` statically on 127.0.0.1; yields its base URL."""
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(_Quiet, directory=str(folder)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()


@contextlib.contextmanager
def offline_browser(playwright, profile: Path):
    """A Chromium context that reaches 127.0.0.1 only; yields (context, proxy, URLs requested)."""
    proxy = RefusingProxy()
    seen: list[str] = []
    context = playwright.chromium.launch_persistent_context(
        str(profile), executable_path=str(CHROMIUM), headless=True,
        viewport={"width": 1400, "height": 1000},
        args=[*CHROMIUM_FLAGS, f"--proxy-server=http://127.0.0.1:{proxy.port}"])
    context.on("request", lambda request: seen.append(request.url))
    try:
        yield context, proxy, seen
    finally:
        context.close()
        proxy.close()


def assert_nothing_left(base: str, proxy: RefusingProxy, seen: list[str]) -> None:
    """No page asked for anything but ``base`` (and data: or blob: URLs)."""
    outside = [url for url in seen
               if not url.startswith(base) and not re.match(r"(data|blob):", url)]
    proxied = [line for line in proxy.requests if not CHROMIUM_SERVICES.search(line)]
    assert not outside and not proxied, f"requests left 127.0.0.1: {outside + proxied}"
