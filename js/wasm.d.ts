// Types for 'syncore/syncore.wasm': the release wasm file. Bundlers turn the import into the URL
// of the file they emit (esbuild: --loader:.wasm=file); pass it to createSyncClient / createSyncCore
// as { wasmUrl }.
declare const wasmUrl: string;
export default wasmUrl;
