// The PNG chart of a bench run: one panel per headline figure, a bar per system, drawn as HTML
// and photographed by headless Chromium.   node bench/chart.mjs <bench.json> <out.png>
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { ROWS, fmt } from './lib/table.mjs';

const SYSTEMS = [['syncore', 'syncore', '#2f6fde'], ['tinybase', 'TinyBase', '#8a8a8a'], ['rxdb', 'RxDB', '#a0a0a0'],
  ['tanstack', 'TanStack Query', '#b4b4b4'], ['replicache', 'Replicache', '#c8c8c8'], ['plain', 'plain JS', '#dadada']];
const PANELS = ['w1p50', 'w1p95', 'w2', 'w3_0', 'w3_100', 'w3_1000', 'w7', 'w8brotli'];
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const esc = (t) => String(t).replace(/[&<>]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;' })[c]);

function panel(row, values) {
  const present = SYSTEMS.filter(([k]) => Number.isFinite(values[k]));
  const max = Math.max(...present.map(([k]) => values[k]));
  const bars = present.map(([k, label, color]) => {
    const w = Math.max(0.5, (values[k] / max) * 100);
    return `<div class="bar"><span class="name">${esc(label)}</span><span class="track"><span style="width:${w}%;background:${color}"></span></span><span class="val">${esc(fmt(values[k], row.unit))}</span></div>`;
  });
  return `<section><h2>${esc(row.label)} <small>(${row.better === 'high' ? 'higher' : 'lower'} is better)</small></h2>${bars.join('')}</section>`;
}

export async function drawChart(result, outPath) {
  const rows = PANELS.map((key) => ROWS.find((r) => r.key === key));
  const html = `<!doctype html><meta charset="utf-8"><style>
    body{font:13px system-ui,sans-serif;margin:16px;width:1100px;color:#222}
    h1{font-size:17px;margin:0 0 4px} p{margin:0 0 12px;color:#555}
    main{display:grid;grid-template-columns:1fr 1fr;gap:14px 28px}
    h2{font-size:13px;margin:0 0 6px} small{color:#777;font-weight:normal}
    .bar{display:flex;align-items:center;gap:8px;margin:2px 0}
    .name{width:110px;text-align:right}.track{flex:1;background:#f3f3f3;height:14px;display:block}
    .track span{display:block;height:14px}.val{width:90px}
  </style><h1>syncore vs peers — medians of ${result.sizes.runs} run(s)</h1>
  <p>${esc(result.date)} · ${esc(result.machine.cpu)} × ${result.machine.cores} · Node ${esc(result.machine.node)} · load at end ${result.machine.loadAverageAtEnd.join(' ')}</p>
  <main>${rows.map((r) => panel(r, result.medians[r.key] ?? {})).join('')}</main>`;
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS });
  try {
    const page = await browser.newPage({ viewport: { width: 1140, height: 800 }, deviceScaleFactor: 1 });
    await page.setContent(html);
    await page.screenshot({ path: outPath, fullPage: true });
  } finally {
    await browser.close();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [input, output] = process.argv.slice(2);
  await drawChart(JSON.parse(readFileSync(input, 'utf8')), output);
}
