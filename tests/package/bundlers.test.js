// The README app (docs/bundlers.md's block: README.md's "Install and use" app without any wasm
// option) built from the packed tarball by each major bundler with its everyday configuration,
// with no build warning, then driven in headless Chromium next to the reference sync server: the
// wasm loads, a write shows at once (1 pending) and settles after the server's answer (0 pending).
//   node --test tests/package/bundlers.test.js
// Offline: the tarball and react / react-dom at the versions this repository locks come from the
// npm cache; the bundlers run in this process from this repository's node_modules.
// Stand-ins, as no app of that bundler lacks them: JSX for webpack and Rollup is compiled
// beforehand by esbuild's transform (babel-loader / a JSX plugin in a real app), and React (CommonJS)
// reaches Rollup as one ES module pre-bundled by esbuild (@rollup/plugin-commonjs in a real app).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { rollup } from 'rollup';
import { nodeResolve } from '@rollup/plugin-node-resolve';
import webpack from 'webpack';
import { build as viteBuild, createLogger, createServer as viteServer, preview as vitePreview } from 'vite';
import { launchChromium } from '../browser/chromium.js';
import { startSyncServer } from '../../server/sync_server.js';
import { driveReadmeApp, seededStore, serveApp } from './readme_app.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const INDEX_HTML = (script, type = 'module') => `<!doctype html>\n<div id="root"></div>\n<script type="${type}" src="${script}"></script>\n`;
// webpack's size hints (performance.hints, on in production mode, 244 KiB; lib/performance/
// SizeLimitsPlugin.js): the 484 KiB wasm alone trips them in any app that ships it; they are
// printed, not counted as warnings about the build (docs/bundlers.md).
const WEBPACK_SIZE_HINTS = new Set(['AssetsOverSizeLimitWarning', 'EntrypointsOverSizeLimitWarning', 'NoAsyncChunksWarning', 'RuntimeInLargeChunkWarning']);

let work;
let app; // the installed app: package.json + node_modules (syncore from the tarball, react, react-dom)
let appJsx;
let browser;

function run(file, args, { cwd } = {}) {
  return new Promise((done, fail) => {
    execFile(file, args, { cwd, env: { ...process.env, npm_config_prefer_offline: 'true', npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false' }, timeout: 120_000, maxBuffer: 16 << 20 },
      (err, stdout, stderr) => (err ? fail(new Error(`${file} ${args.join(' ')}: ${err.message}\n${stdout}\n${stderr}`)) : done(stdout)));
  });
}

const lockedVersion = async (name) => JSON.parse(await readFile(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')).version;

/** docs/bundlers.md's marked app block. */
async function documentedApp() {
  const doc = await readFile(join(ROOT, 'docs/bundlers.md'), 'utf8');
  const start = doc.indexOf('<!-- bundlers-example');
  assert.ok(start >= 0, 'docs/bundlers.md has the marked app');
  const [, lang, code] = doc.slice(start).match(/```(\w+)\n([\s\S]*?)```/);
  assert.equal(lang, 'jsx');
  assert.doesNotMatch(code, /wasm/i, 'the app names no wasm file or option');
  return code;
}

/** A folder of the installed app (so that syncore and react resolve from app/node_modules). */
async function project(name, files) {
  const dir = join(app, name);
  await mkdir(dir, { recursive: true });
  for (const [file, text] of Object.entries(files)) {
    await mkdir(join(dir, file, '..'), { recursive: true });
    await writeFile(join(dir, file), text);
  }
  return dir;
}

/** app.jsx -> plain JS (what babel-loader or a JSX plugin does in a webpack or Rollup app). */
const compiledJsx = async () => (await esbuild.transform(appJsx, { loader: 'jsx', jsx: 'automatic', format: 'esm' })).code;

before(async () => {
  work = await mkdtemp(join(tmpdir(), 'syncore-bundlers-'));
  const [packed] = JSON.parse(await run('npm', ['pack', '--json', '--pack-destination', work], { cwd: ROOT }));
  app = join(work, 'app');
  await mkdir(app);
  await writeFile(join(app, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true, type: 'module' }));
  await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', join(work, packed.filename),
    `react@${await lockedVersion('react')}`, `react-dom@${await lockedVersion('react-dom')}`], { cwd: app });
  appJsx = await documentedApp();
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

/** Drives the app served by `serve(store)`; asserts a clean page; resolves to the responses. */
async function driveServed(serve) {
  const store = await seededStore();
  const served = await serve(store);
  try {
    const { page, problems, responses } = await driveReadmeApp(browser, served.url, store);
    await page.close();
    assert.deepEqual(problems, []);
    return responses;
  } finally {
    await served.close();
    await store.close();
  }
}

/** The wasm came as its own file (the bundler emitted it), served as application/wasm. */
function assertWasmFetched(responses) {
  const wasm = responses.filter((r) => r.url.endsWith('.wasm'));
  assert.equal(wasm.length, 1, `one wasm fetch: ${JSON.stringify(responses.map((r) => r.url))}`);
  assert.equal(wasm[0].type, 'application/wasm');
  return wasm[0].url;
}

/** No .wasm fetch: the bundle's embedded copy was used (esbuild, Rollup). */
function assertWasmEmbedded(responses) {
  assert.deepEqual(responses.filter((r) => r.url.endsWith('.wasm')), []);
}

/** A Vite logger that records warnings and errors (and keeps the console quiet). */
function recordingLogger() {
  const logger = createLogger('warn', { allowClearScreen: false });
  const said = [];
  logger.warn = (msg) => said.push(`warn: ${msg}`);
  logger.warnOnce = (msg) => said.push(`warn: ${msg}`);
  logger.error = (msg) => said.push(`error: ${msg}`);
  return { logger, said };
}

/**
 * Runs a Vite step with process.env.NODE_ENV as this process had it: Vite sets it (development for
 * the dev server, production for a build) when unset, and one step's value would leak into the next
 * (a build after the dev server would bundle React's development build).
 */
async function withOwnNodeEnv(step) {
  const saved = process.env.NODE_ENV;
  try {
    return await step();
  } finally {
    if (saved === undefined) delete process.env.NODE_ENV;
    else process.env.NODE_ENV = saved;
  }
}

/** Vite's dev or preview server with the sync server attached to the same http server. */
async function withSyncServer(server, store) {
  const sync = await startSyncServer({ server: server.httpServer, store });
  const { port } = server.httpServer.address();
  return { url: `http://127.0.0.1:${port}/`, close: async () => { await sync.close(); await server.close(); } };
}

test('Vite 8: the dev server and `vite build` + `vite preview` load the wasm the glue points at, no warning', async () => {
  const dir = await project('vite', { 'index.html': INDEX_HTML('/app.jsx'), 'app.jsx': appJsx });
  const dev = recordingLogger();
  const devResponses = await withOwnNodeEnv(() => driveServed(async (store) => {
    const server = await viteServer({ root: dir, customLogger: dev.logger, server: { host: '127.0.0.1', port: 0 } });
    await server.listen();
    return withSyncServer(server, store);
  }));
  assert.match(assertWasmFetched(devResponses), /\/node_modules\/syncore\/dist\/syncore\.wasm$/);
  assert.deepEqual(dev.said, [], 'the dev server (and its dependency optimizer) warned');

  const built = recordingLogger();
  await withOwnNodeEnv(() => viteBuild({ root: dir, customLogger: built.logger, logLevel: 'warn' }));
  assert.deepEqual(built.said, [], 'vite build warned');
  const assets = await readdir(join(dir, 'dist/assets'));
  assert.ok(assets.some((f) => /^syncore-[\w-]+\.wasm$/.test(f)), `vite build emitted the wasm: ${assets}`);
  const previewResponses = await driveServed(async (store) => {
    const server = await vitePreview({ root: dir, customLogger: built.logger, preview: { host: '127.0.0.1', port: 0 } });
    return withSyncServer(server, store);
  });
  assert.match(assertWasmFetched(previewResponses), /\/assets\/syncore-[\w-]+\.wasm$/);
  assert.deepEqual(built.said, [], 'vite preview warned');
});

test('webpack 5 (production): emits the wasm the glue points at; no warning but its size hints', async () => {
  const dir = await project('webpack', { 'src/index.js': await compiledJsx() });
  const stats = await new Promise((done, fail) => webpack({ mode: 'production', context: dir, output: { path: join(dir, 'dist') } }, (err, s) => (err ? fail(err) : done(s))));
  const { errors, warnings } = stats.compilation;
  assert.deepEqual(errors.map((e) => e.message), []);
  const sizeHints = warnings.filter((w) => WEBPACK_SIZE_HINTS.has(w.name));
  assert.deepEqual(warnings.filter((w) => !WEBPACK_SIZE_HINTS.has(w.name)).map((w) => w.message), []);
  console.log(`# webpack size hints (not counted): ${sizeHints.map((w) => w.message.replace(/\s+/g, ' ').slice(0, 160)).join(' | ')}`);
  await writeFile(join(dir, 'dist/index.html'), INDEX_HTML('main.js', 'text/javascript'));
  const responses = await driveServed((store) => serveApp(join(dir, 'dist'), store));
  assert.match(assertWasmFetched(responses), /\/[0-9a-f]+\.wasm$/);
});

test('esbuild: the README command without a loader flag; the bundle carries the wasm, no warning', async () => {
  const dir = await project('esbuild', { 'app.jsx': appJsx, 'public/index.html': INDEX_HTML('app.js') });
  // README.md: npx esbuild app.jsx --bundle --format=esm --jsx=automatic --outdir=public
  const result = await esbuild.build({ absWorkingDir: dir, entryPoints: ['app.jsx'], bundle: true, format: 'esm', jsx: 'automatic', outdir: 'public', logLevel: 'silent' });
  assert.deepEqual(result.warnings, []);
  assert.deepEqual((await readdir(join(dir, 'public'))).sort(), ['app.js', 'index.html']);
  assertWasmEmbedded(await driveServed((store) => serveApp(join(dir, 'public'), store)));
});

test('Rollup with @rollup/plugin-node-resolve: the embedded wasm comes as a lazy chunk, no warning', async () => {
  const dir = await project('rollup', { 'src/app.js': await compiledJsx(), 'public/index.html': INDEX_HTML('app.js') });
  const warnings = [];
  const bundle = await rollup({
    input: { app: join(dir, 'src/app.js') },
    plugins: [nodeResolve({ browser: true }), await reactAsEsModule(dir)],
    onwarn: (w) => warnings.push(`${w.code}: ${w.message}`),
  });
  await bundle.write({ dir: join(dir, 'public'), format: 'es' });
  await bundle.close();
  assert.deepEqual(warnings, []);
  const emitted = await readdir(join(dir, 'public'));
  const embedded = emitted.find((f) => /^syncore-embedded-[\w-]+\.js$/.test(f));
  assert.ok(embedded, `Rollup split the embedded wasm into its own chunk: ${emitted}`);
  const responses = await driveServed((store) => serveApp(join(dir, 'public'), store));
  assertWasmEmbedded(responses);
  assert.ok(responses.some((r) => r.url.endsWith(`/${embedded}`)), 'the page loaded the embedded wasm chunk');
});

/**
 * What @rollup/plugin-commonjs + @rollup/plugin-replace do for React in a Rollup app: react,
 * react-dom/client and react/jsx-runtime as ES modules, from one esbuild pre-bundle (one React).
 */
async function reactAsEsModule(dir) {
  const entries = { react: 'React', 'react-dom/client': 'ReactDomClient', 'react/jsx-runtime': 'JsxRuntime' };
  const vendor = join(dir, 'react-vendor.js');
  await esbuild.build({
    stdin: { contents: Object.entries(entries).map(([id, name]) => `export * as ${name} from '${id}';`).join('\n'), resolveDir: dir },
    bundle: true, format: 'esm', outfile: vendor, define: { 'process.env.NODE_ENV': '"production"' }, logLevel: 'silent',
  });
  const require = createRequire(join(dir, 'package.json'));
  return {
    name: 'react-as-es-module',
    resolveId: (id) => (id in entries ? `\0react:${id}` : null),
    load(id) {
      if (!id.startsWith('\0react:')) return null;
      const name = entries[id.slice('\0react:'.length)];
      const keys = Object.keys(require(id.slice('\0react:'.length))).filter((k) => k !== 'default');
      return `import { ${name} } from ${JSON.stringify(vendor)};\nexport default ${name}.default ?? ${name};\nexport const { ${keys.join(', ')} } = ${name};\n`;
    },
  };
}
