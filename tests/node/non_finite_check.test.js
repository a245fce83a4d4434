// toJson (js/args.js) refuses NaN and ±Infinity wherever they are (JSON.stringify would write them
// as null without a word), and passes every value without them, however often "null" appears in
// its strings: random values checked against a walk of the value itself.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { toJson } from '../../js/args.js';
import { prng } from './prng.js';

const next = prng(11);
const random = (n) => next() % n;
const STRINGS = ['null', 'nulla', ':null,', '[null]', 'x,null}', 'a"null"b', '', 'nul', 'ull'];
const BAD = [NaN, Infinity, -Infinity];

function value(depth) {
  const k = random(depth > 3 ? 5 : 8);
  if (k === 0) return null;
  if (k === 1) return STRINGS[random(STRINGS.length)];
  if (k === 2) return random(100) - 50;
  if (k === 3) return random(20) === 0 ? BAD[random(3)] : random(2) === 0;
  if (k === 4) return random(30) === 0 ? BAD[random(3)] : 1.5;
  if (k === 5) return Array.from({ length: random(4) }, () => value(depth + 1));
  const o = {};
  for (let i = random(4); i > 0; i--) o[STRINGS[random(STRINGS.length)] + i] = value(depth + 1);
  return o;
}

// toJson takes a string as JSON text already (passed as it is).
const asText = (v) => (typeof v === 'string' ? v : JSON.stringify(v));
const nonFinite = (v) => (typeof v === 'number' ? !Number.isFinite(v) : v !== null && typeof v === 'object' && Object.values(v).some(nonFinite));

test('toJson refuses a value exactly when it holds a non-finite number', () => {
  let refused = 0;
  for (let i = 0; i < 5000; i++) {
    const v = value(0);
    const bad = nonFinite(v);
    let threw = null;
    try {
      assert.equal(toJson(v, 'value'), asText(v));
    } catch (err) {
      threw = err;
    }
    assert.equal(threw !== null, bad, `${JSON.stringify(v)}: ${threw?.message ?? 'passed'}`);
    if (bad) {
      assert.equal(threw.code, 'WRONG_TYPE');
      refused++;
    }
  }
  assert.ok(refused > 100, `only ${refused} values held a non-finite number`);
});

test('each place null can take in the text', () => {
  for (const v of [NaN, [NaN], [NaN, 1], [1, NaN, 2], [1, Infinity], { a: NaN }, { a: NaN, b: 1 }, { b: 1, a: -Infinity }, [[NaN]], [{ a: [NaN] }]])
    assert.throws(() => toJson(v, 'value'), { code: 'WRONG_TYPE' }, JSON.stringify(v));
  for (const v of [null, [null], [null, 1], { a: null }, 'null', ['null'], { null: 'null' }, { a: 'x:null,' }])
    assert.equal(toJson(v, 'value'), asText(v));
});
