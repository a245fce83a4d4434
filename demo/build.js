// Bundles the gradebook page: demo/src/main.jsx (React, JSX, the syncore client and hooks) ->
// demo/dist/app.js (+ app.js.map, + a chunk never fetched: the embedded wasm), served at /assets/app.js by demo/serve.js. Generated: not in git.
//
//   node demo/build.js                    (demo/server/main.js calls buildDemo() at startup)
//   import { buildDemo } from './build.js';  await buildDemo({ minify: false });

import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { runningDirectly } from './cli.js';

export const SOURCE_DIR = fileURLToPath(new URL('./src/', import.meta.url));
export const OUT_DIR = fileURLToPath(new URL('./dist/', import.meta.url));

/**
 * Builds the bundle. Resolves to { outfile, bytes, ms, warnings }; rejects with esbuild's error
 * (its message lists every problem with file and line) when the sources do not compile.
 */
export async function buildDemo({ minify = true, outDir = OUT_DIR, logLevel = 'warning' } = {}) {
  const started = performance.now();
  const outfile = `${outDir.replace(/\/$/, '')}/app.js`;
  const result = await esbuild.build({
    entryPoints: { app: `${SOURCE_DIR}main.jsx` },
    outdir: outDir,
    // Split: the page passes wasmUrl, so the wasm copy embedded for bundlers that cannot emit it
    // (js/wasm_source.js, docs/bundlers.md) stays in a chunk that is never fetched.
    splitting: true,
    chunkNames: 'chunk-[hash]',
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: ['es2022'],
    jsx: 'automatic',
    minify,
    sourcemap: true,
    metafile: true,
    legalComments: 'none',
    define: { 'process.env.NODE_ENV': JSON.stringify(minify ? 'production' : 'development') },
    // js/browser.js imports the debug glue only on request, by a URL computed at run time; that
    // import stays a plain dynamic import (the release glue is bundled).
    logOverride: { 'unsupported-dynamic-import': 'silent' },
    logLevel,
  });
  const bytes = result.metafile.outputs[Object.keys(result.metafile.outputs).find((f) => f.endsWith('app.js'))].bytes;
  return { outfile, bytes, ms: Math.round(performance.now() - started), warnings: result.warnings };
}

if (runningDirectly(import.meta.url)) {
  const { outfile, bytes, ms } = await buildDemo({ minify: !process.argv.includes('--dev') });
  console.log(`built ${outfile} (${(bytes / 1024).toFixed(0)} KiB) in ${ms} ms`);
}
