// Rules: what runs, the outcome of the last reload with each message at its line, one file's
// source, and a draft box that validates and previews without saving anything.
import { api, seg } from '../api.js';
import { h, put, add, link, table, facts, note, loading, failure, badge, num, when, title, section } from '../dom.js';

const isWorkbook = (name) => /\.xlsx$/i.test(name);

/** The bytes of a file the API shows as Base64 text (a workbook). */
function fromBase64(text) {
  const bin = atob(text);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return bytes;
}

/** "file:line:column: error: message", as the compiler and check-rules print it. */
export function where(m) {
  return m.file + ':' + m.line + ':' + m.column + ': ' + String(m.level || 'error').toLowerCase() + ': ' + m.message;
}

/**
 * A rule file's lines with its messages under the lines they point at. With `around`, only the
 * lines near the messages (the context of an error) are shown.
 */
export function listing(file, source, messages, opts = {}) {
  const lines = source.replace(/\r\n?/g, '\n').split('\n');
  if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
  const at = new Map();
  const unplaced = [];
  for (const m of messages) {
    if (m.line >= 1 && m.line <= lines.length) {
      if (!at.has(m.line)) at.set(m.line, []);
      at.get(m.line).push(m);
    } else unplaced.push(m);
  }
  let show = (n) => true;
  if (opts.around !== undefined) {
    const near = [...at.keys()];
    show = (n) => near.some((l) => Math.abs(l - n) <= opts.around);
  }
  const box = h('div', { class: 'code', role: 'group', 'aria-label': file + (opts.around !== undefined ? ', lines around the messages' : '') });
  let last = 0;
  lines.forEach((text, i) => {
    const n = i + 1;
    if (!show(n)) return;
    if (last && n > last + 1) box.append(h('div', { class: 'gap', 'aria-hidden': 'true' }, '⋯'));
    last = n;
    const msgs = at.get(n) || [];
    const level = msgs.some((m) => m.level !== 'WARNING') ? 'error' : msgs.length ? 'warning' : null;
    box.append(h('div', { class: 'line' + (level ? ' ' + level : ''), 'data-line': n, id: opts.anchors ? 'L' + n : null },
      h('span', { class: 'ln' }, String(n)), h('code', null, text || ' ')));
    for (const m of msgs) {
      // Drools gives no column for many errors (0): then no caret rather than a wrong one.
      box.append(h('div', { class: 'msg ' + (m.level === 'WARNING' ? 'warning' : 'error'), role: 'note', 'data-line': n },
        h('span', { class: 'ln', 'aria-hidden': 'true' }, ''),
        m.column >= 1 ? h('code', { class: 'caret', 'aria-hidden': 'true' }, ' '.repeat(m.column - 1) + '^') : null,
        h('span', { class: 'text' }, where(m))));
    }
  });
  return h('div', { class: 'listing' }, box, unplaced.length ? h('ul', { class: 'messages' }, unplaced.map((m) => h('li', null, where(m)))) : null);
}

function issues(list) {
  if (!list.length) return note('No run-time issues.');
  return table('Run-time issues', ['When', 'Kind', 'Rule', 'File', 'Message', 'Times'],
    list.map((i) => [when(i.at), i.kind, i.rule, i.file ? link(i.file, 'rules', i.file) : '—', i.message, num(i.occurrences)]), { hideCaption: true });
}

export async function overview(ctx) {
  const { root, can } = ctx;
  put(root, title('Rules'), loading('the rule set'));
  const st = await api('/v1/rules');
  if (!ctx.alive()) return;
  const errors = st.messages.filter((m) => m.level !== 'WARNING');
  const outcome = st.lastReloadFailed
    ? note('The last reload failed (' + errors.length + ' error' + (errors.length === 1 ? '' : 's') + '): the previous rules, version '
      + st.activeVersion + ', keep serving until the files compile.', 'error')
    : note('The last reload succeeded' + (st.messages.length ? ' with ' + st.messages.length + ' warning(s).' : '.'), 'ok');
  const perFile = new Map();
  st.messages.forEach((m) => perFile.set(m.file, (perFile.get(m.file) || 0) + 1));
  const msgBox = h('div', { class: 'messages' });
  put(root, title('Rules'),
    facts([
      ['Active version', h('code', null, st.activeVersion)],
      ['Active since', when(st.activeSince)],
      ['Last reload', [when(st.lastAttempt), ' ', st.lastReloadFailed ? badge('failed', 'bad') : badge('applied', 'good')]],
      ['Segments', num(st.segments.length)],
    ]),
    outcome,
    section('Files', h('ul', { class: 'files' }, st.files.map((f) => h('li', null, link(f, 'rules', f),
      perFile.has(f) ? [' ', badge(perFile.get(f) + ' message' + (perFile.get(f) === 1 ? '' : 's'), st.lastReloadFailed ? 'bad' : 'warn')] : null)))),
    section('Messages of the last reload', msgBox),
    section('Run-time issues', issues(st.runtimeIssues)),
    can.analyze ? draftBox(st.files) : null);
  if (!st.messages.length) {
    put(msgBox, note('None.'));
    return;
  }
  // Each file's messages with the lines around them.
  const byFile = new Map();
  st.messages.forEach((m) => {
    if (!byFile.has(m.file)) byFile.set(m.file, []);
    byFile.get(m.file).push(m);
  });
  for (const [file, msgs] of byFile) {
    const part = h('div', { class: 'file-messages' }, h('h3', null, link(file, 'rules', file)), h('ul', { class: 'where' }, msgs.map((m) => h('li', null, where(m)))));
    msgBox.append(part);
    try {
      const f = await api('/v1/rules/files/' + file.split('/').map(seg).join('/'));
      if (ctx.alive()) part.append(listing(file, f.source, msgs, { around: 2 }));
    } catch (e) {
      part.append(failure('The file could not be read', e));
    }
  }
}

export async function file(ctx, name) {
  const { root } = ctx;
  put(root, title(name), loading(name));
  let f;
  try {
    f = await api('/v1/rules/files/' + name.split('/').map(seg).join('/'));
  } catch (e) {
    put(root, title(name), failure('Cannot show this rule file', e), h('p', null, link('All rules', 'rules')));
    return;
  }
  if (!ctx.alive()) return;
  const errors = f.messages.filter((m) => m.level !== 'WARNING').length;
  put(root, title(name),
    h('p', null, link('← All rules', 'rules')),
    f.messages.length
      ? note(errors + ' error(s) and ' + (f.messages.length - errors) + ' warning(s) in the last reload' + (f.lastReloadFailed ? '; the previous rules keep serving.' : '.'), errors ? 'error' : 'warn')
      : note('Compiles without messages.', 'ok'),
    isWorkbook(name)
      ? [note('An Excel workbook: its cells are not shown here. Open it in a spreadsheet; messages name the row and column of its sheet.'),
        f.messages.length ? h('ul', { class: 'where' }, f.messages.map((m) => h('li', null, where(m)))) : null]
      : listing(name, f.source, f.messages, { anchors: true }),
    section('Run-time issues', issues(f.runtimeIssues)));
}

/**
 * Paste a rule, validate it, preview its segments over all current profiles; nothing is saved.
 * A workbook (.xlsx) cannot be pasted: it is uploaded (or copied from the rules directory) and
 * sent as its bytes.
 */
function draftBox(files) {
  const name = h('input', { id: 'draft-file', name: 'file', value: 'draft.drl', required: true, 'aria-describedby': 'draft-file-help' });
  const text = h('textarea', { id: 'draft-drl', name: 'drl', rows: '14', spellcheck: 'false' });
  const from = h('select', { id: 'draft-from' }, h('option', { value: '' }, 'Start from an existing file…'), files.map((f) => h('option', { value: f }, f)));
  const upload = h('input', { id: 'draft-upload', type: 'file', accept: '.drl,.csv,.xlsx', 'aria-describedby': 'draft-upload-help' });
  const held = h('p', { id: 'draft-workbook', class: 'note', hidden: true });
  const out = h('div', { class: 'draft-result', 'aria-live': 'polite' });
  let workbook = null; // { name, bytes } while a workbook is the draft
  // The draft: a workbook's bytes (the text box disabled), or text to edit.
  const hold = (file, bytes, source = '') => {
    workbook = bytes ? { name: file, bytes } : null;
    text.disabled = !!bytes;
    text.value = source;
    held.hidden = !bytes;
    put(held, bytes ? 'Workbook ' + file + ' (' + num(bytes.length) + ' bytes) is the draft. Edit it in a spreadsheet and upload it again; pick another file to leave it.' : '');
    name.value = file;
  };
  from.addEventListener('change', async () => {
    if (!from.value) return;
    try {
      const f = await api('/v1/rules/files/' + from.value.split('/').map(seg).join('/'));
      if (isWorkbook(f.file)) hold(f.file, fromBase64(f.source));
      else hold(f.file, null, f.source);
    } catch (e) {
      put(out, failure('Cannot load ' + from.value, e));
    }
  });
  upload.addEventListener('change', async () => {
    const f = upload.files[0];
    if (!f) return;
    try {
      if (isWorkbook(f.name)) hold(f.name, new Uint8Array(await f.arrayBuffer()));
      else hold(f.name, null, await f.text());
    } catch (e) {
      put(out, failure('Cannot read ' + f.name, e));
    }
  });
  const run = async (kind) => {
    const book = workbook && isWorkbook(name.value) ? workbook : null;
    if (!book && !text.value.trim()) {
      put(out, note(isWorkbook(name.value)
        ? 'A workbook cannot be pasted: upload the .xlsx file.'
        : 'Paste a rule file first: DRL, or a decision table as CSV.', 'error'));
      (isWorkbook(name.value) ? upload : text).focus();
      return;
    }
    put(out, loading(kind === 'validate' ? 'the validation' : 'the preview'));
    const file = encodeURIComponent(name.value);
    try {
      let r;
      if (book) {
        r = await api('/v1/rules/' + kind + '?file=' + file + (kind === 'preview' ? '&sample=10' : ''), { bytes: book.bytes, accept: [422] });
      } else {
        r = kind === 'validate'
          ? await api('/v1/rules/validate?file=' + file, { text: text.value, accept: [422] })
          : await api('/v1/rules/preview', { json: { file: name.value, drl: text.value, sample: 10 }, accept: [422] });
      }
      put(out, result(kind, r, book ? null : text.value));
    } catch (e) {
      put(out, failure(kind === 'validate' ? 'Validation failed' : 'Preview failed', e));
    }
  };
  return section('Try a draft',
    h('p', { class: 'help' }, 'Compiled together with the current rule files (a file of the same name is replaced). Nothing is saved or applied: deploy by putting the file in the rules directory.'),
    h('form', { class: 'draft', onsubmit: (e) => { e.preventDefault(); run('validate'); } },
      h('div', { class: 'row' },
        h('div', null, h('label', { for: 'draft-file' }, 'File name'), name, h('p', { id: 'draft-file-help', class: 'help' }, 'ends in .drl, or .csv or .xlsx for a decision table')),
        h('div', null, h('label', { for: 'draft-from' }, 'Copy from'), from),
        h('div', null, h('label', { for: 'draft-upload' }, 'Or upload'), upload, h('p', { id: 'draft-upload-help', class: 'help' }, '.drl, .csv or .xlsx'))),
      h('label', { for: 'draft-drl' }, 'DRL or CSV'),
      held,
      text,
      h('div', { class: 'buttons' },
        h('button', { type: 'submit', id: 'draft-validate' }, 'Validate'),
        h('button', { type: 'button', id: 'draft-preview', onclick: () => run('preview') }, 'Preview members'))),
    out);
}

function result(kind, r, source) {
  const file = r.file;
  const errors = (r.messages || []).filter((m) => m.level !== 'WARNING');
  if (!r.valid) {
    return h('div', { class: 'result bad' },
      note('Does not compile: ' + errors.length + ' error(s).', 'error'),
      h('ul', { class: 'where' }, r.messages.map((m) => h('li', null, where(m)))),
      source === null ? null : listing(file, source, r.messages.filter((m) => m.file === file), { around: 2 }));
  }
  const warnings = (r.messages || []).length ? h('ul', { class: 'where' }, r.messages.map((m) => h('li', null, where(m)))) : null;
  if (kind === 'validate') {
    return h('div', { class: 'result good' },
      note('Valid. It declares ' + (r.segments || []).length + ' segment(s): ' + ((r.segments || []).map((s) => s.id).join(', ') || 'none') + '.', 'ok'),
      warnings);
  }
  return h('div', { class: 'result good' },
    h('p', { class: 'note ok' }, 'Preview over all current profiles at ', when(r.evaluatedAt), '; nothing was applied.'),
    warnings,
    r.segments.length ? r.segments.map((s) => h('div', { class: 'preview-segment', 'data-segment': s.id },
      h('h3', null, s.name || s.id, ' ', badge(num(s.count) + ' member' + (s.count === 1 ? '' : 's'), 'info')),
      s.sample.length ? h('ul', null, s.sample.map((p) => h('li', null, link(p.email || p.profileId, 'profiles', p.profileId)))) : note('Nobody qualifies.'))) : note('The draft declares no segment.'),
    r.runtimeIssues && r.runtimeIssues.length ? issues(r.runtimeIssues) : null);
}
