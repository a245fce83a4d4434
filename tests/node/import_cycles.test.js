// The JS modules import each other without cycles: a cycle works in Node and esbuild but makes
// Rollup warn (CIRCULAR_DEPENDENCY) in every app that bundles syncore, and reads badly.
// (Found when js/react/context.js and changes.js imported each other.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

function modules(dir, out = []) {
  for (const name of readdirSync(join(ROOT, dir))) {
    const path = join(dir, name);
    if (statSync(join(ROOT, path)).isDirectory()) modules(path, out);
    else if (path.endsWith('.js')) out.push(normalize(path));
  }
  return out;
}

/** Every cycle of relative imports / re-exports among the files, as 'a -> b -> a'. */
function importCycles(files, read = (file) => readFileSync(join(ROOT, file), 'utf8')) {
  const graph = new Map();
  for (const file of files) {
    const text = read(file);
    const deps = [...text.matchAll(/^(?:import|export)[^;]*?from\s+['"](\.[^'"]+)['"]/gm)].map((m) => normalize(join(dirname(file), m[1])));
    graph.set(file, deps);
  }
  const state = new Map();
  const cycles = [];
  const visit = (node, stack) => {
    state.set(node, 'open');
    stack.push(node);
    for (const dep of graph.get(node) ?? []) {
      if (state.get(dep) === 'open') cycles.push([...stack.slice(stack.indexOf(dep)), dep].join(' -> '));
      else if (!state.has(dep)) visit(dep, stack);
    }
    stack.pop();
    state.set(node, 'done');
  };
  for (const file of files) if (!state.has(file)) visit(file, []);
  return cycles;
}

test('js/ has no import cycles', () => {
  assert.deepEqual(importCycles(modules('js')), []);
});

test('the check finds a cycle: two modules importing each other, across lines and re-exports', () => {
  const sources = {
    'js/react/context.js': "import { a } from 'react';\nimport {\n  remoteLogOf,\n} from './changes.js';\n",
    'js/react/changes.js': "export { useSource } from './context.js';\n",
    'js/react/index.js': "export * from './changes.js';\n",
  };
  assert.deepEqual(importCycles(Object.keys(sources), (file) => sources[file]), ['js/react/context.js -> js/react/changes.js -> js/react/context.js']);
});
