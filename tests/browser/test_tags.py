"""Tags (issue #5): the owner pauses a tag, puts it in lost mode, downloads its code, releases it;
a guest who scans it sees what that means; codes with a claim code ask for it before activating."""

import re

from playwright.sync_api import expect

from conftest import guest_writes, new_owner, sign_up, unique


def tag_card(owner, token):
    owner.goto("/app")
    card = owner.locator(".tag", has_text=f"…{token[:8]}")
    expect(card).to_be_visible()
    return card


def test_a_scan_opens_the_chat_for_that_tag(server, new_page):
    _, token = new_owner(new_page, server, "Rose")
    guest = new_page()
    guest.goto(f"/q/{token}")
    expect(guest).to_have_url(re.compile(rf"/chat/\d+\?tag={token}$"))
    expect(guest.get_by_role("heading", name="Écrire à Rose")).to_be_visible()
    expect(guest.locator("#lost-notice")).to_be_hidden()
    # The message names the tag it came through.
    with guest.expect_request("**/api/chat/send/") as sent:
        guest.get_by_label("Votre message").fill("Bonjour")
        guest.get_by_role("button", name="Envoyer").click()
    assert sent.value.post_data_json["tag"] == token
    expect(guest.locator("#messages")).to_contain_text("Bonjour")


def test_pause_makes_the_owner_unreachable_through_the_tag_until_resumed(server, new_page):
    owner, token = new_owner(new_page, server, "Sami")
    card = tag_card(owner, token)
    card.get_by_role("button", name="Mettre en pause « Sans nom »").click()
    expect(card.get_by_text("En pause : personne ne peut vous écrire par ce tag.")).to_be_visible()
    expect(card.get_by_role("button", name="Réactiver « Sans nom »")).to_be_visible()
    owner.reload()
    expect(tag_card(owner, token).get_by_text("En pause : personne")).to_be_visible()

    guest = new_page()
    guest.goto(f"/q/{token}")
    expect(guest.get_by_role("heading", name="Écrire à Sami")).to_be_visible()
    expect(guest.locator("#closed")).to_contain_text("Sami ne peut pas être joint par ce tag pour le moment")
    expect(guest.get_by_label("Votre message")).to_be_hidden()
    expect(guest.get_by_role("button", name="Envoyer")).to_be_hidden()

    card = tag_card(owner, token)
    card.get_by_role("button", name="Réactiver « Sans nom »").click()
    expect(card.get_by_role("button", name="Mettre en pause « Sans nom »")).to_be_visible()
    expect(card.get_by_text("En pause : personne ne peut vous écrire par ce tag.")).to_be_hidden()
    guest.reload()
    expect(guest.locator("#closed")).to_be_hidden()
    guest.get_by_label("Votre message").fill("Vous êtes de retour")
    guest.get_by_role("button", name="Envoyer").click()
    expect(guest.locator("#messages")).to_contain_text("Vous êtes de retour")


def test_a_guest_whose_send_meets_a_pause_is_told_and_keeps_the_text(server, new_page):
    owner, token = new_owner(new_page, server, "Théo")
    guest = new_page()
    guest_writes(guest, token, "Premier message")

    card = tag_card(owner, token)
    card.get_by_role("button", name=re.compile("^Mettre en pause")).click()
    expect(card.get_by_text("En pause : personne")).to_be_visible()

    # The guest's page was open before the pause: the send is refused, and says why.
    guest.get_by_label("Votre message").fill("Second message")
    guest.get_by_role("button", name="Envoyer").click()
    expect(guest.locator("#closed")).to_contain_text("Théo ne peut pas être joint")
    expect(guest.locator("#unsent-text")).to_have_text("Second message")
    expect(guest.get_by_label("Votre message")).to_be_hidden()
    expect(guest.locator("#messages .message")).to_have_count(1)


def test_lost_mode_shows_the_owner_message_to_whoever_scans(server, new_page):
    owner, token = new_owner(new_page, server, "Ulysse")
    card = tag_card(owner, token)
    card.get_by_text("Mode perdu", exact=True).click()
    card.get_by_label("Message pour qui trouve l'objet").fill("Récompense si trouvé, merci !\nAppelez-moi ici.")
    card.get_by_role("button", name="Activer le mode perdu").click()
    expect(card.get_by_role("status").filter(has_text="Mode perdu activé")).to_be_visible()
    expect(card.get_by_role("button", name="Désactiver le mode perdu")).to_be_visible()
    assert owner.evaluate("document.documentElement.scrollWidth") <= 360

    guest = new_page()
    guest.goto(f"/q/{token}")
    notice = guest.locator("#lost-notice")
    expect(notice).to_be_visible()
    expect(notice.get_by_role("heading", name="Message du propriétaire")).to_be_visible()
    expect(guest.locator("#lost-message")).to_have_text("Récompense si trouvé, merci !\nAppelez-moi ici.")
    # Guests can still write.
    guest.get_by_label("Votre message").fill("J'ai trouvé vos clés")
    guest.get_by_role("button", name="Envoyer").click()
    expect(guest.locator("#messages")).to_contain_text("J'ai trouvé vos clés")

    card = tag_card(owner, token)
    expect(card.get_by_label("Message pour qui trouve l'objet")).to_have_value("Récompense si trouvé, merci !\nAppelez-moi ici.")
    card.get_by_role("button", name="Désactiver le mode perdu").click()
    expect(card.get_by_role("status").filter(has_text="Mode perdu désactivé")).to_be_visible()
    guest.reload()
    expect(guest.get_by_role("heading", name="Écrire à Ulysse")).to_be_visible()
    expect(guest.locator("#lost-notice")).to_be_hidden()


def test_release_asks_first_and_the_tag_leaves_the_list(server, new_page):
    owner, token = new_owner(new_page, server, "Vera")
    owner.get_by_label("Donnez-lui un nom").fill("Sac à dos")
    owner.get_by_role("button", name="Enregistrer").click()
    expect(owner.get_by_role("status")).to_have_text("Nom enregistré.")

    card = tag_card(owner, token)
    card.get_by_role("button", name="Libérer le tag « Sac à dos »").click()
    dialog = owner.get_by_role("dialog")
    expect(dialog).to_contain_text("Libérer « Sac à dos » ?")
    dialog.get_by_role("button", name="Annuler").click()
    expect(card).to_be_visible()

    card.get_by_role("button", name="Libérer le tag « Sac à dos »").click()
    dialog.get_by_role("button", name="Libérer", exact=True).click()
    expect(owner.locator(".tag")).to_have_count(0)
    expect(owner.locator("#tags-status")).to_have_text("« Sac à dos » est libéré.")
    expect(owner.locator("#tags-empty")).to_be_visible()
    owner.reload()
    expect(owner.get_by_role("heading", name="Messages")).to_be_visible()
    expect(owner.locator(".tag")).to_have_count(0)

    # By default a released code is retired: it reaches nobody any more.
    finder = new_page()
    finder.goto(f"/q/{token}")
    expect(finder.get_by_role("heading", name="Ce tag n'est plus en service")).to_be_visible()


def test_download_gives_the_code_as_svg_and_png(server, new_page):
    owner, token = new_owner(new_page, server, "Willy")
    card = tag_card(owner, token)
    with owner.expect_download() as svg_info:
        card.get_by_role("button", name=re.compile("en SVG$")).click()
    svg = open(svg_info.value.path(), "rb").read()
    assert svg_info.value.suggested_filename.endswith(".svg")
    assert b"<svg" in svg[:500]
    expect(card.get_by_role("status").filter(has_text="Téléchargé")).to_contain_text(svg_info.value.suggested_filename)

    with owner.expect_download() as png_info:
        card.get_by_role("button", name=re.compile("en PNG$")).click()
    png = open(png_info.value.path(), "rb").read()
    assert png_info.value.suggested_filename.endswith(".png")
    assert png.startswith(b"\x89PNG\r\n\x1a\n")


def test_claim_code_is_asked_for_refused_when_wrong_and_activates_when_right(server, new_page):
    token, claim_code = server.mint_with_claim_code()
    page = new_page()
    page.goto(f"/q/{token}")
    # Signed out: told that the code will be needed.
    expect(page.get_by_role("heading", name="Ce tag n'est pas encore activé")).to_be_visible()
    expect(page.locator("#claim-needed")).to_contain_text("code d'activation")

    page.get_by_role("link", name="Créer un compte").click()
    sign_up(page, unique("xavier"))
    expect(page.get_by_role("heading", name="Activez ce tag")).to_be_visible()
    code_box = page.get_by_label("Code d'activation")
    expect(code_box).to_be_focused()

    wrong = "AAA-AAA" if claim_code.upper() != "AAA-AAA" else "BBB-BBB"
    code_box.fill(wrong)
    page.get_by_role("button", name="Activer le tag").click()
    expect(page.locator("#claim-code-error")).to_have_text(
        "Ce code ne correspond pas à ce tag. Vérifiez le code imprimé à côté du QR code.")
    expect(code_box).to_have_attribute("aria-invalid", "true")
    expect(code_box).to_have_value(wrong)

    # Case, spaces and dashes do not matter.
    code_box.fill(claim_code.replace("-", " ").lower())
    page.get_by_role("button", name="Activer le tag").click()
    expect(page.get_by_role("heading", name="Tag activé")).to_be_visible()
    page.goto("/app")
    expect(page.locator(".tag", has_text=f"…{token[:8]}")).to_be_visible()


def test_too_many_wrong_claim_codes_say_how_long_to_wait(server, new_page):
    token, _ = server.mint_with_claim_code()
    page = new_page()
    page.goto("/app")
    sign_up(page, unique("yann"))
    expect(page.get_by_role("heading", name="Messages")).to_be_visible()
    page.goto(f"/q/{token}")
    expect(page.get_by_role("heading", name="Activez ce tag")).to_be_visible()
    # Ten wrong tries against one code an hour: spend them as a script would.
    statuses = page.evaluate(
        """async (token) => {
            const statuses = [];
            for (let i = 0; i < 15 && !statuses.includes(429); i++) {
                const response = await fetch("/api/auth/scan-qr/", {
                    method: "POST",
                    headers: { "Content-Type": "application/json",
                               Authorization: `Token ${localStorage.getItem("qrconnect.key")}` },
                    body: JSON.stringify({ token, claim_code: "ZZZ-ZZZ" }),
                });
                statuses.push(response.status);
            }
            return statuses;
        }""",
        token,
    )
    assert statuses[-1] == 429, statuses
    page.get_by_label("Code d'activation").fill("ZZZ-ZZZ")
    page.get_by_role("button", name="Activer le tag").click()
    expect(page.locator("#claim-code-error")).to_have_text(
        re.compile(r"Trop de tentatives\. Attendez \d+\u00a0(secondes?|minutes?) avant de réessayer\."))
