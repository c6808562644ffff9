// /q/<token>: where every printed code points. Asks the API what the code is and acts on it:
// linked → the guest chat with its owner; free and signed out → offer to sign in and come back;
// free and signed in → activated, name it; unknown → say so.

import { api, ApiError, session } from "./api.js";
import { byId, setFieldError, showView } from "./dom.js";
import { t, translate } from "./i18n.js";
import { saveLabel } from "./labels.js";

const views = ["loading", "unknown", "inactive", "owned", "failed"];
// `/q/<token>` or `/Q/<TOKEN>`: upper case lets printers use the denser alphanumeric QR mode.
const token = decodeURIComponent(location.pathname.split("/")[2] ?? "").toLowerCase();
const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

translate();
document.title = t("scan.title");
byId("retry").addEventListener("click", () => { showView(views, "loading"); scan(); });
byId("label-form").addEventListener("submit", (event) => {
  event.preventDefault();
  saveLabel(token, byId("label"), byId("label-status"));
});
scan();

async function scan() {
  if (!uuidPattern.test(token)) return showView(views, "unknown");
  let outcome;
  try {
    outcome = await api("POST", "/api/auth/scan-qr/", { body: { token } });
  } catch (error) {
    // A stale key was just forgotten by `api`: scan again as the anonymous visitor we now are.
    if (error.code === "invalid_token") return scan();
    if (error.status === 404 || error.status === 400) return showView(views, "unknown");
    return showView(views, "failed");
  }
  switch (outcome.status) {
    case "activated":
      return showOwned("scan.activated");
    case "inactive":
      return showInactive();
    case "linked":
      return (await isMine(outcome.owner_id)) ? showOwned("scan.mine") : openChat(outcome.chat_url);
  }
}

/** Whether the signed-in visitor (if any) owns the code: they get their tag, not a chat with themselves. */
async function isMine(ownerID) {
  if (!session.key) return false;
  try {
    return (await api("GET", "/api/auth/me/")).id === ownerID;
  } catch (error) {
    if (error instanceof ApiError) return false;
    throw error;
  }
}

function openChat(chatURL) {
  byId("loading-text").textContent = t("scan.redirecting");
  // `replace`: the back button leaves the chat for where the visitor came from, not for this hop.
  location.replace(chatURL);
}

function showInactive() {
  // After signing in or up, /app sends the visitor back here, where the scan activates the code.
  const next = encodeURIComponent(`/q/${token}`);
  byId("signin-link").href = `/app?next=${next}#signin`;
  byId("signup-link").href = `/app?next=${next}#signup`;
  showView(views, "inactive");
}

function showOwned(textKey) {
  byId("owned-title").textContent = t(`${textKey}.title`);
  byId("owned-body").textContent = t(`${textKey}.body`);
  setFieldError(byId("label"), null);
  showView(views, "owned");
}
