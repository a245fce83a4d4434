// syncore/server: the sync server (docs/server.md, docs/protocol.md).
//   import { startSyncServer, openStore, tokenTable } from 'syncore/server';
export { startSyncServer, tokenTable, allowEveryone, PROTOCOL_VERSIONS, SYNC_PATH, WRITE_PATH, SERVER_CLIENT_ID } from './sync_server.js';
export { openStore, SyncStore, wireChange, mergePatch } from './store.js';
export { importJsonLog } from './import_json_log.js';
