"""A real OpenID Connect provider on a free localhost port (tools/oidc_provider/server.js, panva/oidc-provider).

For the single sign-on tests: one client (the portal), accounts with the e-mails and ``email_verified`` flags
given, the package's own login form. Its node_modules come from ``npm ci`` (the Makefile's test target).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

from tools.portal_server import ROOT, stop_process, wait_until_up

PROVIDER_DIR = ROOT / "tools" / "oidc_provider"
START_TIMEOUT_SECONDS = 20


class OidcProvider:
    """``node server.js`` with its settings in the environment; ``issuer`` is http://127.0.0.1:<port>.

    The provider listens on 127.0.0.1 and the portal is browsed as localhost, so the two keep separate cookies.
    """

    def __init__(self, log_dir: Path, *, port: int, redirect_uri: str, client_id: str, client_secret: str,
                 accounts: dict[str, dict], untrusted_signing: bool = False):
        if not (PROVIDER_DIR / "node_modules" / "oidc-provider").is_dir():
            raise RuntimeError(f"the test OpenID provider is not installed: run `make test`, or `npm ci` in {PROVIDER_DIR}")
        self.port = port
        self.issuer = f"http://127.0.0.1:{port}"
        self.log = log_dir / f"oidc-{port}.log"
        environment = {**os.environ, "OIDC_PORT": str(port), "OIDC_REDIRECT_URI": redirect_uri, "OIDC_CLIENT_ID": client_id,
                       "OIDC_CLIENT_SECRET": client_secret, "OIDC_ACCOUNTS": json.dumps(accounts),
                       "OIDC_UNTRUSTED_SIGNING": "1" if untrusted_signing else "0"}
        self.process = subprocess.Popen([shutil.which("node") or "node", "server.js"], cwd=PROVIDER_DIR, env=environment,
                                        stdout=self.log.open("wb"), stderr=subprocess.STDOUT)
        if not wait_until_up(self.metadata_url, START_TIMEOUT_SECONDS):
            self.stop()
            raise RuntimeError(f"the OpenID provider did not start: {self.log.read_text(errors='replace')[-2000:]}")

    @property
    def metadata_url(self) -> str:
        return f"{self.issuer}/.well-known/openid-configuration"

    def stop(self) -> None:
        stop_process(self.process)
