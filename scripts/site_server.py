"""Serve the built book on 127.0.0.1, and fence a headless Chromium to it.

Usage:
    python scripts/site_server.py [SITE]    # SITE: the built site, default _build/html

serves the site on http://127.0.0.1 (a free port, printed) until Ctrl-C: a preview of
the website that, like the website itself, needs no other host.

The browser test (``tests/test_site.py``) and the page benchmark
(``benchmarks/bench_book.py``) share the pieces below: :func:`serve`, the Chromium
flags :data:`CHROMIUM_ARGS`, :func:`chromium_path` and :func:`block_other_hosts`.
"""

import argparse
import functools
import http.server
import shutil
import sys
import threading
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]

# Debian's chromium in a container: no sandbox, no GPU, no background traffic.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    # A second fence behind block_other_hosts(): no other host even resolves.
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
]


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


class _QuietServer(http.server.ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        # A page closed while a file was still being sent: nothing anyone cares about.
        if not isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            super().handle_error(request, client_address)


def serve(site: Path) -> tuple[http.server.ThreadingHTTPServer, str]:
    """Serve ``site`` on 127.0.0.1 (a free port) from a thread; return the server and URL.

    Stop it with ``httpd.shutdown()`` and ``httpd.server_close()``.
    """
    handler = functools.partial(_QuietHandler, directory=str(site))
    httpd = _QuietServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd, f"http://127.0.0.1:{httpd.server_port}/"


def chromium_path() -> str:
    """Debian's ``chromium`` (Playwright's own browser downloads are not used)."""
    return shutil.which("chromium") or "/usr/bin/chromium"


def block_other_hosts(context, base: str, record) -> None:
    """Abort every request of a Playwright ``context`` that is not for ``base``'s origin.

    ``record(url)`` is called with each aborted URL.
    """
    origin = urlsplit(base).netloc

    def route(route):
        parts = urlsplit(route.request.url)
        if parts.scheme in ("data", "blob", "about") or parts.netloc == origin:
            route.continue_()
        else:
            record(route.request.url)
            route.abort()

    context.route("**/*", route)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("site", nargs="?", type=Path, default=ROOT / "_build" / "html")
    args = parser.parse_args()
    if not (args.site / "index.html").is_file():
        sys.exit(f"error: {args.site} has no index.html: build the book (jupyter-book build .)")
    httpd, base = serve(args.site)
    print(f"serving {args.site} at {base} (Ctrl-C stops)")
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        httpd.shutdown()
        httpd.server_close()


if __name__ == "__main__":
    main()
