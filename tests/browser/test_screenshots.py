"""Phone-size (360x740) screenshots of every page, for docs/screenshots/ and the README.

Skipped in the normal run; `scripts/screenshots` sets QRCONNECT_SCREENSHOTS to the folder to fill.
"""

import os
import pathlib

import pytest
from playwright.sync_api import expect

from conftest import sign_up, unique

FOLDER = os.environ.get("QRCONNECT_SCREENSHOTS")

pytestmark = pytest.mark.skipif(not FOLDER, reason="set QRCONNECT_SCREENSHOTS (scripts/screenshots)")


def shoot(page, name):
    # Settle: no caret blinking or focus ring from the last click in the picture.
    page.evaluate("document.activeElement && document.activeElement.blur()")
    page.screenshot(path=str(pathlib.Path(FOLDER) / f"{name}.png"), full_page=True)


def shoot_from(page, name, locator):
    """A screen's worth (not the whole page) from `locator` down: for long pages such as /app."""
    locator.evaluate("node => node.scrollIntoView({ block: 'start', behavior: 'instant' })")
    page.evaluate("document.activeElement && document.activeElement.blur()")
    page.screenshot(path=str(pathlib.Path(FOLDER) / f"{name}.png"))


def test_screenshots(server, new_page):
    pathlib.Path(FOLDER).mkdir(parents=True, exist_ok=True)
    token = server.mint()

    visitor = new_page()
    visitor.goto("/q/00000000-0000-4000-8000-000000000000")
    expect(visitor.get_by_role("heading", name="QR code inconnu")).to_be_visible()
    shoot(visitor, "1-scan-unknown")

    visitor.goto(f"/q/{token}")
    expect(visitor.get_by_role("heading", name="Ce tag n'est pas encore activé")).to_be_visible()
    shoot(visitor, "2-scan-not-activated")

    visitor.get_by_role("link", name="Créer un compte").click()
    expect(visitor.locator("#auth-for-tag")).to_be_visible()
    shoot(visitor, "3-app-sign-up")

    sign_up(visitor, unique("alice"), display_name="Alice Martin")
    expect(visitor.get_by_role("heading", name="Tag activé")).to_be_visible()
    visitor.get_by_label("Donnez-lui un nom").fill("Voiture")
    visitor.get_by_role("button", name="Enregistrer").click()
    expect(visitor.get_by_role("status")).to_have_text("Nom enregistré.")
    shoot(visitor, "4-scan-activated")

    guest = new_page()
    guest.goto(f"/q/{token}")
    expect(guest.get_by_label("Votre pseudo")).to_be_visible()
    shoot(guest, "5-chat-guest-first-message")
    guest.get_by_label("Votre pseudo").fill("Voisin du 3e")
    guest.get_by_label("Votre message").fill("Bonjour, vos phares sont allumés depuis ce matin.")
    guest.get_by_role("button", name="Envoyer").click()
    expect(guest.locator("#messages .message")).to_have_count(1)

    other = new_page()
    other.goto(f"/q/{token}")
    other.get_by_label("Votre message").fill("Votre voiture gêne la sortie du garage, pouvez-vous la déplacer ?")
    other.get_by_role("button", name="Envoyer").click()
    expect(other.locator("#messages .message")).to_have_count(1)

    visitor.goto("/app")
    expect(visitor.locator(".conversation")).to_have_count(2)
    shoot(visitor, "6-app-inbox")

    visitor.locator(".conversation", has_text="Voisin du 3e").click()
    visitor.get_by_label("Votre réponse").fill("Merci beaucoup, j'arrive !")
    visitor.get_by_role("button", name="Envoyer").click()
    expect(visitor.locator("#thread-messages .message")).to_have_count(2)
    # The guest's page gets the reply live and reads it: "Lu" under the reply, on both sides.
    expect(visitor.locator("#thread-messages .message.mine .read-mark")).to_have_count(1)
    shoot(visitor, "7-app-conversation")

    expect(guest.locator("#messages .message")).to_have_count(2)
    expect(guest.locator("#messages .message.mine .read-mark")).to_have_count(1)
    shoot(guest, "8-chat-guest-reply")

    english = new_page(locale="en-US")
    english.goto(f"/q/{token}")
    expect(english.get_by_role("heading", name="Write to Alice Martin")).to_be_visible()
    shoot(english, "9-chat-english")

    # A code minted with a claim code asks for it; a wrong one is refused.
    claim_token, claim_code = server.mint_with_claim_code()
    visitor.goto(f"/q/{claim_token}")
    expect(visitor.get_by_role("heading", name="Activez ce tag")).to_be_visible()
    visitor.get_by_label("Code d'activation").fill("K7M-3QF" if claim_code != "K7M-3QF" else "K7M-3QG")
    visitor.get_by_role("button", name="Activer le tag").click()
    expect(visitor.locator("#claim-code-error")).to_be_visible()
    shoot(visitor, "10-scan-claim-code")
    visitor.get_by_label("Code d'activation").fill(claim_code)
    visitor.get_by_role("button", name="Activer le tag").click()
    expect(visitor.get_by_role("heading", name="Tag activé")).to_be_visible()

    # The car's tag in lost mode, and what a finder then sees.
    visitor.goto("/app")
    card = visitor.locator(".tag", has_text="Voiture")
    card.get_by_text("Mode perdu", exact=True).click()
    card.get_by_label("Message pour qui trouve l'objet").fill("Récompense si trouvée, merci ! Écrivez-moi ici.")
    card.get_by_role("button", name="Activer le mode perdu").click()
    expect(card.get_by_role("status").filter(has_text="Mode perdu activé")).to_be_visible()
    # The card alone, whole: every control of a tag (the pointer moved off the last button clicked).
    visitor.mouse.move(0, 0)
    visitor.evaluate("document.activeElement && document.activeElement.blur()")
    card.screenshot(path=str(pathlib.Path(FOLDER) / "11-app-tag-lost-mode.png"))

    finder = new_page()
    finder.goto(f"/q/{token}")
    expect(finder.locator("#lost-notice")).to_be_visible()
    shoot(finder, "12-chat-lost-mode")

    # The owner blocks the guest who wrote about the garage, after confirming; the guest is told.
    visitor.locator(".conversation", has_text="gêne la sortie").click()
    visitor.get_by_role("button", name="Bloquer", exact=True).click()
    expect(visitor.get_by_role("dialog")).to_be_visible()
    visitor.evaluate("window.scrollTo({ top: 0, behavior: 'instant' })")
    visitor.screenshot(path=str(pathlib.Path(FOLDER) / "13-app-block-confirm.png"))
    visitor.get_by_role("dialog").get_by_role("button", name="Bloquer", exact=True).click()
    expect(visitor.locator("#inbox-status")).to_be_visible()

    other.get_by_label("Votre message").fill("Je vais devoir appeler la fourrière.")
    other.get_by_role("button", name="Envoyer").click()
    expect(other.locator("#closed")).to_be_visible()
    shoot(other, "14-chat-blocked")

    expect(visitor.locator("#blocked .blocked-guest")).to_have_count(1)
    shoot_from(visitor, "15-app-account", visitor.locator("#blocked-title"))
