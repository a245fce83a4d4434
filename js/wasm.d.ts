// Types for 'syncore/syncore.wasm': the release wasm file. No bundler needs it (docs/bundlers.md);
// to take the wasm from elsewhere, turn it into a URL (Vite: 'syncore/syncore.wasm?url'; esbuild:
// --loader:.wasm=file) and pass that to createSyncClient / createSyncCore as { wasmUrl }.
declare const wasmUrl: string;
export default wasmUrl;
