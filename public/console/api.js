// The admin API, with the token from sessionStorage as a bearer header (never in a URL or cookie).

const TOKEN_KEY = "meeting-relay.admin-token";

export const token = {
  get: () => sessionStorage.getItem(TOKEN_KEY),
  set: (value) => sessionStorage.setItem(TOKEN_KEY, value),
  clear: () => sessionStorage.removeItem(TOKEN_KEY),
};

export class ApiError extends Error {
  constructor(status, message, body) {
    super(message);
    this.status = status;
    this.body = body;
  }
}

let onUnauthorized = () => {};
/** What to do when the relay answers 401 (the token is wrong or was rotated). */
export function whenUnauthorized(callback) {
  onUnauthorized = callback;
}

/** `api("GET", "/admin/events", undefined, { provider: "yunhuni" })` → the parsed JSON body. */
export async function api(method, path, body, query = {}) {
  const url = new URL(path, location.origin);
  for (const [name, value] of Object.entries(query)) if (value) url.searchParams.set(name, value);
  const headers = { authorization: `Bearer ${token.get() ?? ""}` };
  if (body !== undefined) headers["content-type"] = "application/json";
  const response = await fetch(url, {
    method,
    headers,
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
    cache: "no-store",
    credentials: "omit",
  });
  const text = await response.text();
  let data = null;
  let json = true;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
    json = false;
  }
  if (!response.ok) {
    if (response.status === 401) onUnauthorized();
    throw new ApiError(response.status, data?.error ?? `${response.status} ${response.statusText}`, data);
  }
  // Say so, rather than fail later on a missing field: say, a login page of a proxy in front of the relay.
  if (!json) {
    const type = response.headers.get("content-type") ?? "no content type";
    throw new ApiError(
      response.status,
      `the answer to ${method} ${url.pathname} is not JSON (${response.status}, ${type})`,
      null,
    );
  }
  return data;
}

/** An id as one path segment. */
export const segment = (id) => encodeURIComponent(id);
