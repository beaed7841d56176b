// The Lambda@Edge session checker end to end: src/edge/handler.mjs with the
// real barrier_checker.wasm, packaged by `barrier package checker` for each
// configuration and unzipped (the zip's layout),
// CloudFront viewer-request fixtures (tests/node/fixtures/edge), and dynalite
// on loopback as the session table. The module builds and signs each GetItem
// itself; dynalite's GetItem count shows which decisions touched the table.
//
//   BARRIER_WASM_DIR=build/wasm node --test tests/node/edge_checker.test.mjs
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  CREDENTIALS, SIGNING_KEY, assertEdgeResponse, checkerConfig, closedPort,
  deleteSession, edgeSkipReason, fixture, headerValues, loadStagedHandler, newCookie, putSession,
  requestOf, sessionItem, stageHandler, startDynalite,
} from './fixtures/edge/support.mjs';

const skip = edgeSkipReason();

const scratch = [];
let db;

// Each call stages a separate folder: a fresh module instance (own cache).
const loadHandler = (config, env) => loadStagedHandler(config, scratch, env);

// Runs one event and returns the result and the number of GetItems it caused.
async function run(handler, event) {
  const before = db.getItems.length;
  const result = await handler(event);
  return { result, getItems: db.getItems.length - before };
}

// A generated response checked against Lambda@Edge's rules.
function expectResponse(result, status) {
  assertEdgeResponse(result);
  assert.equal(result.status, status);
  return result;
}

function expectLoginRedirect(result, target) {
  expectResponse(result, '307');
  assert.deepEqual(headerValues(result.headers, 'location'), [`/_identity/login?path=${encodeURIComponent(target)}`]);
  assert.match(headerValues(result.headers, 'set-cookie')[0], /^barrier=;.*Max-Age=0/);
}

describe('Lambda@Edge checker', { skip, timeout: 120000 }, () => {
  let handler;

  before(async () => {
    db = await startDynalite();
    handler = await loadHandler(checkerConfig(db.endpoint));
  });

  after(async () => {
    await db?.close();
    for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
  });

  // A valid session passes after one signed GetItem: the event's own request
  // goes on with the identity headers; Host and the other headers untouched.
  test('valid session passes with x-barrier-* headers', async () => {
    const cookie = newCookie();
    await putSession(db, cookie.storeKey);
    const event = fixture('navigation', cookie.value);
    const original = structuredClone(requestOf(event));
    const { result, getItems } = await run(handler, event);
    assert.equal(getItems, 1);
    assert.equal(result.uri, '/docs/page.html');
    assert.equal(result.querystring, 'tab=2');
    assert.equal(result.method, 'GET');
    assert.equal(result.clientIp, original.clientIp);
    const h = result.headers;
    assert.deepEqual(headerValues(h, 'x-barrier-user'), ['alice']);
    assert.deepEqual(headerValues(h, 'x-barrier-email'), ['alice@example.com']);
    assert.deepEqual(headerValues(h, 'x-barrier-groups'), ['users,editors']);
    assert.deepEqual(headerValues(h, 'x-barrier-session-id'), [cookie.storeKey]);
    for (const [name, list] of Object.entries(original.headers)) assert.deepEqual(h[name], list, name);
    for (const name of Object.keys(h)) assert.equal(name, name.toLowerCase());
  });

  // The GetItem is SigV4-signed with the runtime's credentials (session
  // token included), consistent, and sent to the configured endpoint.
  test('GetItem is signed with the environment credentials', async () => {
    const cookie = newCookie();
    await putSession(db, cookie.storeKey);
    await run(handler, fixture('navigation', cookie.value));
    const sent = db.getItems.at(-1);
    assert.match(sent.authorization, new RegExp(`^AWS4-HMAC-SHA256 Credential=${CREDENTIALS.AWS_ACCESS_KEY_ID}/\\d{8}/eu-west-1/dynamodb/aws4_request, SignedHeaders=[^,]*host`));
    assert.equal(sent['x-amz-security-token'], CREDENTIALS.AWS_SESSION_TOKEN);
    assert.match(sent['x-amz-date'], /^\d{8}T\d{6}Z$/);
    assert.equal(sent.host, new URL(db.endpoint).host);
  });

  // The session is cached in the module: a second request with the same
  // cookie is decided without DynamoDB.
  test('cache hit makes no DynamoDB call', async () => {
    const cookie = newCookie();
    await putSession(db, cookie.storeKey);
    assert.equal((await run(handler, fixture('navigation', cookie.value))).getItems, 1);
    const again = await run(handler, fixture('spoofed-identity', cookie.value));
    assert.equal(again.getItems, 0);
    assert.deepEqual(headerValues(again.result.headers, 'x-barrier-user'), ['alice']);
  });

  // Client-sent X-Barrier-* (also spelled with '_') never reach the
  // origin: replaced by the real identity on a pass.
  test('spoofed x-barrier-user is stripped', async () => {
    const cookie = newCookie();
    await putSession(db, cookie.storeKey, { username: 'bob', groups: ['users'] });
    const { result } = await run(handler, fixture('spoofed-identity', cookie.value));
    assert.deepEqual(headerValues(result.headers, 'x-barrier-user'), ['bob']);
    assert.deepEqual(headerValues(result.headers, 'x-barrier-groups'), ['users']);
    assert.deepEqual(headerValues(result.headers, 'x-barrier-session-id'), [cookie.storeKey]);
    // Also as CGI, WSGI and Rack read them: X_Barrier_User is X-Barrier-User.
    assert.equal(result.headers.x_barrier_user, undefined);
    assert.equal(result.headers['x-barrier_email'], undefined);
  });

  // An expired record is refused (expiry is checked in code: the table's TTL
  // deletion is only housekeeping).
  test('expired session is sent to login', async () => {
    const cookie = newCookie();
    await putSession(db, cookie.storeKey, { valid_until: Math.floor(Date.now() / 1000) - 5 });
    const { result, getItems } = await run(handler, fixture('navigation', cookie.value));
    assert.equal(getItems, 1);
    expectLoginRedirect(result, '/docs/page.html?tab=2');
  });

  // A revoked (deleted) session is refused.
  test('deleted session is sent to login', async () => {
    const cookie = newCookie();
    await putSession(db, cookie.storeKey);
    await deleteSession(db, cookie.storeKey);
    const { result, getItems } = await run(handler, fixture('navigation', cookie.value));
    assert.equal(getItems, 1);
    expectLoginRedirect(result, '/docs/page.html?tab=2');
  });

  // A well-signed cookie naming a live `login` record is no session
  // (docs/ARCHITECTURE.md, "Only live sessions pass").
  test('login record used as a session is refused', async () => {
    const cookie = newCookie();
    await putSession(db, cookie.storeKey, {
      kind: 'login', sub: '', username: '', email: '', groups: [],
      valid_until: Math.floor(Date.now() / 1000) + 300,
      secret: 'flow-secret', code_verifier: 'verifier', nonce: 'nonce', path: '/docs',
    });
    const { result, getItems } = await run(handler, fixture('navigation', cookie.value));
    assert.equal(getItems, 1);
    expectLoginRedirect(result, '/docs/page.html?tab=2');
  });

  // A forged MAC is refused without a store read.
  test('forged MAC makes no DynamoDB call', async () => {
    const forged = newCookie(Buffer.alloc(32, 9));
    await putSession(db, forged.storeKey);  // even a real record behind it
    const { result, getItems } = await run(handler, fixture('navigation', forged.value));
    assert.equal(getItems, 0);
    expectLoginRedirect(result, '/docs/page.html?tab=2');
  });

  // Malformed Cookie headers are refused without a store read; a malformed
  // neighbour never hides a valid cookie of ours.
  test('malformed cookie headers', async () => {
    const bad = await run(handler, fixture('malformed-cookies'));
    assert.equal(bad.getItems, 0);
    expectLoginRedirect(bad.result, '/');

    const cookie = newCookie();
    await putSession(db, cookie.storeKey);
    const event = fixture('malformed-cookies');
    requestOf(event).headers.cookie.push({ key: 'Cookie', value: `x=%%; barrier=${cookie.value}; ;=` });
    const good = await run(handler, event);
    assert.equal(good.getItems, 1);
    assert.deepEqual(headerValues(good.result.headers, 'x-barrier-user'), ['alice']);
  });

  // An oversized Cookie header (hundreds of forged values, 30 KB) costs a
  // bounded number of MAC checks and no store read.
  test('oversized cookie header', async () => {
    const values = Array.from({ length: 400 }, () => `barrier=${newCookie(Buffer.alloc(32, 3)).value}`);
    const event = fixture('navigation', 'x');
    requestOf(event).headers.cookie = [{ key: 'Cookie', value: values.join('; ') }];
    assert.ok(requestOf(event).headers.cookie[0].value.length > 30000);
    const { result, getItems } = await run(handler, event);
    assert.equal(getItems, 0);
    expectLoginRedirect(result, '/docs/page.html?tab=2');
  });

  // HTTP/2 browsers may send each cookie as a Cookie header of its own: a
  // session cookie among 100 of them still passes.
  test('one cookie per header (HTTP/2)', async () => {
    const cookie = newCookie();
    await putSession(db, cookie.storeKey);
    const event = fixture('navigation', cookie.value);
    const crumbs = Array.from({ length: 100 }, (_, i) => ({ key: 'cookie', value: `c${i}=${i}` }));
    crumbs.splice(57, 0, { key: 'cookie', value: `barrier=${cookie.value}` });
    requestOf(event).headers.cookie = crumbs;
    const { result, getItems } = await run(handler, event);
    assert.equal(getItems, 1);
    assert.deepEqual(headerValues(result.headers, 'x-barrier-user'), ['alice']);
  });

  // Public paths pass untouched but for spoofed identity headers.
  test('public path passes without a session', async () => {
    const event = fixture('public');
    const { result, getItems } = await run(handler, event);
    assert.equal(getItems, 0);
    assert.equal(result.uri, '/public/logo.png');
    assert.equal(result.headers['x-barrier-user'], undefined);
    assert.equal(result.headers.x_barrier_groups, undefined);
    assert.deepEqual(headerValues(result.headers, 'host'), ['www.example.com']);
  });

  // XHR without a session: 401 JSON, not a redirect the script cannot follow.
  test('XHR without a session gets 401', async () => {
    const forged = newCookie(Buffer.alloc(32, 1));
    const { result } = await run(handler, fixture('xhr', forged.value));
    expectResponse(result, '401');
    assert.deepEqual(headerValues(result.headers, 'content-type'), ['application/json']);
    assert.equal(JSON.parse(result.body).error, 'unauthenticated');
  });

  // Valid session but the path's rule needs a group: a 403 page.
  test('access rule gives 403', async () => {
    const cookie = newCookie();
    await putSession(db, cookie.storeKey);
    const event = fixture('navigation', cookie.value);
    requestOf(event).uri = '/admin/settings';
    expectResponse((await run(handler, event)).result, '403');
  });

  // Events that are not viewer requests get the 503, never a pass or a throw.
  test('malformed events fail closed', async () => {
    for (const event of [undefined, {}, { Records: [] }, { Records: [{ cf: { request: { uri: 5 } } }] }]) {
      expectResponse(await handler(event), '503');
    }
  });

  // Logs carry no cookie value, id, credential or session token.
  test('no secrets in logs', async () => {
    const debugHandler = await loadHandler(checkerConfig(db.endpoint, { server: { log_level: 'debug' } }));
    const lines = [];
    const original = console.log;
    console.log = (line) => lines.push(String(line));
    const cookie = newCookie();
    try {
      await putSession(db, cookie.storeKey);
      await debugHandler(fixture('navigation', cookie.value));
      await debugHandler(fixture('navigation', newCookie(Buffer.alloc(32, 9)).value));
    } finally {
      console.log = original;
    }
    assert.ok(lines.length > 0, 'debug logging is on');
    const text = lines.join('\n');
    for (const secret of [cookie.value.split('.')[0], cookie.storeKey, CREDENTIALS.AWS_SECRET_ACCESS_KEY,
      CREDENTIALS.AWS_SESSION_TOKEN, SIGNING_KEY.toString('base64')]) {
      assert.ok(!text.includes(secret), 'a secret reached the log');
    }
  });

  // DynamoDB unreachable (a closed port): 503 with Retry-After, fail closed;
  // a browser gets a page, a script JSON.
  test('DynamoDB unreachable gives 503', async () => {
    const port = await closedPort();
    const down = await loadHandler(checkerConfig(`http://127.0.0.1:${port}`, { server: { log_level: 'error' } }));
    const cookie = newCookie();
    const page = expectResponse(await down(fixture('navigation', cookie.value)), '503');
    assert.deepEqual(headerValues(page.headers, 'retry-after'), ['7']);
    const api = expectResponse(await down(fixture('xhr', cookie.value)), '503');
    assert.deepEqual(headerValues(api.headers, 'retry-after'), ['7']);
  });

  // Throttling is retried after the module's back-off: a table that says
  // "come back later" once still lets the session in.
  test('throttled DynamoDB is retried', async () => {
    const cookie = newCookie();
    const seen = [];
    const server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c) => { body += c; });
      req.on('end', () => {
        seen.push({ at: performance.now(), body, authorization: req.headers.authorization });
        res.setHeader('content-type', 'application/x-amz-json-1.0');
        if (seen.length === 1) {
          res.statusCode = 400;
          res.end(JSON.stringify({
            __type: 'com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException',
            message: 'Rate of requests exceeds the allowed throughput.',
          }));
        } else {
          res.end(JSON.stringify({ Item: sessionItem(cookie.storeKey) }));
        }
      });
    });
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const endpoint = `http://127.0.0.1:${server.address().port}`;
      const throttled = await loadHandler(checkerConfig(endpoint, { server: { log_level: 'error' } }));
      const result = await throttled(fixture('navigation', cookie.value));
      assert.deepEqual(headerValues(result.headers, 'x-barrier-user'), ['alice']);
      assert.equal(seen.length, 2);
      assert.ok(seen[1].at - seen[0].at >= 12, `waited ${seen[1].at - seen[0].at} ms`);
      assert.equal(seen[1].body, seen[0].body);
      assert.match(seen[1].authorization, /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLEEDGE\//);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  // The store reads of one event share a budget under Lambda@Edge's 5 s
  // limit: four well-signed cookies whose reads each take 1.5 s get the
  // handler's own 503 (Retry-After) after the third read, not CloudFront's
  // error page after a 6 s wait. The handler's clock (Date.now) is the fake
  // store's: each read moves it on 1.5 s and is answered at once, so the
  // budget is spent on that clock whatever the machine's load.
  test('slow store reads end in 503 within the budget', async () => {
    const realNow = Date.now;
    const start = realNow();
    let elapsed = 0;
    let reads = 0;
    const server = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        reads += 1;
        elapsed += 1500;
        res.setHeader('content-type', 'application/x-amz-json-1.0');
        res.end('{}');  // no such session
      });
    });
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const endpoint = `http://127.0.0.1:${server.address().port}`;
      const slow = await loadHandler(checkerConfig(endpoint, { server: { log_level: 'error' } }));
      const event = fixture('navigation', newCookie().value);
      const values = [0, 1, 2, 3].map(() => `barrier=${newCookie().value}`);
      event.Records[0].cf.request.headers.cookie = [{ key: 'Cookie', value: values.join('; ') }];
      Date.now = () => start + elapsed;
      let result;
      try {
        result = await slow(event);
      } finally {
        Date.now = realNow;
      }
      const page = expectResponse(result, '503');
      assert.deepEqual(headerValues(page.headers, 'retry-after'), ['7']);
      assert.equal(reads, 3, 'the fourth read was sent past the budget');
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  // Without credentials in the environment no request can be signed: every
  // store read is a 503 and nothing is sent.
  test('missing credentials fail closed', async () => {
    const bare = await loadHandler(checkerConfig(db.endpoint, { server: { log_level: 'error' } }), {});
    const cookie = newCookie();
    await putSession(db, cookie.storeKey);
    const { result, getItems } = await run(bare, fixture('navigation', cookie.value));
    assert.equal(getItems, 0);
    expectResponse(result, '503');
    // Decisions that need no store still work.
    assert.equal((await bare(fixture('public'))).uri, '/public/logo.png');
  });

  // The handler needs process.getBuiltinModule (Node 20.16+, 22.3+). On an
  // older Node it says so once, at start-up, and every request is a 503,
  // public paths included: the module never ran.
  test('a Node without process.getBuiltinModule fails closed', async () => {
    const getBuiltinModule = process.getBuiltinModule;
    const lines = [];
    const original = console.log;
    let old;
    delete process.getBuiltinModule;
    console.log = (line) => lines.push(String(line));
    try {
      old = await loadHandler(checkerConfig(db.endpoint, { server: { log_level: 'error' } }));
      expectResponse(await old(fixture('public')), '503');
      expectResponse(await old(fixture('navigation', newCookie().value)), '503');
    } finally {
      console.log = original;
      process.getBuiltinModule = getBuiltinModule;
    }
    assert.ok(lines.some((line) => line.includes('"edge.init"') && line.includes('getBuiltinModule') &&
      line.includes('nodejs22.x')), lines.join('\n'));
  });

  // allowed_hosts: a navigation to another listed host (an alias of the
  // distribution) signs in on site_url's host with an absolute return URL,
  // and the cleared cookie names the cookie domain; a Host not listed
  // signs in as before.
  test('a second host signs in on the site and returns there', async () => {
    const hosts = await loadHandler(checkerConfig(db.endpoint, {
      site_url: 'https://app.example.com',
      session: {
        cookie_name: 'barrier', cookie_domain: 'example.com',
        signing_keys: [SIGNING_KEY.toString('base64')],
      },
      allowed_hosts: ['docs.example.com'],
    }));
    const onHost = (host) => {
      const event = fixture('navigation', newCookie().value);
      requestOf(event).headers.host = [{ key: 'Host', value: host }];
      return event;
    };
    const { result } = await run(hosts, onHost('Docs.Example.com'));
    expectResponse(result, '307');
    assert.deepEqual(headerValues(result.headers, 'location'), [
      `https://app.example.com/_identity/login?path=${encodeURIComponent('https://docs.example.com/docs/page.html?tab=2')}`]);
    assert.match(headerValues(result.headers, 'set-cookie')[0], /^barrier=;.*; Domain=example\.com;.*Max-Age=0/);
    for (const host of ['docs.example.com.evil', 'app.example.com', 'evil.example.com']) {
      const { result: other } = await run(hosts, onHost(host));
      expectResponse(other, '307');
      assert.deepEqual(headerValues(other.headers, 'location'),
        [`/_identity/login?path=${encodeURIComponent('/docs/page.html?tab=2')}`], host);
    }
  });

  // A plain-HTTP endpoint off loopback is refused by the packager (the
  // configuration's validation) and, should checker.settings name one all
  // the same, by the handler's transport: the signed request would carry the
  // session token in the clear. Every check then fails closed.
  test('plain HTTP endpoint off loopback is refused', async () => {
    const remote = checkerConfig('http://dynamodb.example.com:8000', { server: { log_level: 'error' } });
    assert.throws(() => stageHandler(mkdtempSync(path.join(os.tmpdir(), 'barrier-edge-')), remote),
      /store\.endpoint/);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'barrier-edge-'));
    scratch.push(dir);
    const file = stageHandler(dir, checkerConfig(db.endpoint, { server: { log_level: 'error' } }));
    const settings = path.join(dir, 'checker.settings');
    writeFileSync(settings, readFileSync(settings, 'utf8').replace(/^store\.endpoint .*$/m,
      `store.endpoint ${encodeURIComponent('http://dynamodb.example.com:8000')}`));
    const { handler: tampered } = await import(pathToFileURL(file).href);
    const { result, getItems } = await run(tampered, fixture('navigation', newCookie().value));
    expectResponse(result, '503');
    assert.equal(getItems, 0);
  });
});
