"""The HTTPS proxy for real: nginx with deploy/nginx-yse.conf in front of the portal started as
deploy/yse-portal.service starts it, checked with plain HTTP requests and headless Chromium.

The nginx site is the deployed file itself; only its listen ports, certificate paths and upstream port are
substituted (``render_site``). The systemd units are checked with ``systemd-analyze verify``.
"""

from __future__ import annotations

import http.client
import ipaddress
import os
import re
import shlex
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import time
import tomllib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.conftest import CHROMIUM, CHROMIUM_ARGS, ROOT
from tools.browser_helpers import login, new_page, open_theme, settle
from tools.portal_server import START_TIMEOUT_SECONDS, free_port, wait_until_up
from tools.test_calendar import ROUND
from yse_core import auth
from yse_core.db import open_db
from yse_core.i18n import t as translate
from yse_core.responses import get_response_row, load_answers

SITE = ROOT / "deploy" / "nginx-yse.conf"
PORTAL_UNIT = ROOT / "deploy" / "yse-portal.service"
NGINX = shutil.which("nginx") or next((path for path in ("/usr/sbin/nginx",) if Path(path).exists()), None)
needs_nginx = pytest.mark.skipif(NGINX is None, reason="nginx is not installed (.ci/run installs it)")
# The browser opens the site under its public name (mapped to 127.0.0.1), so that Streamlit checks the
# websocket's Origin against the Host nginx forwards, as in production: for "localhost" it lets any port pass.
PUBLIC_NAME = re.search(r"^\s*server_name (\S+);", SITE.read_text(), re.MULTILINE).group(1)


def unit_portal_options() -> dict[str, str]:
    """The ``--server.*`` options of the portal unit's ExecStart, after ``-m ui.serve``."""
    exec_start = next(line.removeprefix("ExecStart=") for line in PORTAL_UNIT.read_text().splitlines()
                      if line.startswith("ExecStart="))
    words = shlex.split(exec_start)
    options = words[words.index("ui.serve") + 1:]
    return dict(zip(options[::2], options[1::2], strict=True))


def render_site(http_port: int, https_port: int, certificate: Path, key: Path, upstream_port: int,
                ipv6: bool) -> str:
    """deploy/nginx-yse.conf with the test's ports, certificate and upstream port; nothing else changed.

    Each replaced value must be in the file exactly once, so that a change to the deployed file fails here
    instead of leaving a stale value in the tested copy.
    """
    unit = unit_portal_options()
    replacements = {
        "listen 80;": f"listen 127.0.0.1:{http_port};",
        "listen [::]:80;": f"listen [::1]:{http_port};" if ipv6 else "",
        "listen 443 ssl;": f"listen 127.0.0.1:{https_port} ssl;",
        "listen [::]:443 ssl;": f"listen [::1]:{https_port} ssl;" if ipv6 else "",
        "/etc/ssl/yse/fullchain.pem": str(certificate),
        "/etc/ssl/yse/privkey.pem": str(key),
        # The upstream is where the unit makes the portal listen.
        f"server {unit['--server.address']}:{unit['--server.port']};": f"server 127.0.0.1:{upstream_port};",
    }
    site = SITE.read_text()
    for deployed, tested in replacements.items():
        assert site.count(deployed) == 1, f"{SITE.name} should hold {deployed!r} once (tests/test_proxy.py substitutes it)"
        site = site.replace(deployed, tested)
    return site


def make_certificate(directory: Path) -> tuple[Path, Path]:
    """A self-signed certificate for localhost and the public name, and its key, as PEM files in ``directory``."""
    from cryptography import x509  # a dependency of streamlit-authenticator (requirements.txt)
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5)).not_valid_after(now + timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName(
            [x509.DNSName("localhost"), x509.DNSName(PUBLIC_NAME), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    certificate_path, key_path = directory / "fullchain.pem", directory / "privkey.pem"
    certificate_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return certificate_path, key_path


def ipv6_loopback() -> bool:
    """Whether [::1] can be listened on here (Docker often has no IPv6)."""
    try:
        with socket.socket(socket.AF_INET6) as sock:
            sock.bind(("::1", 0))
        return True
    except OSError:
        return False


def stop(process: subprocess.Popen) -> None:
    """Stop a process started in its own session; kill its whole group if it does not stop."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def start_portal(db_path: Path, log: Path) -> tuple[subprocess.Popen, int]:
    """The portal as the systemd unit starts it (``python -m ui.serve`` with the unit's options), on a free port."""
    options = {**unit_portal_options(), "--server.port": str(port := free_port())}
    process = subprocess.Popen(
        [sys.executable, "-m", "ui.serve", *(word for pair in options.items() for word in pair),
         "--server.fileWatcherType", "none"],  # as the other browser tests: no file watching in tests
        cwd=ROOT, env={**os.environ, "YSE_DB": str(db_path)}, stdout=log.open("wb"), stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    health = f"http://127.0.0.1:{port}/{options['--server.baseUrlPath']}/_stcore/health"
    if wait_until_up(health, START_TIMEOUT_SECONDS):
        return process, port
    stop(process)
    raise RuntimeError(f"the portal did not start: {log.read_text(errors='replace')[-2000:]}")


def start_nginx(directory: Path, site: str, https_port: int) -> subprocess.Popen:
    """nginx in the foreground with every path of its own in ``directory``, serving ``site``."""
    (directory / "yse.conf").write_text(site)
    temp_paths = "\n".join(f"    {kind}_temp_path {directory / kind};" for kind in ("client_body", "proxy", "fastcgi",
                                                                                  "uwsgi", "scgi"))
    # Run as root, nginx's workers would become "nobody", who cannot enter pytest's tmp_path (mode 0700).
    user = "user root root;\n" if os.geteuid() == 0 else ""
    (directory / "nginx.conf").write_text(
        f"{user}worker_processes 1;\nevents {{ worker_connections 128; }}\n"
        f"http {{\n    access_log {directory / 'access.log'};\n{temp_paths}\n    include {directory / 'yse.conf'};\n}}\n"
    )
    error_log = directory / "error.log"
    process = subprocess.Popen(
        [NGINX, "-p", str(directory), "-c", str(directory / "nginx.conf"), "-e", str(error_log),
         "-g", f"daemon off; pid {directory / 'nginx.pid'}; error_log {error_log};"],
        stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, start_new_session=True,
    )
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and process.poll() is None:
        try:
            socket.create_connection(("127.0.0.1", https_port), timeout=1).close()
            return process
        except OSError:
            time.sleep(0.1)
    stop(process)
    raise RuntimeError(f"nginx did not start: {error_log.read_text(errors='replace')[-2000:]}")


@dataclass(frozen=True)
class Proxy:
    http_port: int
    https_port: int
    certificate: Path
    db_path: Path

    @property
    def portal_url(self) -> str:
        return f"https://{PUBLIC_NAME}:{self.https_port}/yse"

    def https(self) -> http.client.HTTPSConnection:
        """A connection that trusts the test's certificate (and nothing else)."""
        context = ssl.create_default_context(cafile=self.certificate)
        return http.client.HTTPSConnection("localhost", self.https_port, context=context, timeout=20)


@pytest.fixture(scope="module")
def proxy(demo_template, tmp_path_factory):
    """The portal on a copy of the demo database behind nginx with the deployed site, for this module."""
    directory = tmp_path_factory.mktemp("proxy")
    db_path = directory / "demo.db"
    template = open_db(demo_template)
    template.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    template.close()
    shutil.copy(demo_template, db_path)
    certificate, key = make_certificate(directory)
    portal, portal_port = start_portal(db_path, directory / "streamlit.log")
    http_port, https_port = free_port(), free_port()
    try:
        nginx = start_nginx(directory, render_site(http_port, https_port, certificate, key, portal_port,
                                                   ipv6_loopback()), https_port)
    except BaseException:
        stop(portal)
        raise
    yield Proxy(http_port, https_port, certificate, db_path)
    stop(nginx)
    stop(portal)


@pytest.fixture(scope="module")
def public_browser(browser):
    """Headless Chromium that finds the site's public name at 127.0.0.1."""
    chromium = browser.browser_type.launch(
        executable_path=CHROMIUM, headless=True,
        args=[*CHROMIUM_ARGS, "--no-proxy-server", f"--host-resolver-rules=MAP {PUBLIC_NAME} 127.0.0.1"])
    yield chromium
    chromium.close()


@pytest.fixture
def proxied_page(public_browser, proxy):
    page = new_page(public_browser, ignore_https_errors=True)
    yield page
    page.context.close()


@needs_nginx
def test_plain_http_is_redirected_to_https(proxy):
    connection = http.client.HTTPConnection("localhost", proxy.http_port, timeout=20)
    connection.request("GET", "/yse/kysely?teema=x")
    reply = connection.getresponse()
    assert reply.status == 301
    assert reply.getheader("Location") == "https://localhost/yse/kysely?teema=x"  # the public port, 443


@needs_nginx
def test_the_site_root_redirects_to_the_portal(proxy):
    connection = proxy.https()
    connection.request("GET", "/")
    reply = connection.getresponse()
    assert reply.status == 302
    assert urlsplit(reply.getheader("Location")).path == "/yse/"


@needs_nginx
def test_the_portal_page_carries_the_security_headers(proxy):
    connection = proxy.https()
    connection.request("GET", "/yse/")
    reply = connection.getresponse()
    reply.read()
    print(f"\nGET https://localhost:{proxy.https_port}/yse/ -> {reply.status} {reply.reason}")
    for name, value in reply.getheaders():
        print(f"{name}: {value}")
    assert reply.status == 200
    assert re.fullmatch(r"max-age=\d{7,}; includeSubDomains", reply.getheader("Strict-Transport-Security"))
    assert "frame-ancestors 'self'" in reply.getheader("Content-Security-Policy")
    assert reply.getheader("X-Content-Type-Options") == "nosniff"
    assert reply.getheader("Referrer-Policy") == "same-origin"


def upload_limit_megabytes() -> int:
    """nginx's client_max_body_size in deploy/nginx-yse.conf, in megabytes."""
    return int(re.search(r"^\s*client_max_body_size (\d+)m;", SITE.read_text(), re.MULTILINE).group(1))


def test_nginx_allows_the_uploads_streamlit_allows():
    streamlit_limit = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())["server"]["maxUploadSize"]
    assert upload_limit_megabytes() == streamlit_limit


@needs_nginx
def test_an_upload_over_the_limit_gets_413_from_nginx(proxy):
    connection = proxy.https()
    connection.putrequest("PUT", "/yse/_stcore/upload_file/session/file")
    connection.putheader("Content-Length", str(upload_limit_megabytes() * 1024 * 1024 + 1))
    connection.endheaders()  # no body: nginx refuses on the declared length
    reply = connection.getresponse()
    assert reply.status == 413
    assert "nginx" in reply.read().decode()  # nginx's own error page, not the portal's answer


@needs_nginx
@pytest.mark.browser
@pytest.mark.parametrize("address", ["https://{name}:{https}/", "https://{name}:{https}/yse/", "https://{name}:{https}/yse"])
def test_the_sub_path_root_opens_the_login_without_page_not_found(proxy, proxied_page, address):
    # The sub-path itself is the portal's root: read as a page called "yse" it gave "Page not found" over the login.
    page = proxied_page
    page.goto(address.format(name=PUBLIC_NAME, https=proxy.https_port))
    page.get_by_label("Käyttäjätunnus").wait_for()
    settle(page, 1500)
    assert page.url.startswith(f"{proxy.portal_url}/")
    assert page.get_by_role("dialog").count() == 0


@needs_nginx
@pytest.mark.browser
def test_every_cookie_of_the_portal_is_secure_behind_the_proxy(proxy, proxied_page):
    login(proxied_page, proxy.portal_url, "demo-helsinki")
    cookies = proxied_page.context.cookies()
    assert {"yse_auth", "_streamlit_xsrf"} <= {cookie["name"] for cookie in cookies}
    assert [cookie["name"] for cookie in cookies if not cookie["secure"]] == []


@needs_nginx
@pytest.mark.browser
def test_a_respondent_answers_through_the_proxy_and_sees_the_answer_after_a_reload(proxy, proxied_page):
    page = proxied_page
    sockets = []
    page.on("websocket", lambda websocket: sockets.append(websocket.url))
    login(page, proxy.portal_url, "demo-helsinki")
    page.goto(f"{proxy.portal_url}/kysely")
    page.get_by_role("heading", name=f"YSE-keskustelut {ROUND}: ennakkokysely").wait_for()
    settle(page, 1500)  # a click in the first second after a page load can be lost (a known rough edge)
    answer = "Vastattu HTTPS-välityspalvelimen kautta."
    question = page.get_by_role("textbox", name="Mitkä tekijät ovat mielestänne johtaneet")
    question.fill(answer)
    question.press("Tab")
    page.get_by_text(translate("q.saved_now", when="").strip()).first.wait_for()

    page.reload()
    page.get_by_role("heading", name=f"YSE-keskustelut {ROUND}: ennakkokysely").wait_for()
    open_theme(page, "Tilannekuva ja")
    assert page.get_by_role("textbox", name="Mitkä tekijät ovat mielestänne johtaneet").input_value() == answer
    assert f"wss://{PUBLIC_NAME}:{proxy.https_port}/yse/_stcore/stream" in sockets
    db = open_db(proxy.db_path)
    user = auth.get_user(db, "demo-helsinki")
    assert load_answers(db, user, get_response_row(db, user, ROUND, "helsinki")["id"])["uusimaa_factors"].value == answer
    db.close()


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed (.ci/run installs systemd)")
def test_the_systemd_units_pass_systemd_analyze_verify(tmp_path):
    # verify checks that ExecStart's program exists, so the install folder /opt/yse becomes this checkout
    # (its venv's Python) in a copy; every other line is the deployed one.
    units = sorted((ROOT / "deploy").glob("*.service")) + sorted((ROOT / "deploy").glob("*.timer"))
    for unit in units:
        text = unit.read_text().replace("/opt/yse/.venv/bin/python", sys.executable).replace("/opt/yse", str(ROOT))
        (tmp_path / unit.name).write_text(text)
    result = subprocess.run(["systemd-analyze", "verify", "--man=no", *(str(tmp_path / unit.name) for unit in units)],
                            capture_output=True, text=True, timeout=60)
    # verify exits 0 on unknown keys and bad values (it only warns), so any output is a failure too.
    assert (result.returncode, result.stdout + result.stderr) == (0, "")
