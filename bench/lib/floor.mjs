// The physical floor for applying remote updates in JS: V8's JSON.parse of the same bytes.
import { now } from './stats.mjs';

/** Updates per second JSON.parse reaches on the update batches (texts of { ops: [...] }). */
export function jsonParseFloor(texts, repeat = 5) {
  let updates = 0;
  for (const t of texts) updates += JSON.parse(t).ops.length; // warm-up, and the count
  const start = now();
  let sink = 0;
  for (let r = 0; r < repeat; r++) for (const t of texts) sink += JSON.parse(t).ops.length;
  const rate = (updates * repeat * 1000) / (now() - start);
  if (sink !== updates * repeat) throw new Error('floor: parse lost updates');
  return rate;
}
