// The hand-written declarations (js/index.d.ts, js/react/index.d.ts) checked by the TypeScript
// compiler through a typed example app: `npx tsc -p tests/types --noEmit` must pass.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');

test('tsc -p tests/types --noEmit: the typed example compiles, and the misuses in errors.tsx do not', async () => {
  const { code, output } = await new Promise((resolve) => {
    execFile(process.execPath, [tsc, '-p', 'tests/types', '--noEmit', '--pretty', 'false'], { cwd: root, timeout: 120_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? err.code ?? 1 : 0, output: `${stdout}${stderr}` });
    });
  });
  assert.equal(code, 0, `tsc reported:\n${output}`);
});
