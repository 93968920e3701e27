// Profile explorer: find a person by email or an account by domain or name, then the unified
// profile — sources and their records, accounts with their deals and totals, activity,
// memberships — and per segment why the person is in or not.
import { api, query, seg } from '../api.js';
import { h, put, add, link, table, facts, note, loading, failure, badge, money, moneyShort, num, when, title, section } from '../dom.js';

function searchForm(ctx, value) {
  const input = h('input', { id: 'profile-q', name: 'q', type: 'search', value: value || '', required: true, placeholder: 'p2@townsend.com or townsend.com', 'aria-describedby': 'profile-q-help' });
  return h('form', { class: 'inline', role: 'search', onsubmit: (e) => { e.preventDefault(); ctx.go('#/profiles' + query({ q: input.value.trim() })); } },
    h('div', { class: 'grow' }, h('label', { for: 'profile-q' }, 'Email, account domain or account name'), input,
      h('p', { id: 'profile-q-help', class: 'help' }, 'An email opens that person; a domain or a name lists the unified accounts.')),
    h('button', { type: 'submit' }, 'Search'));
}

export async function search(ctx) {
  const { root, params } = ctx;
  const q = params.get('q') || '';
  const out = h('div', { class: 'results', 'aria-live': 'polite' });
  put(root, title('Profiles'), searchForm(ctx, q), out);
  if (!q) {
    const input = document.getElementById('profile-q');
    if (input) input.focus();
    return;
  }
  put(out, loading('results'));
  let r;
  try {
    r = await api('/v1/search' + query({ q }));
  } catch (e) {
    put(out, failure('Search failed', e));
    return;
  }
  if (!ctx.alive()) return;
  if (r.people.length === 1 && !r.accounts.length) {
    window.location.replace('#/profiles/' + seg(r.people[0].id));
    return;
  }
  if (!r.people.length && !r.accounts.length) {
    put(out, note('Nothing found for "' + q + '".'));
    return;
  }
  put(out,
    r.people.length ? section('People', table('People', ['Email', 'Name', 'Title'],
      r.people.map((p) => [link(p.email || p.id, 'profiles', p.id), [p.firstName, p.lastName].filter(Boolean).join(' ') || '—', p.title || '—']), { hideCaption: true })) : null,
    r.accounts.length ? section('Accounts', table('Accounts', ['Account', 'Domain', 'Industry', 'Sources'],
      r.accounts.map((a) => [link(a.name || a.id, 'accounts', a.id), a.domain || '—', a.industry || '—', a.sources.join(', ')]), { hideCaption: true }),
    r.truncated ? note('More accounts match; showing the first ' + r.accounts.length + '. Narrow the search.') : null) : null);
}

function fullName(p) {
  return [p.firstName, p.lastName].filter(Boolean).join(' ');
}

function dealRows(opps) {
  return opps.map((o) => [o.name || o.id, money(o.amount, o.currency), o.stage || '—',
    o.won ? badge('won', 'good') : o.closed ? badge('lost', 'bad') : badge('open', 'info'), o.closeDate || '—']);
}

function totals(t) {
  return h('p', { class: 'totals' },
    h('span', null, 'Won in total: ', h('strong', { class: 'won-total', 'data-amount': t.wonAmount }, money(t.wonAmount)), ' (' + moneyShort(t.wonAmount) + ')'),
    h('span', null, 'Open: ', h('strong', null, money(t.openAmount))),
    h('span', null, num(t.count) + ' deal' + (t.count === 1 ? '' : 's')));
}

/** "crm-1:003-P2" → a disclosure that loads the stored record when opened. */
function sourceRecord(ctx, ref, type) {
  const i = ref.indexOf(':');
  const source = ref.slice(0, i);
  const id = ref.slice(i + 1);
  const body = h('div', { class: 'record' });
  const d = h('details', { class: 'source' }, h('summary', null, h('code', null, ref)), body);
  if (!ctx.can.records) {
    add(body, note('Stored records need the reader or operator role.'));
    return d;
  }
  let loaded = false;
  d.addEventListener('toggle', async () => {
    if (!d.open || loaded) return;
    loaded = true;
    put(body, loading('the record'));
    try {
      const r = await api('/v1/sources/' + seg(source) + '/records/' + seg(type) + '/' + seg(id));
      put(body, facts([['Batch', num(r.batch)], ...Object.entries(r.record).map(([k, v]) => [k, typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v)])], 'facts record-fields'));
    } catch (e) {
      put(body, failure('Cannot read the record', e));
    }
  });
  return d;
}

export async function person(ctx, id) {
  const { root, can } = ctx;
  put(root, title(id), loading('the profile'));
  let p;
  try {
    p = await api('/v1/profiles/' + seg(id));
  } catch (e) {
    put(root, title('Profile'), searchForm(ctx, ''), failure('No profile ' + id, e));
    return;
  }
  if (!ctx.alive()) return;
  const accountsBox = h('div', { class: 'accounts' });
  const whyBox = h('div');
  put(root,
    h('p', { class: 'crumbs' }, link('Profiles', 'profiles'), ' / ', p.email || p.id),
    title(fullName(p) || p.email || p.id),
    facts([
      ['Email', p.email],
      ['Title', p.title],
      ['Country', p.country],
      ['Email consent', p.emailOptOut ? badge('opted out: never exported', 'bad') : 'not opted out'],
      ['Profile id', h('code', null, p.id)],
      ...Object.entries(p.attributes || {}).map(([k, v]) => [k, v]),
    ]),
    section('Sources', h('p', { class: 'help' }, 'The source records merged into this person. Open one to see it as its source last stated it.'),
      h('div', { class: 'sources' }, p.sources.map((ref) => sourceRecord(ctx, ref, 'person')))),
    section('Accounts and deals', totals(p.opportunityTotals), accountsBox),
    section('Activity', p.events.length
      ? timeline(p.events)
      : note('No events within the retention window.')),
    (p.upcomingEvents || []).length
      ? section('Dated ahead of now', h('p', { class: 'help' }, 'A source sent these with a time still to come: rules count each from its own time, when this person is evaluated again.'),
        timeline(p.upcomingEvents))
      : null,
    section('Segments', memberships(p.segments)),
    can.analyze ? section('Why in, why not', whyBox) : null);

  for (const a of p.accounts) {
    const box = h('article', { class: 'account' }, h('h3', null, link(a.name || a.id, 'accounts', a.id), a.domain ? ' · ' + a.domain : '', a.role ? ' · ' + a.role : ''), loading('the account'));
    accountsBox.append(box);
    api('/v1/accounts/' + seg(a.id)).then((acc) => {
      box.lastChild.remove();
      add(box, totals(acc.opportunityTotals),
        acc.opportunities.length ? table('Deals of ' + (acc.name || acc.id), ['Deal', 'Amount', 'Stage', 'Outcome', 'Close date'], dealRows(acc.opportunities), { hideCaption: true }) : note('No deals.'),
        h('p', { class: 'help' }, 'Sources: ' + acc.sources.join(', ')));
    }).catch((e) => add(box, failure('Cannot read the account', e)));
  }
  if (!p.accounts.length) accountsBox.append(note('Not related to any account.'));
  if (can.analyze) explainAll(ctx, p, whyBox);
}

/** Events as a list, each with its time, source, type and URL. */
function timeline(events) {
  return h('ol', { class: 'timeline' }, events.map((e) => h('li', null, when(e.timestamp), ' ', badge(e.source, ''), ' ',
    h('span', { class: 'etype' }, e.eventType), e.url ? [' ', h('span', { class: 'url' }, e.url)] : null)));
}

function memberships(list) {
  if (!list.length) return note('In no segment, now or before.');
  return table('Memberships', ['Segment', 'Status', 'Qualified', 'Exited'],
    list.map((m) => [link(m.segmentId, 'segments', m.segmentId), badge(m.status === 'realized' ? 'member' : m.status, m.status === 'realized' ? 'good' : ''),
      when(m.qualifiedAt), when(m.exitedAt)]), { hideCaption: true });
}

/** One row per segment with a button that asks explain, and the answer under it. */
async function explainAll(ctx, p, box) {
  let segs;
  try {
    segs = (await api('/v1/segments')).segments;
  } catch (e) {
    put(box, failure('Cannot list segments', e));
    return;
  }
  const member = new Set(p.segments.filter((m) => m.status === 'realized').map((m) => m.segmentId));
  put(box, h('p', { class: 'help' }, 'Evaluates this person with the running rules now, applying nothing.'),
    h('ul', { class: 'explain-list' }, segs.map((s) => {
      const out = h('div', { class: 'explanation', 'aria-live': 'polite' });
      const button = h('button', { type: 'button', class: 'quiet', 'data-segment': s.id, 'aria-expanded': 'false' },
        member.has(s.id) ? 'Why in?' : 'Why not?');
      button.addEventListener('click', async () => {
        if (button.getAttribute('aria-expanded') === 'true') {
          button.setAttribute('aria-expanded', 'false');
          put(out);
          return;
        }
        button.setAttribute('aria-expanded', 'true');
        put(out, loading('the explanation'));
        try {
          put(out, explanation(await api('/v1/segments/' + seg(s.id) + '/explain' + query({ person: p.id }))));
        } catch (e) {
          put(out, failure('Cannot explain', e));
        }
      });
      return h('li', null, h('div', { class: 'row' }, h('span', null, s.name || s.id, ' ', member.has(s.id) ? badge('member', 'good') : null), button), out);
    })));
}

function value(v) {
  if (typeof v === 'number') return Math.abs(v) >= 1000 ? money(v) + ' (' + num(v) + ')' : num(v);
  return typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v);
}

function factLine(f) {
  const x = f.fact && typeof f.fact === 'object' ? f.fact : null;
  let label = '';
  if (!x) label = String(f.fact || '');
  else if (x.email) label = x.email;
  else if (x.name) label = x.name;
  else if (x.accountId && x.personId) label = x.accountId + ' ↔ ' + x.personId;
  const extra = x && typeof x.amount === 'number' ? ' ' + money(x.amount, x.currency) + (x.won ? ' won' : '') : '';
  const events = x && Array.isArray(x.events) ? ' ' + x.events.length + ' event(s), latest ' + (x.events[0] ? x.events[0].timestamp + ' ' + (x.events[0].url || x.events[0].eventType) : '—') : '';
  return h('li', null, h('strong', null, f.type), ' ', h('code', null, f.key), label ? ' ' + label : '', extra, events,
    f.derivedBy && f.derivedBy.length ? h('span', { class: 'help' }, ' (derived by ' + f.derivedBy.map((d) => d.rule).join(', ') + ')') : null);
}

function explanation(x) {
  if (x.qualified) {
    return h('div', { class: 'result good' },
      note(x.person.email + ' qualifies for ' + (x.segmentName || x.segmentId) + '.', 'ok'),
      x.justifications.map((j) => h('div', { class: 'justification' },
        h('h4', null, 'Rule "' + j.rule + '" in ', link(j.file, 'rules', j.file)),
        Object.keys(j.bindings || {}).length ? facts(Object.entries(j.bindings).map(([k, v]) => [k, value(v)])) : null,
        h('ul', { class: 'matched' }, (j.facts || []).map(factLine)))));
  }
  return h('div', { class: 'result' },
    note((x.person.email || x.person.profileId) + ' does not qualify for ' + (x.segmentName || x.segmentId) + '.', 'warn'),
    x.hint ? h('p', null, x.hint) : null,
    x.rules && x.rules.length ? h('ul', { class: 'plain' }, x.rules.map((r) => h('li', null, h('code', null, r)))) : null,
    x.otherSegments && x.otherSegments.length ? h('p', { class: 'help' }, 'Qualifies for: ' + x.otherSegments.join(', ')) : null);
}

export async function account(ctx, id) {
  const { root } = ctx;
  put(root, title(id), loading('the account'));
  let a;
  try {
    a = await api('/v1/accounts/' + seg(id));
  } catch (e) {
    put(root, title('Account'), failure('No account ' + id, e));
    return;
  }
  if (!ctx.alive()) return;
  put(root,
    h('p', { class: 'crumbs' }, link('Profiles', 'profiles'), ' / ', a.name || a.id),
    title(a.name || a.id),
    facts([
      ['Domain', a.domain], ['Industry', a.industry], ['Employees', a.employees ? num(a.employees) : null],
      ['Annual revenue', a.annualRevenue ? money(a.annualRevenue) : null], ['Country', a.country],
      ['Account id', h('code', null, a.id)],
      ...Object.entries(a.attributes || {}).map(([k, v]) => [k, v]),
    ]),
    section('Deals', totals(a.opportunityTotals),
      a.opportunities.length ? table('Deals', ['Deal', 'Amount', 'Stage', 'Outcome', 'Close date'], dealRows(a.opportunities), { hideCaption: true }) : note('No deals.')),
    section('People', a.people.length
      ? table('People', ['Email', 'Role'], a.people.map((p) => [link(p.email || p.id, 'profiles', p.id), p.role || '—']), { hideCaption: true })
      : note('Nobody is related to this account.'),
      a.peopleTotal > a.people.length ? note('Showing ' + num(a.people.length) + ' of ' + num(a.peopleTotal) + ' people.') : null,
      a.peopleInReach === false ? note('Rules that look two steps do not look through this account to its other people: more'
        + ' are related to it than the engine looks through (engine.stepTwoLimit). Rules see it as peopleInReach == false.') : null),
    section('Sources', h('p', { class: 'help' }, 'The source accounts unified into this one (MDM links and CRM→Marketo sync).'),
      h('div', { class: 'sources' }, a.sources.map((ref) => sourceRecord(ctx, ref, 'account')))));
}
