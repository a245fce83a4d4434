// W8's bytes, by where they come from: the release wasm per function (names from the symbol map
// the release link writes, build/wasm/syncore.mjs.symbols), grouped by namespace / class template
// and by source area (src/<dir>/, wasm/, libc++/libc), and the JS side of createSyncClient per
// module (glue and js/ files, as esbuild bundles them for bench/bundle.mjs).
//
//   node bench/size_profile.mjs [--top N] [--wasm dist/syncore.wasm] [--symbols build/wasm/syncore.mjs.symbols]
//     [--objects build/wasm/CMakeFiles] [--grep REGEX: list the matching functions only]
//     [--by-file: the source table per object file, not per src/<dir>/: what a per-file -Os would touch]
//
// Function bodies are sized from the wasm's code section; the symbol map's names come demangled.
// The source area of a function comes from the wasm object files of build/wasm (llvm-nm): the
// object that defines it. A brotli share is the group's bodies compressed alone, a rough guide
// (brotli of the whole is less than the sum of its parts).
import { readFileSync, existsSync, readdirSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { join, relative } from 'node:path';
import { bundleOf, sizes } from './bundle.mjs';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const TOP = Number(arg('--top', 40));
const WASM = arg('--wasm', join(ROOT, 'dist/syncore.wasm'));
const SYMBOLS = arg('--symbols', join(ROOT, 'build/wasm/syncore.mjs.symbols'));
const OBJECTS = arg('--objects', join(ROOT, 'build/wasm/CMakeFiles'));
const BY_FILE = process.argv.includes('--by-file');

/** The function bodies of a wasm module: [{ index, bytes }] (index counts imported functions). */
function functionBodies(wasm) {
  let p = 8;
  const u32 = () => {
    let result = 0, shift = 0, byte;
    do { byte = wasm[p++]; result |= (byte & 0x7f) << shift; shift += 7; } while (byte & 0x80);
    return result >>> 0;
  };
  const name = () => { const n = u32(); p += n; };
  let importedFunctions = 0;
  const bodies = [];
  while (p < wasm.length) {
    const id = wasm[p++];
    const size = u32();
    const end = p + size;
    if (id === 2) { // imports: count the functions, which come first in the index space
      for (let n = u32(); n > 0; n--) {
        name(); name();
        const kind = wasm[p++];
        if (kind === 0) { u32(); importedFunctions++; }
        else if (kind === 1) { p++; const flags = u32(); u32(); if (flags & 1) u32(); }
        else if (kind === 2) { const flags = u32(); u32(); if (flags & 1) u32(); }
        else if (kind === 3) { p += 2; }
        else throw new Error(`import kind ${kind}`);
      }
    } else if (id === 10) {
      const count = u32();
      for (let i = 0; i < count; i++) {
        const start = p;
        const bodySize = u32();
        p += bodySize;
        bodies.push({ index: importedFunctions + i, bytes: p - start, start });
      }
    }
    p = end;
  }
  return bodies;
}

/** index -> name, from emcc's --emit-symbol-map ("index:name" per line). */
function symbolMap(file) {
  const names = new Map();
  if (!existsSync(file)) return names;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const colon = line.indexOf(':');
    // The names come demangled, with '(', ',', ' ' and the like escaped as \28, \2c, \20.
    if (colon > 0) names.set(Number(line.slice(0, colon)), line.slice(colon + 1).replace(/\\([0-9a-f]{2})/g, (_, h) => String.fromCharCode(parseInt(h, 16))));
  }
  return names;
}

/** demangled name -> source area, from the symbols each wasm object file of build/wasm defines. */
function sourceAreas() {
  const areas = new Map();
  const objects = [];
  const walk = (dir) => {
    if (!existsSync(dir)) return;
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(dir, e.name));
      else if (e.name.endsWith('.o')) objects.push(join(dir, e.name));
    }
  };
  walk(OBJECTS);
  for (const object of objects) {
    const rel = relative(OBJECTS, object).replace(/^[^/]+\.dir\//, '').replace(/\.cpp\.o$/, '.cpp');
    const area = rel.startsWith('src/') && !BY_FILE ? rel.split('/').slice(0, 2).join('/') + '/' : rel;
    let listing = '';
    try { listing = execFileSync('llvm-nm', ['--defined-only', '--demangle', object], { maxBuffer: 1 << 28 }).toString(); } catch { continue; }
    for (const line of listing.split('\n')) {
      const m = /^\S*\s+([TtWw])\s+(.+)$/.exec(line);
      if (!m) continue;
      const weak = m[1] === 'W' || m[1] === 'w';
      const prev = areas.get(m[2]);
      // An inline function or template is defined (weak) in every object that uses it.
      if (prev === undefined) areas.set(m[2], weak ? { area, weak, count: 1 } : { area, weak });
      else if (prev.weak && weak && prev.area !== area) prev.count++;
      else if (prev.weak && !weak) areas.set(m[2], { area, weak });
    }
  }
  return areas;
}

/** The namespace / class a function belongs to, template arguments dropped: "nlohmann::basic_json". */
function owner(demangled) {
  let depth = 0, plain = '';
  for (const ch of demangled.replaceAll('(anonymous namespace)', '{anon}')) {
    if (ch === '<') depth++;
    else if (ch === '>') depth--;
    else if (depth === 0) plain += ch;
  }
  plain = plain.replace(/\(.*$/, '').replace(/^.*\s(?=[\w:~]+$)/, '');
  const parts = plain.split('::').filter(Boolean);
  if (parts[0] === 'std' && parts[1] === '__2') parts.splice(1, 1);
  if (parts[0] === 'nlohmann' && /^json_abi/.test(parts[1] ?? '')) parts.splice(1, 1);
  if (parts.length <= 1) return '(global: libc, malloc, runtime)';
  const keep = parts[0] === 'syncore' || parts[0] === 'nlohmann' || parts[0] === 'std' ? 3 : 2;
  return parts.slice(0, Math.min(keep, parts.length - 1)).join('::');
}

const brotli = (buffers) => sizes(Buffer.concat(buffers)).brotli;
const kib = (n) => (n / 1024).toFixed(1).padStart(7);
const pct = (n, total) => `${((100 * n) / total).toFixed(1).padStart(5)} %`;

function table(title, rows, total, limit = rows.length) {
  console.log(`\n${title}`);
  console.log('   raw KiB  share  brotli KiB (alone)  n  name');
  for (const r of rows.slice(0, limit)) {
    console.log(`  ${kib(r.bytes)} ${pct(r.bytes, total)} ${kib(r.brotli ?? 0)}   ${String(r.count ?? 1).padStart(5)}  ${r.name}`);
  }
}

function groupBy(functions, key, wasm) {
  const groups = new Map();
  for (const f of functions) {
    const k = key(f);
    const g = groups.get(k) ?? { name: k, bytes: 0, count: 0, bodies: [] };
    g.bytes += f.bytes; g.count++;
    g.bodies.push(wasm.subarray(f.start, f.start + f.bytes));
    groups.set(k, g);
  }
  const rows = [...groups.values()].sort((a, b) => b.bytes - a.bytes);
  for (const r of rows) r.brotli = brotli(r.bodies);
  return rows;
}

const wasm = readFileSync(WASM);
const names = symbolMap(SYMBOLS);
if (names.size === 0) console.log(`(no ${relative(ROOT, SYMBOLS)}: build the release wasm with scripts/build.sh wasm for names)`);
const bodies = functionBodies(wasm);
const areas = sourceAreas();
const functions = bodies.map((b) => {
  const name = names.get(b.index) ?? `fn#${b.index}`;
  const where = areas.get(name);
  const area = !where ? (/emscripten|embind/.test(name) ? 'embind / runtime' : 'libc++ / libc / runtime')
    : where.weak && where.count > 1 ? `inline/template (in ${where.count} objects)` : where.area;
  return { ...b, name, area };
});
const code = functions.reduce((s, f) => s + f.bytes, 0);
const whole = sizes(wasm);
console.log(`wasm ${relative(ROOT, WASM)}: ${wasm.length} B raw, ${whole.brotli} B brotli; code section ${code} B in ${functions.length} functions`);

const top = [...functions].sort((a, b) => b.bytes - a.bytes);
const grep = arg('--grep');
if (grep) { // only the functions whose name or group matches: node bench/size_profile.mjs --grep '^global'
  const re = new RegExp(grep);
  const hits = top.filter((f) => re.test(f.name) || re.test(owner(f.name)));
  table(`functions matching /${grep}/: ${hits.reduce((s, f) => s + f.bytes, 0)} B`, hits.map((f) => ({ ...f, name: f.name.slice(0, 200) })), code);
  process.exit(0);
}
for (const f of top.slice(0, TOP)) f.brotli = brotli([wasm.subarray(f.start, f.start + f.bytes)]);
table(`top ${TOP} functions`, top.map((f) => ({ ...f, name: f.name.length > 160 ? `${f.name.slice(0, 157)}...` : f.name })), code, TOP);
table('by namespace / class (template arguments dropped)', groupBy(functions, (f) => owner(f.name), wasm), code, TOP);
table('by source area (the object file that defines the function)', groupBy(functions, (f) => f.area, wasm), code);
table('nlohmann::basic_json instantiations and detail templates, by kind',
  groupBy(functions.filter((f) => owner(f.name).startsWith('nlohmann')), (f) => {
    const o = owner(f.name);
    if (/serializer/.test(o)) return 'serializer (dump)';
    if (/parser|lexer|input_adapter|json_sax/.test(o)) return 'parser / lexer / SAX';
    if (/exception|type_error|out_of_range|parse_error|invalid_iterator|other_error/.test(o)) return 'exceptions (what() text)';
    if (/operator==|operator<|compares_unordered/.test(f.name)) return 'comparison';
    if (/json_value|destroy|basic_json\(|~basic_json|operator=/.test(f.name)) return 'construct / copy / destroy';
    return `other: ${o}`;
  }, wasm), code);

// The JS side: esbuild's bundle of createSyncClient (the entry's static graph), per input module.
const out = await bundleOf('syncore');
const js = sizes(out.js);
const inputs = new Map();
for (const [file, o] of Object.entries(out.metafile.outputs)) {
  if (!out.staticGraph.has(file)) continue;  // import() chunks are not in the first download
  for (const [input, { bytesInOutput }] of Object.entries(o.inputs)) {
    const name = input.startsWith('dist/') ? `${input} (Emscripten glue)` : input.replace(/^js\/([^/]+)\/.*/, 'js/$1/');
    const row = inputs.get(name) ?? { bytes: 0, count: 0 };
    inputs.set(name, { bytes: row.bytes + bytesInOutput, count: row.count + 1 });  // count: modules folded
  }
}
const jsRows = [...inputs].map(([name, { bytes, count }]) => ({ name, bytes, count, brotli: Math.round((bytes / out.js.length) * js.brotli) }))
  .sort((a, b) => b.bytes - a.bytes);
console.log(`\nJS of createSyncClient (esbuild, minified): ${js.raw} B raw, ${js.brotli} B brotli; per module below, brotli pro rata`);
table('JS by module (js/<dir>/ folded)', jsRows, out.js.length, TOP);
for (const [file, { bytes, inputs: n }] of Object.entries(out.lazy))
  console.log(`  behind import(), not counted: ${file} ${bytes} B raw (${n} modules)`);
console.log(`\nW8 = wasm ${whole.brotli} + JS ${js.brotli} = ${whole.brotli + js.brotli} B brotli (${((whole.brotli + js.brotli) / 1024).toFixed(1)} KiB; target 100 KiB)`);
