// The console: sign-in with an API token, navigation by role, and a hash router over the views.
import { api, session } from './api.js';
import { h, put, note } from './dom.js';
import * as segments from './views/segments.js';
import * as rules from './views/rules.js';
import * as profiles from './views/profiles.js';
import * as activations from './views/activations.js';

const main = document.getElementById('main');
const nav = document.getElementById('nav');
const who = document.getElementById('who');
const menu = document.getElementById('menu');

/** What the token may do, from GET /v1/me; a view offers nothing a role may not do. */
function abilities(me) {
  const has = (r) => me.roles.includes(r);
  return {
    me,
    read: has('reader') || has('analyst') || has('operator'), // segments, profiles, rules
    analyze: has('analyst'), // validate, preview, explain
    records: has('reader') || has('operator'), // stored source records
    destinations: has('reader') || has('operator'),
    operate: has('operator'), // replay, retry
  };
}

const VIEWS = [
  { path: 'segments', label: 'Segments', allowed: (c) => c.read },
  { path: 'rules', label: 'Rules', allowed: (c) => c.read },
  { path: 'profiles', label: 'Profiles', allowed: (c) => c.read },
  { path: 'activations', label: 'Activations & health', allowed: (c) => c.destinations },
];

const ROUTES = [
  [/^segments$/, segments.list],
  [/^segments\/([^/]+)$/, segments.detail],
  [/^rules$/, rules.overview],
  [/^rules\/(.+)$/, rules.file],
  [/^profiles$/, profiles.search],
  [/^profiles\/([^/]+)$/, profiles.person],
  [/^accounts\/([^/]+)$/, profiles.account],
  [/^activations$/, activations.overview],
];

let can = null;
let timers = [];
let generation = 0;

function stopTimers() {
  timers.forEach(clearInterval);
  timers = [];
}

/** "#/profiles/p-1?q=x" → {path: "profiles/p-1", params: URLSearchParams}. */
function location() {
  const hash = window.location.hash.replace(/^#\/?/, '');
  const [path, q] = hash.split('?');
  return { path: path || '', params: new URLSearchParams(q || '') };
}

async function route(focus) {
  if (!can) return;
  stopTimers();
  const gen = ++generation;
  const { path, params } = location();
  const first = VIEWS.find((v) => v.allowed(can));
  if (!first) {
    put(main, h('h1', { tabindex: '-1', id: 'view-title' }, 'Nothing to show'),
      note('The token "' + can.me.name + '" has the roles ' + can.me.roles.join(', ')
        + '. The console needs reader, analyst or operator.', 'error'));
    return;
  }
  const top = path.split('/')[0];
  const allowedHere = VIEWS.find((v) => v.path === top && v.allowed(can)) || (top === 'accounts' && can.read);
  if (!path || !allowedHere) {
    window.location.replace('#/' + first.path);
    return;
  }
  for (const a of nav.querySelectorAll('a')) {
    if (a.dataset.view === top || (top === 'accounts' && a.dataset.view === 'profiles')) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  closeMenu();
  const root = h('div', { class: 'view' });
  put(main, root);
  const ctx = {
    can, root, params,
    alive: () => gen === generation,
    every(ms, fn) { timers.push(setInterval(() => { if (gen === generation && !document.hidden) fn(); }, ms)); },
    go(hash) { window.location.hash = hash; },
  };
  for (const [re, view] of ROUTES) {
    const m = path.match(re);
    if (!m) continue;
    try {
      await view(ctx, ...m.slice(1).map(decodeURIComponent));
    } catch (e) {
      if (ctx.alive()) root.append(note('This view failed: ' + e.message, 'error'));
    }
    // After a navigation the focus goes to the new view's heading, unless the view placed it.
    if (focus && ctx.alive() && !root.contains(document.activeElement)) {
      const t = document.getElementById('view-title');
      if (t) t.focus();
    }
    return;
  }
  put(root, h('h1', { tabindex: '-1', id: 'view-title' }, 'Not found'), note('No view at #/' + path + '.', 'error'));
}

function closeMenu() {
  menu.setAttribute('aria-expanded', 'false');
  nav.classList.remove('open');
}

function signedIn(me) {
  can = abilities(me);
  put(nav, h('ul', null, VIEWS.filter((v) => v.allowed(can))
    .map((v) => h('li', null, h('a', { href: '#/' + v.path, 'data-view': v.path }, v.label)))));
  put(who, h('span', { class: 'name', title: 'roles: ' + me.roles.join(', ') }, me.name),
    h('span', { class: 'roles' }, me.roles.join(' · ')),
    h('button', { type: 'button', class: 'quiet', onclick: signOut }, 'Sign out'));
  menu.hidden = false;
  route(false);
}

function signOut(message) {
  session.clear();
  can = null;
  stopTimers();
  put(nav);
  put(who);
  menu.hidden = true;
  signInForm(typeof message === 'string' ? message : null);
}

function signInForm(message) {
  const input = h('input', { id: 'token', name: 'token', type: 'password', autocomplete: 'off', spellcheck: 'false', required: true, 'aria-describedby': 'token-help' });
  const status = h('div', { 'aria-live': 'polite' }, message ? note(message, 'error') : null);
  const form = h('form', {
    class: 'signin',
    onsubmit: async (e) => {
      e.preventDefault();
      const token = input.value.trim();
      if (!token) return;
      session.set(token);
      put(status, note('Checking the token…'));
      try {
        signedIn(await api('/v1/me'));
      } catch (err) {
        session.clear();
        put(status, note(err.status === 401 ? 'This token is not accepted by the service.' : 'Sign-in failed: ' + err.message, 'error'));
        input.focus();
      }
    },
  },
  h('label', { for: 'token' }, 'API token'),
  input,
  h('p', { id: 'token-help', class: 'help' }, 'A token from auth.tokens in the service\'s configuration. It is kept in this browser tab only, until you sign out or close it.'),
  h('button', { type: 'submit' }, 'Sign in'),
  status);
  put(main, h('h1', { tabindex: '-1', id: 'view-title' }, 'Sign in to Cohort'), form);
  input.focus();
}

menu.addEventListener('click', () => {
  const open = menu.getAttribute('aria-expanded') !== 'true';
  menu.setAttribute('aria-expanded', String(open));
  nav.classList.toggle('open', open);
  if (open) {
    const a = nav.querySelector('a');
    if (a) a.focus();
  }
});
document.addEventListener('keydown', (e) => {
  if (e.key === 'Escape' && nav.classList.contains('open')) {
    closeMenu();
    menu.focus();
  }
});
// The skip link must not become a route: it only moves the focus.
document.getElementById('skip').addEventListener('click', (e) => {
  e.preventDefault();
  main.focus();
});
window.addEventListener('hashchange', () => route(true));
window.addEventListener('cohort:unauthorized', () => {
  if (can) signOut('The service no longer accepts this token; sign in again.');
});

(async function start() {
  if (!session.token()) {
    signInForm(null);
    return;
  }
  try {
    signedIn(await api('/v1/me'));
  } catch (e) {
    session.clear();
    signInForm(e.status === 401 ? 'The saved token is no longer accepted; sign in again.' : 'Could not reach the service: ' + e.message);
  }
}());
