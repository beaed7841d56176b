// WebSockets and streaming through `barrier serve`: a real WebSocket
// upstream (the `ws` package) and a server-sent-events upstream, both in
// this process, behind barrier (lib/stack.mjs, with the local identity
// provider). From Node (the `ws` client) and from Chromium: echo of text and
// binary frames, a close from either side, no tunnel without a session (401),
// tunnels closed once their session is revoked or logged out, and an event
// stream whose first event reaches the client before the upstream ends it.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import { after, before, describe, test } from 'node:test';

import { browserUnavailable, launchBrowser, signIn } from './lib/browser.mjs';
import { signInWithFetch } from './lib/signin.mjs';
import { USERS, runBarrier, startStack } from './lib/stack.mjs';

// The `ws` package (a devDependency): without it, every test here skips.
const wsPackage = await import('ws').catch(() => null);
const { WebSocket, WebSocketServer } = wsPackage ?? {};
const noWs = wsPackage ? null : 'needs node_modules/ws (npm ci)';
if (noWs) console.log(`# skipping WebSocket tests: ${noWs}`);

// Seconds. A revoked session's tunnel closes at its next check, which reads
// the store (every cache.ttl, at least once a second).
const CACHE_TTL = 1;

// The upstream: /ws/ echoes every message as it came (text or binary);
// the text "close-please" makes it close with 4000 "bye". /sse/ sends one
// event, then waits until the test has seen it (`releaseSse`) before the
// last event and the end: if barrier held the stream back, the first event
// would never arrive and the test would time out.
async function startUpstream() {
  const seen = { upgrades: [], closes: [] };
  let releaseSse = () => {};
  const server = http.createServer((req, res) => {
    if (req.url.startsWith('/sse/')) {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store' });
      res.write('data: first\n\n');
      new Promise((resolve) => { releaseSse = resolve; }).then(() => res.end('data: last\n\n'));
      return;
    }
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(`plain ${req.url}`);
  });
  const wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', (req, socket, head) => {
    if (!req.url.startsWith('/ws/')) {
      socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    seen.upgrades.push(req.headers);
    wss.handleUpgrade(req, socket, head, (ws) => {
      ws.on('message', (data, isBinary) => {
        if (!isBinary && data.toString() === 'close-please') ws.close(4000, 'bye');
        else ws.send(data, { binary: isBinary });
      });
      ws.on('close', (code) => seen.closes.push(code));
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    seen,
    releaseSse: () => releaseSse(),
    stop: () => { wss.clients.forEach((ws) => ws.terminate()); server.closeAllConnections(); server.close(); },
  };
}

// A `ws` client on barrier's `path`, opened (or refused: then the promise
// rejects with the status barrier answered).
function openSocket(stack, path, headers = {}) {
  const ws = new WebSocket(stack.site.replace('http:', 'ws:') + path, { headers });
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (req, res) => {
      reject(Object.assign(new Error(`status ${res.statusCode}`), { status: res.statusCode }));
      req.destroy();
    });
    ws.once('error', reject);
  });
}

// The next message on `ws`, as { data, isBinary }.
function nextMessage(ws) {
  return new Promise((resolve) => ws.once('message', (data, isBinary) => resolve({ data, isBinary })));
}

// Resolves with { code, reason } once `ws` has closed.
function closed(ws) {
  return new Promise((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
}

describe('barrier serve: WebSockets and streaming', { skip: noWs ?? false, timeout: 300000 }, () => {
  let upstream;
  let stack;

  before(async () => {
    upstream = await startUpstream();
    stack = await startStack({
      cacheTtl: CACHE_TTL,
      origins: [{ prefix: '/ws/', upstream: upstream.url }, { prefix: '/sse/', upstream: upstream.url }],
    });
  });

  after(async () => {
    // Always stop everything, even when a test failed.
    await stack?.stop();
    upstream?.stop();
  });

  // Text and binary frames come back as sent; the upstream's upgrade
  // request carries the identity headers, not the session cookie.
  test('echo of text and binary frames', async () => {
    const cookie = await signInWithFetch(stack, 'alice');
    const ws = await openSocket(stack, '/ws/echo', { cookie });
    try {
      ws.send('hello');
      const text = await nextMessage(ws);
      assert.equal(text.isBinary, false);
      assert.equal(text.data.toString(), 'hello');
      const bytes = Buffer.from(Array.from({ length: 70000 }, (_, i) => (i * 7) % 256));
      ws.send(bytes);
      const binary = await nextMessage(ws);
      assert.equal(binary.isBinary, true);
      assert.ok(Buffer.compare(binary.data, bytes) === 0, 'binary frame changed on the way');
      const headers = upstream.seen.upgrades.at(-1);
      assert.equal(headers['x-barrier-user'], 'alice');
      assert.equal(headers.upgrade, 'websocket');
      assert.doesNotMatch(headers.cookie ?? '', /barrier=/);
    } finally {
      ws.terminate();
    }
  });

  // The client closes: the upstream sees the close code, the client its echo.
  test('close from the client', async () => {
    const cookie = await signInWithFetch(stack, 'alice');
    const ws = await openSocket(stack, '/ws/client-close', { cookie });
    const closes = upstream.seen.closes.length;
    const end = closed(ws);
    ws.close(1000, 'done');
    assert.equal((await end).code, 1000);
    while (upstream.seen.closes.length === closes) await new Promise((r) => setTimeout(r, 20));
    assert.equal(upstream.seen.closes.at(-1), 1000);
  });

  // The upstream closes: the client gets its code and reason.
  test('close from the upstream', async () => {
    const cookie = await signInWithFetch(stack, 'alice');
    const ws = await openSocket(stack, '/ws/server-close', { cookie });
    const end = closed(ws);
    ws.send('close-please');
    assert.deepEqual(await end, { code: 4000, reason: 'bye' });
  });

  // Without a session there is no tunnel: 401, even for a client that says
  // it accepts HTML (a redirect to the login page would make no sense).
  test('refused without a session (401)', async () => {
    const before = upstream.seen.upgrades.length;
    await assert.rejects(openSocket(stack, '/ws/anonymous'), { status: 401 });
    await assert.rejects(openSocket(stack, '/ws/anonymous', { accept: 'text/html' }), { status: 401 });
    await assert.rejects(openSocket(stack, '/ws/forged', { cookie: 'barrier=forged' }), { status: 401 });
    assert.equal(upstream.seen.upgrades.length, before);
  });

  // Only upstream origins get an Upgrade: a static one serves its file.
  test('no upgrade to a static origin', async () => {
    const cookie = await signInWithFetch(stack, 'alice');
    await assert.rejects(openSocket(stack, '/docs/page.html', { cookie }), { status: 200 });
  });

  // `barrier sessions revoke` ends the session: its open tunnel is closed.
  test('a tunnel closes once its session is revoked', async () => {
    const cookie = await signInWithFetch(stack, 'bob');
    const ws = await openSocket(stack, '/ws/revoked', { cookie });
    const closes = upstream.seen.closes.length;
    const end = closed(ws);
    ws.send('still here');
    assert.equal((await nextMessage(ws)).data.toString(), 'still here');
    const revoked = await runBarrier(['sessions', 'revoke', '-c', stack.config, '--user', USERS.bob.sub]);
    assert.equal(revoked.code, 0, revoked.stderr);
    // Cut, not closed by either end: no close frame.
    assert.equal((await end).code, 1006);
    while (upstream.seen.closes.length === closes) await new Promise((r) => setTimeout(r, 20));
    // barrier logs the tunnel's end once both sockets are closed: wait for it.
    await stack.barrier.waitFor(/"event":"tunnel\.closed".*"reason":"session_ended"/, 5000);
    await assert.rejects(openSocket(stack, '/ws/revoked', { cookie }), { status: 401 });
  });

  // A logout on this instance closes the session's tunnel too.
  test('a tunnel closes after logout', async () => {
    const cookie = await signInWithFetch(stack, 'alice');
    const ws = await openSocket(stack, '/ws/logout', { cookie });
    const end = closed(ws);
    const logout = await fetch(`${stack.site}/_identity/logout`, { headers: { cookie }, redirect: 'manual' });
    assert.equal(logout.status, 302);
    assert.equal((await end).code, 1006);
  });

  // An event stream is relayed as it comes, not when it ends.
  test('server-sent events stream before the upstream ends', async () => {
    const cookie = await signInWithFetch(stack, 'alice');
    const response = await fetch(`${stack.site}/sse/events`, { headers: { cookie, accept: 'text/event-stream' } });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'text/event-stream');
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let text = '';
    while (!text.includes('data: first\n\n')) {
      const { value, done } = await reader.read();
      assert.ok(!done, `the stream ended before its first event was read: ${JSON.stringify(text)}`);
      text += decoder.decode(value, { stream: true });
    }
    assert.doesNotMatch(text, /last/);
    upstream.releaseSse();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
    assert.equal(text, 'data: first\n\ndata: last\n\n');
  });

  describe('from Chromium', () => {
    let skip;
    let chromium;

    before(async () => {
      skip = await browserUnavailable();
      if (skip) return;
      chromium = await launchBrowser();
    });

    after(async () => { await chromium?.close(); });

    // A page signed in as `user` (through the provider's form).
    async function signedIn(user) {
      const context = await chromium.newContext();
      const page = await context.newPage();
      await page.goto(`${stack.site}/`);
      await signIn(page, user, USERS[user].password);
      return { context, page };
    }

    // In the page: opens /ws/<name>, runs `script` (a function of the socket
    // returning a promise) and resolves with its result; `window.socket`
    // keeps the socket for later evaluations.
    function inPage(page, name, script) {
      return page.evaluate(async ({ name, script }) => {
        const socket = new WebSocket(`${location.origin.replace('http', 'ws')}/ws/${name}`);
        socket.binaryType = 'arraybuffer';
        window.socket = socket;
        window.closedWith = new Promise((resolve) => socket.addEventListener('close', (e) => resolve({ code: e.code, reason: e.reason })));
        const opened = await new Promise((resolve) => {
          socket.addEventListener('open', () => resolve(true));
          socket.addEventListener('close', () => resolve(false));
        });
        if (!opened) return { opened };
        const next = () => new Promise((resolve) => socket.addEventListener('message', (e) => resolve(e.data), { once: true }));
        // eslint-disable-next-line no-new-func
        return { opened, result: await new Function('socket', 'next', `return (${script})(socket, next);`)(socket, next) };
      }, { name, script: script.toString() });
    }

    test('echo, binary frames and a close from either side', async (t) => {
      if (skip) return t.skip(skip);
      const { context, page } = await signedIn('alice');
      try {
        const echo = await inPage(page, 'chromium-echo', async (socket, next) => {
          socket.send('hello');
          const text = await next();
          socket.send(new Uint8Array([0, 1, 2, 253, 254, 255]));
          const binary = Array.from(new Uint8Array(await next()));
          socket.close(1000, 'done');
          return { text, binary };
        });
        assert.deepEqual(echo, { opened: true, result: { text: 'hello', binary: [0, 1, 2, 253, 254, 255] } });
        assert.deepEqual(await page.evaluate(() => window.closedWith), { code: 1000, reason: 'done' });
        const upstreamClose = await inPage(page, 'chromium-server-close', async (socket) => {
          socket.send('close-please');
          return null;
        });
        assert.equal(upstreamClose.opened, true);
        assert.deepEqual(await page.evaluate(() => window.closedWith), { code: 4000, reason: 'bye' });
      } finally {
        await context.close();
      }
    });

    // A page without a session cannot open one (the browser shows no status:
    // barrier's access log has the 401, and the upstream saw nothing).
    test('refused without a session', async (t) => {
      if (skip) return t.skip(skip);
      const context = await chromium.newContext();
      try {
        const page = await context.newPage();
        await page.goto(`${stack.site}/_identity/health`);
        const before = upstream.seen.upgrades.length;
        const attempt = await inPage(page, 'chromium-anonymous', async () => null);
        assert.deepEqual(attempt, { opened: false });
        assert.equal(upstream.seen.upgrades.length, before);
        assert.match(stack.barrier.output, /"path":"\/ws\/chromium-anonymous"[^\n]*"status":"?401/);
      } finally {
        await context.close();
      }
    });

    test('closed after the session is revoked', async (t) => {
      if (skip) return t.skip(skip);
      const { context, page } = await signedIn('bob');
      try {
        const opened = await inPage(page, 'chromium-revoked', async (socket, next) => {
          socket.send('ping');
          return next();
        });
        assert.deepEqual(opened, { opened: true, result: 'ping' });
        const revoked = await runBarrier(['sessions', 'revoke', '-c', stack.config, '--user', USERS.bob.sub]);
        assert.equal(revoked.code, 0, revoked.stderr);
        assert.equal((await page.evaluate(() => window.closedWith)).code, 1006);
      } finally {
        await context.close();
      }
    });
  });
});
