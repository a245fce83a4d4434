// CPU time of a PostgreSQL cluster (the postmaster and every backend it forked), read from
// /proc, so the load figures can say what the database cost beside the server processes.
// Linux only; null elsewhere. Backends that exited are in the postmaster's cutime/cstime.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const TICKS_PER_SECOND = 100; // USER_HZ: 100 on every Linux build that matters here

function stat(pid) {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start after the last ')'.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { ppid: Number(fields[1]), utime: Number(fields[11]), stime: Number(fields[12]), cutime: Number(fields[13]), cstime: Number(fields[14]) };
  } catch {
    return null;
  }
}

/** CPU milliseconds used so far by the cluster whose data folder is `dataDir`, or null. */
export function clusterCpuMs(dataDir) {
  let postmaster;
  try {
    postmaster = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  } catch {
    return null;
  }
  const root = stat(postmaster);
  if (!root) return null;
  let ticks = root.utime + root.stime + root.cutime + root.cstime;
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const s = stat(name);
    if (s && s.ppid === postmaster) ticks += s.utime + s.stime;
  }
  return (ticks * 1000) / TICKS_PER_SECOND;
}
