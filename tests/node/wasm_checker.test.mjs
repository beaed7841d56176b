// The checker compiled to WebAssembly, driven through its exported ABI
// (src/edge/wasm_main.cpp) with node:crypto as the host, the way the
// Lambda@Edge handler drives it. The store answers are supplied by the test.
//
//   BARRIER_WASM_DIR=build/wasm node --test tests/node/wasm_checker.test.mjs
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createHmac, randomBytes, randomFillSync } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

const wasmDir = process.env.BARRIER_WASM_DIR ?? path.resolve('build/wasm');
const wasmPath = path.join(wasmDir, 'barrier_checker.wasm');
const haveWasm = existsSync(wasmPath);
const skip = haveWasm ? false : `no ${wasmPath}: build it with "cmake --preset wasm && cmake --build --preset wasm"`;
const wasmBytes = haveWasm ? readFileSync(wasmPath) : null;
const wasmModule = haveWasm ? new WebAssembly.Module(wasmBytes) : null;

const NOW = 1700000000;
const signingKey = Buffer.alloc(32, 7);
const config = {
  site_url: 'https://www.example.com',
  session: { cookie_name: 'barrier', signing_keys: [signingKey.toString('base64')] },
  cache: { ttl: 300, negative_ttl: 5, max_entries: 1000 },
  provider: {
    type: 'cognito', region: 'eu-west-1', user_pool_id: 'eu-west-1_AbCdEf123',
    domain: 'auth.example.com', client_id: 'client123',
  },
  store: { type: 'dynamodb', table: 'barrier-sessions', region: 'us-east-1' },
  public_paths: ['/public/*'],
  rules: [{ path: '/admin/*', groups: ['admins'] }],
  retry_after: 9,
};

// One module instance with node:crypto host functions, like the edge handler.
function instantiate() {
  let memory;
  const bytes = (ptr, len) => new Uint8Array(memory.buffer, ptr, len);
  const logs = [];
  const host = {
    now_ms: () => NOW * 1000 + 123,
    random_fill: (ptr, len) => { randomFillSync(bytes(ptr, len)); },
    sha256: (ptr, len, out) => {
      bytes(out, 32).set(createHash('sha256').update(bytes(ptr, len)).digest());
    },
    hmac_sha256: (key, keyLen, ptr, len, out) => {
      const mac = createHmac('sha256', Buffer.from(bytes(key, keyLen))).update(bytes(ptr, len)).digest();
      bytes(out, 32).set(mac);
    },
    log: (ptr, len) => { logs.push(Buffer.from(bytes(ptr, len)).toString('utf8')); },
  };
  // The module does no file or console I/O; whatever WASI imports wasi-libc
  // keeps are answered ENOSYS.
  const wasi = new Proxy({}, { get: () => () => 52 });
  const instance = new WebAssembly.Instance(wasmModule, { barrier: host, wasi_snapshot_preview1: wasi });
  const x = instance.exports;
  memory = x.memory;
  x._initialize();

  const call = (fn, text, ...pre) => {
    const input = Buffer.from(text, 'utf8');
    const ptr = x.barrier_alloc(input.length);
    bytes(ptr, input.length).set(input);
    const rc = fn(...pre, ptr, input.length);
    x.barrier_free(ptr);
    const out = Buffer.from(bytes(x.barrier_output_ptr(), x.barrier_output_len())).toString('utf8');
    return { rc, out: JSON.parse(out) };
  };
  return {
    logs,
    configure: (cfg) => call(x.barrier_configure, JSON.stringify(cfg)),
    check: (req) => call(x.barrier_check, JSON.stringify(req)),
    resume: (ticket, answer) => call(x.barrier_resume, JSON.stringify(answer), ticket),
  };
}

function configured() {
  const checker = instantiate();
  const { rc, out } = checker.configure(config);
  assert.equal(rc, 0, JSON.stringify(out));
  return checker;
}

// A session cookie as the manager issues it: id.mac, and the store key.
function newCookie(key = signingKey) {
  const id = randomBytes(32).toString('base64url');
  const mac = createHmac('sha256', key).update(id).digest().subarray(0, 16).toString('base64url');
  return { value: `${id}.${mac}`, storeKey: createHash('sha256').update(id).digest('base64url') };
}

// A CloudFront viewer-request `cf.request` for a browser navigation.
function cfRequest(uri, cookie, extra = {}) {
  const headers = {
    host: [{ key: 'Host', value: 'www.example.com' }],
    accept: [{ key: 'Accept', value: 'text/html,application/xhtml+xml' }],
    'sec-fetch-mode': [{ key: 'Sec-Fetch-Mode', value: 'navigate' }],
    ...extra,
  };
  if (cookie) headers.cookie = [{ key: 'Cookie', value: `theme=dark; barrier=${cookie}` }];
  return { clientIp: '203.0.113.9', method: 'GET', uri, querystring: 'a=1', headers };
}

const sessionRecord = (storeKey, over = {}) => ({
  record: {
    session_id: storeKey, kind: 'session', valid_until: String(NOW + 3600), created_at: NOW,
    sub: 'sub-1', username: 'alice', email: 'alice@example.com', groups: ['users'], ...over,
  },
});

const header = (headers, name) => headers[name]?.map((h) => h.value);

// The module's size, for the record (the packaged checker targets <= 100 KB).
test('wasm module size', { skip }, (t) => {
  const size = statSync(wasmPath).size;
  t.diagnostic(`barrier_checker.wasm: ${size} bytes (${(size / 1024).toFixed(1)} KiB)`);
  console.log(`barrier_checker.wasm size: ${size} bytes`);
  assert.ok(size < 1024 * 1024, 'the Lambda@Edge zip limit is 1 MB');
});

// Configuration errors name the field and leave the module unconfigured.
test('configure validates', { skip }, () => {
  const checker = instantiate();
  assert.equal(checker.check(cfRequest('/')).rc, 1);
  const bad = checker.configure({ ...config, session: { signing_keys: [] } });
  assert.equal(bad.rc, 1);
  assert.match(bad.out.error, /signing_keys/);
});

// Valid session: one lookup, then a pass with identity headers; client-sent
// X-Barrier-User is gone; the next request is a cache hit without a lookup.
test('valid session passes with identity headers', { skip }, () => {
  const checker = configured();
  const cookie = newCookie();
  const spoof = { 'x-barrier-user': [{ key: 'X-Barrier-User', value: 'admin' }] };
  const first = checker.check(cfRequest('/page', cookie.value, spoof));
  assert.equal(first.rc, 0);
  assert.equal(first.out.lookup.key, cookie.storeKey);
  const done = checker.resume(first.out.lookup.ticket, sessionRecord(cookie.storeKey));
  const d = done.out.decision;
  assert.equal(d.outcome, 'pass');
  assert.equal(d.forward, true);
  const h = d.request.headers;
  assert.deepEqual(header(h, 'x-barrier-user'), ['alice']);
  assert.deepEqual(header(h, 'x-barrier-email'), ['alice@example.com']);
  assert.deepEqual(header(h, 'x-barrier-groups'), ['users']);
  assert.deepEqual(header(h, 'x-barrier-session-id'), [cookie.storeKey]);
  assert.deepEqual(header(h, 'host'), ['www.example.com']);

  const again = checker.check(cfRequest('/other', cookie.value));
  assert.equal(again.out.lookup, undefined, 'served from the module cache');
  assert.equal(again.out.decision.outcome, 'pass');
});

// DESIGN §5.1: a login record behind a well-signed cookie is refused.
test('login record is redirected to login', { skip }, () => {
  const checker = configured();
  const cookie = newCookie();
  const first = checker.check(cfRequest('/page', cookie.value));
  const done = checker.resume(first.out.lookup.ticket, sessionRecord(cookie.storeKey, { kind: 'login' }));
  const d = done.out.decision;
  assert.equal(d.outcome, 'invalid_session');
  assert.equal(d.response.status, '307');
  assert.deepEqual(header(d.response.headers, 'location'), ['/_identity/login?path=%2Fpage%3Fa%3D1']);
  assert.match(header(d.response.headers, 'set-cookie')[0], /^barrier=;.*Max-Age=0/);
});

// A forged MAC is refused at once: no lookup is requested.
test('forged MAC asks for no lookup', { skip }, () => {
  const checker = configured();
  const forged = newCookie(Buffer.alloc(32, 9));
  const r = checker.check(cfRequest('/page', forged.value));
  assert.equal(r.out.lookup, undefined);
  assert.equal(r.out.decision.outcome, 'bad_cookie');
  assert.equal(r.out.decision.response.status, '307');
  const xhr = checker.check({ ...cfRequest('/api', forged.value), method: 'POST' });
  assert.equal(xhr.out.decision.response.status, '401');
});

// A store error is a 503 with Retry-After — never a pass — and so is an
// unparsable answer.
test('store error is 503', { skip }, () => {
  const checker = configured();
  const cookie = newCookie();
  for (const answer of [{ error: 'timeout' }, 'error', { nonsense: 1 }]) {
    const first = checker.check(cfRequest('/page', cookie.value));
    assert.ok(first.out.lookup, 'errors are not cached');
    const d = checker.resume(first.out.lookup.ticket, answer).out.decision;
    assert.equal(d.outcome, 'store_error');
    assert.equal(d.forward, false);
    assert.equal(d.response.status, '503');
    assert.deepEqual(header(d.response.headers, 'retry-after'), ['9']);
  }
  assert.ok(checker.logs.some((l) => JSON.parse(l).event === 'check.store_error'));
  assert.ok(!checker.logs.some((l) => l.includes(cookie.value.slice(0, 20))), 'no id in logs');
});

// Public paths pass without a cookie; the rule on /admin/* gives 403 to a
// session without the group, also when spelled /%61dmin/.
test('public paths and access rules', { skip }, () => {
  const checker = configured();
  const pub = checker.check(cfRequest('/public/logo.png'));
  assert.equal(pub.out.decision.outcome, 'public');
  const cookie = newCookie();
  const first = checker.check(cfRequest('/%61dmin/x', cookie.value));
  const d = checker.resume(first.out.lookup.ticket, sessionRecord(cookie.storeKey)).out.decision;
  assert.equal(d.outcome, 'forbidden');
  assert.equal(d.response.status, '403');
  assert.ok(d.response.body.length < 40 * 1024);
});

// An unknown ticket is an error, not a decision.
test('unknown ticket', { skip }, () => {
  const checker = configured();
  assert.equal(checker.resume(12345, 'absent').rc, 1);
});
