// The short load test inside npm test: 24 real SyncClients (groups of 8 sharing a collection)
// write for 5 s against two sync server instances (each its own process) on one throwaway
// PostgreSQL, on loopback, with every push frame sent twice and every 20th ack lost (the server
// drops the connection after applying): nothing lost, nothing duplicated (checked per key in the
// database), cursors gap-free, all converge. The full run (1,000 clients, 60 s) is
// `npm run test:load`. No timing assertions here: the figures are printed, not judged.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runLoad } from '../load/load.js';

test('24 clients on 2 instances × 5 s on PostgreSQL, pushes duplicated, acks lost: every key applied once, every mutation acked, all converge', { timeout: 150_000 }, async (t) => {
  const r = await runLoad({ clients: 24, seconds: 5, instances: 2, db: 'postgres', group: 8, workers: 1, intervalMs: 500, entities: 4, dropAckEvery: 20, duplicatePushes: true });
  t.diagnostic(JSON.stringify({ accepted: r.accepted, applied: r.appliedChanges, droppedAcks: r.droppedAcks, ackLatencyMs: r.ackLatencyMs, reconnects: r.reconnects, probeAckLatencyMs: r.probe.ackLatencyMs, servers: r.servers }));
  assert.ok(r.droppedAcks > 0, 'some acks were lost');
  assert.ok(r.accepted > 24, `clients wrote (${r.accepted} mutations)`);
  assert.equal(r.drained, true, 'every outbox drained');
  assert.equal(r.duplicates, 0, 'no key applied twice');
  assert.equal(r.lostKeys, 0, 'every pushed key applied');
  assert.equal(r.unexpectedKeys, 0, 'nothing applied that a client did not push');
  assert.equal(r.acked, r.accepted, 'every accepted mutation acked');
  assert.deepEqual([r.failed, r.unsettled, r.deadLetters, r.lostWrites], [0, 0, 0, 0]);
  assert.ok(r.pushedKeys <= r.accepted && r.appliedChanges === r.pushedKeys, 'one application per key');
  assert.equal(r.okAnswers, r.appliedChanges, 'one stored answer per applied key');
  assert.equal(r.gapFree, true, 'committed cursors are 1..head with no hole');
  assert.ok(r.created > 0);
  assert.equal(r.serverEntities, r.created, 'one entity per create: a create pushed twice made one');
  assert.equal(r.converged, 24, 'every client holds the server state (writes made on the other instance included)');
  assert.equal(r.ok, true);
});
