// Native instruction counts of the core's hot paths: builds syncore_bench (RelWithDebInfo, the
// -DSYNCORE_BENCH=ON target), runs it under callgrind with collection only inside the op_*
// functions, and prints instructions per operation as a markdown table.
//   node bench/native/callgrind.mjs [--json file] [--build-dir dir]
// --build-dir: another folder configured RelWithDebInfo with -DSYNCORE_BENCH=ON (e.g. a worktree's
// build/native: the same flags as build/bench, and no third build of the core).
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const OUT = `${ROOT}test-output/callgrind.out`;
const OPS = [
  ['op_local_mutate', 'local optimistic update (pending log grows 0 → 1,000)', 1000],
  ['op_local_mutate_no_view', 'the same, no view asked for (W2: core.mutate(request))', 1000],
  ['op_remote_apply_0', 'remote upsert, 0 pending (batches of 100)', 2000],
  ['op_remote_apply_100', 'remote upsert, 100 pending', 2000],
  ['op_remote_apply_1000', 'remote upsert, 1,000 pending', 2000],
  ['op_rebase', 'remote upsert of an entity with a pending edit (rebase, 1,000 pending)', 1000],
  ['op_fresh_batch', 'one batch of 10,000 upserts of new entities (W6), per entity', 10000],
  ['op_ack', 'ack of one in-flight mutation (1,000 in flight)', 1000],
  ['op_live_query_update', 'one-entity remote commit under a live query', 2000],
  ['op_live_query_open', 'live query first answer over 10,000 entities (10 opens), per entity', 100000],
  ['op_live_query_open_indexed', 'the same, its fields already indexed (another query on them open), per entity', 100000],
  ['op_restore', 'restore of one persisted ~1 KB entity (10,000 records, one call)', 10000],
  ['op_restore_stored', 'W5: the same as the stored-form restore hands it (restoreAdd per line, canonical entity records)', 10000],
  ['op_w1_with_view', 'W1 update of a watched ~10 KB entity, its view in the commit', 1000],
  ['op_w1_view_left_out', 'W1 update of a watched ~10 KB entity, view left out (JS makes it)', 1000],
  ['op_w1_fresh_entity', 'one-field patch of a ~10 KB entity with no pending write (1,000 distinct), no view', 1000],
  ['op_durable_create', 'W4: create of a ~1 KB entity, persisted, records as trees dumped (as sealing did)', 1000],
  ['op_durable_create_text', 'W4: the same, records written as text by the core (SyncCore::setPersistText)', 1000],
];
const run = (cmd, args) => execFileSync(cmd, args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 26 });

export function callgrind(buildDir = 'build/bench') {
  // Its own build folder, always -O2 -g: counts from another build type would not compare.
  run('bash', ['-c', `cmake -S . -B ${buildDir} -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSYNCORE_BENCH=ON >/dev/null
    cmake --build ${buildDir} --target syncore_bench -j ${process.env.JOBS ?? 2} >/dev/null`]);
  mkdirSync(`${ROOT}test-output`, { recursive: true });
  run('valgrind', ['--tool=callgrind', `--callgrind-out-file=${OUT}`, '--collect-atstart=no',
    ...OPS.map(([fn]) => `--toggle-collect=*${fn}(*`), `${buildDir}/syncore_bench`, '1']);
  const annotated = run('callgrind_annotate', ['--inclusive=yes', '--threshold=100', OUT]);
  const rows = [];
  for (const [fn, label, ops] of OPS) {
    const line = annotated.split('\n').find((l) => l.includes(`${fn}(`));
    if (!line) throw new Error(`callgrind: no figure for ${fn}`);
    const ir = Number(line.trim().split(/\s+/)[0].replace(/,/g, ''));
    rows.push({ op: fn.slice(3), label, ops, instructions: ir, perOp: ir / ops });
  }
  return rows;
}

export function formatCallgrind(rows) {
  const lines = ['| hot path | operations | instructions per operation |', '|---|---|---|'];
  for (const r of rows) lines.push(`| ${r.label} (\`${r.op}\`) | ${r.ops} | ${Math.round(r.perOp).toLocaleString('en-US')} |`);
  return lines.join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const at = process.argv.indexOf('--build-dir');
  const rows = callgrind(at > 0 ? process.argv[at + 1] : undefined);
  const i = process.argv.indexOf('--json');
  if (i > 0) writeFileSync(process.argv[i + 1], JSON.stringify(rows, null, 1));
  console.log(formatCallgrind(rows));
}
