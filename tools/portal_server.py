"""A real `streamlit run app.py` on a free localhost port, and where to find headless Chromium.

Shared by the pytest fixtures (``tests/conftest.py``) and the bench (``tools/bench.py``, which reads the
server's peak memory), so both start the portal the same way. Plain module: no pytest needed.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
]
START_TIMEOUT_SECONDS = 60


def free_port() -> int:
    """Return a localhost TCP port that is free right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """The real portal server on a free localhost port, started as `make run` does (``python -m ui.serve``,
    i.e. `streamlit run app.py`); ``process.pid`` is the Streamlit server itself."""

    def __init__(self, db_path: Path, env: dict | None = None, launcher: str = "ui.serve", script: Path | None = None):
        self.db_path = db_path
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = db_path.parent / f"streamlit-{self.port}.log"
        environment = {**os.environ, "YSE_DB": str(db_path), **(env or {})}
        self.process = subprocess.Popen(
            # ui.serve is how `make run` starts the portal; launcher="streamlit" is a plain `streamlit run app.py`
            # (or `streamlit run <script>`: the browser bench's empty page, with the same options).
            [sys.executable, "-m",
             *(["streamlit", "run", str(script or ROOT / "app.py")] if launcher == "streamlit" else [launcher]),
             "--server.port", str(self.port),
             "--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false",
             "--server.fileWatcherType", "none"],
            cwd=ROOT, env=environment, stdout=self.log.open("wb"), stderr=subprocess.STDOUT,
        )
        if not wait_until_up(f"{self.url}/_stcore/health", START_TIMEOUT_SECONDS):
            self.stop()
            raise RuntimeError(f"streamlit did not start: {self.log.read_text(errors='replace')[-2000:]}")

    def stop(self) -> None:
        stop_process(self.process)


def wait_until_up(url: str, seconds: float) -> bool:
    """Poll ``url`` until it answers 200; False when ``seconds`` pass first (the caller stops its process)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as reply:
                if reply.status == 200:
                    return True
        except OSError:
            time.sleep(0.3)
    return False


def stop_process(process: subprocess.Popen) -> None:
    """Terminate a server started by a test or bench; kill it if it has not ended in 10 s."""
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
