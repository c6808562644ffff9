// Naming a tag ("Car", "Keys"): the same form on the scan page and in the owner's list of tags.

import { api } from "./api.js";
import { setFieldError } from "./dom.js";
import { t } from "./i18n.js";

/** Saves `input`'s value as the label of tag `token`, reporting in `status`; true when saved. */
export async function saveLabel(token, input, status) {
  const label = input.value.trim();
  status.textContent = "";
  if (label.length < 1 || label.length > 40) {
    setFieldError(input, t("label.invalid"));
    input.focus();
    return false;
  }
  setFieldError(input, null);
  try {
    const tag = await api("PATCH", `/api/tags/${encodeURIComponent(token)}/`, { body: { label } });
    input.value = tag.label;
    status.textContent = t("label.saved");
    return true;
  } catch (error) {
    setFieldError(input, error.code === "invalid" ? t("label.invalid") : error.text);
    input.focus();
    return false;
  }
}
