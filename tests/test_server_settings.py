"""The production settings of `.streamlit/config.toml`, read from the file and seen from outside a real server.

Streamlit's ``server.enableCORS`` is named after the protection, not the sharing: ``true`` (its default, kept
here) means cross-origin access is off. With ``false`` Streamlit sends ``Access-Control-Allow-Origin: *`` and
accepts a WebSocket from any web page's origin, so a page on another site could open a portal session in the
visitor's browser.
"""

from __future__ import annotations

import tomllib
import urllib.request

import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from tools.portal_server import ROOT

from .conftest import Server

CONFIG = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
FOREIGN_ORIGIN = "https://evil.example"


def test_the_config_file_has_the_production_settings():
    server, browser, client = CONFIG["server"], CONFIG["browser"], CONFIG["client"]
    assert server["enableXsrfProtection"] is True
    assert server["enableCORS"] is True, "enableCORS = true is Streamlit's cross-origin protection (CORS off)"
    assert 0 < server["maxUploadSize"] <= 20  # MB; the largest StatFin export the admin loads is a few MB
    assert browser["gatherUsageStats"] is False
    assert client["showErrorDetails"] == "none"


@pytest.fixture(scope="module")
def server(demo_template, tmp_path_factory):
    path = tmp_path_factory.mktemp("settings") / "demo.db"
    path.write_bytes(demo_template.read_bytes())
    running = Server(path)
    yield running
    running.stop()


def _stream_url(server: Server) -> str:
    return server.url.replace("http://", "ws://") + "/_stcore/stream"


def test_a_websocket_from_another_site_is_refused(server):
    with pytest.raises(InvalidStatus) as refused:
        connect(_stream_url(server), origin=FOREIGN_ORIGIN, open_timeout=10).close()
    assert refused.value.response.status_code == 403


def test_control_a_websocket_from_the_portal_itself_is_accepted(server):
    with connect(_stream_url(server), origin=server.url, open_timeout=10) as socket:
        assert socket.protocol.state.name == "OPEN"


def test_no_cross_origin_header_for_another_site(server):
    request = urllib.request.Request(f"{server.url}/_stcore/health", headers={"Origin": FOREIGN_ORIGIN})
    with urllib.request.urlopen(request, timeout=10) as reply:
        assert reply.status == 200
        assert reply.headers.get("Access-Control-Allow-Origin") in (None, "")
