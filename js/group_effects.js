// Group commit (js/effects_runner.js): the effects of the commits that share one storage write.

/**
 * The effects of several commits as one list: server changes set aside first (each must be kept
 * before a persisted cursor passes it), their persist effects folded into one write (the last
 * word on each record wins; `parts` names the effects it stands for), then every other effect in
 * commit order.
 */
export function groupEffects(lists) {
  const setAside = [];
  const persists = [];
  const rest = [];
  for (const list of lists) for (const e of list) (e.type === 'set-aside' ? setAside : e.type === 'persist' ? persists : rest).push(e);
  if (persists.length <= 1) return [...setAside, ...persists, ...rest];
  const last = new Map(); // [store, key] -> { record, put }
  for (const p of persists) {
    for (const r of p.delete ?? []) last.set(JSON.stringify([r.store, r.key]), { record: r, put: false });
    for (const r of p.put ?? []) last.set(JSON.stringify([r.store, r.key]), { record: r, put: true });
  }
  const put = [];
  const del = [];
  for (const { record, put: isPut } of last.values()) (isPut ? put : del).push(record);
  // parts lists the commits' own effects, also when a group is grouped again (a retry folds
  // several writes): storage wrappers know an effect by identity (js/tabs/forwarded_storage.js).
  return [...setAside, { type: 'persist', put, delete: del, parts: persists.flatMap((p) => p.parts ?? [p]) }, ...rest];
}
