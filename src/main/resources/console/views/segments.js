// Segments: sizes now and over 30 days, then one segment's members, change feed, rule source
// with its messages at their lines, run-time issues and the delivery state of its activations.
import { api, query, seg } from '../api.js';
import { h, put, add, link, table, facts, note, loading, failure, badge, num, when, title, section } from '../dom.js';
import { historyChart } from '../chart.js';
import { listing } from './rules.js';

const STATE = { delivered: 'good', pending: 'info', 'backing-off': 'warn', failed: 'bad' };

export function activationBadge(a) {
  return badge(a.id + ' → ' + a.destination + ': ' + a.state + (a.pending ? ' (' + num(a.pending) + ' pending)' : ''), STATE[a.state] || '');
}

const CAUSE = {
  rules: 'after a rule edit',
  start: 'rules changed while the service was stopped',
  clock: 'time windows moved',
  're-evaluate': 'asked by an operator',
};

/** Everyone being evaluated again for the segment (its size moves until it ends), or null. */
function reevaluation(r) {
  if (!r) return null;
  return h('span', { class: 'reevaluation', 'data-evaluated': r.evaluated, 'data-people': r.people },
    num(r.evaluated) + ' of ' + num(r.people) + ' people evaluated again ' + (CAUSE[r.cause] || r.cause) + ', since ', when(r.since),
    '; the size moves until it ends');
}

function fileLinks(files) {
  return files.length ? files.map((f, i) => [i ? ', ' : '', link(f, 'rules', f)]) : '—';
}

/** Runs fn over items, at most n at a time (one history call per segment). */
async function limited(items, n, fn) {
  const queue = items.slice();
  await Promise.all(Array.from({ length: Math.min(n, queue.length) }, async () => {
    while (queue.length) await fn(queue.shift());
  }));
}

export async function list(ctx) {
  const { root, can } = ctx;
  put(root, title('Segments'), loading('segments'));
  const [body, acts] = await Promise.all([
    api('/v1/segments'),
    can.destinations ? api('/v1/activations').catch(() => null) : Promise.resolve(null),
  ]);
  if (!ctx.alive()) return;
  const segments = body.segments;
  const grid = h('div', { class: 'cards' });
  put(root, title('Segments'),
    h('p', { class: 'lead' }, num(segments.length) + ' segments, declared by the rule files. A size counts the people who qualify now; the chart shows the last 30 days (UTC).'),
    segments.length ? grid : note('No rule declares a segment yet (@segment("…") in a rule file).'));
  const charts = [];
  for (const s of segments) {
    const mine = acts ? acts.activations.filter((a) => a.segment === s.id) : null;
    const slot = h('div', { class: 'chart-slot' }, loading('the history'));
    grid.append(h('article', { class: 'card', 'data-segment': s.id },
      h('h2', null, link(s.name || s.id, 'segments', s.id)),
      h('p', { class: 'id' }, h('code', null, s.id)),
      h('p', { class: 'size' }, h('span', { class: 'big', 'data-size': s.size }, num(s.size)), s.size === 1 ? ' member now' : ' members now'),
      facts([
        ['Last change', when(s.lastChange)],
        ['Re-evaluating', reevaluation(s.reevaluation)],
        [s.ruleFiles.length === 1 ? 'Rule file' : 'Rule files', fileLinks(s.ruleFiles)],
        ['Activations', mine === null ? null : mine.length ? h('span', { class: 'badges' }, mine.map(activationBadge)) : 'none'],
      ]),
      slot));
    charts.push([s, slot]);
  }
  await limited(charts, 4, async ([s, slot]) => {
    try {
      const hist = await api('/v1/segments/' + seg(s.id) + '/history?days=30');
      if (!ctx.alive()) return;
      const fig = historyChart(hist, { compact: true });
      slot.replaceWith(fig);
      fig.mount();
    } catch (e) {
      put(slot, failure('No history', e));
    }
  });
}

export async function detail(ctx, id) {
  const { root, can } = ctx;
  put(root, title(id), loading('the segment'));
  let s;
  try {
    s = await api('/v1/segments/' + seg(id));
  } catch (e) {
    put(root, title(id), failure('Cannot show this segment', e), h('p', null, link('All segments', 'segments')));
    return;
  }
  if (!ctx.alive()) return;
  const chartBox = h('div', null, loading('the history'));
  const rulesBox = h('div');
  const actBox = h('div');
  put(root,
    h('p', { class: 'crumbs' }, link('Segments', 'segments'), ' / ', s.id),
    title(s.name || s.id),
    s.description ? h('p', { class: 'lead' }, s.description) : null,
    facts([
      ['Segment id', h('code', null, s.id)],
      ['Members now', h('span', { class: 'big', 'data-size': s.size }, num(s.size))],
      ['Last change', when(s.lastChange)],
      ['Re-evaluating', reevaluation(s.reevaluation)],
      [s.ruleFiles.length === 1 ? 'Rule file' : 'Rule files', fileLinks(s.ruleFiles)],
      ['Rules', h('ul', { class: 'plain' }, s.rules.map((r) => h('li', null, r)))],
    ]),
    section('Size over the last 30 days', chartBox),
    section('Members', members(ctx, s.id)),
    section('Recent changes', changes(ctx, s.id)),
    section('Rule source', rulesBox),
    can.destinations ? section('Activations', actBox) : null);

  api('/v1/segments/' + seg(id) + '/history?days=30').then((hist) => {
    if (!ctx.alive()) return;
    const fig = historyChart(hist, {});
    put(chartBox, fig);
    fig.mount();
  }).catch((e) => put(chartBox, failure('No history', e)));

  api('/v1/rules').then(async (st) => {
    for (const f of s.ruleFiles) {
      const part = h('div', { class: 'rule-file' }, h('h3', null, link(f, 'rules', f)));
      rulesBox.append(part);
      try {
        const file = await api('/v1/rules/files/' + f.split('/').map(seg).join('/'));
        if (!ctx.alive()) return;
        if (file.lastReloadFailed && file.messages.length) {
          part.append(note('The last reload failed; the segment runs the previous version (' + file.activeVersion + ') of the rules until the files compile.', 'error'));
        }
        part.append(listing(f, file.source, file.messages, {}));
      } catch (e) {
        part.append(failure('Cannot read ' + f, e));
      }
    }
    const mine = st.runtimeIssues.filter((i) => s.ruleFiles.includes(i.file));
    rulesBox.append(h('h3', null, 'Run-time issues'), mine.length
      ? table('Run-time issues', ['When', 'Kind', 'Rule', 'Message', 'Times'], mine.map((i) => [when(i.at), i.kind, i.rule, i.message, num(i.occurrences)]), { hideCaption: true })
      : note('No run-time issues in its rule files.'));
  }).catch((e) => put(rulesBox, failure('Cannot read the rules', e)));

  if (can.destinations) {
    api('/v1/activations').then((body) => {
      const mine = body.activations.filter((a) => a.segment === s.id);
      put(actBox, mine.length ? activationTable(mine) : note('This segment is not activated to any destination (see activations in config.yml).'));
    }).catch((e) => put(actBox, failure('Cannot read activations', e)));
  }
}

export function activationTable(list) {
  return table('Activations', ['Activation', 'Destination', 'State', 'Pending', 'Delivered', 'Rejected', 'In audience', 'Last success', 'Last error'],
    list.map((a) => {
      const row = [h('strong', null, a.id), a.destination, badge(a.state, STATE[a.state]), h('span', { 'data-pending': a.pending }, num(a.pending)),
        num(a.delivered), num(a.rejected), num(a.inAudience), when(a.lastSuccessAt),
        a.lastError ? [h('span', { class: 'error-text' }, a.lastError), ' ', when(a.lastErrorAt)] : '—'];
      row.className = 'activation-' + a.state;
      return row;
    }), { hideCaption: true });
}

/** Members, paged by cursor and searchable by a part of the email (a domain, a name). */
function members(ctx, id) {
  const q = h('input', { id: 'member-q', name: 'q', type: 'search', placeholder: 'e.g. townsend.com', 'aria-describedby': 'member-q-help' });
  const status = h('select', { id: 'member-status', name: 'status' },
    h('option', { value: 'realized' }, 'members now'), h('option', { value: 'exited' }, 'exited'), h('option', { value: 'all' }, 'all'));
  const out = h('div', { class: 'members', 'aria-live': 'polite' });
  const prev = h('button', { type: 'button', class: 'quiet', disabled: true }, '← Previous');
  const next = h('button', { type: 'button', class: 'quiet', disabled: true }, 'Next →');
  const pageInfo = h('span', { class: 'page-info' });
  let cursors = [null];
  let page = 0;
  const load = async () => {
    put(out, loading('members'));
    try {
      const r = await api('/v1/segments/' + seg(id) + '/members' + query({ status: status.value, q: q.value.trim(), after: cursors[page], limit: 25 }));
      if (!ctx.alive()) return;
      cursors[page + 1] = r.next;
      prev.disabled = page === 0;
      next.disabled = !r.next;
      pageInfo.textContent = 'Page ' + (page + 1);
      put(out, r.members.length
        ? table('Members', ['Email', 'Status', 'Qualified', 'Exited'], r.members.map((m) => [
          link(m.email || m.profileId, 'profiles', m.profileId), m.status, when(m.qualifiedAt), when(m.exitedAt)]), { hideCaption: true })
        : note(q.value.trim() ? 'No member\'s email contains "' + q.value.trim() + '".' : 'Nobody.'));
    } catch (e) {
      put(out, failure('Cannot list members', e));
    }
  };
  prev.addEventListener('click', () => { if (page > 0) { page--; load(); } });
  next.addEventListener('click', () => { if (cursors[page + 1]) { page++; load(); } });
  const form = h('form', { class: 'inline', role: 'search', onsubmit: (e) => { e.preventDefault(); cursors = [null]; page = 0; load(); } },
    h('div', null, h('label', { for: 'member-q' }, 'Email contains'), q),
    h('div', null, h('label', { for: 'member-status' }, 'Show'), status),
    h('button', { type: 'submit' }, 'Search'));
  load();
  return [form, h('p', { id: 'member-q-help', class: 'help' }, 'A domain (townsend.com), a name or a whole address; leave empty for everyone.'),
    out, h('div', { class: 'pager' }, prev, pageInfo, next)];
}

/** The change feed, newest first, with older pages on demand. */
function changes(ctx, id) {
  const rows = h('tbody');
  const more = h('button', { type: 'button', class: 'quiet', hidden: true }, 'Show older changes');
  const box = h('div', { class: 'scroll' }, h('table', { class: 'changes' },
    h('caption', { class: 'sr' }, 'Entries and exits, newest first'),
    h('thead', null, h('tr', null, ['When', 'Person', 'Change', 'Cause'].map((x) => h('th', { scope: 'col' }, x)))), rows));
  const status = h('div', { 'aria-live': 'polite' });
  let before = null;
  const load = async () => {
    try {
      const r = await api('/v1/segments/' + seg(id) + '/changes' + query({ order: 'desc', before, limit: 20 }));
      if (!ctx.alive()) return;
      if (!r.changes.length && before === null) put(status, note('No entries or exits yet.'));
      for (const c of r.changes) {
        rows.append(h('tr', { class: 'change-' + c.change }, h('td', null, when(c.at)), h('td', null, link(c.profileId, 'profiles', c.profileId)),
          h('td', null, badge(c.change, c.change === 'entered' ? 'good' : 'bad')), h('td', null, c.cause || '—')));
      }
      before = r.next;
      more.hidden = !r.next;
    } catch (e) {
      put(status, failure('Cannot read the change feed', e));
    }
  };
  more.addEventListener('click', load);
  load();
  return [status, box, more];
}
