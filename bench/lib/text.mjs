// Entity bodies with content of their own: every entity gets different words (a PRNG seeded by
// the entity's number), joined into one flat string, so no two entities share a string and no
// store can keep one copy for many entities. Environment-free: the Chromium bench page imports it.

const WORDS = ('lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt ut labore et '
  + 'dolore magna aliqua enim ad minim veniam quis nostrud exercitation ullamco laboris nisi aliquip ex ea commodo '
  + 'consequat duis aute irure in reprehenderit voluptate velit esse cillum fugiat nulla pariatur excepteur sint '
  + 'occaecat cupidatat non proident sunt culpa qui officia deserunt mollit anim id est laborum').split(' ');

/** `length` characters of words, different for each seed (xorshift32), starting with the seed itself. */
export function distinctText(seed, length) {
  let x = (seed * 2654435761 + 0x9e3779b9) >>> 0 || 1;
  const parts = [`#${seed}`];
  let size = parts[0].length;
  while (size < length) {
    x ^= x << 13; x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5; x >>>= 0;
    const word = WORDS[x % WORDS.length];
    // The last word is cut so that the join is exactly `length` long (no slice of a longer string,
    // which V8 would keep as a view of it).
    const fits = Math.min(word.length, length - size - 1);
    parts.push(fits === word.length ? word : word.slice(0, Math.max(0, fits)));
    size += fits + 1;
  }
  return parts.join(' ');
}
