// No module reaches into another object's underscore members: every module of js/ talks to the
// others through public seams (docs/architecture.md). `this._x` is a module's own state; `x._y`
// on anything else (another module's object, another instance) is a reach and fails this test.
import test from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

function sourcesUnder(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...sourcesUnder(path));
    else if (/\.(m?js|cjs)$/.test(name)) out.push(path);
  }
  return out;
}

// `<expr>._member` where <expr> ends in a name, `)` or `]`: the name just before the dot (or the
// bracket) must be `this`. Chains count link by link: in `this._core._now` the second link is a reach.
const REACH = /(?<=([\w$]+|[)\]])\??)\.(_[A-Za-z]\w*)/g;

function reachesIn(text) {
  const found = [];
  text.split('\n').forEach((line, i) => {
    const code = line.replace(/\/\/.*$/, '').replace(/^\s*\*.*$/, '').replace(/^\s*\/\*.*$/, '');
    for (const m of code.matchAll(REACH)) if (m[1] !== 'this') found.push({ line: i + 1, text: line.trim(), member: m[2] });
  });
  return found;
}

test('the pattern: another object\'s underscore member is a reach; this._x and comments are not', () => {
  assert.deepEqual(reachesIn('core._onCommit = fn;').map((r) => r.member), ['_onCommit']);
  assert.deepEqual(reachesIn('app?._setStatus({ tab });').map((r) => r.member), ['_setStatus']);
  assert.deepEqual(reachesIn('this._core._now()').map((r) => r.member), ['_now']);
  assert.deepEqual(reachesIn('f()._x; a[0]._y').map((r) => r.member), ['_x', '_y']);
  assert.deepEqual(reachesIn('this._core.now(); // client._refreshCounts\n * app._rewire'), []);
});

test('no module of js/ reaches into another object\'s underscore members', () => {
  const reaches = [];
  for (const file of sourcesUnder(join(root, 'js'))) {
    for (const r of reachesIn(readFileSync(file, 'utf8'))) reaches.push(`${relative(root, file)}:${r.line} ${r.member}: ${r.text}`);
  }
  assert.deepEqual(reaches, [], `underscore members reached from outside their object:\n${reaches.join('\n')}`);
});
