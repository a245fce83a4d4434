// W8: what a browser app downloads. Each system's entry (the API the bench uses) is bundled by
// esbuild (ESM, minified, browser platform, process.env.NODE_ENV = "production" as an app's
// production build defines it); syncore adds its .wasm. Sizes raw, gzip -9, brotli 11, of the
// entry's static graph: code split off behind import() (loaded when a feature is turned on) is
// not in the first download and is not counted (bundleOf's `lazy` lists it).
import { build } from 'esbuild';
import { readFile } from 'node:fs/promises';
import { gzipSync, brotliCompressSync, constants } from 'node:zlib';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const ENTRIES = {
  syncore: "export { createSyncClient, createSyncCore } from './js/browser.js';",
  tinybase: "export { createStore } from 'tinybase';",
  rxdb: "export { createRxDatabase } from 'rxdb'; export { getRxStorageMemory } from 'rxdb/plugins/storage-memory';",
  tanstack: "export { QueryClient, QueryObserver } from '@tanstack/query-core';",
  // What bench/systems/tanstack_db.mjs uses: collections, transactions, the query operators and
  // the calls @tanstack/react-db's useLiveQuery makes (React itself not counted, as for the others).
  tanstackdb: "export { createCollection, createTransaction, localOnlyCollectionOptions, eq, gt, BTreeIndex, prepareLiveQueryValue, resolveLiveQueryValue, createLiveQueryObserver, getPreparedLiveQueryIdentity, getStableValueHash, resumeDeferredLiveQueryCollections } from '@tanstack/db';",
  replicache: "export { Replicache } from 'replicache';",
};

export const sizes = (bytes) => ({
  raw: bytes.length,
  gzip: gzipSync(bytes, { level: 9 }).length,
  brotli: brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length,
});

/** esbuild's output for the system's entry: { outputFiles, metafile, js } (js: the downloaded JS). */
export async function bundleOf(system) {
  const out = await build({
    stdin: { contents: ENTRIES[system], resolveDir: ROOT, loader: 'js' },
    bundle: true, minify: true, format: 'esm', platform: 'browser', write: false, logLevel: 'silent',
    external: ['node:*'], splitting: true, outdir: 'w8', metafile: true,
    define: { 'process.env.NODE_ENV': '"production"' },
  });
  // The entry's static graph: the entry chunk and every chunk it reaches by static imports.
  // Chunks only reached through import() (syncore: attachments, multi-tab, the embedded wasm copy
  // of js/wasm_source.js) load when an app turns their feature on, so a first download has none
  // of them; `lazy` lists them with their sizes. (An app that cannot serve the .wasm file fetches
  // the embedded copy instead of the file.)
  const outputs = out.metafile.outputs;
  const entry = Object.keys(outputs).find((f) => outputs[f].entryPoint === '<stdin>');
  const staticGraph = new Set();
  for (const stack = [entry]; stack.length;) {
    const file = stack.pop();
    if (staticGraph.has(file)) continue;
    staticGraph.add(file);
    for (const i of outputs[file].imports ?? []) if (i.kind === 'import-statement' && outputs[i.path]) stack.push(i.path);
  }
  const embedded = new Set(Object.keys(outputs)
    .filter((file) => Object.keys(outputs[file].inputs).some((i) => i.endsWith('syncore-embedded.mjs'))));
  const inGraph = (f) => [...staticGraph].some((s) => f.path.endsWith(s));
  const code = out.outputFiles.filter((f) => !f.path.endsWith('.map'));
  const js = Buffer.concat(code.filter(inGraph).map((f) => Buffer.from(f.contents)));
  const lazy = Object.fromEntries(Object.keys(outputs).filter((f) => !staticGraph.has(f) && !f.endsWith('.map') && !embedded.has(f))
    .map((f) => [f, { bytes: outputs[f].bytes, inputs: Object.keys(outputs[f].inputs).length }]));
  return { ...out, js, embedded, staticGraph, lazy };
}

/** { raw, gzip, brotli } bytes of the system's download (for syncore also js and wasm apart). */
export async function bundleSize(system) {
  const { js } = await bundleOf(system);
  if (system !== 'syncore') return sizes(js);
  const wasm = await readFile(new URL('../dist/syncore.wasm', import.meta.url));
  const a = sizes(js);
  const b = sizes(wasm);
  return { raw: a.raw + b.raw, gzip: a.gzip + b.gzip, brotli: a.brotli + b.brotli, js: a, wasm: b };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const s of Object.keys(ENTRIES)) console.log(s, JSON.stringify(await bundleSize(s)));
}
