// The Lambda@Edge checker and session.idle_timeout: a pass whose session is
// due a touch sends the module's signed, conditional UpdateItem of
// last_seen (and still passes when that write fails); a session idle for
// idle_timeout is refused. src/edge/handler.mjs with the real module,
// packaged by `barrier package checker`, against dynalite on loopback.
//
//   BARRIER_WASM_DIR=build/wasm node --test tests/node/edge_idle.test.mjs
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import http from 'node:http';
import {
  TABLE, checkerConfig, edgeSkipReason, fixture, headerValues, loadStagedHandler, newCookie,
  sessionItem, startDynalite,
} from './fixtures/edge/support.mjs';

const skip = edgeSkipReason();
const kIdle = 600;  // touch_interval: 60 s by default

const scratch = [];
let db;
let proxy;

// A pass-through to dynalite that counts UpdateItems and, when told,
// answers them 500 (DynamoDB's InternalServerError) without passing them on.
async function startProxy(target) {
  const state = { updates: 0, failWrites: false };
  const server = http.createServer((req, res) => {
    const update = req.headers['x-amz-target'] === 'DynamoDB_20120810.UpdateItem';
    if (update) state.updates += 1;
    if (update && state.failWrites) {
      req.resume();
      res.writeHead(500, { 'content-type': 'application/x-amz-json-1.0' });
      res.end('{"__type":"com.amazonaws.dynamodb.v20120810#InternalServerError","message":"down"}');
      return;
    }
    const url = new URL(target);
    const forward = http.request({
      hostname: url.hostname, port: url.port, path: req.url, method: req.method, headers: req.headers,
    }, (answer) => {
      res.writeHead(answer.statusCode, answer.headers);
      answer.pipe(res);
    });
    forward.on('error', () => res.destroy());
    req.pipe(forward);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.endpoint = `http://127.0.0.1:${server.address().port}`;
  state.close = () => new Promise((resolve) => {
    server.closeAllConnections?.();
    server.close(() => resolve());
  });
  return state;
}

const loadHandler = (config) => loadStagedHandler(config, scratch);

const nowSeconds = () => Math.floor(Date.now() / 1000);

async function putSessionItem(storeKey, over, lastSeen) {
  const item = sessionItem(storeKey, over);
  if (lastSeen !== undefined) item.last_seen = { N: String(lastSeen) };
  await db.call('PutItem', { TableName: TABLE, Item: item });
}

async function lastSeenOf(storeKey) {
  const { Item } = await db.call('GetItem', {
    TableName: TABLE, Key: { session_id: { S: storeKey } }, ConsistentRead: true,
  });
  return Item?.last_seen ? Number(Item.last_seen.N) : undefined;
}

describe('Lambda@Edge checker with session.idle_timeout', { skip, timeout: 120000 }, () => {
  let handler;

  before(async () => {
    db = await startDynalite();
    proxy = await startProxy(db.endpoint);
    const config = checkerConfig(proxy.endpoint);
    config.session = { ...config.session, idle_timeout: kIdle };
    handler = await loadHandler(config);
  });

  after(async () => {
    await proxy?.close();
    await db?.close();
    for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
  });

  // A session last active over touch_interval ago passes, and the event
  // writes last_seen (= now) to its item; the next request, from the cache,
  // passes without another write.
  test('a pass due a touch writes last_seen', async () => {
    const cookie = newCookie();
    const start = nowSeconds();
    await putSessionItem(cookie.storeKey, { created_at: start - 120 });
    const result = await handler(fixture('navigation', cookie.value));
    assert.deepEqual(headerValues(result.headers, 'x-barrier-user'), ['alice']);
    const touched = await lastSeenOf(cookie.storeKey);
    assert.ok(touched >= start && touched <= nowSeconds(), `last_seen ${touched}`);

    const updates = proxy.updates;
    const again = await handler(fixture('navigation', cookie.value));
    assert.deepEqual(headerValues(again.headers, 'x-barrier-user'), ['alice']);
    assert.equal(proxy.updates, updates, 'no second touch within touch_interval');
  });

  // A session touched recently passes with no write at all.
  test('a pass not due a touch writes nothing', async () => {
    const cookie = newCookie();
    await putSessionItem(cookie.storeKey, { created_at: nowSeconds() - 5 });
    const updates = proxy.updates;
    const result = await handler(fixture('navigation', cookie.value));
    assert.equal(proxy.updates, updates);
    assert.deepEqual(headerValues(result.headers, 'x-barrier-user'), ['alice']);
    assert.equal(await lastSeenOf(cookie.storeKey), undefined);
  });

  // Unused for idle_timeout (by last_seen, though valid_until is hours
  // away): sent to login like an expired session.
  test('an idle session is sent to login', async () => {
    const cookie = newCookie();
    const now = nowSeconds();
    await putSessionItem(cookie.storeKey, { created_at: now - 3000 }, now - kIdle - 5);
    const result = await handler(fixture('navigation', cookie.value));
    assert.equal(result.status, '307');
    assert.match(headerValues(result.headers, 'location')[0], /^\/_identity\/login\?path=/);
  });

  // A touch DynamoDB refuses (here a 500 for every UpdateItem) never
  // refuses the request it belongs to.
  test('a failed touch still passes', async () => {
    const cookie = newCookie();
    await putSessionItem(cookie.storeKey, { created_at: nowSeconds() - 120 });
    proxy.failWrites = true;
    try {
      const before = proxy.updates;
      const result = await handler(fixture('navigation', cookie.value));
      assert.deepEqual(headerValues(result.headers, 'x-barrier-user'), ['alice']);
      assert.equal(proxy.updates - before, 1, 'the touch was sent');
      assert.equal(await lastSeenOf(cookie.storeKey), undefined);
    } finally {
      proxy.failWrites = false;
    }
  });
});
