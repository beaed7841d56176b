// Machine instructions per cached-session event through the packaged
// Lambda@Edge handler, counted by valgrind's callgrind. Not a test.
//
//   BARRIER_BINARY=build/release/barrier BARRIER_WASM_DIR=build/wasm \
//     node bench/edge/instructions.mjs [--events 40000]
//
// Why: this VM's speed drifts by up to 2x from minute to minute
// (bench/README.md), so timings taken minutes apart cannot show a 10 %
// change. Instruction counts do not drift: they compare two builds of the
// handler or module to within ~2 %. They are not a time: the JavaScript part
// of an event runs at a much lower rate of instructions per cycle than the
// module (it touches the freshly parsed event).
//
// How: the same child program runs four times under callgrind on the node
// that runs this script, with V8's compilers made deterministic (one thread,
// every wasm function compiled by TurboFan up front). Each run primes the
// module's cache with one GetItem (answered by a local stub: dynalite is too
// slow under valgrind), then handles 20,000 warm-up events and E or 2E
// more, each freshly parsed from JSON; a baseline pair only parses them.
// Per event: ((handler 2E - handler E) - (baseline 2E - baseline E)) / E,
// which cancels start-up, warm-up and the parsing. Needs valgrind
// (apt-get install valgrind).
import { execFile } from 'node:child_process';
import http from 'node:http';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import {
  CREDENTIALS, checkerConfig, edgeSkipReason, fixture, newCookie, sessionItem, stageHandler,
} from '../../tests/node/fixtures/edge/support.mjs';

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};

// --- the child: one counted run -------------------------------------------------
if (option('child', null) !== null) {
  const [dir, mode, events] = [option('child'), option('mode'), Number(option('events'))];
  const cookie = newCookie();
  const text = JSON.stringify(fixture('navigation', cookie.value));
  let handler = null;
  const passes = (r) => r.headers?.['x-barrier-user']?.[0]?.value === 'alice';
  if (mode === 'handler') {
    // A stub DynamoDB: any request gets the session's item.
    const item = JSON.stringify({ Item: sessionItem(cookie.storeKey) });
    const stub = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => res.end(item));
    });
    await new Promise((resolve) => stub.listen(Number(option('port')), '127.0.0.1', resolve));
    Object.assign(process.env, CREDENTIALS);
    ({ handler } = await import(pathToFileURL(path.join(dir, 'handler.mjs')).href));
    if (!passes(await handler(JSON.parse(text)))) throw new Error('the priming event did not pass');
    stub.close();
  }
  let sink = 0;
  for (let i = 0; i < 20000 + events; ++i) {
    const event = JSON.parse(text);
    if (handler === null) {
      sink += event.Records.length;
      await null;
    } else if (!passes(await handler(event))) {
      throw new Error('a cached event did not pass');
    }
  }
  process.stdout.write(`ok ${sink}\n`);
  process.exit(0);
}

// --- the parent -------------------------------------------------------------------
const skipReason = edgeSkipReason();
if (skipReason) {
  console.error(skipReason);
  process.exit(2);
}
const run = promisify(execFile);
try {
  await run('valgrind', ['--version']);
} catch {
  console.error('valgrind is not installed: apt-get install valgrind');
  process.exit(2);
}

const EVENTS = Number(option('events', 40000));
const work = mkdtempSync(path.join(os.tmpdir(), 'barrier-edge-instructions-'));
try {
  // The stub's port is fixed before packaging: the endpoint is baked in.
  const probe = http.createServer();
  await new Promise((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const port = probe.address().port;
  probe.close();
  stageHandler(work, checkerConfig(`http://127.0.0.1:${port}`, { server: { log_level: 'error' } }));

  const counted = async (mode, events) => {
    const out = path.join(work, `callgrind.${mode}.${events}`);
    const { stdout } = await run('valgrind', [
      '--tool=callgrind', '--smc-check=all-non-file', `--callgrind-out-file=${out}`,
      process.execPath, '--single-threaded', '--no-liftoff', '--no-wasm-lazy-compilation',
      import.meta.filename, '--child', work, '--mode', mode, '--events', String(events),
      '--port', String(port),
    ], { maxBuffer: 1 << 24, env: { PATH: process.env.PATH } });
    if (!stdout.startsWith('ok')) throw new Error(`${mode} run failed: ${stdout}`);
    const totals = readFileSync(out, 'utf8').match(/^(?:totals|summary): (\d+)/m);
    if (!totals) throw new Error(`no totals in ${out}`);
    return Number(totals[1]);
  };
  console.log(`node ${process.version}; ${EVENTS} and ${2 * EVENTS} events per run, 4 runs under callgrind (several minutes)`);
  // The handler runs one after the other (each binds the stub to the port
  // baked into the package); the baseline, which needs no stub, beside them.
  const handlerRuns = (async () => [await counted('handler', EVENTS), await counted('handler', 2 * EVENTS)])();
  const baseRuns = (async () => [await counted('baseline', EVENTS), await counted('baseline', 2 * EVENTS)])();
  const [[handlerE, handler2E], [baseE, base2E]] = await Promise.all([handlerRuns, baseRuns]);
  const perEvent = (handler2E - handlerE - (base2E - baseE)) / EVENTS;
  console.log(`handler(): ${Math.round(perEvent)} instructions per cached event ` +
    `(parsing the event, not included: ${Math.round((base2E - baseE) / EVENTS)})`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
