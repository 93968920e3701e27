// DOM building without markup strings: every value from the API is untrusted (record fields come
// from the sources) and reaches the page only as text nodes or attribute values set by name.

/**
 * h('a', {href: '#/x', class: 'c', onclick: fn}, 'text', child…). Attribute names are ours,
 * never data; event handlers are functions; children are nodes or text.
 */
export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  if (props) {
    for (const [k, v] of Object.entries(props)) {
      if (v === undefined || v === null || v === false) continue;
      if (k === 'class') el.className = v;
      else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
      else el.setAttribute(k, v === true ? '' : String(v));
    }
  }
  add(el, children);
  return el;
}

/** Appends children (nested arrays, nodes, text; null and false skipped). */
export function add(el, ...children) {
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

/** Replaces the element's children. */
export function put(el, ...children) {
  el.replaceChildren();
  return add(el, children);
}

/** A link inside the console; parts are path segments (encoded). */
export function link(text, ...parts) {
  return h('a', { href: '#/' + parts.map((p) => encodeURIComponent(p)).join('/') }, text);
}

/** A table with a header row; rows are arrays of cells (nodes or text). */
export function table(caption, headers, rows, opts = {}) {
  const t = h('table', { class: opts.class || null },
    caption ? h('caption', { class: opts.hideCaption ? 'sr' : null }, caption) : null,
    h('thead', null, h('tr', null, headers.map((x) => h('th', { scope: 'col' }, x)))),
    h('tbody', null, rows.map((r) => h('tr', { class: r.className || null }, r.map((c) => h('td', null, c))))));
  return h('div', { class: 'scroll' }, t);
}

/** A definition list from [term, value] pairs (value null: left out). */
export function facts(pairs, cls) {
  return h('dl', { class: cls || 'facts' },
    pairs.filter(([, v]) => v !== undefined && v !== null && v !== '')
      .map(([k, v]) => [h('dt', null, k), h('dd', null, v)]));
}

export function note(text, kind) {
  return h('p', { class: 'note ' + (kind || ''), role: kind === 'error' ? 'alert' : null }, text);
}

export function loading(what) {
  return h('p', { class: 'loading', 'aria-busy': 'true' }, 'Loading ' + what + '…');
}

/** The error of a failed call, with the API's message. */
export function failure(what, e) {
  const why = e && e.status === 403 ? 'your token may not see this' : (e && e.message) || String(e);
  return note(what + ': ' + why, 'error');
}

export function badge(text, kind) {
  return h('span', { class: 'badge ' + (kind || '') }, text);
}

const usd = new Map();

/** 1100000 → "$1,100,000" (whole units; cents when there are some). */
export function money(amount, currency) {
  if (amount === null || amount === undefined) return '—';
  const code = currency || 'USD';
  try {
    if (!usd.has(code)) {
      usd.set(code, new Intl.NumberFormat('en-US', { style: 'currency', currency: code, maximumFractionDigits: 2, minimumFractionDigits: 0 }));
    }
    return usd.get(code).format(amount);
  } catch {
    return num(amount) + ' ' + code; // not an ISO currency code: show it as given
  }
}

/** 1100000 → "$1.1M". */
export function moneyShort(amount) {
  return new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', notation: 'compact', maximumFractionDigits: 1 }).format(amount || 0);
}

export function num(n) {
  return n === null || n === undefined ? '—' : Number(n).toLocaleString('en-US', { maximumFractionDigits: 2 });
}

/** An ISO instant as "2026-11-25 13:04 UTC" in a <time>. */
export function when(iso) {
  if (!iso) return '—';
  const s = String(iso);
  const text = s.length >= 16 ? s.slice(0, 10) + ' ' + s.slice(11, 16) + ' UTC' : s;
  return h('time', { datetime: s }, text);
}

/** A heading that takes the focus after a navigation, so keyboard and screen-reader users land on it. */
export function title(text, ...extra) {
  return h('h1', { tabindex: '-1', id: 'view-title' }, text, ...extra);
}

export function section(heading, ...children) {
  const id = 's-' + heading.toLowerCase().replace(/[^a-z0-9]+/g, '-');
  return h('section', { 'aria-labelledby': id }, h('h2', { id }, heading), ...children);
}
