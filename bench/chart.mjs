// The PNG chart of a bench run: one panel per headline figure, a bar per system, and, when the run
// has them (--scaling), line charts of the scaling curves; drawn as HTML/SVG and photographed by
// headless Chromium.   node bench/chart.mjs <bench.json> <out.png> [scaling.json]
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { ROWS, fmt } from './lib/table.mjs';

const SYSTEMS = [['syncore', 'syncore', '#2f6fde'], ['tinybase', 'TinyBase', '#e07b39'], ['tanstackdb', 'TanStack DB', '#3a9e5f'],
  ['rxdb', 'RxDB', '#a0a0a0'], ['tanstack', 'TanStack Query', '#b4b4b4'], ['replicache', 'Replicache', '#c8c8c8'], ['plain', 'plain JS', '#dadada']];
const PANELS = ['w1p50', 'w1p95', 'w2', 'w3_0', 'w3_100', 'w3_1000', 'w7', 'w8brotli', 'pw_1000', 'lqUpdate'];
const CURVES = [['w1p50', 'W1 reactive loop p50 (entities of ~150 B)', 'ms', 'low'], ['w3_0', 'W3 remote updates, 0 pending', '/s', 'high'],
  ['w7', 'W7 memory', 'MiB', 'low']];
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const esc = (t) => String(t).replace(/[&<>]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;' })[c]);
const STYLE = `body{font:13px system-ui,sans-serif;margin:16px;width:1100px;color:#222}
  h1{font-size:17px;margin:0 0 4px} p{margin:0 0 12px;color:#555}
  main{display:grid;grid-template-columns:1fr 1fr;gap:14px 28px}
  .curves{display:grid;grid-template-columns:1fr 1fr 1fr;gap:14px 20px;margin-top:18px}
  h2{font-size:13px;margin:0 0 6px} small{color:#777;font-weight:normal}
  .bar{display:flex;align-items:center;gap:8px;margin:2px 0}
  .name{width:110px;text-align:right}.track{flex:1;background:#f3f3f3;height:14px;display:block}
  .track span{display:block;height:14px}.val{width:90px}
  .legend span{display:inline-block;margin-right:14px}.legend i{display:inline-block;width:18px;height:3px;vertical-align:middle;margin-right:4px}
  ul{margin:6px 0 0;padding-left:18px;color:#555}`;

function panel(row, values) {
  const present = SYSTEMS.filter(([k]) => Number.isFinite(values[k]));
  const max = Math.max(...present.map(([k]) => values[k]));
  const bars = present.map(([k, label, color]) => {
    const w = Math.max(0.5, (values[k] / max) * 100);
    return `<div class="bar"><span class="name">${esc(label)}</span><span class="track"><span style="width:${w}%;background:${color}"></span></span><span class="val">${esc(fmt(values[k], row.unit))}</span></div>`;
  });
  return `<section><h2>${esc(row.label)} <small>(${row.better === 'high' ? 'higher' : 'lower'} is better)</small></h2>${bars.join('')}</section>`;
}

/** One SVG line chart: x = entities (log), y = the figure (log); a missing point leaves a gap. */
function lineChart([metric, title, unit, better], scaling) {
  const W = 340, H = 230, L = 58, R = 10, T = 10, B = 34;
  const xs = scaling.sizes.entities;
  const bySystem = scaling.curves[metric] ?? {};
  const values = Object.values(bySystem).flat().filter((p) => Number.isFinite(p.value)).map((p) => p.value);
  if (values.length === 0) return '';
  let lo = Math.log10(Math.min(...values)), hi = Math.log10(Math.max(...values));
  if (hi - lo < 1) { const mid = (hi + lo) / 2; lo = mid - 0.5; hi = mid + 0.5; }
  lo = Math.floor(lo * 2) / 2; hi = Math.ceil(hi * 2) / 2;
  const x = (n) => L + ((Math.log10(n) - Math.log10(xs[0])) / Math.max(1e-9, Math.log10(xs.at(-1)) - Math.log10(xs[0]))) * (W - L - R);
  const y = (v) => T + (1 - (Math.log10(v) - lo) / (hi - lo)) * (H - T - B);
  const grid = [];
  for (let e = Math.ceil(lo); e <= Math.floor(hi); e++) {
    const v = 10 ** e;
    grid.push(`<line x1="${L}" x2="${W - R}" y1="${y(v)}" y2="${y(v)}" stroke="#eee"/><text x="${L - 4}" y="${y(v) + 4}" text-anchor="end" font-size="10">${esc(fmt(v, unit))}</text>`);
  }
  for (const n of xs) grid.push(`<text x="${x(n)}" y="${H - B + 14}" text-anchor="middle" font-size="10">${n >= 1e6 ? `${n / 1e6}M` : `${n / 1e3}k`}</text>`);
  const lines = [];
  for (const [key, , color] of SYSTEMS) {
    const points = bySystem[key];
    if (!points) continue;
    let path = '';
    let pen = false;
    for (const p of points) {
      if (!Number.isFinite(p.value)) { pen = false; continue; }
      path += `${pen ? 'L' : 'M'}${x(p.n).toFixed(1)},${y(p.value).toFixed(1)} `;
      pen = true;
      lines.push(`<circle cx="${x(p.n)}" cy="${y(p.value)}" r="3" fill="${color}"/>`);
    }
    for (const p of points) if (!Number.isFinite(p.value)) lines.push(`<text x="${x(p.n)}" y="${T + 12}" text-anchor="middle" font-size="11" fill="${color}">✕</text>`);
    lines.unshift(`<path d="${path}" fill="none" stroke="${color}" stroke-width="2"/>`);
  }
  return `<section><h2>${esc(title)} <small>(${better === 'high' ? 'higher' : 'lower'} is better; log scales)</small></h2>
    <svg width="${W}" height="${H}" xmlns="http://www.w3.org/2000/svg"><rect x="${L}" y="${T}" width="${W - L - R}" height="${H - T - B}" fill="none" stroke="#ccc"/>${grid.join('')}${lines.join('')}
    <text x="${(L + W - R) / 2}" y="${H - 4}" text-anchor="middle" font-size="10" fill="#555">entities in the store</text></svg></section>`;
}

function curvesHtml(scaling) {
  const legend = SYSTEMS.filter(([k]) => scaling.systems.includes(k))
    .map(([, label, color]) => `<span><i style="background:${color}"></i>${esc(label)}</span>`).join('');
  const missing = [];
  for (const [metric, bySystem] of Object.entries(scaling.curves)) {
    for (const [system, points] of Object.entries(bySystem)) for (const p of points) if (p.missing) missing.push(`${system} ${metric} at ${p.n.toLocaleString('en')}: ${p.missing}`);
  }
  return `<h1 style="margin-top:22px">Scaling: 1k → ${scaling.sizes.entities.at(-1).toLocaleString('en')} entities</h1>
    <p class="legend">${legend} · ${esc(scaling.date)} · load ${scaling.loadAverageAtStart.join(' ')} → ${scaling.loadAverageAtEnd.join(' ')} · ✕ = missing point</p>
    <div class="curves">${CURVES.map((c) => lineChart(c, scaling)).join('')}</div>
    ${missing.length ? `<ul>${missing.map((m) => `<li>missing: ${esc(m)}</li>`).join('')}</ul>` : ''}`;
}

async function photograph(html, outPath) {
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS });
  try {
    const page = await browser.newPage({ viewport: { width: 1140, height: 100 }, deviceScaleFactor: 1 });
    await page.setContent(html);
    await page.screenshot({ path: outPath, fullPage: true });
  } finally {
    await browser.close();
  }
}

/** The bar panels of a bench run, and the scaling curves when result.scaling (or `scaling`) holds them. */
export async function drawChart(result, outPath, scaling = result.scaling) {
  const rows = PANELS.map((key) => ROWS.find((r) => r.key === key));
  const html = `<!doctype html><meta charset="utf-8"><style>${STYLE}</style><h1>syncore vs peers — medians of ${result.sizes.runs} run(s)</h1>
  <p>${esc(result.date)} · ${esc(result.machine.cpu)} × ${result.machine.cores} · Node ${esc(result.machine.node)} · load ${(result.machine.loadAverageAtStart ?? []).join(' ')} → ${result.machine.loadAverageAtEnd.join(' ')}</p>
  <main>${rows.filter((r) => result.medians[r.key]).map((r) => panel(r, result.medians[r.key])).join('')}</main>
  ${scaling ? curvesHtml(scaling) : ''}`;
  await photograph(html, outPath);
}

/** The scaling curves alone (node bench/scaling.mjs --chart file.png). */
export async function drawScalingChart(scaling, outPath) {
  await photograph(`<!doctype html><meta charset="utf-8"><style>${STYLE}</style>${curvesHtml(scaling)}`, outPath);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [input, output, scalingInput] = process.argv.slice(2);
  await drawChart(JSON.parse(readFileSync(input, 'utf8')), output, scalingInput ? JSON.parse(readFileSync(scalingInput, 'utf8')) : undefined);
}
