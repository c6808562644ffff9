"""Each page on its own: unknown and upper-case links, the signed-out path through sign-up and
sign-in back to activation, the language, the security headers, sign-out."""

import re
import uuid

from playwright.sync_api import expect

from conftest import sign_in, sign_up, unique


def test_unknown_token_says_so(server, new_page):
    page = new_page()
    page.goto(f"/q/{uuid.uuid4()}")
    expect(page.get_by_role("heading", name="QR code inconnu")).to_be_visible()
    page.goto("/q/not-a-token")
    expect(page.get_by_role("heading", name="QR code inconnu")).to_be_visible()


def test_upper_case_link_works(server, new_page):
    token = server.mint()
    owner = new_page()
    owner.goto("/app")
    sign_up(owner, unique("carol"), display_name="Carol")
    expect(owner.get_by_role("heading", name="Messages")).to_be_visible()
    owner.goto(f"/Q/{token.upper()}")
    expect(owner.get_by_role("heading", name="Tag activé")).to_be_visible()

    guest = new_page()
    guest.goto(f"/Q/{token.upper()}")
    expect(guest.get_by_role("heading", name="Écrire à Carol")).to_be_visible()

    # The owner scanning their own code again gets their tag, not a chat with themselves.
    owner.goto(f"/Q/{token.upper()}")
    expect(owner.get_by_role("heading", name="Ce tag est à vous")).to_be_visible()


def test_signed_out_visitor_signs_up_and_comes_back_to_activate(server, new_page):
    token = server.mint()
    page = new_page()
    page.goto(f"/q/{token}")
    expect(page.get_by_role("heading", name="Ce tag n'est pas encore activé")).to_be_visible()
    page.get_by_role("link", name="Créer un compte").click()
    expect(page).to_have_url(re.compile(r"/app\?next="))
    expect(page.locator("#auth-for-tag")).to_be_visible()
    sign_up(page, unique("dan"))
    expect(page).to_have_url(re.compile(rf"/q/{token}$"))
    expect(page.get_by_role("heading", name="Tag activé")).to_be_visible()


def test_signed_out_visitor_signs_in_and_comes_back_to_activate(server, new_page):
    username = unique("erin")
    first = new_page()
    first.goto("/app")
    sign_up(first, username)
    expect(first.get_by_role("heading", name="Messages")).to_be_visible()

    token = server.mint()
    page = new_page()
    page.goto(f"/q/{token}")
    page.get_by_role("link", name="Se connecter").click()
    sign_in(page, username, "wrong-password")
    expect(page.get_by_role("alert")).to_contain_text("incorrect")
    sign_in(page, username)
    expect(page.get_by_role("heading", name="Tag activé")).to_be_visible()


def test_english_for_an_english_browser_french_otherwise(server, new_page):
    english = new_page(locale="en-US")
    english.goto(f"/q/{uuid.uuid4()}")
    expect(english.locator("html")).to_have_attribute("lang", "en")
    expect(english.get_by_role("heading", name="Unknown QR code")).to_be_visible()
    english.goto("/app")
    expect(english.get_by_role("button", name="Sign in")).to_be_visible()

    for locale in ["fr-FR", "de-DE"]:
        other = new_page(locale=locale)
        other.goto(f"/q/{uuid.uuid4()}")
        expect(other.locator("html")).to_have_attribute("lang", "fr")
        expect(other.get_by_role("heading", name="QR code inconnu")).to_be_visible()


def test_pages_carry_the_security_headers(server, new_page):
    page = new_page()
    for path in [f"/q/{uuid.uuid4()}", "/chat/1", "/app", "/static/js/app.js", "/static/css/site.css"]:
        response = page.goto(path)
        headers = response.headers
        assert response.status == 200, path
        csp = headers.get("content-security-policy", "")
        assert "default-src 'self'" in csp, path
        assert "frame-ancestors 'none'" in csp, path
        assert "unsafe-inline" not in csp, path
        assert headers.get("referrer-policy") == "no-referrer", path
        assert headers.get("x-content-type-options") == "nosniff", path


def test_sign_out(server, new_page):
    page = new_page()
    page.goto("/app")
    sign_up(page, unique("finn"))
    expect(page.get_by_role("heading", name="Messages")).to_be_visible()
    page.get_by_role("button", name="Se déconnecter").click()
    expect(page.get_by_role("heading", name="Bienvenue sur QRConnect")).to_be_visible()
    page.reload()
    expect(page.get_by_role("heading", name="Bienvenue sur QRConnect")).to_be_visible()
