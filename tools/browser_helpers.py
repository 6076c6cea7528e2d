"""Playwright helpers for driving the real portal in headless Chromium."""

from __future__ import annotations

VIEWPORT_WIDTH = 1400
TIMEOUT_MS = 20_000


def new_page(browser, *, height: int = 1000, **options):
    """Open a page in a fresh context, as a Finnish reader's browser: 1400 px wide, ``height`` tall, 20 s timeouts.

    ``options`` go to ``browser.new_context`` (for example ``ignore_https_errors``). Close it with
    ``page.context.close()``. A taller page (1800) keeps long forms in view for screenshots.
    """
    context = browser.new_context(viewport={"width": VIEWPORT_WIDTH, "height": height}, locale="fi-FI", **options)
    context.set_default_timeout(TIMEOUT_MS)
    return context.new_page()


def login(page, base_url: str, username: str, password: str = "yse-demo", path: str = "",
          totp_secret: str | None = None) -> None:
    """Log in through the real form and wait until the portal's navigation appears.

    With ``totp_secret`` (a factor enrolled by ``tools.second_factor_helpers.enrol_user``) the current code is
    typed at the second step, as the person's authenticator app would show it.
    """
    submit_password(page, base_url, username, password, path)
    if totp_secret is not None:
        import pyotp

        page.get_by_label("Tunnistuskoodi", exact=True).fill(pyotp.TOTP(totp_secret).now())
        page.get_by_role("button", name="Vahvista").click()
    page.get_by_role("button", name="Kirjaudu ulos").wait_for(timeout=20_000)
    _wait_for_login_cookie(page)


def submit_password(page, base_url: str, username: str, password: str = "yse-demo", path: str = "") -> None:
    """Open the login form and submit a username and password, without waiting for what follows."""
    page.goto(f"{base_url}/{path}")
    page.get_by_label("Käyttäjätunnus").wait_for()
    settle(page, 1500)
    if page.get_by_role("dialog").count():  # Streamlit's own "page not found" notice before the login
        page.keyboard.press("Escape")
    # One click: the login runs in the submit button's callback, so a rerun that interrupts the run
    # carrying the click (the cookie component reporting late) cannot swallow it (docs/reliability.md, bug 3).
    page.get_by_label("Käyttäjätunnus").fill(username)
    page.get_by_label("Salasana").fill(password)
    page.get_by_role("button", name="Kirjaudu").click()


def _wait_for_login_cookie(page, seconds: float = 15.0) -> None:
    """Wait until the browser holds the login cookie (a component sets it just after the login), so that
    navigating to another address right away stays logged in."""
    for _ in range(int(seconds * 10)):
        if any(cookie["name"] == "yse_auth" for cookie in page.context.cookies()):
            return
        page.wait_for_timeout(100)
    raise AssertionError("the login cookie was not set within 15 s")


def settle(page, ms: int = 800) -> None:
    """Wait for Streamlit to finish the current rerun."""
    page.wait_for_timeout(ms)
    page.locator('[data-testid="stStatusWidget"]').wait_for(state="hidden", timeout=20_000)


def radio_group(page, question_text: str):
    return page.locator('[data-testid="stRadio"]').filter(has_text=question_text).first


def open_theme(page, title_start: str) -> None:
    """Choose a questionnaire theme in the sidebar and wait for its heading."""
    page.locator('[data-testid="stSidebar"] [data-testid="stRadio"] label').filter(has_text=title_start).click()
    page.get_by_role("heading", name=title_start).first.wait_for()
    settle(page)


def review_shot(page, name: str) -> None:
    """Save a full-page screenshot for a person to look at, only when ``YSE_SHOTS`` names a folder."""
    import os
    from pathlib import Path

    folder = os.environ.get("YSE_SHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)
