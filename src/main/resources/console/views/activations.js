// Activations and health: the service's vital signs (ingest rate, evaluation lag), each
// destination's connection check, each activation's rows (pending, delivered, rejected), its
// retry state, and for operators the replay and retry-now actions.
import { api, seg } from '../api.js';
import { h, put, add, link, table, facts, note, loading, failure, badge, num, when, title, section } from '../dom.js';

const STATE = { delivered: 'good', pending: 'info', 'backing-off': 'warn', failed: 'bad' };
const REFRESH_MS = 5000;

function rate(x) {
  return (x < 10 ? x.toFixed(2) : num(Math.round(x))) + ' /s';
}

function vitals(st) {
  const lag = st.evaluation.lagMillis;
  return h('div', { class: 'vitals' },
    h('div', { class: 'vital', 'data-vital': 'ingest' }, h('h3', null, 'Ingest'),
      h('p', { class: 'big' }, rate(st.ingest.perSecond1m)), h('p', { class: 'help' }, 'records per second, last minute'),
      facts([['5 / 15 min', rate(st.ingest.perSecond5m) + ' · ' + rate(st.ingest.perSecond15m)],
        ['Accepted since start', num(st.ingest.records) + ' records in ' + num(st.ingest.batches) + ' batches'],
        ['Batch p99', num(st.ingest.batchP99Millis) + ' ms']])),
    h('div', { class: 'vital', 'data-vital': 'evaluation' }, h('h3', null, 'Evaluation'),
      h('p', { class: 'big' }, h('span', { 'data-lag': lag }, num(lag)), ' ms'), h('p', { class: 'help' }, 'lag: the oldest accepted batch not yet evaluated (0 when idle)'),
      facts([['Last round', num(st.evaluation.lastRoundMillis) + ' ms'], ['Memberships', num(st.evaluation.memberships)],
        ['People evaluated', num(st.evaluation.evaluations)]]),
      lag > 60000 ? note('Evaluation is more than a minute behind.', 'error') : null),
    h('div', { class: 'vital', 'data-vital': 'delivery' }, h('h3', null, 'Delivery'),
      h('p', { class: 'big' }, num(st.delivery.pending)), h('p', { class: 'help' }, 'rows waiting for delivery, all activations'),
      h('p', { class: 'help' }, 'as of ', when(st.at))));
}

function health(d) {
  if (!d.health) return badge('not checked yet', '');
  return [badge(d.health.ok ? 'reachable' : 'failing', d.health.ok ? 'good' : 'bad'), ' ', d.health.message || '', ' ', d.checkedAt ? ['(checked ', when(d.checkedAt), ')'] : ''];
}

/** The outcome of the latest action per activation: it outlives the refreshes that rebuild the cards. */
const said = new Map();

function actions(ctx, a, refresh) {
  const status = h('span', { class: 'action-status', 'aria-live': 'polite' }, said.get(a.id) || '');
  const replay = h('button', { type: 'button', class: 'quiet', 'data-action': 'replay' }, 'Replay…');
  const confirm = h('button', { type: 'button', class: 'danger', 'data-action': 'confirm-replay', hidden: true }, 'Confirm: send every row again');
  const cancel = h('button', { type: 'button', class: 'quiet', hidden: true }, 'Cancel');
  const retry = h('button', { type: 'button', class: 'quiet', 'data-action': 'retry' }, 'Retry now');
  const ask = (on) => {
    replay.hidden = on;
    confirm.hidden = !on;
    cancel.hidden = !on;
    (on ? confirm : replay).focus();
  };
  replay.addEventListener('click', () => ask(true));
  cancel.addEventListener('click', () => ask(false));
  let busy = false;
  const tell = (text) => {
    said.set(a.id, text);
    status.textContent = text;
  };
  // The button stays enabled (a disabled one would drop the keyboard focus); a second click waits.
  const post = async (what, button) => {
    if (busy) return;
    busy = true;
    button.setAttribute('aria-busy', 'true');
    tell(what === 'replay' ? 'Replaying…' : 'Retrying…');
    try {
      const r = await api('/v1/activations/' + seg(a.id) + '/' + what, { method: 'POST' });
      tell(what === 'replay' ? num(r.rows) + ' rows pending again.' : 'Retrying now; ' + num(r.rows) + ' rows pending.');
    } catch (e) {
      tell('Failed: ' + e.message);
    } finally {
      busy = false;
      button.removeAttribute('aria-busy');
    }
    refresh();
  };
  confirm.addEventListener('click', async () => {
    ask(false);
    await post('replay', replay);
  });
  retry.addEventListener('click', () => post('retry', retry));
  return h('div', { class: 'actions' }, replay, confirm, cancel, retry, status);
}

function activationCard(ctx, a, refresh) {
  return h('article', { class: 'activation', 'data-activation': a.id, 'data-state': a.state },
    h('h3', null, a.id, ' ', badge(a.state, STATE[a.state])),
    h('p', null, 'Segment ', link(a.segment, 'segments', a.segment)),
    h('dl', { class: 'counts' },
      h('div', null, h('dt', null, 'Pending'), h('dd', { 'data-count': 'pending' }, num(a.pending))),
      h('div', null, h('dt', null, 'Delivered'), h('dd', { 'data-count': 'delivered' }, num(a.delivered))),
      h('div', null, h('dt', null, 'Rejected'), h('dd', { 'data-count': 'rejected' }, num(a.rejected))),
      h('div', null, h('dt', null, 'In audience'), h('dd', { 'data-count': 'inAudience' }, num(a.inAudience)))),
    facts([
      ['Last success', when(a.lastSuccessAt)],
      ['Last error', a.lastError ? [h('span', { class: 'error-text' }, a.lastError), ' ', when(a.lastErrorAt)] : null],
      ['Retry', a.failed ? ['failed: retried every fatalRetryInterval', a.nextAttemptAt ? [', next at ', when(a.nextAttemptAt)] : '']
        : a.nextAttemptAt ? ['backing off; next attempt at ', when(a.nextAttemptAt)] : a.pending ? 'delivering' : 'up to date'],
    ]),
    a.recentRejections.length ? h('details', null, h('summary', null, 'Latest rejections (' + a.recentRejections.length + ')'),
      table('Rejected members', ['Person', 'Action', 'Reason', 'When'],
        a.recentRejections.map((r) => [link(r.personId, 'profiles', r.personId), r.action, r.reason, when(r.at)]), { hideCaption: true })) : null,
    ctx.can.operate ? actions(ctx, a, refresh) : null);
}

export async function overview(ctx) {
  const { root } = ctx;
  const vitalsBox = h('div', null, loading('the status'));
  const destBox = h('div', null, loading('destinations'));
  const stamp = h('span', { class: 'help' });
  const refreshButton = h('button', { type: 'button', class: 'quiet', id: 'refresh' }, 'Refresh');
  put(root, title('Activations and health'),
    h('div', { class: 'toolbar' }, refreshButton, stamp, h('span', { class: 'help' }, 'Refreshes every 5 seconds.')),
    section('Service', vitalsBox),
    section('Destinations', destBox));

  const refresh = async () => {
    try {
      const [st, dests, acts] = await Promise.all([api('/v1/status'), api('/v1/destinations'), api('/v1/activations')]);
      if (!ctx.alive()) return;
      put(vitalsBox, vitals(st));
      // A rebuild must not take the keyboard focus away: an open replay confirmation, or a focused
      // link or disclosure, keeps the cards as they are; a focused action button gets its focus back.
      const active = destBox.contains(document.activeElement) ? document.activeElement : null;
      const action = active && active.dataset.action && active.closest('[data-activation]');
      if (destBox.querySelector('[data-action="confirm-replay"]:not([hidden])') || (active && !action)) {
        stamp.textContent = 'Updated ' + new Date().toISOString().slice(11, 19) + ' UTC (destinations kept while you use them)';
        return;
      }
      const refocus = action ? [action.dataset.activation, active.dataset.action] : null;
      const byId = new Map(acts.activations.map((a) => [a.id, a]));
      put(destBox, dests.destinations.length ? dests.destinations.map((d) => h('div', { class: 'destination', 'data-destination': d.id },
        h('h3', null, 'Destination ', h('code', null, d.id)),
        h('p', { class: 'health' }, health(d)),
        h('div', { class: 'activations' }, d.activations.map((s) => byId.get(s.id)).filter(Boolean).map((a) => activationCard(ctx, a, refresh)))))
        : note('No destinations are configured (destinations and activations in config.yml).'));
      if (refocus) {
        const again = [...destBox.querySelectorAll('[data-activation]')].find((el) => el.dataset.activation === refocus[0]);
        const button = again && again.querySelector('[data-action="' + refocus[1] + '"]');
        if (button) button.focus();
      }
      stamp.textContent = 'Updated ' + new Date().toISOString().slice(11, 19) + ' UTC';
    } catch (e) {
      put(destBox, failure('Cannot read destinations', e));
    }
  };
  refreshButton.addEventListener('click', refresh);
  await refresh();
  ctx.every(REFRESH_MS, refresh);
}
