// Reading W9's profiles: the functions with the most self time in a CDP Profiler profile, and the
// renderer main thread's longest tasks in a devtools timeline trace, each with what ran in it.

/** Lines "ms  function  url:line", most self time first. */
export function summarizeProfile(profile, top = 25) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map();
  const deltas = profile.timeDeltas ?? [];
  for (let i = 0; i < profile.samples.length; i++) {
    const node = byId.get(profile.samples[i]);
    const ms = (deltas[i + 1] ?? 0) / 1000;
    const f = node.callFrame;
    const key = `${f.functionName || '(anonymous)'}  ${(f.url || '').replace(/^https?:\/\/[^/]+/, '')}:${f.lineNumber + 1}`;
    self.set(key, (self.get(key) ?? 0) + ms);
  }
  return [...self].sort((a, b) => b[1] - a[1]).slice(0, top).map(([k, ms]) => `${ms.toFixed(1).padStart(8)}  ${k}`);
}

/** Lines "ms  function  url:line", most total (self + callees) time first; recursion counted once. */
export function summarizeTotals(profile, top = 25) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const keyOf = (f) => `${f.functionName || '(anonymous)'}  ${(f.url || '').replace(/^https?:\/\/[^/]+/, '')}:${f.lineNumber + 1}`;
  const total = new Map();
  const deltas = profile.timeDeltas ?? [];
  for (let i = 0; i < profile.samples.length; i++) {
    const ms = (deltas[i + 1] ?? 0) / 1000;
    const seen = new Set();
    for (let id = profile.samples[i]; id !== undefined; id = parent.get(id)) {
      const key = keyOf(byId.get(id).callFrame);
      if (seen.has(key)) continue;
      seen.add(key);
      total.set(key, (total.get(key) ?? 0) + ms);
    }
  }
  return [...total].sort((a, b) => b[1] - a[1]).slice(0, top).map(([k, ms]) => `${ms.toFixed(1).padStart(8)}  ${k}`);
}

const TOP_LEVEL = new Set(['RunTask', 'ThreadControllerImpl::RunTask', 'ThreadControllerImpl::DoWork']);

function describe(e) {
  const d = e.args?.data ?? {};
  if (e.name === 'FunctionCall') return `FunctionCall ${d.functionName || '?'} ${(d.url || '').replace(/^https?:\/\/[^/]+/, '')}:${(d.lineNumber ?? 0) + 1}`;
  if (e.name === 'EventDispatch') return `EventDispatch ${d.type}`;
  if (e.name === 'TimerFire') return 'TimerFire';
  if (e.name === 'V8.Execute' || e.name === 'v8.run') return `${e.name} ${(e.args?.fileName ?? d.url ?? '').replace(/^https?:\/\/[^/]+/, '')}`;
  return e.name;
}

/**
 * { lines, longestMs, longestCpuMs }: lines "ms (cpu ms)  what ran" for the main thread's 12 longest
 * tasks in a Chromium trace and its 5 longest by CPU time; longestMs the longest task's wall time,
 * longestCpuMs the most CPU time one task took.
 */
export function longestTraceTasks(trace) {
  const events = trace.traceEvents ?? trace;
  const main = events.find((e) => e.ph === 'M' && e.name === 'thread_name' && e.args?.name === 'CrRendererMain');
  if (!main) return { lines: ['(no renderer main thread in the trace)'], longestMs: NaN, longestCpuMs: NaN };
  const onMain = events.filter((e) => e.pid === main.pid && e.tid === main.tid && e.ph === 'X' && typeof e.dur === 'number');
  const all = onMain.filter((e) => TOP_LEVEL.has(e.name));
  const tasks = [...all].sort((a, b) => b.dur - a.dur).slice(0, 12);
  const byCpu = [...all].sort((a, b) => (b.tdur ?? 0) - (a.tdur ?? 0)).slice(0, 5);
  const lines = [...tasks, null, ...byCpu].map((t) => {
    if (t === null) return '  -- longest by CPU time:';
    const inside = onMain.filter((e) => e !== t && !TOP_LEVEL.has(e.name) && e.ts >= t.ts && e.ts + e.dur <= t.ts + t.dur)
      .sort((a, b) => b.dur - a.dur).slice(0, 4).map((e) => `${describe(e)} ${(e.dur / 1000).toFixed(1)}`);
    // tdur: the thread's CPU time in the task (on a loaded machine, wall time also counts waiting for a core)
    const cpu = typeof t.tdur === 'number' ? ` (cpu ${(t.tdur / 1000).toFixed(1)})` : '';
    return `${(t.dur / 1000).toFixed(1).padStart(8)}${cpu}  ${inside.join(' | ')}`;
  });
  return { lines, longestMs: (tasks[0]?.dur ?? NaN) / 1000, longestCpuMs: (byCpu[0]?.tdur ?? NaN) / 1000 };
}
