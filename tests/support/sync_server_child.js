// A sync server in its own process, for crash and multi-instance tests:
//   node tests/support/sync_server_child.js <pglite folder | postgres://…>
// prints one JSON line { url, port, epoch } once listening, and serves until killed.
//   import { spawnSyncServer } from '../support/sync_server_child.js';
//   const child = await spawnSyncServer(db);   // { url, port, epoch, process, kill(signal) -> exit }
import { spawn } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';

const SELF = fileURLToPath(import.meta.url);

export function spawnSyncServer(db, { env = {} } = {}) {
  const child = spawn(process.execPath, [SELF, db], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line) resolve({ ...JSON.parse(line), process: child, exited, kill: (signal = 'SIGKILL') => (child.kill(signal), exited) });
    });
    child.once('exit', (code) => reject(new Error(`sync server child exited with ${code}: ${out}`)));
  });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { startSyncServer } = await import('../../server/sync_server.js');
  const sync = await startSyncServer({ db: process.argv[2], feedPollMs: 200, maxMessagesPerSecond: 10_000 });
  process.stdout.write(`${JSON.stringify({ url: sync.url, port: sync.port, epoch: sync.store.epoch })}\n`);
  const stop = () => sync.close().then(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
