// The hand-written declarations (js/index.d.ts, js/collection_types.d.ts, js/react/index.d.ts)
// checked by the TypeScript compiler through typed apps: `npx tsc -p <project> --noEmit` must pass
// for each. A line under `// @ts-expect-error` that is not an error fails it, so the misuses in
// them are checked too. One project per registered client type (the registration is global).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');

function compile(project) {
  return new Promise((resolve) => {
    execFile(process.execPath, [tsc, '-p', project, '--noEmit', '--pretty', 'false'], { cwd: root, timeout: 180_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? err.code ?? 1 : 0, output: `${stdout}${stderr}` });
    });
  });
}

const projects = {
  'tests/types': "the README's typed examples compile, and the misuses in errors.tsx do not",
  'tests/types/interface': 'an app typed by interfaces (collection<Todo>()) compiles, its misuses do not',
  'tests/types/schema': 'an app typed by zod, valibot and arktype schemas compiles, its misuses do not',
  'tests/types/untyped': 'an app with type arguments only (no typed collections) compiles, its misuses do not',
};

// Started together (each tsc is mostly single-threaded); each test waits for its own.
const runs = new Map(Object.keys(projects).map((project) => [project, compile(project)]));

for (const [project, what] of Object.entries(projects)) {
  test(`tsc -p ${project} --noEmit: ${what}`, async () => {
    const { code, output } = await runs.get(project);
    assert.equal(code, 0, `tsc reported:\n${output}`);
  });
}
