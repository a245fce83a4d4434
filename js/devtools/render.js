// The devtools panel's sections as HTML text, from the plain data of snapshot.js. Every value
// from the app goes through esc(). Buttons carry data-action (and data-seq / data-id): the mount
// (mount.js) handles them by delegation.
import { retryCanHelp } from './snapshot.js';

const esc = (v) => String(v).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
const json = (v) => (v === undefined ? '—' : JSON.stringify(v));
const short = (v, max = 80) => {
  const t = json(v);
  return t.length > max ? `${t.slice(0, max - 1)}…` : t;
};
const time = (ms) => {
  const d = new Date(ms);
  const p = (n, w = 2) => String(n).padStart(w, '0');
  return `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}`;
};
const bytes = (n) => {
  if (typeof n !== 'number' || !Number.isFinite(n)) return '—';
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 / 1024).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
};

function section(key, title, count, body, open = true) {
  return `<details class="sdt-section" data-section="${key}"${open ? ' open' : ''}>` +
    `<summary><span>${esc(title)}</span><span class="sdt-count" data-testid="devtools-count-${key}">${esc(count)}</span></summary>` +
    `<div class="sdt-body">${body}</div></details>`;
}

const empty = (text) => `<p class="sdt-empty">${esc(text)}</p>`;

/** Rows shown per list: a long outbox is summarized, not drawn whole ten times a second. */
export const MAX_ROWS = 200;
const more = (n, what) => (n > MAX_ROWS ? `<p class="sdt-muted" data-testid="devtools-more">… and ${n - MAX_ROWS} more ${what}</p>` : '');
const entityLabel = (m) => `${esc(m.collection)}/<b>${esc(m.id)}</b>`;

export function renderHeader(d) {
  const s = d.status;
  const tone = !s.online ? 'off' : !s.connected ? 'warn' : s.failed || s.conflicts ? 'warn' : 'ok';
  const role = d.tab.role ? `${d.tab.role}${d.tab.election ? ` · ${d.tab.election}` : ''}` : 'single tab';
  return `<div class="sdt-status" data-tone="${tone}"><span class="sdt-dot"></span>` +
    `<span data-testid="devtools-message">${esc(d.message)}</span></div>` +
    `<dl class="sdt-facts">` +
    `<div><dt>Browser</dt><dd>${s.online ? 'online' : 'offline'}</dd></div>` +
    `<div><dt>Server</dt><dd data-testid="devtools-connection">${esc(s.connection)}</dd></div>` +
    `<div><dt>Tab</dt><dd data-testid="devtools-tab-role">${esc(role)}</dd></div>` +
    `<div><dt>Cursor</dt><dd>${esc(d.stats.cursor)}</dd></div>` +
    `</dl>`;
}

export function renderOutbox(d, now) {
  const rows = [];
  for (const lane of d.outbox) {
    for (const state of ['in-flight', 'retrying', 'pending']) {
      for (const m of lane[state]) {
        const retry = state === 'retrying' ? ` in ${Math.max(0, Math.ceil((m.notBefore - now) / 1000))} s` : '';
        rows.push(`<tr data-testid="devtools-outbox-item" data-entity="${esc(m.id)}" data-state="${state}" data-lane="${esc(lane.lane)}">` +
          `<td>${esc(lane.lane)}</td><td><span class="sdt-tag sdt-${state}">${state === 'retrying' ? 'waiting to retry' : state}${retry}</span></td>` +
          `<td>${esc(m.kind)} ${entityLabel(m)}</td><td class="sdt-mono">${esc(short(m.data))}</td><td>${m.attempts}</td></tr>`);
      }
    }
  }
  const summary = d.outbox.map((lane) => `<span class="sdt-lane"><b>${esc(lane.lane)}</b> ${lane.pending.length} pending · ` +
    `${lane['in-flight'].length} in flight · ${lane.retrying.length} waiting to retry</span>`).join('');
  const body = `<div class="sdt-lanes">${summary}</div>` + (rows.length === 0 ? empty('Nothing waits for the server.') :
    `<table class="sdt-table"><thead><tr><th>Lane</th><th>State</th><th>Change</th><th>Data</th><th>Tries</th></tr></thead><tbody>${rows.slice(0, MAX_ROWS).join('')}</tbody></table>${more(rows.length, 'changes')}`);
  return section('outbox', 'Outbox', d.pendingCount, body);
}

export function renderDeadLetters(d, ui) {
  const items = d.deadLetters.map((m) => {
    const editing = ui.editing?.seq === m.seq;
    const retry = retryCanHelp(m)
      ? `<button type="button" data-action="retry" data-seq="${m.seq}">Retry</button>`
      : `<button type="button" data-action="retry" data-seq="${m.seq}" title="The server refused it as ${esc(m.errorClass)}: unchanged, it would be refused again">Retry anyway</button>`;
    const buttons = editing
      ? `<button type="button" data-action="save-edit" data-seq="${m.seq}">Save and retry</button><button type="button" data-action="cancel-edit">Cancel</button>`
      : `${retry}${m.kind === 'delete' ? '' : `<button type="button" data-action="edit" data-seq="${m.seq}">Edit</button>`}` +
        `<button type="button" class="sdt-danger" data-action="discard" data-seq="${m.seq}">Discard</button>`;
    const editor = editing
      ? `<textarea class="sdt-editor" data-testid="devtools-edit" spellcheck="false" aria-label="The change's data as JSON">${esc(ui.editing.text)}</textarea>` +
        (ui.editing.error ? `<p class="sdt-error" role="alert">${esc(ui.editing.error)}</p>` : '')
      : `<code class="sdt-mono">${esc(short(m.data, 120))}</code>`;
    return `<li class="sdt-item" data-testid="devtools-dead-letter" data-entity="${esc(m.id)}" data-seq="${m.seq}" data-error-class="${esc(m.errorClass ?? '')}">` +
      `<div>${esc(m.kind)} ${entityLabel(m)} <span class="sdt-tag sdt-bad">${esc(m.errorClass ?? 'refused')}</span></div>` +
      `<div class="sdt-message">${esc(m.message || 'refused by the server')}</div>${editor}<div class="sdt-buttons">${buttons}</div></li>`;
  });
  return section('dead-letters', 'Dead letters', d.deadLetters.length, items.length ? `<ul class="sdt-list">${items.slice(0, MAX_ROWS).join('')}</ul>${more(items.length, 'dead letters')}` : empty('None: nothing was refused.'));
}

export function renderConflicts(d) {
  const items = d.conflicts.map((c) => `<li class="sdt-item" data-testid="devtools-conflict" data-entity="${esc(c.entityId)}">` +
    `<div>${esc(c.kind)} ${esc(c.collection)}/<b>${esc(c.entityId)}</b> <span class="sdt-tag sdt-warn">${esc(c.strategy)}</span>` +
    `${c.resolving ? ' <span class="sdt-tag">resolving…</span>' : ''} <span class="sdt-muted">fields ${esc((c.paths ?? []).join(', ') || '—')}</span></div>` +
    `<dl class="sdt-versions"><div><dt>Base</dt><dd class="sdt-mono">${esc(short(c.base))}</dd></div>` +
    `<div><dt>Local</dt><dd class="sdt-mono">${esc(short(c.local))}</dd></div>` +
    `<div><dt>Remote</dt><dd class="sdt-mono">${esc(short(c.remote))}</dd></div></dl>` +
    `<div class="sdt-buttons"><button type="button" data-action="keep-local" data-id="${esc(c.id)}">Keep local</button>` +
    `<button type="button" data-action="keep-remote" data-id="${esc(c.id)}">Keep remote</button></div></li>`);
  return section('conflicts', 'Parked conflicts', d.conflicts.length, items.length ? `<ul class="sdt-list">${items.slice(0, MAX_ROWS).join('')}</ul>${more(items.length, 'conflicts')}` : empty('None.'));
}

export function renderLiveQueries(d) {
  const rows = d.liveQueries.map((q) => {
    const { collection: _c, ...rest } = q.spec;
    return `<tr data-testid="devtools-query" data-collection="${esc(q.collection)}"><td>${esc(q.id)}</td><td>${esc(q.collection)}</td>` +
      `<td class="sdt-mono">${esc(short(rest, 100))}</td><td data-testid="devtools-query-count">${q.count}</td><td>${q.total}</td></tr>`;
  });
  return section('queries', 'Live queries', d.liveQueries.length, rows.length
    ? `<table class="sdt-table"><thead><tr><th>#</th><th>Collection</th><th>Query</th><th>Rows</th><th>Matching</th></tr></thead><tbody>${rows.slice(0, MAX_ROWS).join('')}</tbody></table>${more(rows.length, 'queries')}`
    : empty('No live query is open.'));
}

export function renderTimeline(entries) {
  const rows = entries.map((e) => `<li data-testid="devtools-event" data-event="${esc(e.event)}"><time>${time(e.at)}</time>` +
    `<b>${esc(e.event)}</b><span class="sdt-mono">${esc(e.summary)}</span></li>`);
  return section('timeline', 'Timeline', entries.length, rows.length ? `<ol class="sdt-timeline">${rows.join('')}</ol>` : empty('No event since the devtools opened.'));
}

export function renderStorage(d, estimate) {
  const s = d.status;
  const collections = Object.entries(d.stats.collections ?? {}).map(([name, c]) =>
    `<tr><td>${esc(name)}</td><td>${c.entities}</td><td>${c.tombstones}</td><td>${bytes(c.bytes)}</td></tr>`).join('');
  const usage = estimate?.usage !== undefined
    ? `${bytes(estimate.usage)} of ${bytes(estimate.quota)} (${estimate.quota ? ((estimate.usage / estimate.quota) * 100).toFixed(2) : '?'} %)`
    : estimate?.error ? `unknown (${esc(estimate.error)})` : 'unknown';
  const body = `<dl class="sdt-facts">` +
    `<div><dt>Storage</dt><dd data-testid="devtools-storage-kind">${esc(s.storage)}</dd></div>` +
    `<div><dt>Origin usage</dt><dd data-testid="devtools-storage-usage">${usage}</dd></div>` +
    `<div><dt>Persistent</dt><dd>${s.storagePersisted === null ? 'unknown' : s.storagePersisted ? 'granted' : 'not granted'}</dd></div>` +
    `<div><dt>Not yet stored</dt><dd>${s.unsaved}</dd></div>` +
    `<div><dt>Core memory</dt><dd>${bytes(d.stats.memoryBytes)}</dd></div>` +
    `<div><dt>Set aside</dt><dd>${s.skipped}</dd></div></dl>` +
    (s.storageWarning ? `<p class="sdt-error" role="alert">${esc(s.storageWarning.message ?? s.storageWarning.code ?? 'storage problem')}</p>` : '') +
    (collections ? `<table class="sdt-table"><thead><tr><th>Collection</th><th>Entities</th><th>Tombstones</th><th>Memory</th></tr></thead><tbody>${collections}</tbody></table>` : '');
  return section('storage', 'Storage', s.storage, body);
}
