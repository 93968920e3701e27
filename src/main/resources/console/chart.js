// A segment's size over time: members at the end of each UTC day (line), entered (bars up) and
// exited (bars down) that day. Drawn by uPlot (from its webjar); the same figures are in a table
// below the chart for keyboard and screen-reader users.
import uPlot from './vendor/uPlot.esm.js';
import { h, num, table } from './dom.js';

const DAY = (iso) => Date.parse(iso + 'T00:00:00Z') / 1000;
// People are counted in whole numbers: no 0.5 ticks.
const WHOLE = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1e3, 2e3, 5e3, 1e4, 2e4, 5e4, 1e5, 2e5, 5e5, 1e6, 2e6, 5e6, 1e7, 2e7, 5e7, 1e8];

/**
 * A figure for the answer of GET /v1/segments/{id}/history. Call mount() once the figure is in
 * the document (uPlot measures it).
 */
export function historyChart(history, opts = {}) {
  const days = history.days;
  const plot = h('div', { class: 'plot', 'data-days': days.length });
  const entered = days.reduce((s, d) => s + d.entered, 0);
  const exited = days.reduce((s, d) => s + d.exited, 0);
  const summary = 'Members at the end of each day from ' + history.from + ' to ' + history.to
    + ' (UTC): now ' + num(history.size) + '; ' + num(entered) + ' entered and ' + num(exited) + ' exited in these ' + days.length + ' days.';
  const rows = days.slice().reverse().map((d) => [d.date, num(d.members), num(d.entered), num(d.exited)]);
  const figure = h('figure', { class: 'chart' + (opts.compact ? ' compact' : '') },
    plot,
    h('figcaption', null, summary),
    h('details', { class: 'figures' }, h('summary', null, 'Daily figures'),
      table('Daily members, entered and exited (UTC days, newest first)', ['Day', 'Members', 'Entered', 'Exited'], rows,
        { hideCaption: true, class: 'num' })));

  figure.mount = () => {
    const width = () => Math.max(200, plot.clientWidth || 300);
    const height = opts.compact ? 120 : 220;
    const bars = uPlot.paths.bars({ size: [0.6, 24] });
    const u = new uPlot({
      width: width(),
      height,
      tzDate: (ts) => uPlot.tzDate(new Date(ts * 1e3), 'Etc/UTC'),
      legend: { show: !opts.compact },
      cursor: { drag: { x: false, y: false } },
      scales: { x: { time: true }, m: { range: (u, min, max) => [0, Math.max(1, max * 1.1)] }, d: { range: (u, min, max) => { const m = Math.max(1, Math.abs(min), Math.abs(max)); return [-m, m]; } } },
      axes: [
        { stroke: '#475569', grid: { stroke: '#e2e8f0' }, ticks: { stroke: '#cbd5e1' } },
        { scale: 'm', stroke: '#1d4ed8', grid: { stroke: '#e2e8f0' }, size: 48, incrs: WHOLE },
        { scale: 'd', side: 1, show: !opts.compact, stroke: '#475569', grid: { show: false }, size: 36, incrs: WHOLE,
          values: (u, ticks) => ticks.map((t) => Math.abs(t)) },
      ],
      series: [
        {},
        { label: 'Members', scale: 'm', stroke: '#1d4ed8', width: 2, points: { show: !opts.compact && days.length <= 31 } },
        // A day without entries draws no bar at all (null), not a flat one on the zero line.
        { label: 'Entered', scale: 'd', stroke: '#15803d', width: 1, fill: 'rgba(21,128,61,0.55)', paths: bars, points: { show: false },
          value: (u, v) => (v === null ? 0 : v) },
        { label: 'Exited', scale: 'd', stroke: '#b91c1c', width: 1, fill: 'rgba(185,28,28,0.55)', paths: bars, points: { show: false },
          value: (u, v) => (v === null ? 0 : Math.abs(v)) },
      ],
    }, [days.map((d) => DAY(d.date)), days.map((d) => d.members), days.map((d) => d.entered || null),
      days.map((d) => (d.exited ? -d.exited : null))], plot);
    if (window.ResizeObserver) {
      new ResizeObserver(() => {
        if (u.width !== width()) u.setSize({ width: width(), height });
      }).observe(plot);
    }
    return u;
  };
  return figure;
}
