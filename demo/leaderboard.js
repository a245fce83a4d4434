// Live-query playground (/leaderboard.html): a "scores" collection held by syncore (wasm), a live leaderboard query rendered
// as a table, and buttons that play the server's part (every action is one applyServer commit).
// Add ?seed=<anything> to the URL for a reproducible sequence of random students and scores.
import { createSyncCore, SyncError } from '/js/browser.js';

const COLLECTION = 'scores';
const MIN_SCORE = 50;
const LIMIT = 10;
const BURST_SIZE = 50;
const INITIAL_STUDENTS = 24;
const ACTIVITY_ITEMS = 8;

const FIRST_NAMES = [
  'Ada', 'Alan', 'Grace', 'Linus', 'Margaret', 'Edsger', 'Barbara', 'Donald', 'Frances', 'Ken',
  'Radia', 'Dennis', 'Sophie', 'Tim', 'Hedy', 'Niklaus', 'Katherine', 'John', 'Shafi', 'Leslie',
  'Mary', 'Claude', 'Anita', 'Guido', 'Joan', 'Bjarne', 'Lynn', 'Yukihiro', 'Carol', 'Tony',
];
const LAST_NAMES = [
  'Lovelace', 'Turing', 'Hopper', 'Torvalds', 'Hamilton', 'Dijkstra', 'Liskov', 'Knuth', 'Allen',
  'Thompson', 'Perlman', 'Ritchie', 'Wilson', 'Berners-Lee', 'Lamarr', 'Wirth', 'Johnson', 'Backus',
  'Goldwasser', 'Lamport', 'Keller', 'Shannon', 'Borg', 'van Rossum', 'Clarke', 'Stroustrup',
  'Conway', 'Matsumoto', 'Shaw', 'Hoare',
];
const SUBJECTS = ['Mathematics', 'Physics', 'Chemistry', 'Biology', 'History', 'Literature', 'Computer Science', 'Music'];

// ---- randomness (seedable) ----------------------------------------------------------------------

function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function hashString(text) {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h >>> 0;
}

const seed = new URLSearchParams(location.search).get('seed');
const random = seed === null ? Math.random : mulberry32(hashString(seed));
const randInt = (min, max) => min + Math.floor(random() * (max - min + 1));
const pick = (list) => list[Math.floor(random() * list.length)];
const clamp = (n, lo, hi) => Math.min(hi, Math.max(lo, n));

// ---- DOM ----------------------------------------------------------------------------------------

const $ = (id) => document.getElementById(id);
const el = {
  total: $('total'),
  entities: $('entities'),
  commits: $('commits'),
  lastCommit: $('last-commit'),
  memory: $('memory'),
  lowest: $('lowest'),
  body: $('leaderboard-body'),
  empty: $('empty'),
  activity: $('activity'),
  status: $('status'),
  statusText: $('status-text'),
  error: $('error'),
  errorCode: $('error-code'),
  errorMessage: $('error-message'),
  buttons: {
    add: $('add'),
    randomize: $('randomize'),
    deleteLowest: $('delete-lowest'),
    burst: $('burst'),
  },
};

function h(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (key === 'dataset') Object.assign(node.dataset, value);
    else if (key === 'style') for (const [prop, v] of Object.entries(value)) node.style.setProperty(prop, v);
    else if (key in node) node[key] = value;
    else node.setAttribute(key, value);
  }
  node.append(...children.filter((c) => c !== null && c !== undefined));
  return node;
}

// ---- errors: always visible, never swallowed ----------------------------------------------------

function showError(err) {
  console.error(err);
  const isSync = err instanceof SyncError;
  el.errorCode.textContent = isSync ? err.code : err?.name ?? 'Error';
  const message = String(err?.message ?? err);
  // SyncError messages start with their code; the code is already shown beside it.
  el.errorMessage.textContent = isSync && message.startsWith(`${err.code}: `) ? message.slice(err.code.length + 2) : message;
  el.error.querySelector('.banner-title').textContent = isSync ? 'Sync error' : 'Something went wrong';
  el.error.hidden = false;
}

$('error-dismiss').addEventListener('click', () => {
  el.error.hidden = true;
});
// Errors thrown from listeners are re-thrown by the core on a microtask: show those too.
window.addEventListener('error', (event) => showError(event.error ?? event.message));
window.addEventListener('unhandledrejection', (event) => showError(event.reason));

/** Wraps a button handler so that any failure lands in the banner. */
const action = (fn) => () => {
  try {
    fn();
  } catch (err) {
    showError(err);
  }
};

// ---- the core and its queries -------------------------------------------------------------------

const state = {
  core: null,
  board: null, // the leaderboard live query
  lowest: null, // a second live query: the single lowest score overall
  versions: new Map(), // id -> last version the "server" sent
  nextId: 1,
  cursor: 0,
  commits: 0,
  previous: new Map(), // id -> { rank, score, version } as last rendered
  activity: [],
};

function newStudent() {
  const id = `s${state.nextId++}`;
  return { id, name: `${pick(FIRST_NAMES)} ${pick(LAST_NAMES)}`, subject: pick(SUBJECTS), score: randInt(20, 100) };
}

/** Builds upsert ops with version + 1 per entity, counting repeats within the batch. */
function upserts(students) {
  const pending = new Map();
  const ops = students.map((data) => {
    const version = (pending.get(data.id) ?? state.versions.get(data.id) ?? 0) + 1;
    pending.set(data.id, version);
    return { op: 'upsert', collection: COLLECTION, id: data.id, version, data };
  });
  return { ops, pending };
}

/** Applies one commit as the server would; a failed commit leaves the recorded versions alone. */
function commit(label, ops, pending = new Map()) {
  // Versions are recorded first because the live query renders (with them) inside applyServer.
  const saved = new Map([...pending.keys()].map((id) => [id, state.versions.get(id)]));
  for (const [id, version] of pending) state.versions.set(id, version);
  const started = performance.now();
  let result;
  try {
    result = state.core.applyServer({ ops, cursor: state.cursor + 1 });
  } catch (err) {
    for (const [id, version] of saved) {
      if (version === undefined) state.versions.delete(id);
      else state.versions.set(id, version);
    }
    throw err;
  }
  const elapsed = performance.now() - started;
  state.cursor = result.cursor;
  state.commits++;
  logCommit(label, ops.length, result.changes[COLLECTION], elapsed);
  renderStats();
  return result;
}

function initialLoad() {
  const students = Array.from({ length: INITIAL_STUDENTS }, newStudent);
  for (const s of students) state.versions.set(s.id, 1);
  const started = performance.now();
  const result = state.core.load(COLLECTION, students.map((data) => ({ version: 1, data })), { cursor: 1 });
  const elapsed = performance.now() - started;
  state.cursor = result.cursor;
  state.commits++;
  logCommit('Initial sync', students.length, result.changes[COLLECTION], elapsed);
}

// ---- actions ------------------------------------------------------------------------------------

function addStudent() {
  const student = newStudent();
  const { ops, pending } = upserts([student]);
  commit(`Added ${student.name}`, ops, pending);
}

function randomizeScore() {
  const all = state.core.list(COLLECTION);
  if (all.length === 0) return;
  const target = pick(all);
  let score = randInt(0, 100);
  if (score === target.score) score = (score + randInt(1, 100)) % 101;
  const { ops, pending } = upserts([{ ...target, score }]);
  commit(`${target.name}: ${target.score} → ${score}`, ops, pending);
}

function deleteEntity(id, label) {
  const version = (state.versions.get(id) ?? 0) + 1;
  commit(label, [{ op: 'delete', collection: COLLECTION, id, version }], new Map([[id, version]]));
}

function deleteLowest() {
  const [lowest] = state.lowest.current;
  if (!lowest) return;
  deleteEntity(lowest.id, `Deleted lowest: ${lowest.name} (${lowest.score})`);
}

function serverBurst() {
  const known = state.core.list(COLLECTION).map((s) => ({ ...s }));
  const batch = [];
  for (let i = 0; i < BURST_SIZE; i++) {
    if (known.length === 0 || random() < 0.2) {
      const student = newStudent();
      known.push(student);
      batch.push(student);
    } else {
      const student = pick(known);
      student.score = clamp(student.score + randInt(-25, 25), 0, 100);
      batch.push({ ...student });
    }
  }
  const { ops, pending } = upserts(batch);
  commit(`Server burst · ${BURST_SIZE} upserts`, ops, pending);
}

// ---- rendering ----------------------------------------------------------------------------------

const hue = (text) => hashString(text) % 360;
const initials = (name) => name.split(/\s+/).map((p) => p[0]).slice(0, 2).join('').toUpperCase();

function scoreTier(score) {
  if (score >= 90) return 'excellent';
  if (score >= 75) return 'good';
  if (score >= 60) return 'fair';
  return 'pass';
}

function formatBytes(bytes) {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(2)} MB`;
}

// Browsers coarsen performance.now() to about 0.1 ms, so no more digits than that.
const formatMs = (ms) => (ms < 0.1 ? '< 0.1 ms' : `${ms.toFixed(1)} ms`);

function renderRow(student, rank, before) {
  const version = state.versions.get(student.id) ?? 1;
  let movement = null;
  if (!before) movement = h('span', { className: 'move move-new', title: 'New in the top 10' }, 'new');
  else if (before.rank > rank) movement = h('span', { className: 'move move-up', title: `Up from #${before.rank + 1}` }, '▲');
  else if (before.rank < rank) movement = h('span', { className: 'move move-down', title: `Down from #${before.rank + 1}` }, '▼');
  const changed = !before || before.score !== student.score || before.version !== version;

  const remove = h('button', { type: 'button', className: 'row-remove', title: `Remove ${student.name}`, ariaLabel: `Remove ${student.name}` }, '×');
  remove.addEventListener('click', action(() => deleteEntity(student.id, `Removed ${student.name}`)));

  return h('tr', { dataset: { id: student.id, score: String(student.score) }, className: changed ? 'flash' : '' },
    h('td', { className: 'col-rank' }, h('span', { className: `rank rank-${rank + 1}` }, String(rank + 1))),
    h('td', {},
      h('div', { className: 'student' },
        h('span', { className: 'avatar', style: { '--h': String(hue(student.name)) } }, initials(student.name)),
        h('span', { className: 'student-name' }, student.name),
        movement)),
    h('td', {}, h('span', { className: 'chip', style: { '--h': String(hue(student.subject)) } }, student.subject)),
    h('td', { className: 'col-score' },
      h('div', { className: `score score-${scoreTier(student.score)}` },
        h('span', { className: 'score-bar' }, h('span', { className: 'score-fill', style: { width: `${student.score}%` } })),
        h('span', { className: 'score-value' }, String(student.score)))),
    h('td', { className: 'col-version' }, `v${version}`),
    h('td', { className: 'col-actions' }, remove));
}

function renderBoard(rows) {
  const next = new Map();
  const trs = rows.map((student, rank) => {
    const tr = renderRow(student, rank, state.previous.get(student.id));
    next.set(student.id, { rank, score: student.score, version: state.versions.get(student.id) ?? 1 });
    return tr;
  });
  state.previous = next;
  el.body.replaceChildren(...trs);
  el.empty.hidden = rows.length > 0;
}

function renderStats() {
  const { core, board, lowest } = state;
  const stats = core.stats();
  el.total.textContent = String(board.total);
  el.entities.textContent = String(core.count(COLLECTION));
  el.commits.textContent = String(state.commits);
  el.memory.textContent = formatBytes(stats.memoryBytes);
  el.memory.dataset.bytes = String(stats.memoryBytes);
  el.memory.title = `${stats.memoryBytes.toLocaleString()} bytes`;
  const [low] = lowest.current;
  el.lowest.textContent = low ? `${low.name} (${low.score})` : '–';
  el.lowest.dataset.id = low ? low.id : '';
  el.buttons.deleteLowest.disabled = !low;
  el.buttons.randomize.disabled = !low;
}

function logCommit(label, opCount, changes, elapsedMs) {
  const c = changes ?? { created: [], updated: [], deleted: [] };
  state.activity.unshift({ n: state.commits, label, opCount, c, elapsedMs, at: new Date() });
  state.activity.length = Math.min(state.activity.length, ACTIVITY_ITEMS);
  el.lastCommit.textContent = `last one took ${formatMs(elapsedMs)}`;
  el.activity.replaceChildren(...state.activity.map((item) => {
    const parts = [];
    if (item.c.created.length) parts.push(h('span', { className: 'tag tag-created' }, `+${item.c.created.length} new`));
    if (item.c.updated.length) parts.push(h('span', { className: 'tag tag-updated' }, `${item.c.updated.length} updated`));
    if (item.c.deleted.length) parts.push(h('span', { className: 'tag tag-deleted' }, `${item.c.deleted.length} deleted`));
    if (parts.length === 0) parts.push(h('span', { className: 'tag' }, 'no change'));
    return h('li', { className: 'activity-item' },
      h('span', { className: 'activity-n' }, `#${item.n}`),
      h('div', { className: 'activity-main' },
        h('span', { className: 'activity-label' }, item.label),
        h('span', { className: 'activity-meta' }, ...parts,
          h('span', { className: 'activity-time' }, `${item.opCount} op${item.opCount === 1 ? '' : 's'} · ${formatMs(item.elapsedMs)}`))));
  }));
}

/** A listener that runs render() once, on a microtask, however often it is called before. */
function schedule(render) {
  let pending = false;
  return () => {
    if (pending) return;
    pending = true;
    queueMicrotask(() => {
      pending = false;
      try {
        render();
      } catch (err) {
        showError(err);
      }
    });
  };
}

// ---- start --------------------------------------------------------------------------------------

async function main() {
  const core = await createSyncCore({ collections: { [COLLECTION]: {} } });
  state.core = core;
  state.board = core.query({ collection: COLLECTION, where: [['score', 'gte', MIN_SCORE]], orderBy: [['score', 'desc']], limit: LIMIT });
  state.lowest = core.query({ collection: COLLECTION, orderBy: [['score', 'asc']], limit: 1 });
  // Listeners only schedule; rendering happens once the commit returned, so the commit timing
  // measures the core alone and several commits in one task cost one render.
  state.board.subscribe(schedule(() => renderBoard(state.board.current)));
  // Counts and memory change on commits that leave the leaderboard alone, too.
  core.subscribe(COLLECTION, schedule(renderStats));

  initialLoad();
  renderBoard(state.board.current);
  renderStats();

  el.buttons.add.addEventListener('click', action(addStudent));
  el.buttons.randomize.addEventListener('click', action(randomizeScore));
  el.buttons.deleteLowest.addEventListener('click', action(deleteLowest));
  el.buttons.burst.addEventListener('click', action(serverBurst));
  el.buttons.add.disabled = false;
  el.buttons.burst.disabled = false;

  el.status.dataset.state = 'live';
  el.statusText.textContent = 'Live';
  // For exploring from the devtools console: demo.core.stats(), demo.board.current, ...
  window.demo = { core, board: state.board, lowest: state.lowest, commit, state };
  document.body.dataset.ready = 'true';
}

main().catch((err) => {
  el.status.dataset.state = 'error';
  el.statusText.textContent = 'Offline';
  showError(err);
});
