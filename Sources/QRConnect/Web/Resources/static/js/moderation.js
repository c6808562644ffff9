// An owner's say over who reaches them (docs/API.md, "Owners in control"), in /app:
// - under an open conversation: block the guest, report the conversation, delete it;
// - in the inbox: the guests this owner blocked, each with Unblock.
// app.js owns the views; this module is told which conversation is open and asks app.js to leave
// it (back to the inbox, with a sentence saying what happened) once it is blocked or deleted.

import { api } from "./api.js";
import { confirmAction } from "./confirm.js";
import { byId, element, setAlert, setFieldError } from "./dom.js";
import { t } from "./i18n.js";

let currentThread = () => null;
let leaveThread = () => {};

/**
 * Wires the conversation's buttons once. `getThread()` answers the open conversation
 * (`{pseudo}` or `{userID}`, with its `name`); `leave(sentence)` returns to the inbox.
 */
export function setUpThreadActions({ getThread, leave }) {
  currentThread = getThread;
  leaveThread = leave;
  byId("block").addEventListener("click", block);
  byId("delete-thread").addEventListener("click", deleteThread);
  byId("report-open").addEventListener("click", () => showReportForm(byId("report-form").hidden));
  byId("report-cancel").addEventListener("click", () => showReportForm(false));
  byId("report-form").addEventListener("submit", (event) => { event.preventDefault(); report(); });
}

/** A conversation was opened: the actions that fit it (only a guest can be blocked), nothing left over. */
export function resetThreadActions(thread) {
  byId("block").hidden = thread.pseudo === undefined;
  byId("thread-status").textContent = "";
  setAlert(byId("thread-action-error"), null);
  byId("report-reason").value = "";
  setFieldError(byId("report-reason"), null);
  showReportForm(false, { focus: false });
}

/** The body that names the open conversation, as block, report and delete take it. */
function target(thread) {
  return thread.pseudo !== undefined ? { pseudo: thread.pseudo } : { user_id: thread.userID };
}

async function block() {
  const thread = currentThread();
  if (!thread || thread.pseudo === undefined) return;
  setAlert(byId("thread-action-error"), null);
  const confirmed = await confirmAction({
    title: t("moderation.block.title", { name: thread.name }),
    body: t("moderation.block.body"),
    confirmLabel: t("moderation.block.confirm"),
  });
  if (!confirmed || currentThread() !== thread) return;
  try {
    await api("POST", "/api/chat/block/", { body: { pseudo: thread.pseudo } });
    leaveThread(t("moderation.blocked", { name: thread.name }));
  } catch (error) {
    setAlert(byId("thread-action-error"), error.text);
  }
}

async function deleteThread() {
  const thread = currentThread();
  if (!thread) return;
  setAlert(byId("thread-action-error"), null);
  const guest = thread.pseudo !== undefined;
  const confirmed = await confirmAction({
    title: t("moderation.delete.title", { name: thread.name }),
    body: t(guest ? "moderation.delete.guest_body" : "moderation.delete.user_body", { name: thread.name }),
    confirmLabel: t("moderation.delete.confirm"),
  });
  if (!confirmed || currentThread() !== thread) return;
  try {
    // A guest conversation goes for good; a discussion with a user only leaves my list.
    await api("DELETE", guest
      ? `/api/chat/discussion-anonyme/?pseudo=${encodeURIComponent(thread.pseudo)}`
      : `/api/chat/discussion/${thread.userID}/`);
    leaveThread(t("moderation.deleted", { name: thread.name }));
  } catch (error) {
    setAlert(byId("thread-action-error"), error.text);
  }
}

function showReportForm(shown, { focus = true } = {}) {
  byId("report-form").hidden = !shown;
  byId("report-open").setAttribute("aria-expanded", String(shown));
  if (shown && focus) byId("report-reason").focus();
}

async function report() {
  const thread = currentThread();
  if (!thread) return;
  const reasonBox = byId("report-reason");
  const reason = reasonBox.value.trim();
  setFieldError(reasonBox, reason.length > 1000 ? t("moderation.report.long") : null);
  if (reason.length > 1000) return reasonBox.focus();
  const button = byId("report-send");
  button.disabled = true;
  try {
    await api("POST", "/api/chat/report/", { body: { ...target(thread), ...(reason ? { reason } : {}) } });
    reasonBox.value = "";
    showReportForm(false, { focus: false });
    byId("thread-status").textContent = t("moderation.reported");
    byId("report-open").focus();
  } catch (error) {
    // The reason stays in the box: nothing typed is lost.
    setFieldError(reasonBox, error.fieldErrors.reason?.join(" ") ?? error.text);
    reasonBox.focus();
  } finally {
    button.disabled = false;
  }
}

/** Fills the inbox's "Blocked guests" list. `onUnblocked()` runs after an unblock (the guest's conversation comes back). */
export async function loadBlocked(onUnblocked) {
  const { pseudos } = await api("GET", "/api/chat/blocked/");
  byId("blocked").replaceChildren(...pseudos.map((pseudo) => blockedItem(pseudo, onUnblocked)));
  byId("blocked-empty").hidden = pseudos.length > 0;
}

function blockedItem(pseudo, onUnblocked) {
  const button = element("button", {
    className: "secondary",
    text: t("moderation.unblock"),
    attributes: { type: "button", "aria-label": t("moderation.unblock.named", { name: pseudo }) },
  });
  const item = element("li", { className: "blocked-guest" }, [element("span", { className: "name", text: pseudo }), button]);
  button.addEventListener("click", async () => {
    button.disabled = true;
    setAlert(byId("blocked-error"), null);
    try {
      await api("POST", "/api/chat/unblock/", { body: { pseudo } });
      item.remove();
      // The button is gone with its row: the focus goes to the list's heading, not to the page's top.
      byId("blocked-title").focus();
      byId("blocked-empty").hidden = byId("blocked").children.length > 0;
      byId("blocked-status").textContent = t("moderation.unblocked", { name: pseudo });
      onUnblocked();
    } catch (error) {
      button.disabled = false;
      setAlert(byId("blocked-error"), error.text);
    }
  });
  return item;
}
