"""Browser-test fixtures: the real `qrconnect` binary on a free port with a SQLite file of its own,
and Debian's Chromium driven by Playwright (no browser is ever downloaded).

Run through `scripts/browser-test`, which installs what is missing and builds the binary first.
"""

import json
import os
import pathlib
import socket
import subprocess
import time
import urllib.request
import uuid

import pytest
from playwright.sync_api import expect, sync_playwright

ROOT = pathlib.Path(__file__).resolve().parents[2]
BINARY = pathlib.Path(os.environ.get("QRCONNECT_BINARY", ROOT / ".build" / "debug" / "qrconnect"))
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
PHONE = {"width": 360, "height": 740}

# New messages come over the live socket; with it off, the pages poll every 3-4 s: leave room
# for a couple of rounds.
expect.set_options(timeout=10_000)

# Settings the pages read from localStorage (static/js/live.js): a polling interval far longer
# than any test, so that a message that shows up can only have come over the socket; and the
# switch that keeps the socket closed, so that only polling is left.
LIVE_ONLY = {"qrconnect.poll": "600000"}
POLLING_ONLY = {"qrconnect.live": "off", "qrconnect.poll": "1000"}


class Server:
    """A running `qrconnect serve`, and the operator commands that share its database."""

    def __init__(self, base_url, env, directory):
        self.base_url = base_url
        self.env = env
        self.directory = directory

    def url(self, path):
        return self.base_url + path

    def mint(self):
        """A fresh free code, as an operator mints them: `qrconnect mint-qr` on the same database."""
        result = subprocess.run(
            [str(BINARY), "mint-qr", "--count", "1"],
            env=self.env, cwd=self.directory, capture_output=True, text=True, check=True, timeout=60,
        )
        return result.stdout.strip()

    def mint_with_claim_code(self):
        """A fresh free code protected by a claim code (`mint-qr --claim-code`, which prints
        `<token>\t<claim code>`): answers `(token, claim_code)`."""
        result = subprocess.run(
            [str(BINARY), "mint-qr", "--count", "1", "--claim-code"],
            env=self.env, cwd=self.directory, capture_output=True, text=True, check=True, timeout=60,
        )
        token, claim_code = result.stdout.strip().split("\t")
        return token, claim_code


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    if not BINARY.exists():
        pytest.exit(f"{BINARY} is missing: run `swift build --product qrconnect` (scripts/browser-test does)", 2)
    directory = tmp_path_factory.mktemp("qrconnect")
    port = free_port()
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    env.update({
        "SQLITE_PATH": str(directory / "qrconnect.sqlite"),
        "BCRYPT_COST": "4",
        "LOG_LEVEL": "warning",
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
        # Every browser of the suite is one client address (127.0.0.1), where real people each
        # have their own: the per-address limits would soon refuse sign-ups and guests that have
        # nothing to do with each other. The per-session and per-code limits stay as shipped, so
        # that the pages' answers to them can be tested.
        "RATE_LIMIT_IP_REGISTRATIONS": "off",
        "RATE_LIMIT_IP_LOGINS": "off",
        "RATE_LIMIT_IP_GUEST_SESSIONS": "off",
        "RATE_LIMIT_IP_MESSAGES": "off",
        "RATE_LIMIT_IP_UNKNOWN_SCANS": "off",
        "RATE_LIMIT_IP_CLAIM_ATTEMPTS": "off",
    })
    log_path = directory / "server.log"
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            [str(BINARY), "serve", "--hostname", "127.0.0.1", "--port", str(port)],
            env=env, cwd=directory, stdout=log, stderr=subprocess.STDOUT,
        )
    base_url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        if process.poll() is not None:
            pytest.exit(f"qrconnect stopped at start:\n{log_path.read_text()}", 2)
        try:
            with urllib.request.urlopen(base_url + "/healthz", timeout=2) as answer:
                if answer.status == 200:
                    break
        except OSError:
            pass
        if time.monotonic() > deadline:
            process.terminate()
            pytest.exit(f"qrconnect did not answer /healthz:\n{log_path.read_text()}", 2)
        time.sleep(0.2)
    yield Server(base_url, env, directory)
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()


@pytest.fixture(scope="session")
def browser():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM)
        yield browser
        browser.close()


@pytest.fixture
def new_page(browser, server):
    """Opens a page in a browser context of its own (its own cookies and storage: another person),
    at phone size, French unless `locale` says otherwise, with `storage` (a dict) in its
    localStorage before any page script runs. Fails the test on any console error,
    which is how a Content-Security-Policy violation shows."""
    contexts = []
    errors = []

    def open_page(locale="fr-FR", storage=None):
        context = browser.new_context(base_url=server.base_url, locale=locale, viewport=PHONE)
        contexts.append(context)
        if storage:
            # Before any page script runs; about:blank has no localStorage, hence the try.
            context.add_init_script(
                f"try {{ for (const [k, v] of Object.entries({json.dumps(storage)})) localStorage.setItem(k, v); }} catch {{}}"
            )
        page = context.new_page()
        page.on("console", lambda message: message.type == "error" and errors.append(message.text))
        page.on("pageerror", lambda error: errors.append(str(error)))
        return page

    yield open_page
    for context in contexts:
        context.close()
    # Expected API refusals (a guest without a session yet, 401) are logged by Chromium as failed
    # loads; anything else is a bug in the pages.
    unexpected = [text for text in errors if "Failed to load resource" not in text]
    assert not unexpected, f"browser console errors: {unexpected}"


def unique(prefix):
    return f"{prefix}{uuid.uuid4().hex[:8]}"


def sign_up(page, username, password="correct-horse", display_name=None):
    """Fills the sign-up form of /app (already open) and submits it."""
    page.get_by_role("link", name="Créer un compte").click()
    form = page.locator("#signup-form")
    form.get_by_label("Nom d'utilisateur").fill(username)
    if display_name:
        form.get_by_label("Nom affiché").fill(display_name)
    form.get_by_label("Mot de passe").fill(password)
    form.get_by_role("button", name="Créer mon compte").click()


def sign_in(page, username, password="correct-horse"):
    """Fills the sign-in form of /app (already open) and submits it."""
    form = page.locator("#signin-form")
    form.get_by_label("Nom d'utilisateur").fill(username)
    form.get_by_label("Mot de passe").fill(password)
    form.get_by_role("button", name="Se connecter").click()


def new_owner(new_page, server, display_name, storage=None):
    """A signed-up owner who has activated a fresh code: answers `(page, token)`, the page on the
    activated code."""
    token = server.mint()
    page = new_page(storage=storage)
    page.goto("/app")
    sign_up(page, unique("owner"), display_name=display_name)
    expect(page.locator("#inbox")).to_be_visible()
    page.goto(f"/q/{token}")
    expect(page.locator("#owned")).to_be_visible()
    return page, token


def guest_writes(guest, token, text, pseudo=None):
    """A guest scans `token` and sends `text` (the first message opens their session)."""
    guest.goto(f"/q/{token}")
    if pseudo:
        guest.get_by_label("Votre pseudo").fill(pseudo)
    guest.get_by_label("Votre message").fill(text)
    guest.get_by_role("button", name="Envoyer").click()
    expect(guest.locator("#messages")).to_contain_text(text)
