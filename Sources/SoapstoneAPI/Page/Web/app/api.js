// The one way to the API. The access token lives in this module's memory only; the refresh
// token is an HttpOnly cookie the page never sees, sent by the browser to /v1/auth only, and
// used only with the X-Soapstone-Session header (which another site cannot send: no CORS).

import { onTabMessage, tellTabs } from './tabs.js';

const sessionHeader = { 'X-Soapstone-Session': 'cookie' };
const refreshMargin = 60_000; // refresh this long before the access token expires

/** An answer that was not a success, with the problem document's fields. */
export class ApiError extends Error {
  constructor(status, problem, retryAfter) {
    super(problem?.detail || problem?.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem ?? {};
    this.retryAfter = retryAfter;
  }

  /** The problem's type by its last segment ("possible-duplicate"), for telling answers apart. */
  get type() {
    return String(this.problem.type ?? '').split('/').pop();
  }

  /** The validation errors of a 422, by field path. */
  get fieldErrors() {
    const errors = {};
    for (const { field, message } of this.problem.errors ?? []) errors[field] = message;
    return errors;
  }
}

/** No answer at all: the network or the server is down. */
export class Unreachable extends Error {}

let access = null; // { token, expiresAt }
let refreshTimer = null;
let refreshing = null;
const listeners = new Set();

/** Who is logged in: { user, tenant } or null. */
export let current = null;

export function onSessionChange(listener) {
  listeners.add(listener);
}

/**
 * One request. `accept` names another answer than JSON (the access report's `text/csv`): a
 * success then answers its text as it came; a failure is still a problem document.
 */
async function send(method, path, { body, headers = {}, withToken = true, accept } = {}) {
  const init = {
    method, headers: { Accept: accept ? `${accept}, application/problem+json` : 'application/json', ...headers },
    credentials: 'same-origin',
  };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  if (withToken && access) init.headers.Authorization = `Bearer ${access.token}`;
  let response;
  try {
    response = await fetch(path, init);
  } catch {
    throw new Unreachable('Soapstone cannot be reached. Check the connection and try again.');
  }
  const text = await response.text();
  if (accept && response.ok) return { data: text, etag: response.headers.get('ETag') };
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    // Not Soapstone's answer: a proxy's or load balancer's error page, most likely.
    throw new Unreachable(response.ok
      ? 'Soapstone answered in a way this page does not understand. Reload the page and try again.'
      : `Soapstone cannot be reached just now (HTTP ${response.status} from the network in between). Try again shortly.`);
  }
  if (!response.ok) {
    const retryAfter = Number(response.headers.get('Retry-After')) || undefined;
    throw new ApiError(response.status, data, retryAfter);
  }
  return { data, etag: response.headers.get('ETag') };
}

/**
 * A call that outlives the page (`keepalive`): what the note editor sends when the page is
 * closed or reloaded with text not yet saved. Nobody waits for its answer.
 */
export function sendOnExit(method, path, { body, headers = {} }) {
  if (!access) return;
  fetch(path, {
    method, keepalive: true, credentials: 'same-origin',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${access.token}`, ...headers },
    body: JSON.stringify(body),
  }).catch(() => {});
}

/** An authenticated call; an expired access token is refreshed once, silently. */
export async function call(method, path, options = {}) {
  try {
    return await send(method, path, options);
  } catch (error) {
    if (!(error instanceof ApiError) || error.status !== 401 || !access) throw error;
    if (!(await refresh())) throw error;
    return send(method, path, options);
  }
}

/**
 * Every item of a list the API answers a page at a time, following `next_cursor` with the
 * largest page the API gives (200): for the short lists a page shows whole (the staff, the
 * users, a patient's encounters, an encounter's notes, a note's versions). Each answer stays
 * bounded on the server; at most 50 pages are followed.
 */
export async function callAll(path) {
  const items = [];
  let cursor = null;
  for (let page = 0; page < 50; page += 1) {
    const query = new URLSearchParams({ limit: '200', ...(cursor ? { cursor } : {}) });
    const { data } = await call('GET', `${path}${path.includes('?') ? '&' : '?'}${query}`);
    items.push(...data.items);
    cursor = data.next_cursor;
    if (!cursor) break;
  }
  return items;
}

/**
 * How soon the page learns that its session was ended elsewhere (an admin changed the role or
 * deactivated the account, or logged the session out): it asks who it is this often, which the
 * server answers from its revocation list and one row. Until then a chart stays on screen.
 */
const sessionCheck = 5_000;
let checkTimer = null;

async function checkSession() {
  if (!access || refreshing) return;
  try {
    // A 401 here is refused once more by the refresh, which then ends the session ('expired').
    const { data } = await call('GET', '/v1/auth/me');
    if (current) current.allowed = data.allowed_operations;
  } catch {
    // Unreachable or busy says nothing about the session: the next check asks again.
  }
}

function adopt(answer, tenant) {
  access = { token: answer.access_token, expiresAt: Date.now() + answer.expires_in * 1000 };
  clearTimeout(refreshTimer);
  refreshTimer = setTimeout(refresh, Math.max(5_000, access.expiresAt - Date.now() - refreshMargin));
  clearInterval(checkTimer);
  checkTimer = setInterval(checkSession, sessionCheck);
  current = { user: answer.user, tenant: tenant ?? current?.tenant ?? null, allowed: current?.allowed ?? [] };
}

function clear() {
  access = null;
  clearTimeout(refreshTimer);
  clearInterval(checkTimer);
  current = null;
}

function announce(reason) {
  for (const listener of listeners) listener(current, reason);
}

/** Who is signed in, their organisation, and what their role may do (the server's word). */
async function loadMe() {
  const { data } = await send('GET', '/v1/auth/me');
  current = { user: data.user, tenant: data.tenant, allowed: data.allowed_operations };
}

/**
 * Whether the signed-in role may call an operation of the API (its operationId), as the server
 * said in `GET /v1/auth/me`: the page offers only what the server allows, and keeps no rules
 * of its own. The server still decides each request.
 */
export function may(operationId) {
  return current?.allowed?.includes(operationId) ?? false;
}

export async function login(tenant, email, password) {
  const { data } = await send('POST', '/v1/auth/login', {
    body: { tenant, email, password }, headers: sessionHeader, withToken: false,
  });
  adopt(data);
  await loadMe();
  announce('login');
}

export async function register(organization, admin) {
  const { data } = await send('POST', '/v1/auth/register', {
    body: { organization, admin }, headers: sessionHeader, withToken: false,
  });
  adopt(data, data.tenant);
  await loadMe();
  announce('login');
}

/** A new access token from the refresh cookie; false when there is no session to continue. */
export function refresh() {
  refreshing ??= (async () => {
    try {
      const { data } = await send('POST', '/v1/auth/refresh', { headers: sessionHeader, withToken: false });
      const restoring = !access;
      adopt(data);
      if (restoring || !current.tenant) await loadMe();
      if (restoring) announce('restored');
      return true;
    } catch (error) {
      if (error instanceof ApiError && (error.status === 401 || error.status === 400)) {
        const hadSession = access !== null;
        clear();
        if (hadSession) announce('expired');
        return false;
      }
      throw error;
    } finally {
      refreshing = null;
    }
  })();
  return refreshing;
}

/** Ends the session on the server (the cookie goes with it), in the page and in its other tabs. */
export async function logout(reason = 'logout') {
  try {
    await send('POST', '/v1/auth/logout', { headers: sessionHeader, withToken: false });
  } catch {
    // The page forgets the session whatever the server answered; its tokens expire anyway.
  }
  clear();
  tellTabs({ type: 'logout', reason });
  announce(reason);
}

// Another tab ended the session: this one forgets it too, without asking the server again.
onTabMessage((message) => {
  if (message?.type !== 'logout' || !current) return;
  clear();
  announce(message.reason === 'idle' ? 'idle' : 'elsewhere');
});

/** The If-Match of a change made from `version`: the API's ETag of a note is its quoted version. */
export function ifMatch(version) {
  return { 'If-Match': `"${version}"` };
}
