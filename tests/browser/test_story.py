"""The whole story in real browsers: an owner activates a code, a guest writes, the owner replies,
the guest sees the reply without reloading (live, over the WebSocket), and another guest sees none
of it. And with no socket, polling still delivers."""

import re

import pytest
from playwright.sync_api import expect

from conftest import LIVE_ONLY, POLLING_ONLY, sign_up, unique


# What "live" means here: well under the pages' polling intervals (3-4 s, and 10 min in these
# tests through LIVE_ONLY), including the socket's way through the server.
LIVE = 1_500


def test_owner_activates_guest_writes_owner_replies(server, new_page):
    token = server.mint()
    owner_name = unique("alice")

    # The owner signs up, then scans the fresh code.
    owner = new_page(storage=LIVE_ONLY)
    owner.goto("/app")
    sign_up(owner, owner_name, display_name="Alice Martin")
    expect(owner.get_by_role("heading", name="Messages")).to_be_visible()
    owner.goto(f"/q/{token}")
    expect(owner.get_by_role("heading", name="Tag activé")).to_be_visible()
    owner.get_by_label("Donnez-lui un nom").fill("Voiture")
    owner.get_by_role("button", name="Enregistrer").click()
    expect(owner.get_by_role("status")).to_have_text("Nom enregistré.")

    # A guest scans the same code and lands in the chat with its owner.
    guest = new_page(storage=LIVE_ONLY)
    guest.goto(f"/q/{token}")
    # The chat's link names the tag scanned (its lost-mode message, its pause, the "tag" of each send).
    expect(guest).to_have_url(re.compile(rf"/chat/\d+\?tag={token}$"))
    expect(guest.get_by_role("heading", name="Écrire à Alice Martin")).to_be_visible()
    pseudo = guest.get_by_label("Votre pseudo")
    expect(pseudo).to_have_value(re.compile(r"^Invité-\d{4}$"))
    pseudo.fill("Voisin du 3e")
    guest.get_by_label("Votre message").fill("Vos phares sont allumés")
    guest.get_by_role("button", name="Envoyer").click()
    guest_messages = guest.locator("#messages")
    expect(guest_messages).to_contain_text("Vos phares sont allumés")
    expect(guest.get_by_label("Votre message")).to_have_value("")
    expect(guest.locator("#pseudo-fixed")).to_contain_text("Voisin du 3e")
    # Once the guest has a session, the page listens on the live socket.
    expect(guest.locator("html")).to_have_attribute("data-live", "on")

    # The owner finds it in the inbox, unread.
    owner.goto("/app")
    conversation = owner.locator(".conversation", has_text="Voisin du 3e")
    expect(conversation).to_contain_text("Vos phares sont allumés")
    expect(conversation.locator(".unread")).to_contain_text("1")
    expect(owner.locator(".tags")).to_contain_text("Voiture")
    expect(owner.locator("html")).to_have_attribute("data-live", "on")

    # The guest writes again: the open inbox shows it, and its count, live.
    guest.get_by_label("Votre message").fill("Je suis à côté de la voiture")
    guest.get_by_role("button", name="Envoyer").click()
    expect(conversation).to_contain_text("Je suis à côté de la voiture", timeout=LIVE)
    expect(conversation.locator(".unread")).to_contain_text("2", timeout=LIVE)

    conversation.click()
    expect(owner.get_by_role("heading", name="Voisin du 3e")).to_be_visible()
    thread = owner.locator("#thread-messages")
    expect(thread.locator(".message")).to_have_count(2)

    # The guest starts typing; the owner replies; the reply reaches the guest live, and what the
    # guest is typing stays.
    guest.get_by_label("Votre message").fill("D'accord, je")
    owner.get_by_label("Votre réponse").fill("Merci, j'arrive !")
    owner.get_by_role("button", name="Envoyer").click()
    expect(thread).to_contain_text("Merci, j'arrive !")
    expect(guest_messages).to_contain_text("Merci, j'arrive !", timeout=LIVE)
    expect(guest.get_by_label("Votre message")).to_have_value("D'accord, je")
    # The guest's page has the reply on screen and says so: the owner sees "Lu" live.
    expect(thread.locator(".message.mine").last).to_contain_text("Lu", timeout=LIVE)

    # The guest answers: it reaches the owner's open conversation live, in order.
    guest.get_by_label("Votre message").fill("D'accord, je vous attends")
    guest.get_by_role("button", name="Envoyer").click()
    expect(thread.locator(".message").last).to_contain_text("D'accord, je vous attends", timeout=LIVE)
    expect(thread.locator(".message")).to_have_count(4)
    # "Lu" moves to the owner's last message only; the owner's page read the new one at once.
    expect(thread.locator(".read-mark")).to_have_count(1)
    expect(guest.locator("#messages .message.mine").last).to_contain_text("Lu", timeout=LIVE)

    # The guest still has it all after a reload.
    guest.reload()
    expect(guest.locator("#messages .message")).to_have_count(4)
    expect(guest.locator("#pseudo-fixed")).to_contain_text("Voisin du 3e")

    # Back in the inbox, the conversation is read: what arrived live was marked read too.
    owner.get_by_role("link", name="Retour aux messages").click()
    expect(owner.locator(".conversation", has_text="Voisin du 3e")).to_contain_text("D'accord, je vous attends")
    expect(owner.locator(".conversation", has_text="Voisin du 3e").locator(".unread")).to_have_count(0)

    # Another guest, in another browser, opens the same link and sees nothing of the first one.
    stranger = new_page()
    stranger.goto(f"/q/{token}")
    expect(stranger.get_by_role("heading", name="Écrire à Alice Martin")).to_be_visible()
    expect(stranger.locator("#messages-empty")).to_be_visible()
    expect(stranger.locator("#messages .message")).to_have_count(0)
    expect(stranger.locator("main")).not_to_contain_text("Vos phares")
    expect(stranger.get_by_label("Votre pseudo")).to_be_editable()


@pytest.mark.parametrize("socket", ["switched off", "closed by the network"])
def test_polling_delivers_without_the_socket(server, new_page, socket):
    """With no live socket, the pages still exchange messages: by polling (every second here)."""
    token = server.mint()
    pages = [new_page(storage=POLLING_ONLY if socket == "switched off" else {"qrconnect.poll": "1000"}) for _ in range(2)]
    owner, guest = pages
    opened = []
    for page in pages:
        if socket == "switched off":
            page.on("websocket", lambda ws: opened.append(ws.url))
        else:
            # Every socket the page opens is closed at once, as a proxy that breaks them would.
            page.route_web_socket("**/api/chat/ws/**", lambda ws: ws.close())

    owner.goto("/app")
    sign_up(owner, unique("gina"), display_name="Gina")
    expect(owner.get_by_role("heading", name="Messages")).to_be_visible()
    owner.goto(f"/q/{token}")
    expect(owner.get_by_role("heading", name="Tag activé")).to_be_visible()

    guest.goto(f"/q/{token}")
    guest.get_by_label("Votre message").fill("Votre coffre est ouvert")
    guest.get_by_role("button", name="Envoyer").click()
    expect(guest.locator("#messages .message")).to_have_count(1)

    owner.goto("/app")
    owner.locator(".conversation", has_text="Votre coffre est ouvert").click()
    thread = owner.locator("#thread-messages")
    expect(thread).to_contain_text("Votre coffre est ouvert")
    owner.get_by_label("Votre réponse").fill("Merci, je le ferme")
    owner.get_by_role("button", name="Envoyer").click()
    expect(guest.locator("#messages")).to_contain_text("Merci, je le ferme")

    guest.get_by_label("Votre message").fill("De rien")
    guest.get_by_role("button", name="Envoyer").click()
    expect(thread).to_contain_text("De rien")
    expect(thread.locator(".message")).to_have_count(3)

    for page in pages:
        expect(page.locator("html")).not_to_have_attribute("data-live", "on")
    if socket == "switched off":
        for page in pages:
            expect(page.locator("html")).to_have_attribute("data-live", "disabled")
        assert opened == []


def test_a_failed_send_keeps_the_text_and_says_so(server, new_page):
    token = server.mint()
    owner = new_page()
    owner.goto("/app")
    sign_up(owner, unique("bob"))
    expect(owner.get_by_role("heading", name="Messages")).to_be_visible()
    owner.goto(f"/q/{token}")
    expect(owner.get_by_role("heading", name="Tag activé")).to_be_visible()

    guest = new_page()
    guest.goto(f"/q/{token}")
    expect(guest.get_by_label("Votre message")).to_be_visible()
    guest.get_by_label("Votre message").fill("Votre chien est devant la boulangerie")
    guest.context.set_offline(True)
    guest.get_by_role("button", name="Envoyer").click()
    expect(guest.get_by_role("alert")).to_contain_text("Pas de connexion")
    expect(guest.get_by_label("Votre message")).to_have_value("Votre chien est devant la boulangerie")

    guest.context.set_offline(False)
    guest.get_by_role("button", name="Envoyer").click()
    expect(guest.locator("#messages")).to_contain_text("Votre chien est devant la boulangerie")
    expect(guest.get_by_role("alert")).to_be_hidden()
