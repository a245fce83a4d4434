// The package as users install it: `npm pack`, then the tarball installed (from the file)
// into fresh projects under a temporary folder:
// - a Node project: an ESM script (core + client, write and read), require('syncore'), and the
//   error require() gives where Node cannot require ES modules;
// - a React app made only from README.md's "Install and use" blocks (commands, app.jsx, index.html),
//   bundled by esbuild, served on loopback next to the reference sync server, in headless Chromium
//   (the other bundlers, and where the wasm comes from in each: bundlers.test.js);
// - tsc --noEmit of a TypeScript consumer against the installed types.
//   node --test tests/package/pack.test.js
// README's `npm install` lines run as written except: syncore is the tarball, every other package
// is pinned to the version this repository locks, and npm runs with --prefer-offline: what npm ci
// put in the npm cache (the packages' tarballs) is taken from there, and only what it did not keep
// (the registry's package documents, which an install by name@version reads first) is fetched
// from the npm registry once, on a machine whose cache has not seen them.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { gunzipSync } from 'node:zlib';
import { join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchChromium } from '../browser/chromium.js';
import { driveReadmeApp, seededStore, serveApp } from './readme_app.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
// What `files` in package.json must put in the tarball, and nothing else.
const EXPECTED_FILES = ['LICENSE', 'README.md', 'package.json', 'dist/syncore.mjs', 'dist/syncore.wasm', 'dist/syncore-embedded.mjs'];

let work;
let tarball;
let packed;

/** Runs a command; resolves to { code, stdout, stderr } (never rejects on a non-zero exit). */
function run(file, args, { cwd, env } = {}) {
  return new Promise((done) => {
    execFile(file, args, { cwd, env: { ...process.env, npm_config_prefer_offline: 'true', npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false', ...env }, timeout: 120_000, maxBuffer: 16 << 20 },
      (err, stdout, stderr) => done({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }));
  });
}

async function runOk(file, args, options) {
  const r = await run(file, args, options);
  assert.equal(r.code, 0, `${file} ${args.join(' ')} failed:\n${r.stdout}\n${r.stderr}`);
  return r;
}

const lockedVersion = async (name) => JSON.parse(await readFile(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')).version;

/** `npm install a b` as README.md writes it -> argv with the tarball and locked versions. */
async function lockedInstallArgs(words) {
  const args = [];
  for (const w of words) {
    if (w.startsWith('-')) args.push(w);
    else if (w === 'syncore') args.push(tarball);
    else args.push(`${w}@${await lockedVersion(w)}`);
  }
  return ['install', '--prefer-offline', '--no-audit', '--no-fund', ...args];
}

async function freshProject(name, packageJson = {}) {
  const dir = join(work, name);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'package.json'), JSON.stringify({ name, version: '1.0.0', private: true, ...packageJson }, null, 2));
  return dir;
}

before(async () => {
  work = await mkdtemp(join(tmpdir(), 'syncore-pack-'));
  const { stdout } = await runOk('npm', ['pack', '--json', '--pack-destination', work], { cwd: ROOT });
  [packed] = JSON.parse(stdout);
  tarball = join(work, packed.filename);
});

after(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

test('npm pack ships the release wasm + glue (and the wasm embedded in a module), js/ with its types, server/ (syncore/server), README and LICENSE, nothing else', async () => {
  const files = packed.files.map((f) => f.path).sort();
  const listed = async (folder) => (await readdir(join(ROOT, folder), { recursive: true, withFileTypes: true }))
    .filter((d) => d.isFile()).map((d) => join(d.parentPath ?? d.path, d.name).slice(ROOT.length)).map((p) => p.split(sep).join('/'));
  const jsFiles = await listed('js');
  // The Node server ships; its Django sibling (server/django, a Python package) does not.
  const serverFiles = (await listed('server')).filter((p) => !p.startsWith('server/django/'));
  assert.deepEqual(files, [...EXPECTED_FILES, ...jsFiles, ...serverFiles].sort());
  assert.ok(serverFiles.includes('server/index.js') && serverFiles.includes('server/cli.js'));
  assert.ok(jsFiles.includes('js/index.d.ts') && jsFiles.includes('js/react/index.d.ts') && jsFiles.includes('js/node.cjs'));
  // The embedded copy (esbuild and Rollup bundles) is the shipped wasm, not an older build's.
  const { default: embedded, wasmBytes } = await import(new URL('dist/syncore-embedded.mjs', `file://${ROOT}`).href);
  const wasm = await readFile(join(ROOT, 'dist/syncore.wasm'));
  assert.equal(wasmBytes, wasm.length);
  assert.ok(gunzipSync(Buffer.from(embedded, 'base64')).equals(wasm), 'dist/syncore-embedded.mjs holds dist/syncore.wasm');
  console.log(`# tarball ${packed.filename}: ${packed.size} bytes packed, ${packed.unpackedSize} bytes unpacked, ${packed.entryCount} files`);
});

test('Node project: ESM import, require(), and the errors for what the package leaves out', async () => {
  const dir = await freshProject('node-app');
  await runOk('npm', await lockedInstallArgs(['syncore']), { cwd: dir });

  await writeFile(join(dir, 'esm.mjs'), `
import { createSyncCore, createSyncClient, SyncError } from 'syncore';
const core = await createSyncCore({ collections: { notes: {} } });
core.load('notes', [{ version: 1, data: { id: 'n1', text: 'from the server' } }], { cursor: 1 });
const live = core.query({ collection: 'notes', orderBy: ['id'] });
core.mutate({ collection: 'notes', op: 'create', id: 'n2', data: { id: 'n2', text: 'written here' } });
console.log(JSON.stringify(live.current));
const client = await createSyncClient({ collections: { notes: {} } });
client.collection('notes').create({ id: 'c1', text: 'client write' });
console.log(JSON.stringify(client.collection('notes').get('c1')), client.status.pending);
await client.close();
for (const options of [{ debug: true }]) {
  await createSyncCore(options).then(() => console.log('debug: loaded'), (e) => console.log('debug:', e instanceof SyncError, e.code, e.message));
}
await createSyncClient({ url: 'ws://127.0.0.1:9/sync', collections: {} })
  .then(() => console.log('ws: connected'), (e) => console.log('ws:', e.code, e.message));
`);
  const esm = await runOk(process.execPath, ['esm.mjs'], { cwd: dir });
  const lines = esm.stdout.trim().split('\n');
  assert.deepEqual(JSON.parse(lines[0]), [{ id: 'n1', text: 'from the server' }, { id: 'n2', text: 'written here' }]);
  assert.equal(lines[1], '{"id":"c1","text":"client write"} 1');
  assert.match(lines[2], /^debug: true LOAD_FAILED .*the debug build is not installed .*npm package ships only the release build/);
  assert.match(lines[3], /^ws: NOT_CONFIGURED .*npm install ws/);

  await writeFile(join(dir, 'cjs.cjs'), `
const { createSyncCore, ErrorCodes } = require('syncore');
createSyncCore({ collections: { notes: {} } }).then((core) => {
  core.load('notes', [{ version: 1, data: { id: 'n1', text: 'via require' } }], { cursor: 1 });
  console.log(core.get('notes', 'n1').text, ErrorCodes.LOAD_FAILED);
});
`);
  const cjs = await runOk(process.execPath, ['cjs.cjs'], { cwd: dir });
  assert.equal(cjs.stdout.trim(), 'via require LOAD_FAILED');
  // A Node without require(esm): the package says it is ESM-only and how to import it.
  const old = await run(process.execPath, ['--no-experimental-require-module', 'cjs.cjs'], { cwd: dir });
  assert.notEqual(old.code, 0);
  assert.match(old.stderr, /syncore is an ES module package and this Node .* cannot require\(\) it: use `import \{ createSyncCore \} from 'syncore'`/);
});

/** README.md's install-and-use blocks: [sh, jsx, html]. */
async function readmeInstallBlocks() {
  const readme = await readFile(join(ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf('<!-- install-example');
  assert.ok(start >= 0, 'README has the marked install example');
  const blocks = [...readme.slice(start).matchAll(/```(\w+)\n([\s\S]*?)```/g)].slice(0, 3);
  assert.deepEqual(blocks.map((b) => b[1]), ['sh', 'jsx', 'html']);
  return blocks.map((b) => b[2]);
}

test('React app from the README: esbuild\'s bundle loads the wasm, a live query renders, a write shows at once; tsc checks the types', async () => {
  const [commands, appJsx, indexHtml] = await readmeInstallBlocks();
  const dir = await freshProject('react-app');
  await writeFile(join(dir, 'app.jsx'), appJsx);
  await mkdir(join(dir, 'public'));
  await writeFile(join(dir, 'public', 'index.html'), indexHtml);
  const lines = commands.trim().split('\n');
  assert.equal(lines.length, 3);
  for (const line of lines) {
    const words = line.split(/\s+/);
    if (words[0] === 'npm' && words[1] === 'install') await runOk('npm', await lockedInstallArgs(words.slice(2)), { cwd: dir });
    else if (words[0] === 'npx') await runOk('npx', ['--prefer-offline', ...words.slice(1)], { cwd: dir });
    else assert.fail(`unexpected README command: ${line}`);
  }
  assert.ok((await readdir(join(dir, 'public'))).includes('app.js'), 'esbuild emitted the app');

  // The TypeScript consumer: the installed declarations for syncore, syncore/react and the wasm URL.
  await runOk('npm', await lockedInstallArgs(['--save-dev', 'typescript', '@types/react']), { cwd: dir });
  await writeFile(join(dir, 'tsconfig.json'), JSON.stringify({
    compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', jsx: 'react-jsx', strict: true, noEmit: true, skipLibCheck: false, lib: ['ES2022', 'DOM'], types: [] },
    files: ['consumer.tsx'],
  }));
  await writeFile(join(dir, 'consumer.tsx'), `
import { createSyncClient, createSyncCore, SyncError, type SyncClient } from 'syncore';
import { SyncProvider, useCollection, useMutation, useSyncStatus } from 'syncore/react';
import wasmUrl from 'syncore/syncore.wasm';

type Todo = { id: string; title: string; done?: boolean };

export async function start(): Promise<SyncClient> {
  const core = await createSyncCore({ collections: { todos: {} }, wasmUrl });
  core.dispose();
  try {
    return await createSyncClient({ url: 'wss://example.com/sync', collections: { todos: {} }, wasmUrl });
  } catch (err) {
    if (err instanceof SyncError) console.error(err.code);
    throw err;
  }
}

export function Todos() {
  const { data } = useCollection<Todo>('todos', { orderBy: ['title'] });
  const { patch } = useMutation<Todo>('todos');
  const { pending } = useSyncStatus();
  const first: string | undefined = data[0]?.title;
  return <ul title={first}>{data.map((t) => <li key={t.id} onClick={() => patch(t.id, { done: !t.done })}>{t.title} {pending}</li>)}</ul>;
}

export const App = ({ client }: { client: SyncClient }) => <SyncProvider client={client}><Todos /></SyncProvider>;
// @ts-expect-error: a query needs a collection name
useCollection();
`);
  const tsc = await run(process.execPath, [join(dir, 'node_modules/typescript/bin/tsc'), '-p', dir, '--pretty', 'false'], { cwd: dir });
  assert.equal(tsc.code, 0, `tsc reported:\n${tsc.stdout}${tsc.stderr}`);

  // The page, next to the reference sync server whose store already holds one todo.
  const store = await seededStore();
  const app = await serveApp(join(dir, 'public'), store);
  const browser = await launchChromium();
  try {
    const { problems } = await driveReadmeApp(browser, app.url, store);
    assert.deepEqual(problems, []);

    // Without { wasmUrl } nor --loader:.wasm=file, esbuild's bundle loads the wasm all the same.
    await writeFile(join(dir, 'no-wasm-url.js'), `import { createSyncCore } from 'syncore';
createSyncCore().then(() => { window.outcome = 'loaded'; }, (e) => { window.outcome = e.code + ' ' + e.message; });`);
    const bare = await runOk('npx', ['--offline', 'esbuild', 'no-wasm-url.js', '--bundle', '--format=esm', '--outdir=public'], { cwd: dir });
    assert.doesNotMatch(bare.stderr, /warning/i);
    await writeFile(join(dir, 'public', 'no-wasm-url.html'), '<script type="module" src="no-wasm-url.js"></script>');
    const page = await browser.newPage();
    await page.goto(`${app.url}no-wasm-url.html`);
    assert.equal(await (await page.waitForFunction(() => window.outcome)).jsonValue(), 'loaded');
  } finally {
    await browser.close();
    await app.close();
    await store.close();
  }
});
