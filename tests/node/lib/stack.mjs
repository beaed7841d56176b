// Starts and stops the processes of an end-to-end run: the local identity
// provider (tests/idp) on 127.0.0.1, the demo upstream (examples/upstream)
// and `barrier serve` on 127.0.0.2 — different hosts, because cookies ignore
// ports. Every process runs in its own process group and is killed on
// stop(), whatever happened before.
import { spawn, execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export const SOURCE_DIR = process.env.BARRIER_SOURCE_DIR ?? path.resolve(import.meta.dirname, '../../..');
export const BARRIER = process.env.BARRIER_BINARY ?? path.join(SOURCE_DIR, 'build/release/barrier');
export const IDP_HOST = '127.0.0.1';
export const BARRIER_HOST = '127.0.0.2';
export const USERS = {
  alice: { password: 'alice-password', sub: 'alice-sub-0001' },
  bob: { password: 'bob-password', sub: 'bob-sub-0002' },
};

// A port that was free on `host` a moment ago.
export function freePort(host) {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

// A child process in its own group, with its output collected.
class Child {
  constructor(name, command, args, options = {}) {
    this.name = name;
    this.output = '';
    this.proc = spawn(command, args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'], ...options });
    this.exited = new Promise((resolve) => this.proc.once('exit', (code, signal) => resolve({ code, signal })));
    this.proc.stdout.on('data', (d) => { this.output += d; });
    this.proc.stderr.on('data', (d) => { this.output += d; });
  }

  // Resolves with the first stdout/stderr line matching `pattern`.
  waitFor(pattern, timeoutMs = 20000) {
    return new Promise((resolve, reject) => {
      const check = () => {
        const match = this.output.match(pattern);
        if (match) { cleanup(); resolve(match); }
      };
      const timer = setTimeout(() => { cleanup(); reject(new Error(`${this.name}: no ${pattern} within ${timeoutMs} ms:\n${this.output}`)); }, timeoutMs);
      const onExit = () => { cleanup(); reject(new Error(`${this.name} exited early:\n${this.output}`)); };
      const cleanup = () => { clearTimeout(timer); this.proc.stdout.off('data', check); this.proc.stderr.off('data', check); this.proc.off('exit', onExit); };
      this.proc.stdout.on('data', check);
      this.proc.stderr.on('data', check);
      this.proc.once('exit', onExit);
      check();
    });
  }

  // SIGTERM to the group, SIGKILL after `graceMs`; resolves with the exit.
  async stop(graceMs = 5000) {
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return this.exited;
    try { process.kill(-this.proc.pid, 'SIGTERM'); } catch { /* gone */ }
    const timer = setTimeout(() => { try { process.kill(-this.proc.pid, 'SIGKILL'); } catch { /* gone */ } }, graceMs);
    const result = await this.exited;
    clearTimeout(timer);
    return result;
  }
}

// Runs the barrier binary to completion (e.g. `sessions revoke`).
export function runBarrier(args, timeoutMs = 20000) {
  return new Promise((resolve) => {
    execFile(BARRIER, args, { timeout: timeoutMs }, (error, stdout, stderr) => {
      resolve({ code: error ? (error.code ?? 1) : 0, stdout, stderr });
    });
  });
}

// The whole stack. `cacheTtl` (seconds) bounds how long a revoked session
// may still pass. `origins` adds `{ prefix, upstream[, ca_file] }` origins.
// `tls` ({ cert, key }) serves https:// (server.tls); `serverLines` and
// `lines` are extra YAML lines under `server:` and at the top level.
export async function startStack({ cacheTtl = 2, logLevel = 'info', origins = [], tls = null,
  serverLines = [], lines = [] } = {}) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'barrier-e2e-'));
  const children = [];
  const stack = { dir, children, stop: async () => {
    await Promise.all(children.map((c) => c.stop()));
    rmSync(dir, { recursive: true, force: true });
  } };
  try {
    const port = await freePort(BARRIER_HOST);
    const site = `${tls ? 'https' : 'http'}://${BARRIER_HOST}:${port}`;
    const clientSecret = randomBytes(16).toString('hex');
    const idp = new Child('idp', process.execPath, [path.join(SOURCE_DIR, 'tests/idp/idp.mjs'),
      '--host', IDP_HOST, '--port', '0', '--client-id', 'barrier', '--client-secret', clientSecret,
      '--redirect-uri', `${site}/_identity/auth`, '--logout-uri', `${site}/_identity/signed-out`]);
    children.push(idp);
    const upstream = new Child('upstream', process.execPath, [path.join(SOURCE_DIR, 'examples/upstream/echo.mjs'),
      '--host', '127.0.0.1', '--port', '0']);
    children.push(upstream);
    const issuer = JSON.parse((await idp.waitFor(/^\{.*"issuer".*\}$/m))[0]).issuer;
    const upstreamUrl = JSON.parse((await upstream.waitFor(/^\{.*"url".*\}$/m))[0]).url;
    const config = path.join(dir, 'barrier.yaml');
    writeFileSync(config, [
      `site_url: ${site}`,
      'provider:',
      '  type: oidc',
      `  issuer: "${issuer}"`,
      '  client_id: barrier',
      `  client_secret: "${clientSecret}"`,
      'session:',
      `  signing_keys: ["${randomBytes(32).toString('base64')}"]`,
      'cache:',
      `  ttl: ${cacheTtl}`,
      'store:',
      '  type: sqlite',
      `  path: "${path.join(dir, 'sessions.db')}"`,
      'server:',
      `  listen: "${BARRIER_HOST}:${port}"`,
      '  threads: 2',
      '  origins:',
      '    - prefix: /',
      `      static: "${path.join(SOURCE_DIR, 'examples/site')}"`,
      '    - prefix: /whoami',
      `      upstream: "${upstreamUrl}"`,
      ...origins.flatMap((o) => [`    - prefix: ${o.prefix}`, `      upstream: "${o.upstream}"`,
        ...(o.ca_file ? [`      ca_file: "${o.ca_file}"`] : [])]),
      ...(tls ? ['  tls:', `    cert: "${tls.cert}"`, `    key: "${tls.key}"`] : []),
      ...serverLines.map((line) => `  ${line}`),
      ...lines,
      'rules:',
      '  - path: /admin/*',
      '    groups: [admins]',
      '',
    ].join('\n'));
    const barrier = new Child('barrier', BARRIER, ['serve', '-c', config, '--log-level', logLevel]);
    children.push(barrier);
    await barrier.waitFor(/listening on https?:\/\/\S+/);
    Object.assign(stack, { site, issuer, upstreamUrl, config, idp, upstream, barrier });
    return stack;
  } catch (error) {
    await stack.stop();
    throw error;
  }
}
