// syncore/devtools/dom: the devtools panel in plain DOM, for any app (the React panel wraps it).
//
//   const unmount = mountDevtools(document.getElementById('devtools'), client);
//
// It reads the client through its public API (snapshot.js), re-renders at most every
// `refreshMs` after the client reports something (events, commits) and once a second for the
// retry countdowns, and replaces only the sections whose content changed (an open editor
// keeps its text and focus). Actions go to the client's core: retryDeadLetter, editDeadLetter,
// discardDeadLetter, resolveConflict.
import { readClient } from './snapshot.js';
import { recordEvents } from './event_log.js';
import { DEVTOOLS_CSS } from './styles.js';
import { renderHeader, renderOutbox, renderDeadLetters, renderConflicts, renderLiveQueries, renderTimeline, renderStorage } from './render.js';

const SECTIONS = ['header', 'outbox', 'dead-letters', 'conflicts', 'queries', 'timeline', 'storage'];

/**
 * Shows the devtools for `client` inside `element`. Options: events (timeline length, 100),
 * refreshMs (the most often it re-renders, 100), estimateMs (how often it asks the browser for
 * the storage estimate, 5000), title. Returns the function that removes the panel.
 */
export function mountDevtools(element, client, options = {}) {
  if (!element || typeof element.appendChild !== 'function') throw new TypeError('mountDevtools(element, client): element must be a DOM element');
  if (!client || typeof client.on !== 'function' || !client.core) throw new TypeError('mountDevtools(element, client): client must be a SyncClient (createSyncClient)');
  const { events = 100, refreshMs = 100, estimateMs = 5000, title = 'syncore devtools' } = options;
  const doc = element.ownerDocument;
  const win = doc.defaultView ?? globalThis;
  const log = recordEvents(client, { limit: events });
  const ui = { editing: null, error: null, closedSections: new Set(), estimate: null };

  const root = doc.createElement('section');
  root.className = 'sdt-root';
  root.dataset.testid = 'devtools';
  root.setAttribute('aria-label', title);
  const style = doc.createElement('style');
  style.textContent = DEVTOOLS_CSS;
  const header = doc.createElement('header');
  header.innerHTML = '<h2></h2><span class="sdt-muted" data-testid="devtools-error" role="status"></span>';
  header.querySelector('h2').textContent = title;
  root.append(style, header);
  const parts = new Map(SECTIONS.map((key) => {
    const div = doc.createElement('div');
    div.dataset.part = key;
    root.append(div);
    return [key, { div, html: null }];
  }));
  element.appendChild(root);

  let timer = null;
  let stopped = false;
  const render = () => {
    timer = null;
    if (stopped) return;
    const now = Date.now();
    const data = readClient(client, now);
    header.querySelector('[data-testid="devtools-error"]').textContent = ui.error ?? '';
    if (data.closed) {
      for (const [key, part] of parts) set(key, part, key === 'header' ? '<p class="sdt-empty">This client is closed.</p>' : '');
      return;
    }
    const html = {
      header: renderHeader(data),
      outbox: renderOutbox(data, now),
      'dead-letters': renderDeadLetters(data, ui),
      conflicts: renderConflicts(data),
      queries: renderLiveQueries(data),
      timeline: renderTimeline(log.entries()),
      storage: renderStorage(data, ui.estimate),
    };
    for (const [key, part] of parts) set(key, part, html[key]);
  };
  const set = (key, part, html) => {
    // The reader's open / closed choice of each section outlives re-renders.
    const text = ui.closedSections.has(key) ? html.replace(/^(<details[^>]*?) open>/, '$1>') : html;
    if (part.html === text) return;
    part.html = text;
    // An open editor keeps what was typed in it, and the focus, when its section is redrawn.
    const editor = part.div.querySelector('.sdt-editor');
    const typed = editor ? { value: editor.value, focused: doc.activeElement === editor, start: editor.selectionStart, end: editor.selectionEnd } : null;
    part.div.innerHTML = text;
    const next = typed && part.div.querySelector('.sdt-editor');
    if (!next) return;
    next.value = typed.value;
    if (typed.focused) {
      next.focus();
      next.setSelectionRange?.(typed.start, typed.end);
    }
  };
  const schedule = () => {
    if (timer === null && !stopped) timer = win.setTimeout(render, refreshMs);
  };

  const act = (fn) => {
    ui.error = null;
    try {
      fn();
    } catch (err) {
      ui.error = `${err?.code ? `${err.code}: ` : ''}${err?.message ?? err}`;
    }
    render();
  };
  const onClick = (e) => {
    const button = e.target.closest?.('button[data-action]');
    if (!button || !root.contains(button)) return;
    const seq = Number(button.dataset.seq);
    const { core } = client;
    switch (button.dataset.action) {
      case 'retry': return act(() => core.retryDeadLetter(seq));
      case 'discard': return act(() => core.discardDeadLetter(seq));
      case 'edit': {
        const dead = core.deadLetters().find((d) => d.seq === seq);
        ui.editing = dead ? { seq, text: JSON.stringify(dead.data, null, 2), error: null } : null;
        render();
        root.querySelector('.sdt-editor')?.focus();
        return undefined;
      }
      case 'cancel-edit':
        ui.editing = null;
        return render();
      case 'save-edit': {
        const text = root.querySelector('.sdt-editor')?.value ?? '';
        let payload;
        try {
          payload = JSON.parse(text);
        } catch (err) {
          ui.editing = { seq, text, error: `Not JSON: ${err.message}` };
          return render();
        }
        return act(() => {
          try {
            core.editDeadLetter(seq, payload);
            ui.editing = null;
          } catch (err) {
            ui.editing = { seq, text, error: `${err?.code ? `${err.code}: ` : ''}${err?.message ?? err}` };
          }
        });
      }
      case 'keep-local': return act(() => core.resolveConflict(button.dataset.id, { choice: 'local' }));
      case 'keep-remote': return act(() => core.resolveConflict(button.dataset.id, { choice: 'remote' }));
      default: return undefined;
    }
  };
  // 'toggle' does not bubble: listened for in the capture phase.
  const onToggle = (e) => {
    const key = e.target?.dataset?.section;
    if (!key) return;
    if (e.target.open) ui.closedSections.delete(key);
    else ui.closedSections.add(key);
    const part = parts.get(key);
    if (part) part.html = null; // redrawn next time with the reader's choice
  };
  root.addEventListener('click', onClick);
  root.addEventListener('toggle', onToggle, true);

  const estimate = async () => {
    const storage = win.navigator?.storage;
    if (typeof storage?.estimate !== 'function') {
      ui.estimate = { error: 'navigator.storage.estimate is not available' };
      return schedule();
    }
    try {
      const { usage, quota } = await storage.estimate();
      ui.estimate = { usage, quota };
    } catch (err) {
      ui.estimate = { error: String(err?.message ?? err) };
    }
    return schedule();
  };

  const offs = [log.subscribe(schedule)];
  try {
    offs.push(client.core.onCommit(schedule));
  } catch {
    // a closed client: nothing will commit again
  }
  const tick = win.setInterval(schedule, 1000);
  const estimating = win.setInterval(estimate, estimateMs);
  estimate();
  render();

  return function unmount() {
    if (stopped) return;
    stopped = true;
    if (timer !== null) win.clearTimeout(timer);
    win.clearInterval(tick);
    win.clearInterval(estimating);
    for (const off of offs) off();
    root.removeEventListener('click', onClick);
    root.removeEventListener('toggle', onToggle, true);
    root.remove();
  };
}
