// Who sees what: authenticate (a JWT on jose) + row-level rules, seed 000's groups, removals
// when access is lost (the row moves, or the user's new token has fewer rights), refreshed tokens
// on the same connection. Raw `ws` clients and a real client; waits on messages, never sleeps
// (except for a JWT's expiry, which is time itself).
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { SignJWT, generateKeyPair, exportSPKI } from 'jose';
import { startSyncServer } from '../../server/sync_server.js';
import { jwtAuthenticate } from '../../server/jwt.js';
import { groupRules } from '../../server/examples/groups.js';
import { createSyncClient } from '../../js/node.js';
import { rawClient, creation, update } from '../support/raw_client.js';
import { untilClient } from './helpers.js';

const T = { timeout: 30_000 };
const SECRET = 'a-test-secret-of-at-least-32-bytes!!';
const about = (id) => (m) => m.type?.startsWith('entity_') && String(m.id) === String(id);

function sign(claims, { secret = SECRET, expiresIn = '10m', alg = 'HS256', key } = {}) {
  const jwt = new SignJWT(claims).setProtectedHeader({ alg }).setIssuedAt().setIssuer('test-issuer');
  if (expiresIn != null) jwt.setExpirationTime(expiresIn);
  return jwt.sign(key ?? new TextEncoder().encode(secret));
}

async function serve(t, options) {
  const srv = await startSyncServer({ logger: { error() {} }, ...options });
  const open = [];
  t.after(async () => {
    open.forEach((c) => c.close());
    await srv.close();
  });
  srv.raw = async (hello) => {
    const c = await rawClient(srv.url);
    open.push(c);
    if (hello) assert.equal((await c.hello(hello)).type, 'welcome', JSON.stringify(c.welcome));
    return c;
  };
  return srv;
}

describe('JWT authentication (jose)', () => {
  test('HS256: a valid token is welcomed as its sub; bad signature, wrong issuer, expired, no sub -> unauthorized', T, async (t) => {
    const srv = await serve(t, { authenticate: jwtAuthenticate({ secret: SECRET, issuer: 'test-issuer' }) });
    const ok = await srv.raw();
    assert.equal((await ok.hello({ clientId: 'c1', token: await sign({ sub: 'ann' }) })).userId, 'ann');
    const bad = [
      await sign({ sub: 'ann' }, { secret: 'another-secret-of-at-least-32-bytes!' }),
      await new SignJWT({ sub: 'ann' }).setProtectedHeader({ alg: 'HS256' }).setIssuer('elsewhere').sign(new TextEncoder().encode(SECRET)),
      await sign({ sub: 'ann' }, { expiresIn: Math.floor(Date.now() / 1000) - 60 }),
      await sign({ role: 'x' }),
      'not.a.jwt',
    ];
    for (const [i, token] of bad.entries()) {
      const c = await srv.raw();
      const e = await c.hello({ clientId: `b${i}`, token });
      assert.deepEqual([e.type, e.code], ['error', 'unauthorized'], `bad token ${i}`);
      assert.equal((await c.closed).code, 1008);
    }
  });

  test('RS256 with a PEM public key', T, async (t) => {
    const { publicKey, privateKey } = await generateKeyPair('RS256');
    const srv = await serve(t, { authenticate: jwtAuthenticate({ publicKey: await exportSPKI(publicKey) }) });
    const c = await srv.raw();
    assert.equal((await c.hello({ clientId: 'c1', token: await sign({ sub: 'bo' }, { alg: 'RS256', key: privateKey }) })).userId, 'bo');
    const forged = await srv.raw();
    assert.equal((await forged.hello({ clientId: 'c2', token: await sign({ sub: 'bo' }) })).code, 'unauthorized', 'an HS256 token is not accepted');
  });

  test('a token that expires mid-connection: pushes get class auth; a fresh token in an auth message resumes on the same socket', T, async (t) => {
    const srv = await serve(t, { authenticate: jwtAuthenticate({ secret: SECRET, clockToleranceSec: 0 }) });
    const c = await srv.raw();
    const exp = Math.floor(Date.now() / 1000) + 1;
    await c.hello({ clientId: 'c1', token: await sign({ sub: 'ann' }, { expiresIn: exp }) });
    while (Date.now() < exp * 1000) await new Promise((resolve) => setTimeout(resolve, 50));
    const refused = (await c.push([creation('c1:1', 'notes')])).results[0];
    assert.deepEqual([refused.status, refused.class], ['error', 'auth']);
    c.send({ type: 'auth', token: await sign({ sub: 'ann' }) });
    assert.equal((await c.next('welcome')).userId, 'ann');
    const ok = (await c.push([creation('c1:1', 'notes')])).results[0];
    assert.equal(ok.status, 'ok');
    assert.equal(srv.connections().length, 1, 'the same connection throughout');
  });

  test('a real client refreshes its token with setToken without dropping the connection', T, async (t) => {
    const srv = await serve(t, { authenticate: jwtAuthenticate({ secret: SECRET }) });
    let upgrades = 0;
    srv.server.on('upgrade', () => upgrades++);
    const client = await createSyncClient({ url: srv.url, token: await sign({ sub: 'ann' }), collections: { notes: {} } });
    t.after(() => client.close());
    await untilClient(client, () => client.status.connected, 'connected');
    const before = srv.connections()[0].id;
    client.setToken(await sign({ sub: 'ann', fresh: true }));
    const done = client.collection('notes').create({ text: 'after refresh' });
    assert.equal((await done.result).status, 'acked');
    assert.deepEqual([upgrades, srv.connections().length, srv.connections()[0].id], [1, 1, before]);
  });
});

describe("seed 000's groups (server/examples/groups.js)", () => {
  const users = {
    root: { id: 'root', role: 'SUPER_ADMIN' },
    admin1: { id: 'admin1', role: 'INSTITUTION_ADMIN', institutionId: 1 },
    admin2: { id: 'admin2', role: 'INSTITUTION_ADMIN', institutionId: 2 },
    sup1: { id: 'sup1', role: 'SUPERVISOR', institutionId: 1, departmentId: 10 },
    stu1: { id: 'stu1', role: 'STUDENT', institutionId: 1, departmentId: 10 },
    stu2: { id: 'stu2', role: 'STUDENT', institutionId: 1, departmentId: 11 },
  };
  const groupsServer = (t) => serve(t, { authenticate: (token) => users[token] ?? null, authorize: groupRules() });

  test('each role sees the rows of its groups: fan-out and catch-up', T, async (t) => {
    const srv = await groupsServer(t);
    const conns = {};
    for (const name of Object.keys(users)) conns[name] = await srv.raw({ clientId: `c-${name}`, token: name });
    const rows = {
      evalD10: { institutionId: 1, departmentId: 10, userId: 'stu1' },
      courseD11: { institutionId: 1, departmentId: 11 },
      inst2: { institutionId: 2, departmentId: 20 },
    };
    const ids = {};
    for (const [name, data] of Object.entries(rows)) {
      const r = (await conns.root.push([creation(`c-root:${name}`, 'evaluations', data, name)])).results[0];
      assert.equal(r.status, 'ok');
      ids[name] = r.id;
    }
    const expected = {
      root: ['evalD10', 'courseD11', 'inst2'],
      admin1: ['evalD10', 'courseD11'],
      admin2: ['inst2'],
      sup1: ['evalD10'],
      stu1: ['evalD10'],
      stu2: ['courseD11'],
    };
    for (const [name, c] of Object.entries(conns)) {
      await c.roundTrip();
      const live = c.inbox.filter((m) => m.type === 'entity_created').map((m) => m.id);
      assert.deepEqual(live.sort(), expected[name].map((r) => ids[r]).sort(), `live: ${name}`);
      c.send({ type: 'sync_request', cursor: 0 });
      const res = await c.next('sync_response');
      assert.deepEqual(res.changes.map((x) => x.id).sort(), expected[name].map((r) => ids[r]).sort(), `catch-up: ${name}`);
    }
  });

  test('writes by role: a student only its own rows, a supervisor its department, an admin its institution', T, async (t) => {
    const srv = await groupsServer(t);
    const stu1 = await srv.raw({ clientId: 'c-stu1', token: 'stu1' });
    const sup1 = await srv.raw({ clientId: 'c-sup1', token: 'sup1' });
    const admin1 = await srv.raw({ clientId: 'c-admin1', token: 'admin1' });
    const status = async (c, m) => {
      const r = (await c.push([m])).results[0];
      return r.status === 'error' ? r.class : r.status;
    };
    assert.equal(await status(stu1, creation('c-stu1:1', 'evaluations', { userId: 'stu1', departmentId: 10, institutionId: 1 }, 'own')), 'ok');
    assert.equal(await status(stu1, creation('c-stu1:2', 'evaluations', { userId: 'stu9', departmentId: 10, institutionId: 1 }, 'not-own')), 'forbidden');
    assert.equal(await status(sup1, creation('c-sup1:1', 'courses', { departmentId: 10, institutionId: 1 }, 'c10')), 'ok');
    assert.equal(await status(sup1, creation('c-sup1:2', 'courses', { departmentId: 11, institutionId: 1 }, 'c11')), 'forbidden');
    assert.equal(await status(admin1, creation('c-admin1:1', 'courses', { departmentId: 11, institutionId: 1 }, 'c11')), 'ok');
    assert.equal(await status(admin1, update('c-admin1:2', 'courses', 'c11', { institutionId: 2 }, 1)), 'forbidden');
  });

  test('a row moved to another department is removed from the clients that no longer see it; its new readers get it', T, async (t) => {
    const srv = await groupsServer(t);
    const sup1 = await srv.raw({ clientId: 'c-sup1', token: 'sup1' });
    const stu2 = await srv.raw({ clientId: 'c-stu2', token: 'stu2' });
    const admin1 = await srv.raw({ clientId: 'c-admin1', token: 'admin1' });
    await admin1.push([creation('c-admin1:1', 'courses', { departmentId: 10, institutionId: 1, title: 'Algebra' }, 'alg')]);
    assert.equal((await sup1.next(about('alg'))).type, 'entity_created');
    await admin1.push([update('c-admin1:2', 'courses', 'alg', { departmentId: 11 }, 1)]);
    const removal = await sup1.next(about('alg'));
    assert.deepEqual([removal.type, removal.version, removal.data], ['entity_deleted', 2, undefined]);
    const arrival = await stu2.next(about('alg'));
    assert.deepEqual([arrival.type, arrival.data.title], ['entity_updated', 'Algebra']);
  });

  test("a user's new token with fewer rights: removals for what they can no longer read, on the same connection", T, async (t) => {
    const moved = { ...users.sup1, departmentId: 12 };
    const table = { ...users, 'sup1-moved': moved };
    const srv = await serve(t, { authenticate: (token) => table[token] ?? null, authorize: groupRules() });
    const root = await srv.raw({ clientId: 'c-root', token: 'root' });
    await root.push([creation('c-root:1', 'courses', { departmentId: 10, institutionId: 1 }, 'd10'), creation('c-root:2', 'courses', { institutionId: 1, departmentId: 12 }, 'd12')]);
    const sup = await srv.raw({ clientId: 'c-sup1', token: 'sup1' });
    sup.send({ type: 'auth', token: 'sup1-moved' });
    await sup.next('welcome');
    const gone = await sup.next(about('d10'));
    assert.equal(gone.type, 'entity_deleted');
    await sup.roundTrip();
    assert.equal(sup.inbox.filter(about('d12')).length, 0, 'readable with the new rights: not removed');
  });

  test('a real client: a row moved out of reach while it was offline is gone after catch-up', T, async (t) => {
    const srv = await groupsServer(t);
    const admin1 = await srv.raw({ clientId: 'c-admin1', token: 'admin1' });
    await admin1.push([creation('c-admin1:1', 'courses', { departmentId: 10, institutionId: 1 }, 'alg')]);
    const client = await createSyncClient({ url: srv.url, token: 'stu1', collections: { courses: {} } });
    client.on('error', () => {});
    t.after(() => client.close());
    await untilClient(client, () => client.collection('courses').get('alg'), 'the student has the course');
    client.goOffline();
    await untilClient(client, () => !client.status.connected, 'offline');
    await admin1.push([update('c-admin1:2', 'courses', 'alg', { departmentId: 11 }, 1)]);
    client.goOnline();
    await untilClient(client, () => client.status.connected && !client.collection('courses').get('alg'), 'removed after catch-up');
  });
});
