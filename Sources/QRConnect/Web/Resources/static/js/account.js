// The account section of /app: export everything QRConnect holds about me (a JSON file), and
// delete my account, confirmed with my password (docs/API.md, "Owners in control").

import { api } from "./api.js";
import { byId, setAlert, setFieldError } from "./dom.js";
import { saveDownload } from "./download.js";
import { t } from "./i18n.js";

/** Wires the section once. `onDeleted()` runs once the account is gone: app.js signs out. */
export function setUpAccount({ onDeleted }) {
  byId("export").addEventListener("click", exportData);
  byId("delete-account-form").addEventListener("submit", (event) => {
    event.preventDefault();
    deleteAccount(onDeleted);
  });
}

/** Clears what a previous visit left: statuses, the password, the open delete form. */
export function resetAccount() {
  byId("export-status").textContent = "";
  setAlert(byId("export-error"), null);
  byId("delete-password").value = "";
  setFieldError(byId("delete-password"), null);
  setAlert(byId("delete-account-error"), null);
  byId("delete-account").open = false;
}

async function exportData() {
  const button = byId("export");
  byId("export-status").textContent = "";
  setAlert(byId("export-error"), null);
  button.disabled = true;
  try {
    const name = await saveDownload("/api/auth/me/export/", "qrconnect-export.json");
    byId("export-status").textContent = t("account.exported", { name });
  } catch (error) {
    setAlert(byId("export-error"), error.text);
  } finally {
    button.disabled = false;
  }
}

async function deleteAccount(onDeleted) {
  const input = byId("delete-password");
  const password = input.value;
  setAlert(byId("delete-account-error"), null);
  setFieldError(input, password ? null : t("account.delete.password_missing"));
  if (!password) return input.focus();
  const button = byId("delete-account-submit");
  button.disabled = true;
  try {
    await api("DELETE", "/api/auth/me/", { body: { password } });
    input.value = "";
    onDeleted();
  } catch (error) {
    if (error.code === "invalid_credentials") setFieldError(input, t("account.delete.wrong_password"));
    else setAlert(byId("delete-account-error"), error.text);
    input.focus();
  } finally {
    button.disabled = false;
  }
}
