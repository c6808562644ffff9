// Asking before what cannot be undone (blocking a guest, deleting a conversation, releasing a
// tag): a modal <dialog> of the page (#confirm in app.html), not window.confirm, so that it is
// translated, styled, and reads well on a phone. Escape or "Cancel" answers no; the focus goes
// back to the button that asked, as a modal dialog does by itself.

import { byId } from "./dom.js";
import { t } from "./i18n.js";

/** Shows the question; resolves to true when the person confirms. */
export function confirmAction({ title, body, confirmLabel }) {
  const dialog = byId("confirm");
  byId("confirm-title").textContent = title;
  byId("confirm-body").textContent = body;
  byId("confirm-ok").textContent = confirmLabel;
  byId("confirm-cancel").textContent = t("cancel");
  dialog.returnValue = "";
  dialog.showModal();
  return new Promise((resolve) => {
    dialog.addEventListener("close", () => resolve(dialog.returnValue === "confirm"), { once: true });
  });
}
