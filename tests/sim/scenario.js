// What happens during a run: the users' edits (workload) and the faults, both drawn from the seed
// and scheduled on the virtual clock. Both stop when quiescence begins.

/** Exponential gaps: a Poisson process of `perMinute` events. */
function nextGap(rng, perMinute) {
  return Math.max(1, Math.round((-Math.log(1 - rng.float()) * 60_000) / perMinute));
}

function every(world, rng, perMinute, fn) {
  if (!perMinute) return;
  const { clock, scenario } = world;
  const tick = () => {
    if (world.quiescing || clock.now >= scenario.durationMs) return;
    fn();
    clock.schedule(nextGap(rng, perMinute), tick);
  };
  clock.schedule(nextGap(rng, perMinute), tick);
}

/** One edit a user might make on this device, given what it sees. */
function drawOp(world, device, rng) {
  const collection = rng.pick(Object.keys(world.collections));
  const rows = device.live.client.collection(collection).list();
  const r = rng.float();
  if (rows.length === 0 || r < 0.35) {
    const mark = `${device.name}-${++device.marks}`;
    const data = { mark, n: rng.int(0, 99), by: device.name };
    // Half with an id the app chose; half without: a temp id the server replaces (items, named by
    // the server) or a UUIDv7 the client made (notes).
    if (rng.chance(0.5)) data.id = `${collection[0]}-${mark}`;
    return { kind: 'create', collection, data };
  }
  const row = rng.pick(rows);
  if (r < 0.9) {
    const field = rng.pick(['a', 'b', 'c', 'n']);
    const data = { [field]: rng.int(0, 999), last: `${device.name}@${Math.round(world.clock.now)}` };
    if (rng.chance(0.1)) data.nested = { x: rng.int(0, 9), y: rng.chance(0.5) ? null : 'y' };
    return { kind: 'update', collection, id: row.id, data };
  }
  return { kind: 'delete', collection, id: row.id };
}

export function scheduleWorkload(world, rng) {
  const { scenario } = world;
  for (const device of world.devices) {
    const deviceRng = rng.fork();
    every(world, deviceRng, scenario.opsPerSecond * 60, () => {
      if (!device.live) return;
      const n = deviceRng.chance(scenario.burstChance) ? deviceRng.int(3, 20) : 1;
      for (let i = 0; i < n && device.live; i++) device.mutate(drawOp(world, device, deviceRng));
    });
  }
}

export function scheduleFaults(world, rng) {
  const { scenario, clock, network, server } = world;
  const restartLater = (device, why) => {
    clock.schedule(rng.int(50, 15_000), () => {
      if (!device.live && !device.starting) {
        world.trace(`${device.name} restarts (${why})`);
        device.start();
      }
    });
  };

  every(world, rng, scenario.crashesPerMinute, () => {
    const device = rng.pick(world.devices);
    if (!device.live && !device.starting) return;
    // Sometimes right after an edit: the group-commit window.
    if (device.live && rng.chance(0.3)) device.mutate(drawOp(world, device, rng));
    device.crash();
    restartLater(device, 'after crash');
  });

  every(world, rng, scenario.closesPerMinute, () => {
    const device = rng.pick(world.devices);
    if (!device.live) return;
    // The pattern of item 1: an edit, then close() at once.
    if (rng.chance(0.5)) device.mutate(drawOp(world, device, rng));
    device.close().then(() => restartLater(device, 'after close'));
  });

  every(world, rng, scenario.serverRestartsPerMinute, () => {
    if (world.serverBusy || !server.current) return;
    const crash = rng.chance(0.5);
    world.serverBusy = server
      .stop({ crash })
      .then(() => new Promise((resolve) => clock.schedule(rng.int(100, 20_000), resolve)))
      .then(() => server.start())
      .finally(() => {
        world.serverBusy = null;
      });
  });

  const machineOf = (device) => world.devices.filter((d) => d.machine === device.machine);

  every(world, rng, scenario.offlinePerMinute, () => {
    const { machine } = rng.pick(world.devices);
    if (network.offline.has(machine)) return;
    const tabs = world.devices.filter((d) => d.machine === machine);
    const browserKnows = rng.chance(0.5);
    world.trace(`${machine} goes offline${browserKnows ? ' (the browser says so)' : ' (silently)'}`);
    network.setOffline(machine, true);
    if (browserKnows) for (const d of tabs) d.browserOnline(false);
    clock.schedule(rng.int(500, 40_000), () => {
      if (world.quiescing) return; // quiescence heals it
      world.trace(`${machine} back online`);
      network.setOffline(machine, false);
      for (const d of tabs) d.browserOnline(true);
    });
  });

  every(world, rng, scenario.clockJumpsPerMinute, () => {
    const delta = rng.pick([-20_000, -3_600_000, 20_000, 3_600_000, -500]);
    for (const d of machineOf(rng.pick(world.devices))) d.jumpClock(delta);
  });

  // A page hides and goes (a reload, a closed tab, a mobile browser discarding it): the app saves
  // a draft in its pagehide handler.
  every(world, rng, scenario.unloadsPerMinute, () => {
    const device = rng.pick(world.devices);
    if (!device.live) return;
    device.unload(rng.pick([100, 500, 2000]), drawOp(world, device, rng));
    clock.schedule(2000, () => restartLater(device, 'after pagehide'));
  });

  // Single connections cut now and then (a proxy, a mobile handover).
  every(world, rng, 2, () => {
    const conns = [...network.connections].filter((c) => !c.broken);
    if (conns.length) network.cut(rng.pick(conns), 'connection reset');
  });
}

/**
 * A control for the checkers (tests only): device d1 goes offline, makes three edits, and once
 * they are durable its disk is wiped and the page crashes: writes the product had made durable
 * are gone, which the checkers must report.
 */
export function scheduleSabotage(world, rng, kind) {
  if (kind !== 'wipe-disk') throw new Error(`unknown sabotage ${kind}`);
  const { clock, network } = world;
  const device = world.devices[0];
  const at = Math.floor(world.scenario.durationMs / 2);
  clock.schedule(at, () => {
    network.setOffline(device.machine, true);
    for (let i = 0; i < 3 && device.live; i++) device.mutate(drawOp(world, device, rng));
    clock.schedule(2000, () => {
      world.trace(`SABOTAGE: ${device.name}'s disk is wiped`);
      device.crash();
      device.wipeDisk();
      network.setOffline(device.machine, false);
      device.start();
    });
  });
}
