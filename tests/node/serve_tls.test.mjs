// `barrier serve` terminating TLS (server.tls) and proxying to https://
// upstreams, against a throwaway CA made with `openssl` (lib/test_ca.mjs):
// curl and Chromium (trusting the CA) over HTTPS, an expired certificate,
// a wrong name, TLS 1.0 refused, plain HTTP on the TLS port, a slow
// handshake, certificate swaps on SIGHUP under load with no failed request,
// a key others may read refused, the redirect_http listener's 308, and
// https:// upstreams with the right CA, an unknown CA and a wrong name.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { after, before, describe, test } from 'node:test';

import { browserUnavailable, launchBrowser, signIn } from './lib/browser.mjs';
import { BARRIER_HOST, USERS, freePort, runBarrier, startStack } from './lib/stack.mjs';
import { makeCa, opensslUnavailable } from './lib/test_ca.mjs';

const noOpenssl = opensslUnavailable();
const wsPackage = await import('ws').catch(() => null);

// curl's exit code, stdout and stderr.
function curl(args) {
  return new Promise((resolve) => {
    execFile('curl', ['-sS', '--max-time', '10', ...args], (error, stdout, stderr) => {
      resolve({ code: error ? (error.code ?? 1) : 0, stdout, stderr });
    });
  });
}

// One GET with node's https client trusting `ca`; resolves with
// { status, body, headers, serial } (serial: the server certificate's).
function get(url, { ca, agent } = {}) {
  return new Promise((resolve, reject) => {
    const lib = url.startsWith('https:') ? https : http;
    const req = lib.get(url, { ca, agent }, (res) => {
      const serial = res.socket.getPeerCertificate?.()?.serialNumber;
      let body = '';
      res.on('data', (d) => { body += d; });
      res.on('end', () => resolve({
        status: res.statusCode, body, headers: res.headers, serial,
      }));
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

// The value of one sample of the metrics listener's exposition.
async function metric(stack, sample) {
  const text = (await get(`http://${BARRIER_HOST}:${stack.metricsPort}/_identity/metrics`)).body;
  const line = text.split('\n').find((l) => l.startsWith(`${sample} `));
  return line ? Number(line.split(' ')[1]) : NaN;
}

// barrier_requests_total over every outcome but "internal" (the metrics
// scrapes themselves).
async function requestsTotal(stack) {
  const text = (await get(`http://${BARRIER_HOST}:${stack.metricsPort}/_identity/metrics`)).body;
  return text.split('\n').filter((l) => l.startsWith('barrier_requests_total{') && !l.includes('"internal"'))
    .reduce((sum, l) => sum + Number(l.split(' ')[1]), 0);
}

// Puts `pair` where barrier's configuration points, sends SIGHUP and waits
// for the log line that says how the reload went.
async function swapCertificate(stack, pair, expected = /"tls\.loaded"/) {
  const seen = (stack.barrier.output.match(new RegExp(expected.source, 'g')) ?? []).length;
  copyFileSync(pair.cert, stack.tlsFiles.cert);
  copyFileSync(pair.key, stack.tlsFiles.key);
  chmodSync(stack.tlsFiles.key, 0o600);
  process.kill(stack.barrier.proc.pid, 'SIGHUP');
  const deadline = Date.now() + 20000;
  while ((stack.barrier.output.match(new RegExp(expected.source, 'g')) ?? []).length <= seen) {
    if (Date.now() > deadline) throw new Error(`no ${expected} after SIGHUP:\n${stack.barrier.output}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

// An https upstream (node's TLS server with a certificate of `pair`)
// answering "secure <path>".
async function startHttpsUpstream(pair) {
  const server = https.createServer({ cert: readFileSync(pair.cert), key: readFileSync(pair.key) },
    (req, res) => { res.writeHead(200, { 'content-type': 'text/plain' }); res.end(`secure ${req.url}`); });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { port: server.address().port, stop: () => { server.closeAllConnections(); server.close(); } };
}

// A plain upstream with a WebSocket echo on /ws/ and one event on /sse/.
async function startStreamingUpstream() {
  const server = http.createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store' });
    res.end('data: over-tls\n\n');
  });
  const wss = new wsPackage.WebSocketServer({ server });
  wss.on('connection', (ws) => ws.on('message', (data) => ws.send(`echo ${data}`)));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    stop: () => { wss.clients.forEach((ws) => ws.terminate()); server.closeAllConnections(); server.close(); },
  };
}

describe('barrier serve: TLS', { skip: noOpenssl ?? false, timeout: 300000 }, () => {
  let dir;
  let ca;
  let otherCa;
  let pairs;
  let stack;
  let upstream;
  let streaming;

  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'barrier-tls-'));
    ca = makeCa(path.join(dir, 'ca'));
    otherCa = makeCa(path.join(dir, 'other-ca'), 'another CA');
    pairs = {
      good: ca.issue('good', { san: `IP:${BARRIER_HOST}` }),
      next: ca.issue('next', { san: `IP:${BARRIER_HOST}` }),
      expired: ca.issue('expired', { san: `IP:${BARRIER_HOST}`, startdate: '20200101000000Z', enddate: '20200201000000Z' }),
      wrongName: ca.issue('wrong-name', { san: 'DNS:wrong.example' }),
      upstream: ca.issue('upstream', { san: 'IP:127.0.0.1' }),
    };
    // barrier reads its pair from these paths; tests swap what they hold.
    const tlsFiles = { cert: path.join(dir, 'site.pem'), key: path.join(dir, 'site.key') };
    copyFileSync(pairs.good.cert, tlsFiles.cert);
    copyFileSync(pairs.good.key, tlsFiles.key);
    chmodSync(tlsFiles.key, 0o600);
    upstream = await startHttpsUpstream(pairs.upstream);
    streaming = wsPackage ? await startStreamingUpstream() : null;
    const metricsPort = await freePort(BARRIER_HOST);
    const redirectPort = await freePort(BARRIER_HOST);
    stack = await startStack({
      tls: tlsFiles,
      origins: [
        { prefix: '/secure/', upstream: `https://127.0.0.1:${upstream.port}`, ca_file: ca.cert },
        { prefix: '/unknown-ca/', upstream: `https://127.0.0.1:${upstream.port}`, ca_file: otherCa.cert },
        { prefix: '/wrong-name/', upstream: `https://localhost:${upstream.port}`, ca_file: ca.cert },
        ...(streaming ? [{ prefix: '/ws/', upstream: streaming.url }, { prefix: '/sse/', upstream: streaming.url }] : []),
      ],
      serverLines: [`metrics_listen: "${BARRIER_HOST}:${metricsPort}"`, `redirect_http: "${BARRIER_HOST}:${redirectPort}"`],
      lines: ['public_paths: ["/index.html", "/secure/*", "/unknown-ca/*", "/wrong-name/*"]'],
    });
    Object.assign(stack, { tlsFiles, metricsPort, redirectPort });
  });

  after(async () => {
    await stack?.stop();
    upstream?.stop();
    streaming?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  // curl trusting the CA gets the page over HTTP/1.1 (ALPN); barrier's
  // cookies are Secure; curl without the CA refuses the certificate.
  test('curl over HTTPS, Secure cookies, untrusted without the CA', async () => {
    const page = await curl(['--cacert', ca.cert, '-o', '/dev/null', '-w', '%{http_code} %{http_version}', `${stack.site}/index.html`]);
    assert.equal(page.code, 0, page.stderr);
    assert.equal(page.stdout, '200 1.1');
    const login = await curl(['--cacert', ca.cert, '-D', '-', '-o', '/dev/null', `${stack.site}/_identity/login?path=/`]);
    const cookies = login.stdout.split('\r\n').filter((l) => /^set-cookie:/i.test(l));
    assert.ok(cookies.length > 0, login.stdout);
    for (const cookie of cookies) assert.match(cookie, /;\s*Secure/i);
    const untrusted = await curl(['-o', '/dev/null', `${stack.site}/index.html`]);
    assert.equal(untrusted.code, 60, untrusted.stderr);
  });

  // A TLS 1.0 ClientHello is refused by the server (the client here allows
  // it), counted as a handshake failure, not as a request.
  test('TLS 1.0 is refused', async () => {
    const before = await metric(stack, 'barrier_tls_handshake_failures_total{reason="handshake"}');
    const requests = await requestsTotal(stack);
    const error = await new Promise((resolve) => {
      const socket = tls.connect({ host: BARRIER_HOST, port: new URL(stack.site).port, ca: readFileSync(ca.cert),
        minVersion: 'TLSv1', maxVersion: 'TLSv1', ciphers: 'DEFAULT@SECLEVEL=0' });
      socket.on('secureConnect', () => { socket.destroy(); resolve(null); });
      socket.on('error', resolve);
    });
    assert.ok(error, 'a TLS 1.0 handshake succeeded');
    await waitForMetric(stack, 'barrier_tls_handshake_failures_total{reason="handshake"}', before + 1);
    assert.equal(await requestsTotal(stack), requests);
  });

  // Plain HTTP on the TLS port: a 400 saying to use https://, then the
  // connection closes; not a request.
  test('plain HTTP on the TLS port is answered 400 and closed', async () => {
    const before = await metric(stack, 'barrier_tls_handshake_failures_total{reason="plain_http"}');
    const requests = await requestsTotal(stack);
    const reply = await get(`http://${BARRIER_HOST}:${new URL(stack.site).port}/`);
    assert.equal(reply.status, 400);
    assert.match(reply.body, /https:\/\//);
    assert.equal(await metric(stack, 'barrier_tls_handshake_failures_total{reason="plain_http"}'), before + 1);
    assert.equal(await requestsTotal(stack), requests);
  });

  // A client that connects and never finishes its handshake is closed once
  // the handshake timeout passes (counted as such), while others are served.
  test('a slow handshake is closed on its own timeout', async () => {
    const before = await metric(stack, 'barrier_tls_handshake_failures_total{reason="timeout"}');
    const socket = net.connect(Number(new URL(stack.site).port), BARRIER_HOST);
    socket.on('error', () => {});
    await once(socket, 'connect');
    const closed = once(socket, 'close');
    assert.equal((await get(`${stack.site}/index.html`, { ca: readFileSync(ca.cert) })).status, 200);
    await closed;
    assert.equal(await metric(stack, 'barrier_tls_handshake_failures_total{reason="timeout"}'), before + 1);
  });

  // server.redirect_http answers every request 308 to the https site.
  test('redirect_http answers 308 to https', async () => {
    const reply = await get(`http://${BARRIER_HOST}:${stack.redirectPort}/a/b?c=1`);
    assert.equal(reply.status, 308);
    assert.equal(reply.headers.location, `${stack.site}/a/b?c=1`);
  });

  // https:// upstreams: verified with the origin's ca_file (200); another
  // CA or a name the certificate lacks is a 502 whose log line says why.
  test('https upstreams: good CA, unknown CA, wrong name', async () => {
    const okay = await get(`${stack.site}/secure/x`, { ca: readFileSync(ca.cert) });
    assert.equal(okay.status, 200);
    assert.equal(okay.body, 'secure /secure/x');
    const unknown = await get(`${stack.site}/unknown-ca/x`, { ca: readFileSync(ca.cert) });
    assert.equal(unknown.status, 502);
    assert.match(stack.barrier.output, /unable to get local issuer certificate.*"upstream\.error"/);
    const wrong = await get(`${stack.site}/wrong-name/x`, { ca: readFileSync(ca.cert) });
    assert.equal(wrong.status, 502);
    assert.match(stack.barrier.output, /hostname mismatch.*"upstream\.error"/);
  });

  // An expired certificate and one for another name are refused by a
  // client that trusts the CA; a key others may read is refused on reload
  // (the running pair stays and keeps serving).
  test('expired, wrong name, and a readable key on SIGHUP', async () => {
    await swapCertificate(stack, pairs.expired);
    const expired = await curl(['--cacert', ca.cert, '-o', '/dev/null', `${stack.site}/index.html`]);
    assert.equal(expired.code, 60, expired.stderr);
    assert.match(expired.stderr, /expired/);
    await swapCertificate(stack, pairs.wrongName);
    const wrong = await curl(['--cacert', ca.cert, '-o', '/dev/null', `${stack.site}/index.html`]);
    assert.equal(wrong.code, 60, wrong.stderr);
    assert.match(wrong.stderr, /does not match|no alternative certificate subject name/);
    await swapCertificate(stack, pairs.good);
    chmodSync(stack.tlsFiles.key, 0o644);
    const seen = (stack.barrier.output.match(/"tls\.reload_failed"/g) ?? []).length;
    process.kill(stack.barrier.proc.pid, 'SIGHUP');
    while ((stack.barrier.output.match(/"tls\.reload_failed"/g) ?? []).length <= seen) await new Promise((r) => setTimeout(r, 50));
    assert.match(stack.barrier.output, /other users could read the private key; run chmod 600 .*"tls\.reload_failed"/);
    chmodSync(stack.tlsFiles.key, 0o600);
    const still = await curl(['--cacert', ca.cert, '-o', '/dev/null', '-w', '%{http_code}', `${stack.site}/index.html`]);
    assert.equal(still.stdout, '200', still.stderr);
  });

  // check-config loads the pair as serve does and warns of an expiry under
  // 14 days (the test certificates live two days); a key others may read
  // fails it, naming the fix.
  test('check-config: certificate expiry and key permissions', async () => {
    const ok = await runBarrier(['check-config', '-c', stack.config]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /tls: .*site\.pem \(.*CN ?= ?good.*\), expires .* \([01] days\)/);
    assert.match(ok.stdout, /warning: .*expires in [01] days: renew it/);
    chmodSync(stack.tlsFiles.key, 0o640);
    try {
      const refused = await runBarrier(['check-config', '-c', stack.config]);
      assert.equal(refused.code, 2);
      assert.match(refused.stderr, /server\.tls\.key: .* has mode 0640: .*run chmod 600/);
    } finally {
      chmodSync(stack.tlsFiles.key, 0o600);
    }
  });

  // Keep-alive and new connections run while the pair is swapped twice:
  // no request fails, and connections opened after a swap see its
  // certificate.
  test('SIGHUP certificate swap under load: no failed request', async () => {
    const caPem = readFileSync(ca.cert);
    const serialOf = (pair) => execFileSerial(pair.cert);
    let running = true;
    let ok = 0;
    const failures = [];
    const worker = async (agent) => {
      while (running) {
        try {
          const reply = await get(`${stack.site}/index.html`, { ca: caPem, agent });
          if (reply.status === 200) ok += 1; else failures.push(reply.status);
        } catch (error) { failures.push(error.message); }
      }
    };
    const keepAlive = new https.Agent({ keepAlive: true, ca: caPem, maxSockets: 4 });
    const workers = [0, 1, 2].map(() => worker(keepAlive)).concat([0, 1].map(() => worker(false)));
    try {
      await new Promise((r) => setTimeout(r, 300));
      await swapCertificate(stack, pairs.next);
      await new Promise((r) => setTimeout(r, 300));
      const fresh = await get(`${stack.site}/index.html`, { ca: caPem, agent: false });
      assert.equal(fresh.serial, await serialOf(pairs.next));
      await swapCertificate(stack, pairs.good);
      await new Promise((r) => setTimeout(r, 300));
      const back = await get(`${stack.site}/index.html`, { ca: caPem, agent: false });
      assert.equal(back.serial, await serialOf(pairs.good));
    } finally {
      running = false;
      await Promise.all(workers);
      keepAlive.destroy();
    }
    assert.deepEqual(failures, []);
    assert.ok(ok > 0);
  });

  // Chromium trusting the CA (an NSS database of its own) signs in over
  // HTTPS, and a WebSocket (wss://) and an event stream work through barrier.
  test('Chromium over HTTPS: sign-in, WebSocket and SSE', async (t) => {
    const why = (await browserUnavailable()) ?? (wsPackage ? null : 'needs node_modules/ws (npm ci)')
      ?? (existsSync('/usr/bin/certutil') ? null : 'needs certutil (apt-get install libnss3-tools)');
    if (why) { t.skip(why); return; }
    const home = path.join(dir, 'home');
    await new Promise((resolve, reject) => execFile('sh', ['-c',
      `mkdir -p "${home}/.pki/nssdb" && certutil -N -d "sql:${home}/.pki/nssdb" --empty-password && `
      + `certutil -A -d "sql:${home}/.pki/nssdb" -n barrier-test-ca -t C,, -i "${ca.cert}"`],
    (error, stdout, stderr) => (error ? reject(new Error(`certutil failed: ${stderr}`)) : resolve())));
    const browser = await launchBrowser({ env: { ...process.env, HOME: home } });
    try {
      const context = await browser.newContext();
      const page = await context.newPage();
      await page.goto(`${stack.site}/whoami`);
      await signIn(page, 'alice', USERS.alice.password);
      assert.ok(page.url().startsWith(`${stack.site}/whoami`), page.url());
      const cookies = await context.cookies(stack.site);
      const session = cookies.find((c) => c.name === 'barrier');
      assert.ok(session?.secure, JSON.stringify(cookies));
      const echoed = await page.evaluate((site) => new Promise((resolve, reject) => {
        const ws = new WebSocket(`${site.replace('https:', 'wss:')}/ws/echo`);
        ws.onopen = () => ws.send('hello');
        ws.onmessage = (event) => { resolve(event.data); ws.close(); };
        ws.onerror = () => reject(new Error('websocket failed'));
      }), stack.site);
      assert.equal(echoed, 'echo hello');
      const event = await page.evaluate((site) => new Promise((resolve, reject) => {
        const source = new EventSource(`${site}/sse/`);
        source.onmessage = (e) => { resolve(e.data); source.close(); };
        source.onerror = () => reject(new Error('event stream failed'));
      }), stack.site);
      assert.equal(event, 'over-tls');
    } finally {
      await browser.close();
    }
  });
});

// The serial number of a PEM certificate, as node prints it (upper hex).
function execFileSerial(cert) {
  return new Promise((resolve, reject) => {
    execFile('openssl', ['x509', '-in', cert, '-noout', '-serial'], (error, stdout) => {
      if (error) reject(error); else resolve(stdout.trim().split('=')[1].toUpperCase());
    });
  });
}

async function waitForMetric(stack, sample, value) {
  const deadline = Date.now() + 10000;
  while (await metric(stack, sample) < value) {
    if (Date.now() > deadline) assert.fail(`${sample} stayed below ${value}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
