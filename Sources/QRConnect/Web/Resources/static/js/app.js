// /app: the owner's side. Sign up, sign in, sign out; the inbox (guests and users, newest first,
// with unread counts); a conversation with its reply box. Views are chosen by the URL's fragment:
// #signin, #signup, #guest/<pseudo>, #user/<id>. The inbox view also holds the owner's tags
// (tags.js), blocked guests (moderation.js) and account (account.js); a conversation carries
// block, report and delete (moderation.js).
// While signed in, the live socket (live.js, with a fresh ticket for each connection) brings new
// messages to the open conversation and refreshes the inbox; polling is the fallback.

import { resetAccount, setUpAccount } from "./account.js";
import { api, session } from "./api.js";
import { byId, element, poll, setAlert, setFieldError, showView } from "./dom.js";
import { formatTime, t, translate } from "./i18n.js";
import { LiveFeed, whenVisible } from "./live.js";
import { MessageList } from "./messages.js";
import { loadBlocked, resetThreadActions, setUpThreadActions } from "./moderation.js";
import { loadTags } from "./tags.js";

const views = ["loading", "failed", "auth", "inbox", "thread"];
// Where to go once signed in: only a scan page of this site, or sign-in would be an open redirect.
const requestedNext = new URLSearchParams(location.search).get("next") ?? "";
const next = /^\/[qQ]\/[0-9A-Fa-f-]{36}$/.test(requestedNext) ? requestedNext : null;

let me = null;
let thread = null;
let stopPolling = null;
let inboxSignature = "";
let inboxShown = false;
/** The highest message id this page has seen, in any list: where the socket resumes from. */
let lastSeenID = 0;
let inboxRefresh = null;
const live = new LiveFeed({
  ticket: async () => (await api("POST", "/api/chat/ws-ticket/")).ticket,
  since: () => Math.max(lastSeenID, threadMessages.lastID),
  onEvent: onLiveEvent,
  onChange: (connected) => {
    stopPolling?.reschedule();
    if (!connected) refreshView();
  },
});
const threadMessages = new MessageList(byId("thread-messages"), byId("thread-empty"), (message) => message.sender === me?.id);

translate();
document.title = `${t("app.title")} · QRConnect`;
window.addEventListener("hashchange", route);
byId("retry").addEventListener("click", start);
byId("signout").addEventListener("click", signOut);
for (const mode of ["signin", "signup"]) {
  byId(`${mode}-form`).addEventListener("submit", (event) => { event.preventDefault(); authenticate(mode); });
}
byId("reply-form").addEventListener("submit", (event) => { event.preventDefault(); reply(); });
byId("reply").addEventListener("input", () => thread && sessionStorage.setItem(thread.draftKey, byId("reply").value));
setUpThreadActions({ getThread: () => thread, leave: leaveThread });
setUpAccount({ onDeleted: accountDeleted });
start();

async function start() {
  me = null;
  if (session.key) {
    try {
      me = await api("GET", "/api/auth/me/");
    } catch (error) {
      if (error.status !== 401) return showView(views, "failed");
    }
  }
  if (me && next) return location.assign(next);
  route();
}

function route() {
  stopPolling?.();
  stopPolling = null;
  thread = null;
  inboxShown = false;
  byId("confirm").close();
  const fragment = decodeURIComponent(location.hash.slice(1));
  byId("account").hidden = !me;
  if (!me) {
    live.stop();
    lastSeenID = 0;
    return showAuth(fragment === "signup" ? "signup" : "signin");
  }
  live.start();
  byId("account-name").textContent = me.display_name;
  if (fragment.startsWith("guest/")) return openThread({ pseudo: fragment.slice("guest/".length) });
  if (fragment.startsWith("user/")) return openThread({ userID: Number(fragment.slice("user/".length)) });
  showInbox();
}

// MARK: signing in and out

function showAuth(mode) {
  byId("auth-for-tag").hidden = !next;
  for (const other of ["signin", "signup"]) {
    byId(`${other}-form`).hidden = other !== mode;
    byId(`${other}-tab`).setAttribute("aria-current", other === mode ? "page" : "false");
  }
  const alreadyShown = !byId("auth").hidden;
  showView(views, "auth", { focus: !alreadyShown });
  if (alreadyShown) byId(`${mode}-username`).focus();
}

async function authenticate(mode) {
  const fields = mode === "signup" ? ["username", "display_name", "password"] : ["username", "password"];
  const inputs = Object.fromEntries(fields.map((field) => [field, byId(`${mode}-${field}`)]));
  const body = {
    username: inputs.username.value.trim(),
    password: inputs.password.value,
  };
  if (inputs.display_name?.value.trim()) body.display_name = inputs.display_name.value.trim();

  for (const input of Object.values(inputs)) setFieldError(input, null);
  setAlert(byId(`${mode}-error`), null);
  if (mode === "signup") {
    if (!/^[A-Za-z0-9_.-]{3,32}$/.test(body.username)) setFieldError(inputs.username, t("app.username.invalid"));
    if (body.password.length < 8) setFieldError(inputs.password, t("app.password.short"));
  } else {
    if (!body.username) setFieldError(inputs.username, t("error.invalid_credentials"));
    if (!body.password) setFieldError(inputs.password, t("error.invalid_credentials"));
  }
  const invalid = Object.values(inputs).find((input) => input.hasAttribute("aria-invalid"));
  if (invalid) return invalid.focus();

  try {
    const answer = await api("POST", mode === "signup" ? "/api/auth/register/" : "/api/auth/login/", { body });
    session.signIn(answer.token);
    me = answer.user;
    byId("auth-notice").textContent = "";
    inputs.password.value = "";
    // Back to the scanned code, which the scan page now activates in this account.
    if (next) return location.assign(next);
    history.replaceState(null, "", location.pathname);
    route();
  } catch (error) {
    for (const [field, messages] of Object.entries(error.fieldErrors)) {
      if (inputs[field]) setFieldError(inputs[field], messages.join(" "));
    }
    if (error.code === "username_taken") setFieldError(inputs.username, error.text);
    else if (error.code !== "invalid") setAlert(byId(`${mode}-error`), error.text);
    (Object.values(inputs).find((input) => input.hasAttribute("aria-invalid")) ?? inputs.username).focus();
  }
}

async function signOut() {
  // The key is forgotten here even if the server cannot be told: this browser is signed out.
  await api("POST", "/api/auth/logout/").catch(() => {});
  showSignedOut(null);
}

/** The account no longer exists (its keys went with it): signed out, and told so. */
function accountDeleted() {
  showSignedOut(t("account.deleted"));
}

function showSignedOut(notice) {
  session.signOut();
  me = null;
  for (const key of Object.keys(sessionStorage)) {
    if (key.startsWith("qrconnect.reply.")) sessionStorage.removeItem(key);
  }
  byId("auth-notice").textContent = notice ?? "";
  history.replaceState(null, "", `${location.pathname}#signin`);
  route();
}

// MARK: inbox, tags, blocked guests, account

async function showInbox() {
  inboxSignature = "";
  resetAccount();
  try {
    await Promise.all([loadConversations(), loadTags(), loadBlocked(() => loadConversations().catch(() => {}))]);
  } catch (error) {
    return error.status === 401 ? start() : showView(views, "failed");
  }
  showView(views, "inbox");
  inboxShown = true;
  stopPolling = poll(loadConversations, () => live.pollInterval(4000));
}

/** Guests and users in one list, newest first: message ids grow with time across both kinds. */
async function loadConversations() {
  const [guests, users] = await Promise.all([
    api("GET", "/api/chat/conversations-anonymes/?include=conversations"),
    api("GET", "/api/chat/conversations/"),
  ]);
  const entries = [
    ...guests.conversations.map((entry) => ({
      name: entry.pseudo, kind: "guest", href: `#guest/${encodeURIComponent(entry.pseudo)}`,
      last: entry.last_message, unread: entry.unread,
    })),
    ...users.conversations.map((entry) => ({
      name: entry.user.display_name, kind: "user", href: `#user/${entry.user.id}`,
      last: entry.last_message, unread: entry.unread,
    })),
  ].sort((a, b) => b.last.id - a.last.id);
  if (entries.length) lastSeenID = Math.max(lastSeenID, entries[0].last.id);
  // Redraw only on change, so that polling does not move a keyboard user's focus.
  const signature = JSON.stringify(entries);
  if (signature === inboxSignature) return;
  inboxSignature = signature;
  byId("conversations").replaceChildren(...entries.map(conversationItem));
  byId("conversations-empty").hidden = entries.length > 0;
}

function conversationItem(entry) {
  const preview = entry.last.sender === me.id ? t("app.preview.mine", { text: entry.last.content }) : entry.last.content;
  const unread = entry.unread > 0
    ? [element("span", { className: "unread" }, [
        element("span", { text: String(entry.unread), attributes: { "aria-hidden": "true" } }),
        element("span", { className: "visually-hidden", text: t("app.unread", { count: entry.unread }) }),
      ])]
    : [];
  return element("li", {}, [
    element("a", { className: entry.unread > 0 ? "conversation has-unread" : "conversation", attributes: { href: entry.href } }, [
      element("span", { className: "who" }, [
        element("span", { className: "name", text: entry.name }),
        element("span", { className: `kind ${entry.kind}`, text: t(entry.kind === "guest" ? "app.guest" : "app.member") }),
        ...unread,
      ]),
      element("span", { className: "preview", text: preview }),
      element("time", { className: "when", text: formatTime(entry.last.created_at), attributes: { datetime: entry.last.created_at } }),
    ]),
  ]);
}

// MARK: one conversation

async function openThread(target) {
  const current = {
    ...target,
    path: target.pseudo !== undefined
      ? `/api/chat/discussion-anonyme/?pseudo=${encodeURIComponent(target.pseudo)}`
      : `/api/chat/discussion/${target.userID}/`,
    draftKey: `qrconnect.reply.${target.pseudo ?? target.userID}`,
  };
  thread = current;
  byId("inbox-status").textContent = "";
  resetThreadActions(current);
  threadMessages.clear();
  setAlert(byId("reply-alert"), null);
  setFieldError(byId("reply"), null);
  byId("reply").value = sessionStorage.getItem(current.draftKey) ?? "";
  try {
    const title = current.pseudo ?? (await api("GET", `/api/chat/owner/${current.userID}/`)).display_name;
    if (thread !== current) return;
    current.name = title;
    byId("thread-title").textContent = title;
    await loadThread(current);
  } catch (error) {
    if (error.status === 401) return start();
    if (error.status === 404) return (location.hash = "#inbox");
    return showView(views, "failed");
  }
  showView(views, "thread");
  stopPolling = poll(() => loadThread(current), () => live.pollInterval(3000));
}

/**
 * The open conversation was blocked or deleted: back to the inbox, which says so. `replace`, so
 * that the back button does not reopen what is gone.
 */
function leaveThread(sentence) {
  sessionStorage.removeItem(thread?.draftKey ?? "");
  location.replace("#inbox");
  byId("inbox-status").textContent = sentence;
}

/** Whether `message` belongs to the conversation `current`. */
function inThread(current, message) {
  if (current.pseudo !== undefined) return message.pseudo === current.pseudo;
  return message.pseudo === null && (message.sender === current.userID || message.receiver === current.userID);
}

async function loadThread(current) {
  const page = await api("GET", current.path);
  // The owner may have left this conversation while the answer was on its way.
  if (thread === current) threadMessages.add(page);
}

async function reply() {
  const current = thread;
  const box = byId("reply");
  const content = box.value.trim();
  setAlert(byId("reply-alert"), null);
  setFieldError(box, content ? null : t("chat.content.empty"));
  if (!content) return box.focus();
  const body = current.pseudo !== undefined ? { pseudo: current.pseudo, content } : { receiver: current.userID, content };
  const button = byId("reply-send");
  button.disabled = true;
  try {
    const answer = await api("POST", "/api/chat/send/", { body });
    // Cleared only once the server has the message: a failed reply keeps its text.
    if (box.value.trim() === content) box.value = "";
    sessionStorage.removeItem(current.draftKey);
    if (thread === current) threadMessages.add([answer.message]);
    lastSeenID = Math.max(lastSeenID, answer.message.id);
  } catch (error) {
    setAlert(byId("reply-alert"), error.text);
  } finally {
    button.disabled = false;
    box.focus();
  }
}

// MARK: live events

function onLiveEvent(event) {
  if (event.type === "message.created") {
    const { message } = event;
    lastSeenID = Math.max(lastSeenID, message.id);
    const current = thread;
    if (current && inThread(current, message)) {
      // On screen: shown at once, and marked read so that the inbox's unread count stays right.
      if (threadMessages.add([message]) && message.sender !== me?.id) markRead(current);
    } else {
      refreshInboxSoon();
    }
  } else if (event.type === "ready") {
    // Connected and caught up; one read of the view covers what came before the first `since`.
    refreshView();
  } else if (event.type === "conversation.read") {
    const current = thread;
    if (current && readByOtherSide(current, event)) threadMessages.markRead(event.read_up_to);
    else refreshInboxSoon();
  }
}

/** Whether `event` says the other side of `current` read it. */
function readByOtherSide(current, event) {
  if (current.pseudo !== undefined) return event.reader === "guest" && event.owner_id === me?.id && event.pseudo === current.pseudo;
  return event.reader === "user" && event.reader_id === current.userID && (event.user_ids ?? []).includes(me?.id);
}

function markRead(current) {
  const body = current.pseudo !== undefined ? { pseudo: current.pseudo } : { user_id: current.userID };
  whenVisible(() => {
    if (thread === current) api("POST", "/api/chat/read/", { body }).catch(() => {});
  });
}

/** The inbox's counts changed: reload the lists, once for a burst of events (a catch-up). */
function refreshInboxSoon() {
  if (!inboxShown || inboxRefresh) return;
  inboxRefresh = setTimeout(() => {
    inboxRefresh = null;
    if (inboxShown) loadConversations().catch(() => {});
  }, 150);
}

/** Reads the view once: after a drop (polling takes over) and once connected. */
function refreshView() {
  const current = thread;
  if (current) loadThread(current).catch(() => {});
  else if (inboxShown) loadConversations().catch(() => {});
}
