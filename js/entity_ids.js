// Who names a new entity. By default (`ids: 'client'`) the client does, with a UUIDv7 (RFC 9562
// §5.7) made at create: the entity keeps that id (no rename after the server's ack, a React key
// that never changes). With `ids: 'server'` a create crosses without an id, the core gives it a
// temp id (`tmp-<client>-<n>`) and the server's ack renames it. The ids are made here, outside the
// deterministic core, from the core's clock and crypto.getRandomValues.
//
// Layout (128 bits): 48-bit Unix time in ms | version 7 | rand_a (12) | variant 0b10 | rand_b (62).
// rand_a and the top 30 bits of rand_b hold a 42-bit counter (RFC 9562 §6.2, method 1): it starts
// at a random value below 2^41 each new millisecond and counts up within one, so the ids of one
// generator are strictly increasing (as text too: fixed-width lowercase hex) even when many are
// made in a millisecond or the clock stands still. The last 32 bits are fresh random per id.

import { SyncError, ErrorCodes } from './errors.js';

const TWO_32 = 2 ** 32;
const TWO_30 = 2 ** 30;
const COUNTER_LIMIT = 2 ** 42;
const MAX_MS = 2 ** 48 - 1;

// Random words drawn 256 at a time: one getRandomValues call serves about a hundred ids.
function randomPool() {
  const words = new Uint32Array(256);
  let next = words.length;
  return function randomWord() {
    if (next === words.length) {
      if (typeof globalThis.crypto?.getRandomValues === 'function') globalThis.crypto.getRandomValues(words);
      else for (let i = 0; i < words.length; i++) words[i] = Math.floor(Math.random() * TWO_32);
      next = 0;
    }
    return words[next++];
  };
}

const hex = (value, width) => value.toString(16).padStart(width, '0');

/**
 * A UUIDv7 source: each call answers a new id, greater than the last one it answered.
 * @returns {(nowMs?: number) => string} given the Unix time in ms (the core's clock; Date.now by
 *   default), e.g. '0192f3c4-5e6f-7a1b-8c2d-3e4f5a6b7c8d'
 */
export function uuidV7Generator() {
  let lastMs = -1;
  let counter = 0;
  const randomWord = randomPool();
  // 41 random bits: room to count 2^41 ids in one ms.
  const freshCounter = () => (randomWord() & 0x1ff) * TWO_32 + randomWord();
  return function uuidV7(nowMs = Date.now()) {
    let ms = Math.floor(Number(nowMs));
    if (!Number.isFinite(ms)) ms = Date.now();
    ms = Math.min(Math.max(ms, 0), MAX_MS);
    if (ms > lastMs) {
      lastMs = ms;
      counter = freshCounter();
    } else if (++counter >= COUNTER_LIMIT) {
      // The counter ran out within one ms (or the clock stepped back): borrow the next ms.
      lastMs = Math.min(lastMs + 1, MAX_MS);
      counter = freshCounter();
    }
    const randA = Math.floor(counter / TWO_30); // the counter's top 12 bits
    const low30 = counter - randA * TWO_30; // its low 30 bits: the top of rand_b
    const tail = randomWord();
    const time = hex(lastMs, 12);
    return `${time.slice(0, 8)}-${time.slice(8)}-7${hex(randA, 3)}-${hex(0x8000 | (low30 >>> 16), 4)}-${hex(low30 & 0xffff, 4)}${hex(tail, 8)}`;
  };
}

/** Per collection, who names new entities; fills in the client's ids before a create crosses. */
export class EntityIds {
  constructor() {
    this._serverNamed = new Set();
    this._next = uuidV7Generator(); // one per core: its ids are strictly increasing
  }

  /** The `ids` option of a collection's definition: 'client' (default) or 'server'. */
  static check(options) {
    const ids = options !== null && typeof options === 'object' ? options.ids : undefined;
    if (ids !== undefined && ids !== 'client' && ids !== 'server')
      throw new SyncError(ErrorCodes.WRONG_TYPE, "ids must be 'client' (the default) or 'server'");
    return ids ?? 'client';
  }

  define(collection, ids) {
    if (ids === 'server') this._serverNamed.add(collection);
    else this._serverNamed.delete(collection);
  }

  of(collection) {
    return this._serverNamed.has(collection) ? 'server' : 'client';
  }

  /**
   * The request as it crosses: a create without an id in a client-named collection gets one.
   * What the core refuses anyway (data not an object, an unknown collection) crosses unchanged.
   * @param {object} request a mutate() request
   * @param {string | undefined} idField the collection's id field (undefined: not defined)
   * @param {number} nowMs the core's clock
   */
  fill(request, idField, nowMs) {
    if (request.op !== 'create' || (request.id !== undefined && request.id !== null)) return request;
    const { collection, data } = request;
    if (idField === undefined || this._serverNamed.has(collection)) return request;
    if (data === null || typeof data !== 'object' || Array.isArray(data) || data[idField] !== undefined) return request;
    return { ...request, id: this._next(nowMs) };
  }
}
