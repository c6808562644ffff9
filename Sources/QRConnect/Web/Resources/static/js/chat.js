// /chat/<owner_id>: a guest writes to a tag's owner, with no account. The guest session lives in
// the HttpOnly cookie the first send sets, so the history survives a reload. Once the guest has
// written, the owner's replies arrive live over the WebSocket (the cookie authenticates it), with
// polling as the fallback while the socket is down.
// After a scan the link names the tag (`?tag=<token>`): the page then shows the owner's lost-mode
// message, says so when the tag is paused, and sends the tag with each message (docs/API.md).
// When the owner cannot be written to (blocked, paused) the message box gives way to a sentence
// saying so, and whatever the guest had typed stays on screen.

import { api } from "./api.js";
import { byId, poll, setAlert, setFieldError, showView } from "./dom.js";
import { t, translate } from "./i18n.js";
import { LiveFeed, whenVisible } from "./live.js";
import { MessageList } from "./messages.js";

const views = ["loading", "missing", "failed", "chat"];
const ownerID = Number(location.pathname.split("/")[2]);
/** The scanned tag, when the page was opened from a scan; anything but a token is ignored. */
const tagToken = (() => {
  const value = (new URLSearchParams(location.search).get("tag") ?? "").toLowerCase();
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(value) ? value : null;
})();
const pollInterval = 3000;
// What the guest typed survives a reload or a failed send; the pseudonym is remembered per owner.
const draftKey = `qrconnect.draft.${ownerID}`;
const pseudoKey = `qrconnect.pseudo.${ownerID}`;

const form = byId("send-form");
const pseudoInput = byId("pseudo");
const content = byId("content");
const messages = new MessageList(byId("messages"), byId("messages-empty"), (message) => message.sender === null);
let fixedPseudo = null;
let stopPolling = null;
let ownerName = "";
const live = new LiveFeed({
  since: () => messages.lastID,
  onEvent: onLiveEvent,
  onChange: (connected) => {
    stopPolling?.reschedule();
    // Back from a drop: one read at once, in case the socket missed the last moments.
    if (!connected) refresh().catch(() => {});
  },
});

translate();
byId("retry").addEventListener("click", () => { showView(views, "loading"); start(); });
form.addEventListener("submit", (event) => { event.preventDefault(); send(); });
content.addEventListener("input", () => sessionStorage.setItem(draftKey, content.value));
pseudoInput.addEventListener("input", () => localStorage.setItem(pseudoKey, pseudoInput.value));
start();

async function start() {
  if (!Number.isInteger(ownerID) || ownerID < 1) return showView(views, "missing");
  let owner;
  try {
    const query = tagToken ? `?tag=${encodeURIComponent(tagToken)}` : "";
    owner = await api("GET", `/api/chat/owner/${ownerID}/${query}`, { asGuest: true });
  } catch (error) {
    return showView(views, error.status === 404 ? "missing" : "failed");
  }
  ownerName = owner.display_name;
  const title = t("chat.title", { name: owner.display_name });
  byId("chat-title").textContent = title;
  document.title = `${title} · QRConnect`;
  content.value = sessionStorage.getItem(draftKey) ?? "";
  pseudoInput.value = localStorage.getItem(pseudoKey) || randomPseudo();
  showLostMessage(owner.tag?.lost_message ?? null);
  await refresh();
  showView(views, "chat", { focus: false });
  // A paused tag (or an owner whose tags are all paused): nobody can write through it for now.
  if (owner.available === false) return closeConversation("chat.unavailable");
  (messages.isEmpty ? pseudoInput : content).focus();
}

/** Lost mode: the owner's message to whoever found the object, above the conversation. */
function showLostMessage(text) {
  byId("lost-message").textContent = text ?? "";
  byId("lost-notice").hidden = !text;
}

/**
 * The owner cannot be written to (`reason`: blocked, or unavailable): the message box goes, a
 * sentence says why, and any text the guest had typed is shown to copy, never dropped (it also
 * stays saved as the draft).
 */
function closeConversation(reason) {
  byId("closed-text").textContent = t(reason, { name: ownerName });
  const unsent = content.value.trim();
  byId("unsent-text").textContent = unsent;
  byId("unsent").hidden = !unsent;
  byId("closed").hidden = false;
  form.hidden = true;
  byId("chat-hint").hidden = true;
}

/** `Invité-NNNN`, as the server would pick; the guest may change it before the first message. */
function randomPseudo() {
  return `Invité-${1000 + Math.floor(Math.random() * 9000)}`;
}

/** Reads the guest's conversation; `401` only means this browser has not written yet. */
async function refresh() {
  let page;
  try {
    page = await api("GET", `/api/chat/guest/discussion/${ownerID}/`, { asGuest: true });
  } catch (error) {
    if (error.status === 401) return;
    throw error;
  }
  messages.add(page);
  const own = page.find((message) => message.sender === null);
  if (own) fixPseudo(own.pseudo);
}

/** After the first message the pseudonym is the session's; it is shown, no longer edited. */
function fixPseudo(pseudo) {
  if (fixedPseudo === pseudo) return;
  fixedPseudo = pseudo;
  byId("pseudo-field").hidden = true;
  byId("pseudo-name").textContent = pseudo;
  byId("pseudo-fixed").hidden = false;
  stopPolling ??= poll(refresh, () => live.pollInterval(pollInterval));
  live.start();
}

/** A message of this conversation: from the guest, or the owner's reply to them. */
function isOurs(message) {
  return message.pseudo !== null && (message.receiver === ownerID || message.sender === ownerID);
}

function onLiveEvent(event) {
  if (event.type === "message.created" && isOurs(event.message)) {
    const { message } = event;
    if (!messages.add([message])) return;
    if (message.sender === null) fixPseudo(message.pseudo);
    // The guest has the reply on screen: tell the owner it was read (the page's GETs do the same).
    else whenVisible(() => api("POST", "/api/chat/read/", { body: { owner_id: ownerID }, asGuest: true }).catch(() => {}));
  } else if (event.type === "conversation.read" && event.reader === "owner" && event.owner_id === ownerID && event.pseudo === fixedPseudo) {
    messages.markRead(event.read_up_to);
  }
}

async function send() {
  const text = content.value.trim();
  const pseudo = fixedPseudo ?? pseudoInput.value.trim();
  setAlert(byId("send-error"), null);
  byId("send-status").textContent = "";
  setFieldError(content, !text ? t("chat.content.empty") : text.length > 4000 ? t("chat.content.long") : null);
  if (!fixedPseudo) setFieldError(pseudoInput, !pseudo ? t("chat.pseudo.empty") : pseudo.length > 50 ? t("chat.pseudo.long") : null);
  const invalid = [fixedPseudo ? null : pseudoInput, content].find((input) => input?.hasAttribute("aria-invalid"));
  if (invalid) return invalid.focus();

  const button = byId("send");
  button.disabled = true;
  button.textContent = t("chat.sending");
  try {
    const answer = await api("POST", "/api/chat/send/", {
      body: { receiver: ownerID, sender_name: pseudo, content: text, ...(tagToken ? { tag: tagToken } : {}) },
      asGuest: true,
    });
    // Only now is the text safely with the server: clear the box and the saved draft.
    content.value = "";
    sessionStorage.removeItem(draftKey);
    messages.add([answer.message]);
    fixPseudo(answer.message.pseudo);
    byId("send-status").textContent = t("chat.sent");
    content.focus();
  } catch (error) {
    // The text stays in the box (and in the saved draft) whatever went wrong.
    if (error.code === "pseudo_taken") {
      setFieldError(pseudoInput, error.text);
      pseudoInput.focus();
    } else if (error.code === "blocked") {
      closeConversation("chat.blocked");
    } else if (error.code === "owner_unavailable") {
      closeConversation("chat.unavailable");
    } else {
      setAlert(byId("send-error"), error.text);
    }
  } finally {
    button.disabled = false;
    button.textContent = t("chat.send");
  }
}
