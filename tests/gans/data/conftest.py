"""Fixtures of the dataset tests (``test_datasets.py``, ``test_pairs.py``): an isolated data dir and cache, and a
real local HTTP server to download from."""

from __future__ import annotations

import http.server
import threading
from functools import partial
from pathlib import Path

import pytest


@pytest.fixture
def isolated_locations(tmp_path, monkeypatch):
    """An empty data dir and cache, no mirror and no proxy: nothing outside tmp_path is used. Returns
    (data dir, cache)."""
    data_dir, cache = tmp_path / "data", tmp_path / "cache"
    data_dir.mkdir()
    monkeypatch.setenv("GANS_DATA_DIR", str(data_dir))
    monkeypatch.setenv("GANS_CACHE_DIR", str(cache))
    monkeypatch.delenv("GANS_DATASET_MIRROR", raising=False)
    for variable in ("http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
        monkeypatch.delenv(variable, raising=False)
    return data_dir, cache


class FileServer:
    """A real ThreadingHTTPServer on 127.0.0.1 serving ``root``; records the paths requested, can cut bodies
    short (``truncate_bodies``)."""

    def __init__(self, root: Path):
        self.root = root
        self.requests: list[str] = []
        self.truncate_bodies = False
        server = self

        class Handler(http.server.SimpleHTTPRequestHandler):
            def do_GET(self):
                server.requests.append(self.path)
                if not server.truncate_bodies:
                    return super().do_GET()
                body = (server.root / self.path.lstrip("/")).read_bytes()
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body[: len(body) // 2])  # then the connection closes (HTTP/1.0)

            def log_message(self, *args):  # keep test output clean
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), partial(Handler, directory=str(root)))
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()
        self.open = True

    def close(self):
        """Stop serving (a test may close it early: from then on only the cache can serve)."""
        if self.open:
            self.httpd.shutdown()
            self.httpd.server_close()
            self.thread.join()
            self.open = False


@pytest.fixture
def file_server(tmp_path):
    """A ``FileServer`` of an empty folder ``tmp_path / "served"`` (its ``root``)."""
    root = tmp_path / "served"
    root.mkdir()
    server = FileServer(root)
    yield server
    server.close()
