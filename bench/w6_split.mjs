// W6 split from JS: a 10,000-upsert batch's per-entity µs in core.applyServer(text), and within it the
// wasm call (handle.apply) and the parse of its answer (parseAnswer, as js/core.js reads it); the rest is the commit's dispatch in JS.
// A/B of two checkouts, back to back:  node bench/w6_split.mjs <checkout root> [runs]
const root = process.argv[2];
const runs = Number(process.argv[3] ?? 7);
const { createSyncCore } = await import(`${root}/js/node.js`);
// The answer as js/core.js reads it (a server batch's changed ids, in the lines form, stay unparsed).
const { parseAnswer } = await import(`${root}/js/local_write_answer.js`);
const smallEntity = (i) => ({ id: `s${i}`, name: `student ${i}`, score: (i * 7919) % 1000, grade: i % 12 });
const m = 10000;
const rows = [];
for (let r = 0; r < runs; r++) {
  const core = await createSyncCore({ collections: { e: {}, s: {} }, now: () => 1_700_000_000_000 });
  core.configureClient({ clientId: 'bench', seed: 1, persist: false });
  core.setOnline(false);
  const batch = { ops: Array.from({ length: m }, (_, i) => ({ op: 'upsert', collection: 's', id: `b${i}`, version: 1, data: { ...smallEntity(i), id: `b${i}` } })) };
  const text = JSON.stringify(batch);
  const h = core._handle;
  let answer, tApply = 0, tParse = 0;
  const origApply = h.apply.bind(h);
  core._handle = new Proxy(h, { get(t, k) { if (k === 'apply') return (...a) => { const s = performance.now(); answer = origApply(...a); tApply = performance.now() - s; return answer; }; const v = t[k]; return typeof v === 'function' ? v.bind(t) : v; } });
  const c0 = process.cpuUsage(); // CPU time too: on a shared machine wall time counts the waits
  const t0 = performance.now();
  core.applyServer(text);
  const total = performance.now() - t0;
  const cpu = process.cpuUsage(c0);
  const s = performance.now(); parseAnswer(answer); tParse = performance.now() - s;
  rows.push({ total: total * 1000 / m, cpu: (cpu.user + cpu.system) / m, apply: tApply * 1000 / m, parse: tParse * 1000 / m, answerBytes: answer.length });
  core.dispose();
}
const med = (k) => +[...rows.map((r) => r[k])].sort((x, y) => x - y)[rows.length >> 1].toFixed(3);
console.log(JSON.stringify({ root, total: med('total'), cpuTotal: med('cpu'), wasmApply: med('apply'), parseAnswer: med('parse'), answerBytes: rows[0].answerBytes }));
