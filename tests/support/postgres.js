// A throwaway PostgreSQL cluster for tests.
//
// API:
//   import { startPostgres } from '../support/postgres.js';
//   const pg = await startPostgres();          // initdb + pg_ctl start in a fresh temp dir, free port
//   pg.url                                     // 'postgres://postgres@127.0.0.1:<port>/postgres'
//   pg.port, pg.dir
//   const url = await pg.createDatabase();     // a fresh empty database (unique name) → its URL;
//                                              // use one per test so tests do not see each other's rows
//   await pg.stop();                           // pg_ctl stop -m immediate, then rm -rf the temp dir
//
// Options: startPostgres({ fsync = true, bin = '/usr/lib/postgresql/15/bin' }).
// PostgreSQL refuses to run as root, so when this process is root the cluster belongs to the
// `postgres` OS user and every pg binary is run through `runuser -u postgres`. Authentication is
// `trust` on 127.0.0.1 only. Throws (never skips) when the binaries are missing.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, chown, access } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const DEFAULT_BIN = process.env.SYNCORE_PG_BIN || '/usr/lib/postgresql/15/bin';
let databaseCounter = 0;

function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.unref();
    probe.on('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

async function osUserId(name) {
  const { stdout: uid } = await run('id', ['-u', name]);
  const { stdout: gid } = await run('id', ['-g', name]);
  return { uid: Number(uid), gid: Number(gid) };
}

export async function startPostgres({ fsync = true, bin = DEFAULT_BIN } = {}) {
  await access(join(bin, 'initdb')).catch(() => {
    throw new Error(`PostgreSQL binaries not found in ${bin} (install Debian's postgresql or set SYNCORE_PG_BIN)`);
  });
  const asRoot = process.getuid?.() === 0;
  const dir = await mkdtemp(join(tmpdir(), 'syncore-pg-'));
  if (asRoot) {
    const { uid, gid } = await osUserId('postgres');
    await chown(dir, uid, gid);
  }
  const pgRun = (tool, args) => asRoot
    ? run('runuser', ['-u', 'postgres', '--', join(bin, tool), ...args], { cwd: dir })
    : run(join(bin, tool), args, { cwd: dir });

  const data = join(dir, 'data');
  await pgRun('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-locale', '--no-sync']);
  let port;
  let lastError;
  for (let attempt = 0; attempt < 5; attempt++) {
    port = await freePort();
    const options = [
      `-p ${port}`, `-k ${dir}`, "-c listen_addresses=127.0.0.1",
      `-c fsync=${fsync ? 'on' : 'off'}`, '-c max_connections=300', '-c shared_buffers=32MB',
    ].join(' ');
    try {
      await pgRun('pg_ctl', ['-D', data, '-l', join(dir, 'log'), '-o', options, '-w', '-t', '60', 'start']);
      lastError = null;
      break;
    } catch (error) { lastError = error; } // port taken between probe and start: try another
  }
  if (lastError) { await rm(dir, { recursive: true, force: true }); throw lastError; }

  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  let stopped = false;
  return {
    url, port, dir,
    async createDatabase(name = `t${process.pid}_${++databaseCounter}`) {
      await pgRun('psql', ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', '-d', 'postgres',
        '-v', 'ON_ERROR_STOP=1', '-c', `CREATE DATABASE "${name}"`]);
      return `postgres://postgres@127.0.0.1:${port}/${name}`;
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await pgRun('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']).catch(() => {});
      await rm(dir, { recursive: true, force: true });
    },
  };
}
