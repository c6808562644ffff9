"""The whole story in real browsers: an owner activates a code, a guest writes, the owner replies,
the guest sees the reply without reloading, and another guest sees none of it."""

import re

from playwright.sync_api import expect

from conftest import sign_up, unique


def test_owner_activates_guest_writes_owner_replies(server, new_page):
    token = server.mint()
    owner_name = unique("alice")

    # The owner signs up, then scans the fresh code.
    owner = new_page()
    owner.goto("/app")
    sign_up(owner, owner_name, display_name="Alice Martin")
    expect(owner.get_by_role("heading", name="Messages")).to_be_visible()
    owner.goto(f"/q/{token}")
    expect(owner.get_by_role("heading", name="Tag activé")).to_be_visible()
    owner.get_by_label("Donnez-lui un nom").fill("Voiture")
    owner.get_by_role("button", name="Enregistrer").click()
    expect(owner.get_by_role("status")).to_have_text("Nom enregistré.")

    # A guest scans the same code and lands in the chat with its owner.
    guest = new_page()
    guest.goto(f"/q/{token}")
    expect(guest).to_have_url(re.compile(r"/chat/\d+$"))
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

    # The owner finds it in the inbox, unread, and replies.
    owner.goto("/app")
    conversation = owner.locator(".conversation", has_text="Voisin du 3e")
    expect(conversation).to_contain_text("Vos phares sont allumés")
    expect(conversation.locator(".unread")).to_contain_text("1")
    expect(owner.locator(".tags")).to_contain_text("Voiture")
    conversation.click()
    expect(owner.get_by_role("heading", name="Voisin du 3e")).to_be_visible()
    expect(owner.locator("#thread-messages")).to_contain_text("Vos phares sont allumés")
    owner.get_by_label("Votre réponse").fill("Merci, j'arrive !")
    owner.get_by_role("button", name="Envoyer").click()
    expect(owner.locator("#thread-messages")).to_contain_text("Merci, j'arrive !")

    # The guest sees the reply without reloading, and still has it all after a reload.
    expect(guest_messages).to_contain_text("Merci, j'arrive !")
    guest.reload()
    expect(guest.locator("#messages .message")).to_have_count(2)
    expect(guest.locator("#pseudo-fixed")).to_contain_text("Voisin du 3e")

    # Back in the inbox, the conversation is read.
    owner.get_by_role("link", name="Retour aux messages").click()
    expect(owner.locator(".conversation", has_text="Voisin du 3e").locator(".unread")).to_have_count(0)

    # Another guest, in another browser, opens the same link and sees nothing of the first one.
    stranger = new_page()
    stranger.goto(f"/q/{token}")
    expect(stranger.get_by_role("heading", name="Écrire à Alice Martin")).to_be_visible()
    expect(stranger.locator("#messages-empty")).to_be_visible()
    expect(stranger.locator("#messages .message")).to_have_count(0)
    expect(stranger.locator("main")).not_to_contain_text("Vos phares")
    expect(stranger.get_by_label("Votre pseudo")).to_be_editable()


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
