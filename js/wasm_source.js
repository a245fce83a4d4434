// Where the browser entry's release wasm comes from when the app passes no wasmUrl / locateFile /
// wasmBinary (docs/bundlers.md). The glue (dist/syncore.mjs) finds the file itself with the literal
// `new URL('syncore.wasm', import.meta.url)`: unbundled that is the file next to it, and Vite and
// webpack rewrite that expression to the file they emit. esbuild and Rollup neither rewrite it nor
// emit the file, so in their bundles the wasm comes from a gzip+base64 copy in a lazily imported
// module instead (those two inline or split it; the others emit it as a chunk they never fetch).

// Rewritten by Vite and webpack to the URL of the emitted file; a bundler that does not rewrite it
// leaves this equal to the same URL computed from variables, which no bundler looks into (webpack
// would take `new URL(variable, import.meta.url)` for a context module: "Critical dependency").
const literal = new URL('../dist/syncore.wasm', import.meta.url).href;
const here = import.meta.url;
const path = '../dist/syncore.wasm';
const computed = new URL(path, here).href;

/**
 * Emscripten module options for the release wasm.
 * @param {string} entryUrl the entry module's import.meta.url: equal to this module's only when both
 *   were concatenated into one bundle (unbundled, each module has its own URL; webpack gives each
 *   module its source path).
 */
export async function releaseWasmOptions(entryUrl) {
  const bundled = entryUrl === import.meta.url;
  if (!bundled || literal !== computed) return {};
  return { wasmBinary: await embeddedWasm() };
}

async function embeddedWasm() {
  const { default: base64 } = await import('../dist/syncore-embedded.mjs');
  const gzipped = typeof Uint8Array.fromBase64 === 'function' ? Uint8Array.fromBase64(base64) : decodeBase64(base64);
  const stream = new Blob([gzipped]).stream().pipeThrough(new DecompressionStream('gzip'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

function decodeBase64(base64) {
  const text = atob(base64);
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return bytes;
}
