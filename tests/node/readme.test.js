import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import ts from 'typescript';

const run = promisify(execFile);
const root = new URL('../../', import.meta.url);

test('the README example runs and prints what it says', async () => {
  const readme = await readFile(new URL('README.md', root), 'utf8');
  const match = readme.match(/<!-- readme-example[^>]*-->\s*```(js|ts)\n([\s\S]*?)```/);
  assert.ok(match, 'README has the marked example');
  // The block is the typed example tests/types compiles, verbatim: the README cannot drift from it.
  const typed = await readFile(new URL('tests/types/example.tsx', root), 'utf8');
  assert.ok(typed.includes(match[2].trim()), "README's example block appears verbatim in tests/types/example.tsx");
  const react = readme.match(/<!-- readme-react[^>]*-->\s*```tsx\n([\s\S]*?)```/);
  assert.ok(react && typed.includes(react[1].trim()), "README's React block appears verbatim in tests/types/example.tsx");
  const entry = new URL('js/node.js', root).href;
  // A TypeScript example (its typed form, also compiled by tests/types) runs with its types stripped.
  const source = match[1] === 'ts' ? ts.transpileModule(match[2], { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText : match[2];
  const code = source.replace("from 'syncore'", `from '${entry}'`);
  const dir = await mkdtemp(join(tmpdir(), 'syncore-readme-'));
  try {
    const file = join(dir, 'example.mjs');
    await writeFile(file, code);
    const { stdout } = await run(process.execPath, [file]);
    const lines = stdout.trim().split('\n');
    assert.deepEqual(lines, [
      'top 3: Ada 91, Cy 78',
      'top 3: Ada 91, Bo 88, Cy 78',
      'true',
      "[ 's1', 's2', 's3' ]",
    ]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
