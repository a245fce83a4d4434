// Names the likely cause of a failure, so a run of many seeds reads as a short list of causes
// (issue 12's items where the signature is theirs) rather than a wall of seeds. A guess from the
// failure's wording: replay the seed (SEED=n) before trusting it.

export function causeOf(failure) {
  const { invariant, detail } = failure;
  if ((invariant === 'nothing stuck' || invariant === 'view = server') && detail.includes('wall clock is'))
    return `item 11: ${invariant} on a device whose clock went backwards`;
  if (invariant === 'view = server' && /\d+ extra \[tmp-/.test(detail))
    return 'a tab keeps an entity under its temp id next to the renamed one (the rename reached it after the ack)';
  if (invariant === 'mutation ids unique') {
    if (detail.includes('(ended by close)')) return 'item 1: close() then restart hands out used mutation ids again';
    if (detail.includes('(ended by crash)')) return 'item 1 (crash): an id accepted just before a crash is handed out again';
    if (detail.includes('(ended by unload)')) return 'item 1/2: an id accepted during pagehide is handed out again';
    return 'mutation id reused while running';
  }
  if (invariant === 'accepted mutation settled') {
    if (detail.includes('ended by close()')) return 'item 1: close() drops a queued save';
    if (detail.includes('gone after pagehide')) return 'item 2: a write made during pagehide is lost';
    if (detail.includes('durable before the crash')) return 'a write durable before a crash is lost';
    if (detail.includes('was still not durable')) return 'item 3: a write older than the crash window was not yet durable';
    if (detail.includes('still runs')) return 'an accepted write never settled in a running client';
    return `accepted write left unsettled (${detail.replace(/.* left /, '')})`;
  }
  return invariant;
}

/** The distinct causes of one seed's failures (" [tab]" where a tab of a multi-tab machine failed). */
export function causesOf(result) {
  return [...new Set(result.failures.map((f) => causeOf(f) + (/\bd\d+[abc]\b/.test(f.detail) ? ' [tab]' : '')))];
}
