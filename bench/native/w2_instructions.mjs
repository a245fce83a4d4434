// W2's whole local-write path (JS + wasm) in instructions, which a loaded machine does not move:
// node runs under callgrind; after the 100,000-entity load and a warm-up of 2,000 writes the
// counters are zeroed (callgrind_control -z), then `writes` more are counted.
//   node bench/native/w2_instructions.mjs [tree] [writes]   (tree: a checkout with dist/ built)
// Prints instructions per write. About 4 minutes on this kind of machine.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';

const N = 100_000;
const WARM = 2_000;

async function child(tree, writes, marker) {
  const { createSyncCore } = await import(`${tree}/js/node.js`);
  const { smallEntity, w2Write } = await import(`${tree}/bench/lib/data.mjs`);
  const core = await createSyncCore({ collections: { s: {} }, now: () => 1_700_000_000_000 });
  core.configureClient({ clientId: 'bench', seed: 1, persist: false });
  core.setOnline(false);
  core.load('s', Array.from({ length: N }, (_, i) => ({ id: `s${i}`, version: 1, data: smallEntity(i) })));
  const write = (i) => {
    const { id, score } = w2Write(i, N);
    core.mutate({ collection: 's', op: 'update', id, patch: { score } });
  };
  for (let i = 0; i < WARM; i++) write(i);  // the JIT's tiers settle first
  writeFileSync(marker, String(process.pid));
  await new Promise((resolve) => setTimeout(resolve, 4000));  // the parent zeroes the counters
  for (let i = WARM; i < WARM + writes; i++) write(i);
}

async function parent(tree, writes) {
  const marker = `${tmpdir()}/w2_instructions.${process.pid}.marker`;
  const out = `${tmpdir()}/w2_instructions.${process.pid}.callgrind`;
  rmSync(marker, { force: true });
  const vg = spawn('valgrind', ['--tool=callgrind', `--callgrind-out-file=${out}`, process.execPath,
    fileURLToPath(import.meta.url), '--child', tree, String(writes), marker], { stdio: 'ignore' });
  const done = new Promise((resolve) => vg.on('exit', resolve));
  while (!existsSync(marker)) {
    if (vg.exitCode !== null) throw new Error('w2_instructions: the run ended before its writes');
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  await new Promise((resolve) => setTimeout(resolve, 1000));
  execFileSync('callgrind_control', ['-z', String(vg.pid)], { stdio: 'ignore' });
  await done;
  const summary = readFileSync(out, 'utf8').match(/^summary: (\d+)/m);
  rmSync(marker, { force: true });
  if (!summary) throw new Error('w2_instructions: no summary in the callgrind output');
  console.log(`${tree}: ${Math.round(Number(summary[1]) / writes).toLocaleString('en-US')} instructions per write (${writes} writes)`);
}

const args = process.argv.slice(2);
if (args[0] === '--child') await child(args[1], Number(args[2]), args[3]);
else await parent(args[0] ?? fileURLToPath(new URL('../../', import.meta.url)).replace(/\/$/, ''), Number(args[1] ?? 10_000));
