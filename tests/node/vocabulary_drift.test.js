// js/generated/vocabulary.js and .d.ts mirror the C++ vocabulary (src/vocabulary.hpp) and the
// commit's counters (src/sync/commit.hpp): regenerated here and compared with the committed files,
// so a C++ change without `node scripts/gen_vocabulary.mjs` fails.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { generate, readTables } from '../../scripts/gen_vocabulary.mjs';
import * as vocabulary from '../../js/generated/vocabulary.js';
import { ErrorCodes } from '../../js/errors.js';
import { STORES } from '../../js/storage/memory.js';

test('the committed js/generated files are what the C++ tables generate', () => {
  for (const [path, text] of Object.entries(generate())) {
    const committed = readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');
    assert.equal(committed, text, `${path} differs from the C++ tables: run node scripts/gen_vocabulary.mjs`);
  }
});

test('a change to a C++ table shows as drift', () => {
  const header = readFileSync(new URL('../../src/vocabulary.hpp', import.meta.url), 'utf8');
  const changed = header.replace('X(Wake, "wake")', 'X(Wake, "wake") X(Sleep, "sleep")');
  assert.notEqual(changed, header);
  const effects = readTables(changed).find((t) => t.type === 'EffectKind');
  assert.deepEqual(effects.entries.map((e) => e.name), [...vocabulary.EffectKindNames, 'sleep']);
});

test('the storage adapters know exactly the stores the core writes', () => {
  assert.deepEqual([...STORES].sort(), [...vocabulary.StoreNames].sort());
});

test('every error code the core can answer is a SyncError code', () => {
  for (const code of vocabulary.ErrorCodeNames.filter((c) => c !== 'OK')) assert.equal(ErrorCodes[code], code);
});
