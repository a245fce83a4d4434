// One seeded run of the real client stack against the real server: a few devices edit two
// collections while the network loses, duplicates, delays and cuts messages, pages close and
// crash, the server restarts or crashes and device clocks jump; then the network heals, every
// device is brought back, and the invariants of checkers.js are judged.
//
//   const result = await runSeed(42, { trace: true });  // { ok, failures, stats, trace }
import { VirtualClock } from './clock.js';
import { Random } from './random.js';
import { Network } from './network.js';
import { DeviceDisk } from './idb.js';
import { Device } from './devices.js';
import { createBroadcastBus } from './tabs.js';
import { ServerHost } from './server_host.js';
import { ALL_CHECKS, viewsEqualServer } from './checkers.js';
import { scheduleWorkload, scheduleFaults, scheduleSabotage } from './scenario.js';
import { createSyncCore } from '../../js/node.js';
import { openSeedDatabase } from './database.js';
// createSyncClient loads multi-tab (and attachments) with import() when options turn them on.
// Loading a module is real IO, which the virtual clock does not wait for: load them before any run
// starts, so each run's import() answers from the module cache.
import '../../js/tabs/index.js';
import '../../js/files/index.js';

const STRATEGIES = ['server-wins', 'client-wins', 'last-write-wins', 'merge'];
const SETTLE_LIMIT_MS = 20 * 60_000; // virtual time allowed for quiescence (backoff caps at 60 s)

/** Randomness the product draws itself (client ids, jitter seeds, tab ids, entity UUIDv7s) comes from the seed. */
function seedGlobals(rng) {
  const saved = { random: Math.random };
  Math.random = () => rng.float();
  globalThis.crypto.randomUUID = () => rng.uuid();
  globalThis.crypto.getRandomValues = (array) => {
    for (let i = 0; i < array.length; i++) array[i] = rng.uint32() % 2 ** (8 * array.BYTES_PER_ELEMENT);
    return array;
  };
  return () => {
    Math.random = saved.random;
    delete globalThis.crypto.randomUUID;
    delete globalThis.crypto.getRandomValues;
  };
}

/** The scenario's knobs, drawn from the seed. */
export function drawScenario(rng) {
  const hostile = rng.chance(0.3);
  return {
    devices: rng.int(2, 4),
    durationMs: rng.int(15, 60) * 1000,
    opsPerSecond: rng.pick([0.5, 1, 2]),
    burstChance: rng.pick([0, 0.05, 0.1]),
    strategies: { items: rng.pick(STRATEGIES), notes: rng.pick(STRATEGIES) },
    faults: {
      lossPerMessage: hostile ? 0.03 : rng.pick([0, 0.002, 0.01]),
      duplicatePerMessage: hostile ? 0.03 : rng.pick([0, 0.005]),
      slowMessage: rng.pick([0, 0.01, 0.05]),
      halfOpen: rng.pick([0, 0.2]),
    },
    crashesPerMinute: rng.pick([0, 1, 3]),
    closesPerMinute: rng.pick([0, 1, 3]),
    serverRestartsPerMinute: rng.pick([0, 0.5, 2]),
    offlinePerMinute: rng.pick([0, 1, 3]),
    clockJumpsPerMinute: rng.pick([0, 0, 1]),
    unloadsPerMinute: rng.pick([0, 1, 2]),
    slowDisk: rng.pick([0, 0.001, 0.01]),
    // Multi-tab (js/tabs/) on the first machine: 2 or 3 tabs sharing its IndexedDB.
    tabs: rng.chance(0.35) ? rng.int(2, 3) : 0,
  };
}

// The wasm module is read from disk (real IO) once, before virtual time takes over; every core
// of every run then shares it, as the cores of one page do.
let wasmReady = null;
function loadWasmOnce() {
  wasmReady ??= createSyncCore({}).then((core) => core.dispose());
  return wasmReady;
}

export async function runSeed(seed, { trace: keepTrace = false, scenario: override, sabotage } = {}) {
  await loadWasmOnce();
  const rng = new Random(seed);
  const scenario = { ...drawScenario(rng.fork()), ...override };
  const clock = new VirtualClock();
  const lines = [];
  const world = {
    seed,
    scenario,
    clock,
    devices: [],
    // Both ways of naming new entities: the server names items (a create without an id gets a
    // temp id, renamed on ack); the client names notes (a UUIDv7, drawn from the seeded source).
    collections: { items: { strategy: scenario.strategies.items, ids: 'server' }, notes: { strategy: scenario.strategies.notes } },
    stats: {},
    notes: [],
    failures: [],
    quiescing: false,
    trace: (text) => {
      lines.push(`${(clock.now / 1000).toFixed(3).padStart(9)} s  ${text}`);
    },
    note: (text) => world.notes.push(text),
    fail: (invariant, detail) => world.failures.push({ invariant, detail }),
  };
  // The server's database: a fresh in-memory PGlite schema (database.js), opened on real timers
  // (the first one loads PGlite) and kept across the server's restarts and crashes.
  const database = await openSeedDatabase();
  const restoreGlobals = seedGlobals(rng.fork());
  clock.install();
  // IndexedDB takes time: most steps at once, some a few ms, rarely a slow disk (tens to hundreds).
  const diskRng = rng.fork();
  const slowDisk = scenario.slowDisk;
  clock.storageLatency = () => {
    const r = diskRng.float();
    if (r < 0.8) return 0;
    if (r < 1 - slowDisk) return diskRng.int(1, 4);
    return diskRng.int(20, 300);
  };
  const netRng = rng.fork();
  const workRng = rng.fork();
  const faultRng = rng.fork();
  world.network = new Network({ clock, rng: netRng, faults: scenario.faults, trace: world.trace });
  world.server = new ServerHost({ clock, network: world.network, database, trace: world.trace });
  // An error thrown on a fresh stack (a listener's, rethrown by the client) would end the
  // process: it is recorded against the page it came from instead, and judged by the checkers.
  const onUncaught = (error) => clock.uncaught.push({ actor: clock.actor, error });
  const onUnhandled = (reason) => {
    if (!clock.actor.dead) world.note(`unhandled rejection in ${clock.actor.name}: ${reason?.message ?? reason}`);
  };
  process.on('uncaughtException', onUncaught);
  process.on('unhandledRejection', onUnhandled);
  let crashed = null;
  try {
    world.trace(`seed ${seed}: ${JSON.stringify(scenario)}`);
    await settle(world, world.server.start());
    for (let i = 0; i < scenario.devices; i++) {
      const machine = `d${i + 1}`;
      if (i === 0 && scenario.tabs > 0) {
        const disk = new DeviceDisk();
        const bus = createBroadcastBus(clock, rng.fork());
        const mutations = new Map();
        for (let t = 0; t < scenario.tabs; t++) {
          const device = new Device({ name: `${machine}${'abc'[t]}`, machine, disk, bus, mutations, world });
          world.devices.push(device);
          await settle(world, device.start());
        }
        continue;
      }
      const device = new Device({ name: machine, disk: new DeviceDisk(), world });
      world.devices.push(device);
      await settle(world, device.start());
    }
    scheduleWorkload(world, workRng);
    scheduleFaults(world, faultRng);
    if (sabotage) scheduleSabotage(world, rng.fork(), sabotage);
    await clock.runFor(scenario.durationMs);
    await quiesce(world);
    for (const check of ALL_CHECKS) world.failures.push(...(await check(world)));
  } catch (err) {
    crashed = err;
    world.failures.push({ invariant: 'simulation ran', detail: err?.stack ?? String(err) });
  } finally {
    await teardown(world).catch((err) => world.failures.push({ invariant: 'teardown', detail: String(err?.stack ?? err) }));
    await clock.settleMicrotasks();
    clock.uninstall();
    restoreGlobals();
    process.off('uncaughtException', onUncaught);
    process.off('unhandledRejection', onUnhandled);
    await database.close().catch((err) => world.failures.push({ invariant: 'teardown', detail: String(err?.stack ?? err) }));
  }
  const stats = {
    ...world.stats,
    virtualSeconds: Math.round(clock.now / 1000),
    tasks: clock.executed,
    mutations: world.devices.reduce((n, d) => n + d.records.length, 0),
    incarnations: world.devices.reduce((n, d) => n + d.incarnations.length, 0),
    serverRestarts: world.server.restarts,
    network: world.network.stats,
  };
  return { seed, ok: world.failures.length === 0 && !crashed, failures: world.failures, notes: world.notes, stats, scenario, trace: keepTrace ? lines : lines.slice(-60) };
}

/** Runs the clock until the promise settles (or a virtual minute passes). */
async function settle(world, promise, limitMs = 60_000) {
  let done = false;
  promise.then(
    () => (done = true),
    () => (done = true),
  );
  await world.clock.runUntil(() => done, world.clock.now + limitMs);
  if (!done) throw new Error(`an operation did not finish within ${limitMs} virtual ms`);
  return promise;
}

/** Heal everything, bring every device back, and run until all is quiet (or the limit). */
async function quiesce(world) {
  const { clock, network, server } = world;
  world.quiescing = true;
  world.trace('--- quiescence: faults stop, the network heals, every device comes back ---');
  network.heal();
  // Restarts and closes under way finish first.
  const busy = () => [...world.devices.map((d) => d.busy), world.serverBusy].filter(Boolean);
  await settle(world, Promise.allSettled(busy()), 120_000);
  if (!server.current) await settle(world, server.start());
  for (const device of world.devices) {
    device.browserOnline(true);
    if (!device.live) await settle(world, device.start(), 120_000);
  }
  const quiet = async () => {
    for (const d of world.devices) {
      const inc = d.live;
      if (!inc) return false;
      const s = inc.client.status;
      if (s.pending !== 0 || s.connection !== 'connected' || !s.connected) return false;
    }
    // A connection cut half-open before the heal still looks connected until the heartbeat
    // finds it: quiet means the views agree with the server too.
    return (await viewsEqualServer(world)).length === 0;
  };
  const deadline = clock.now + SETTLE_LIMIT_MS;
  while (clock.now < deadline) {
    await clock.runFor(1000);
    if ((await quiet()) && world.failures.length === 0) {
      // Let changes in flight land, then judge.
      await clock.runFor(5000);
      if (await quiet()) break;
    }
  }
  world.stats.settledAfterMs = clock.now;
}

async function teardown(world) {
  const closing = [];
  for (const d of world.devices) if (d.live) closing.push(d.close());
  if (closing.length) await settle(world, Promise.allSettled(closing), 120_000).catch(() => {});
  if (world.server.current) await settle(world, world.server.stop({ crash: false }), 120_000).catch(() => {});
  // The cores of crashed pages were never disposed (nobody could); free their wasm memory.
  for (const d of world.devices) {
    for (const inc of d.incarnations) {
      if (inc.client && inc.ended === 'crash') {
        try {
          inc.client.core.dispose();
        } catch {
          /* already */
        }
      }
    }
  }
}
