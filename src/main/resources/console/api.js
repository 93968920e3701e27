// Calls to the public /v1 API with the token the user entered. The token lives in
// sessionStorage: it survives reloads of this tab and is gone when the browser session ends.

const KEY = 'cohort.token';

export const session = {
  token() { return sessionStorage.getItem(KEY); },
  set(token) { sessionStorage.setItem(KEY, token); },
  clear() { sessionStorage.removeItem(KEY); },
};

/** A refused or failed call; message is the API's own (it says what and where). */
export class ApiError extends Error {
  constructor(status, message, body) {
    super(message);
    this.status = status;
    this.body = body;
  }
}

/** Builds "?a=1&b=x" from the defined values of params. */
export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  }
  const s = q.toString();
  return s ? '?' + s : '';
}

/** Encodes one path segment (ids come from data). */
export const seg = (s) => encodeURIComponent(s);

/**
 * GET/POST a /v1 path. Answers the parsed JSON; throws ApiError for any other status than 2xx
 * or those in opts.accept (e.g. 422 of a validation, whose body is the answer).
 */
export async function api(path, opts = {}) {
  const headers = { Accept: 'application/json', Authorization: 'Bearer ' + (session.token() || '') };
  let body;
  if (opts.json !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(opts.json);
  } else if (opts.text !== undefined) {
    headers['Content-Type'] = 'text/plain; charset=utf-8';
    body = opts.text;
  } else if (opts.bytes !== undefined) {
    // A workbook (.xlsx) as its bytes, as the API takes it.
    headers['Content-Type'] = 'application/octet-stream';
    body = opts.bytes;
  }
  let res;
  try {
    res = await fetch(path, {
      method: opts.method || (body === undefined ? 'GET' : 'POST'),
      headers, body, cache: 'no-store', credentials: 'omit', redirect: 'error',
    });
  } catch (e) {
    throw new ApiError(0, 'The service did not answer (' + e.message + ').');
  }
  const text = await res.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  if (res.ok || (opts.accept || []).includes(res.status)) return json;
  const message = json && typeof json.message === 'string' ? json.message : res.status + ' ' + res.statusText;
  if (res.status === 401) window.dispatchEvent(new CustomEvent('cohort:unauthorized', { detail: message }));
  throw new ApiError(res.status, message, json);
}
