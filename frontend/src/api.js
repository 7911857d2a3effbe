// Same-origin JSON calls to the patient API with the session cookie and Django's CSRF token.

export class ApiError extends Error {
  constructor(status, body) {
    super(`HTTP ${status}`);
    this.status = status;
    this.body = body;
  }
}

const successListeners = new Set();

/** Call `listener(path)` after every request the server answered with success (the page's outbox retry). */
export function onApiSuccess(listener) {
  successListeners.add(listener);
}

/**
 * What kind of failure `error` is, in the words the app shows: "offline" (the phone has no network),
 * "unreachable" (online, but the server did not answer), "server" (the server answered with a 5xx),
 * or "refused" (a 4xx: the server answered and said no).
 */
export function failureKind(error) {
  if (error instanceof ApiError) return error.status >= 500 ? "server" : "refused";
  return typeof navigator !== "undefined" && navigator.onLine === false ? "offline" : "unreachable";
}

/** The csrftoken cookie's value ("" when there is none, e.g. inside the service worker). */
export function csrfFromCookie() {
  if (typeof document === "undefined") return "";
  const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  return match ? decodeURIComponent(match[1]) : "";
}

/**
 * Call `path` and return the parsed JSON body (null for 204). Rejects with ApiError on an HTTP error,
 * or with a TypeError when the network is down.
 */
export async function api(path, { method = "GET", body, csrf = csrfFromCookie(), signal } = {}) {
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (method !== "GET") headers["X-CSRFToken"] = csrf;
  const response = await fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: "same-origin",
    cache: "no-store",
    signal,
  });
  const type = response.headers.get("Content-Type") || "";
  const data = response.status === 204 ? null : type.includes("json") ? await response.json() : null;
  if (!response.ok) throw new ApiError(response.status, data);
  for (const listener of successListeners) listener(path);
  return data;
}
