"""Owners in control (issue #6): block, unblock, report and delete conversations; export and
delete the account; and what a guest sees when they are blocked or send too fast."""

import json
import re

from playwright.sync_api import expect

from conftest import guest_writes, new_owner, sign_in, sign_up, unique


def open_conversation(owner, name):
    owner.goto("/app")
    owner.locator(".conversation", has_text=name).click()
    expect(owner.get_by_role("heading", name=name, exact=True)).to_be_visible()


def confirm(page, button):
    """Answers the page's confirmation dialog with `button`."""
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    dialog.get_by_role("button", name=button, exact=True).click()
    expect(dialog).to_be_hidden()


def as_user(page, method, path, body=None):
    """Calls the API from `page` with its signed-in key, as a client other than the pages would;
    answers the status."""
    return page.evaluate(
        """async ([method, path, body]) => {
            const headers = { Authorization: `Token ${localStorage.getItem("qrconnect.key")}` };
            if (body) headers["Content-Type"] = "application/json";
            const response = await fetch(path, { method, headers, body: body ? JSON.stringify(body) : undefined });
            return response.status;
        }""",
        [method, path, body],
    )


def test_block_asks_first_then_the_guest_is_told_and_leaves_the_inbox(server, new_page):
    owner, token = new_owner(new_page, server, "Hugo")
    guest = new_page()
    guest_writes(guest, token, "Bonjour, votre vélo est tombé", pseudo="Passant pressé")

    open_conversation(owner, "Passant pressé")
    # Cancelling changes nothing.
    owner.get_by_role("button", name="Bloquer", exact=True).click()
    confirm(owner, "Annuler")
    expect(owner.get_by_role("heading", name="Passant pressé", exact=True)).to_be_visible()

    owner.get_by_role("button", name="Bloquer", exact=True).click()
    dialog = owner.get_by_role("dialog")
    expect(dialog).to_contain_text("Bloquer Passant pressé")
    confirm(owner, "Bloquer")
    expect(owner.get_by_role("heading", name="Messages")).to_be_visible()
    expect(owner.locator("#inbox-status")).to_contain_text("Passant pressé est bloqué")
    expect(owner.locator(".conversation", has_text="Passant pressé")).to_have_count(0)
    expect(owner.locator("#blocked")).to_contain_text("Passant pressé")
    owner.reload()
    expect(owner.locator("#blocked")).to_contain_text("Passant pressé")
    expect(owner.locator(".conversation", has_text="Passant pressé")).to_have_count(0)

    # The guest's next message is refused: a sentence instead of the message box, and what they
    # typed is still there to copy.
    guest.get_by_label("Votre message").fill("Vous êtes là ?")
    guest.get_by_role("button", name="Envoyer").click()
    closed = guest.locator("#closed")
    expect(closed).to_contain_text("Hugo n'accepte pas vos messages")
    expect(closed).to_contain_text("Vous êtes là ?")
    expect(guest.get_by_label("Votre message")).to_be_hidden()
    expect(guest.get_by_role("button", name="Envoyer")).to_be_hidden()
    # Phone width: nothing sticks out sideways, here or in the owner's inbox with all its sections.
    for page in [guest, owner]:
        assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_unblock_lets_the_guest_write_again(server, new_page):
    owner, token = new_owner(new_page, server, "Inès")
    guest = new_page()
    guest_writes(guest, token, "Votre chat miaule devant la porte", pseudo="Voisine")
    open_conversation(owner, "Voisine")
    owner.get_by_role("button", name="Bloquer", exact=True).click()
    confirm(owner, "Bloquer")
    expect(owner.locator("#blocked")).to_contain_text("Voisine")

    owner.get_by_role("button", name="Débloquer Voisine").click()
    expect(owner.locator("#blocked-status")).to_contain_text("Voisine est débloqué")
    expect(owner.locator("#blocked .blocked-guest")).to_have_count(0)
    expect(owner.locator("#blocked-empty")).to_be_visible()
    expect(owner.locator(".conversation", has_text="Voisine")).to_be_visible()

    guest.reload()
    guest.get_by_label("Votre message").fill("Il miaule encore")
    guest.get_by_role("button", name="Envoyer").click()
    expect(guest.locator("#messages")).to_contain_text("Il miaule encore")
    expect(guest.locator("#closed")).to_be_hidden()


def test_report_a_guest_conversation_says_it_was_sent(server, new_page):
    owner, token = new_owner(new_page, server, "Jade")
    guest = new_page()
    guest_writes(guest, token, "Message désagréable", pseudo="Troll")
    open_conversation(owner, "Troll")
    owner.get_by_role("button", name="Signaler").click()
    owner.get_by_label("Pourquoi ? (facultatif)").fill("Insultes")
    owner.get_by_role("button", name="Envoyer le signalement").click()
    expect(owner.locator("#thread-status")).to_have_text("Signalement envoyé. Merci, l'équipe QRConnect va l'examiner.")
    expect(owner.locator("#report-form")).to_be_hidden()
    # Reporting keeps the conversation.
    expect(owner.locator("#thread-messages")).to_contain_text("Message désagréable")


def test_delete_a_guest_conversation(server, new_page):
    owner, token = new_owner(new_page, server, "Karim")
    guest = new_page()
    guest_writes(guest, token, "Vos clés sont sur la porte", pseudo="Gardien")
    open_conversation(owner, "Gardien")
    owner.get_by_role("button", name="Supprimer la conversation").click()
    expect(owner.get_by_role("dialog")).to_contain_text("tous ses messages seront effacés")
    confirm(owner, "Supprimer")
    expect(owner.locator("#inbox-status")).to_contain_text("Conversation avec Gardien supprimée")
    expect(owner.locator(".conversation", has_text="Gardien")).to_have_count(0)
    owner.reload()
    expect(owner.get_by_role("heading", name="Messages")).to_be_visible()
    expect(owner.locator("#conversations-empty")).to_be_visible()
    expect(owner.locator(".conversation")).to_have_count(0)


def test_discussion_with_a_user_can_be_reported_and_deleted_from_my_list_only(server, new_page):
    writer = new_page()
    writer.goto("/app")
    sign_up(writer, unique("lea"), display_name="Léa")
    expect(writer.get_by_role("heading", name="Messages")).to_be_visible()
    reader, _ = new_owner(new_page, server, "Marc")
    reader.goto("/app")
    expect(reader.get_by_role("heading", name="Messages")).to_be_visible()
    reader_id = reader.evaluate(
        """async () => (await (await fetch("/api/auth/me/", {
            headers: { Authorization: `Token ${localStorage.getItem("qrconnect.key")}` } })).json()).id"""
    )
    assert as_user(writer, "POST", "/api/chat/send/", {"receiver": reader_id, "content": "Salut Marc"}) == 201

    open_conversation(reader, "Léa")
    # A user is not a guest: there is nobody to block.
    expect(reader.get_by_role("button", name="Bloquer", exact=True)).to_be_hidden()
    reader.get_by_role("button", name="Signaler").click()
    reader.get_by_role("button", name="Envoyer le signalement").click()
    expect(reader.locator("#thread-status")).to_contain_text("Signalement envoyé")

    reader.get_by_role("button", name="Supprimer la conversation").click()
    expect(reader.get_by_role("dialog")).to_contain_text("Léa garde la sienne")
    confirm(reader, "Supprimer")
    expect(reader.locator("#inbox-status")).to_contain_text("Conversation avec Léa supprimée")
    expect(reader.locator(".conversation", has_text="Léa")).to_have_count(0)

    # Léa still has it.
    writer.reload()
    expect(writer.locator(".conversation", has_text="Marc")).to_contain_text("Salut Marc")


def test_export_downloads_a_json_file_with_the_messages(server, new_page):
    owner, token = new_owner(new_page, server, "Nora")
    guest = new_page()
    guest_writes(guest, token, "Votre parapluie est resté au café", pseudo="Serveur")
    owner.goto("/app")
    expect(owner.get_by_role("heading", name="Mon compte")).to_be_visible()
    with owner.expect_download() as download_info:
        owner.get_by_role("button", name="Exporter mes données").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".json")
    data = json.loads(open(download.path(), encoding="utf-8").read())
    assert data["user"]["display_name"] == "Nora"
    conversation = next(entry for entry in data["guest_conversations"] if entry["pseudo"] == "Serveur")
    assert [message["content"] for message in conversation["messages"]] == ["Votre parapluie est resté au café"]
    assert [tag["token"] for tag in data["tags"]] == [token]
    expect(owner.locator("#export-status")).to_contain_text(download.suggested_filename)


def test_delete_account_asks_the_password_then_signs_out_for_good(server, new_page):
    username = unique("olga")
    page = new_page()
    page.goto("/app")
    sign_up(page, username, password="correct-horse")
    expect(page.get_by_role("heading", name="Messages")).to_be_visible()

    page.get_by_text("Supprimer mon compte…").click()
    page.get_by_label("Votre mot de passe, pour confirmer").fill("wrong-horse")
    page.get_by_role("button", name="Supprimer définitivement mon compte").click()
    expect(page.locator("#delete-password-error")).to_have_text("Mot de passe incorrect.")
    expect(page.get_by_role("heading", name="Messages")).to_be_visible()

    page.get_by_label("Votre mot de passe, pour confirmer").fill("correct-horse")
    page.get_by_role("button", name="Supprimer définitivement mon compte").click()
    expect(page.get_by_role("heading", name="Bienvenue sur QRConnect")).to_be_visible()
    expect(page.locator("#auth-notice")).to_have_text("Votre compte a été supprimé.")
    expect(page.locator("#account")).to_be_hidden()
    assert page.evaluate("localStorage.getItem('qrconnect.key')") is None

    sign_in(page, username, "correct-horse")
    expect(page.locator("#signin-error")).to_contain_text("incorrect")


def test_a_guest_sending_too_fast_is_told_how_long_to_wait_and_keeps_the_text(server, new_page):
    _, token = new_owner(new_page, server, "Paul")
    guest = new_page()
    guest_writes(guest, token, "Premier message")
    owner_id = int(re.search(r"/chat/(\d+)", guest.url).group(1))
    # Spend the session's allowance (20 a minute after the first message) as a script would.
    statuses = guest.evaluate(
        """async (ownerID) => {
            const statuses = [];
            for (let i = 0; i < 30 && !statuses.includes(429); i++) {
                const response = await fetch("/api/chat/send/", {
                    method: "POST", headers: { "Content-Type": "application/json" },
                    body: JSON.stringify({ receiver: ownerID, content: `rafale ${i}` }),
                });
                statuses.push(response.status);
            }
            return statuses;
        }""",
        owner_id,
    )
    assert statuses[-1] == 429, statuses

    guest.get_by_label("Votre message").fill("Celui-ci attendra")
    guest.get_by_role("button", name="Envoyer").click()
    expect(guest.locator("#send-error")).to_have_text(re.compile(r"Attendez \d+\u00a0secondes? avant de réessayer"))
    expect(guest.get_by_label("Votre message")).to_have_value("Celui-ci attendra")
    expect(guest.get_by_label("Votre message")).to_be_visible()


def test_owner_controls_in_english(server, new_page):
    token = server.mint()
    owner = new_page(locale="en-US")
    owner.goto("/app")
    owner.get_by_role("link", name="Create an account").click()
    form = owner.locator("#signup-form")
    form.get_by_label("Username").fill(unique("quinn"))
    form.get_by_label("Display name").fill("Quinn")
    form.get_by_label("Password").fill("correct-horse")
    form.get_by_role("button", name="Create my account").click()
    expect(owner.get_by_role("heading", name="Messages")).to_be_visible()
    owner.goto(f"/q/{token}")
    expect(owner.get_by_role("heading", name="Tag activated")).to_be_visible()

    guest = new_page(locale="en-US")
    guest.goto(f"/q/{token}")
    guest.get_by_label("Your message").fill("Your window is open")
    guest.get_by_role("button", name="Send").click()
    expect(guest.locator("#messages")).to_contain_text("Your window is open")

    owner.goto("/app")
    expect(owner.get_by_role("heading", name="Blocked guests")).to_be_visible()
    expect(owner.get_by_role("button", name="Export my data")).to_be_visible()
    owner.locator(".conversation", has_text="Your window is open").click()
    owner.get_by_role("button", name="Block", exact=True).click()
    confirm(owner, "Block")
    expect(owner.locator("#inbox-status")).to_contain_text("is blocked")

    guest.get_by_label("Your message").fill("Hello?")
    guest.get_by_role("button", name="Send").click()
    expect(guest.locator("#closed")).to_contain_text("Quinn does not accept messages from you")
