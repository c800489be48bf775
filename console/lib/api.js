// api.js - every call to cordond's API: same origin, the session cookie
// (HttpOnly: the page never sees it) and, on a change, the session's
// CSRF value.  A 401 sends the page back to the sign-in form.
// kept in localStorage so that every tab of the session has it; without
// it the page knows it is not signed in and asks nothing of the API
let csrf = localStorage.getItem("cordon-csrf") || "";
let onSignedOut = () => {};

export function setCsrf(v) {
  csrf = v || "";
  if (csrf) localStorage.setItem("cordon-csrf", csrf);
  else localStorage.removeItem("cordon-csrf");
}
export const hasSession = () => csrf !== "";

export function whenSignedOut(fn) { onSignedOut = fn; }

export class ApiError extends Error {
  constructor(status, data) {
    super(data.error || `HTTP ${status}`);
    this.status = status;
    this.field = data.field;
    this.errors = data.errors || [];
  }
}

export async function api(method, path, body) {
  const headers = {};
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (method !== "GET" && csrf) headers["X-CSRF-Token"] = csrf;
  const r = await fetch("/api/v1" + path, {
    method, headers, credentials: "same-origin",
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const data = await r.json().catch(() => ({}));
  if (!r.ok) {
    if (r.status === 401 && path !== "/session") onSignedOut();
    throw new ApiError(r.status, data);
  }
  return data;
}

export const get = (path) => api("GET", path);
export const q = (o) => Object.entries(o)
  .filter(([, v]) => v !== undefined && v !== null && v !== "")
  .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join("&");

// A file the API makes (a CSV, a PDF), saved by the browser under name:
// the session's cookie goes with the call; the API's error is thrown, and
// a 401 sends the page back to the sign-in form.
export async function download(path, name) {
  const r = await fetch("/api/v1" + path, { credentials: "same-origin" });
  if (!r.ok) {
    const data = await r.json().catch(() => ({}));
    if (r.status === 401) onSignedOut();
    throw new ApiError(r.status, data);
  }
  const url = URL.createObjectURL(await r.blob());
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}
