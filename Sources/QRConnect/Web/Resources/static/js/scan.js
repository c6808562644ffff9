// /q/<token>: where every printed code points. Asks the API what the code is and acts on it:
// linked → the guest chat with its owner, for this tag; free and signed out → offer to sign in and
// come back; free and signed in → activated, name it; free with a claim code (printed beside the
// QR) and signed in → ask for the code first; retired or unknown → say so.

import { api, ApiError, session } from "./api.js";
import { byId, setFieldError, showView } from "./dom.js";
import { t, translate } from "./i18n.js";
import { saveLabel } from "./labels.js";

const views = ["loading", "unknown", "retired", "inactive", "claim", "owned", "failed"];
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
byId("claim-form").addEventListener("submit", (event) => { event.preventDefault(); claim(); });
scan();

async function scan() {
  if (!uuidPattern.test(token)) return showView(views, "unknown");
  let outcome;
  try {
    outcome = await api("POST", "/api/auth/scan-qr/", { body: { token } });
  } catch (error) {
    // A stale key was just forgotten by `api`: scan again as the anonymous visitor we now are.
    if (error.code === "invalid_token") return scan();
    if (error.code === "qr_retired") return showView(views, "retired");
    if (error.status === 404 || error.status === 400) return showView(views, "unknown");
    return showView(views, "failed");
  }
  switch (outcome.status) {
    case "activated":
      return showOwned("scan.activated");
    case "inactive":
      return showInactive(outcome.claim_code_required === true);
    case "claim_code_required":
      return showClaim();
    case "linked":
      return (await isMine(outcome.owner_id)) ? showOwned("scan.mine") : openChat(outcome.chat_url);
  }
}

function showClaim() {
  setFieldError(byId("claim-code"), null);
  showView(views, "claim");
  byId("claim-code").focus();
}

/** Sends the activation code the visitor typed; the server ignores case, spaces and dashes. */
async function claim() {
  const input = byId("claim-code");
  const code = input.value.trim();
  setFieldError(input, code ? null : t("scan.claim.empty"));
  if (!code) return input.focus();
  const button = byId("claim-submit");
  button.disabled = true;
  try {
    const outcome = await api("POST", "/api/auth/scan-qr/", { body: { token, claim_code: code } });
    if (outcome.status === "activated") return showOwned("scan.activated");
    // Someone else activated it in the meantime (linked): start again from what the code is now.
    showView(views, "loading");
    return scan();
  } catch (error) {
    // The code stays in the box to correct; a wrong one and too many tries each say so.
    setFieldError(input, error.code === "wrong_claim_code" ? t("scan.claim.wrong") : error.text);
    input.focus();
  } finally {
    button.disabled = false;
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
  // The chat names the tag it came from: it shows the tag's lost-mode message, knows whether the
  // tag is paused, and sends the tag with each message.
  const url = new URL(chatURL, location.origin);
  url.searchParams.set("tag", token);
  // `replace`: the back button leaves the chat for where the visitor came from, not for this hop.
  location.replace(url.pathname + url.search);
}

/** A free code, signed out; `claimCodeRequired`: it will ask for the code printed beside the QR. */
function showInactive(claimCodeRequired) {
  byId("claim-needed").hidden = !claimCodeRequired;
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
