// The JSON API, as every page calls it: same origin, JSON in and out, errors as ApiError.
// The signed-in key lives in localStorage and goes out as `Authorization: Token <key>`; a guest
// is known by the HttpOnly `guest_token` cookie, which the browser sends by itself.

import { t } from "./i18n.js";

const keyName = "qrconnect.key";

export const session = {
  get key() {
    return localStorage.getItem(keyName);
  },
  signIn(key) {
    localStorage.setItem(keyName, key);
  },
  signOut() {
    localStorage.removeItem(keyName);
  },
};

/** A failed call: `status` 0 and code `network` when the request never got an answer. */
export class ApiError extends Error {
  constructor(status, code, detail = "", fieldErrors = {}) {
    super(detail || code);
    this.status = status;
    this.code = code;
    this.detail = detail;
    this.fieldErrors = fieldErrors;
  }

  /** A sentence for people, in the page's language. */
  get text() {
    const known = t(`error.${this.code}`);
    if (known !== `error.${this.code}`) return known;
    return t("error.other", { code: this.status || this.code });
  }
}

/**
 * Calls the API. `asGuest` leaves the key out: the guest chat always writes as a guest, even in a
 * browser that is signed in elsewhere on the site.
 */
export async function api(method, path, { body, asGuest = false } = {}) {
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const key = asGuest ? null : session.key;
  if (key) headers.Authorization = `Token ${key}`;
  let response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "same-origin",
      cache: "no-store",
    });
  } catch {
    throw new ApiError(0, "network");
  }
  const data = response.status === 204 ? null : await response.json().catch(() => null);
  if (!response.ok) {
    // A revoked or expired key: forget it, so that the page offers to sign in again.
    if (response.status === 401 && data?.code === "invalid_token") session.signOut();
    throw new ApiError(response.status, data?.code ?? `http_${response.status}`, data?.detail, data?.errors ?? {});
  }
  return data;
}
