// The JSON API, as every page calls it: same origin, JSON in and out, errors as ApiError.
// The signed-in key lives in localStorage and goes out as `Authorization: Token <key>`; a guest
// is known by the HttpOnly `guest_token` cookie, which the browser sends by itself.

import { t, waitText } from "./i18n.js";

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

/**
 * A failed call: `status` 0 and code `network` when the request never got an answer.
 * `retryAfter` is the server's `Retry-After` in seconds (a `429` or `503`), null without one.
 */
export class ApiError extends Error {
  constructor(status, code, detail = "", fieldErrors = {}, retryAfter = null) {
    super(detail || code);
    this.status = status;
    this.code = code;
    this.detail = detail;
    this.fieldErrors = fieldErrors;
    this.retryAfter = retryAfter;
  }

  /** A sentence for people, in the page's language. */
  get text() {
    if (this.code === "rate_limited") {
      return t("error.rate_limited", { wait: this.retryAfter ? waitText(this.retryAfter) : t("wait.moment") });
    }
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
  const response = await request(method, path, { body, asGuest, accept: "application/json" });
  return response.status === 204 ? null : await response.json().catch(() => null);
}

/**
 * Fetches a file the API sends as an attachment (a data export, a tag's QR code) with the key,
 * which a plain link cannot carry. Answers `{blob, name}`: `name` from the answer's
 * `Content-Disposition`, or `fallbackName`.
 */
export async function apiFile(path, fallbackName) {
  const response = await request("GET", path, { accept: "*/*" });
  const disposition = response.headers.get("Content-Disposition") ?? "";
  const name = /filename="?([^";]+)"?/i.exec(disposition)?.[1] ?? fallbackName;
  return { blob: await response.blob(), name };
}

/** One request; answers the response when it is a success, throws an ApiError otherwise. */
async function request(method, path, { body, asGuest = false, accept }) {
  const headers = { Accept: accept };
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
  if (response.ok) return response;
  const data = await response.json().catch(() => null);
  // A revoked or expired key: forget it, so that the page offers to sign in again.
  if (response.status === 401 && data?.code === "invalid_token") session.signOut();
  const retryAfter = Number.parseInt(response.headers.get("Retry-After") ?? "", 10);
  throw new ApiError(
    response.status, data?.code ?? `http_${response.status}`, data?.detail, data?.errors ?? {},
    Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : null,
  );
}
