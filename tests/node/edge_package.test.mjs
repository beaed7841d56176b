// `barrier package checker` builds a Lambda@Edge zip that works: the test
// packages a configuration pointing at dynalite, unzips it with the unzip
// CLI, and runs the unzipped handler.mjs once in a fresh Node.js process
// whose environment holds only what Lambda gives (PATH and AWS_*).
//
//   BARRIER_BINARY=build/release/barrier BARRIER_WASM_DIR=build/wasm \
//     node --test tests/node/edge_package.test.mjs
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import {
  BARRIER, CREDENTIALS, SOURCE_DIR, WASM_PATH, checkerConfig, edgeSkipReason, fixture, headerValues,
  newCookie, putSession, startDynalite,
} from './fixtures/edge/support.mjs';

const skip = edgeSkipReason();
const run = promisify(execFile);

// Runs `script` (ESM) with node in `cwd` under a Lambda-like environment.
function nodeScript(cwd, script, env) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      cwd, env, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => { stdout += c; });
    child.stderr.on('data', (c) => { stderr += c; });
    const timer = setTimeout(() => child.kill('SIGKILL'), 30000);
    child.once('error', reject);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('barrier package checker', { skip, timeout: 120000 }, () => {
  let db;
  let dir;

  before(async () => {
    db = await startDynalite();
    dir = mkdtempSync(path.join(os.tmpdir(), 'barrier-edge-pkg-'));
  });

  after(async () => {
    await db?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  // The zip holds exactly handler.mjs, the module and the reduced config,
  // is within the README's 110 KB target (Lambda@Edge's limit is 1 MB;
  // the README says about 103 KB), and its handler passes a valid session
  // after a GetItem to dynalite.
  test('packaged handler runs from the unzipped folder', async (t) => {
    const config = checkerConfig(db.endpoint);
    config.provider.client_secret = 'client-secret-must-not-ship';
    const configFile = path.join(dir, 'barrier.json');
    writeFileSync(configFile, JSON.stringify(config, null, 2));
    const out = path.join(dir, 'out');
    const { stdout } = await run(BARRIER, ['package', 'checker', '--config', configFile, '--out', out,
      '--wasm', WASM_PATH, '--edge-dir', path.join(SOURCE_DIR, 'src/edge')]);
    const zip = path.join(out, 'barrier-checker.zip');
    const size = statSync(zip).size;
    t.diagnostic(`barrier-checker.zip: ${size} bytes (${(size / 1024).toFixed(1)} KiB); ${stdout.trim()}`);
    console.log(`barrier-checker.zip size: ${size} bytes`);
    assert.ok(size <= 110 * 1024, `the README promises a checker zip of at most 110 KB, got ${size} bytes`);

    const unzipped = path.join(dir, 'unzipped');
    await run('unzip', ['-q', '-o', zip, '-d', unzipped]);
    assert.deepEqual(readdirSync(unzipped).sort(),
      ['barrier_checker.wasm', 'checker.settings', 'config.json', 'handler.mjs']);
    const baked = JSON.parse(readFileSync(path.join(unzipped, 'config.json'), 'utf8'));
    assert.equal(baked.provider.client_secret, undefined, 'the edge never holds the client secret');
    assert.equal(baked.store.endpoint, db.endpoint);
    const settings = readFileSync(path.join(unzipped, 'checker.settings'), 'utf8');
    assert.ok(!settings.includes('client-secret-must-not-ship'), 'nor do its settings');

    const cookie = newCookie();
    await putSession(db, cookie.storeKey);
    const event = fixture('navigation', cookie.value);
    const script = `
      const { handler } = await import('./handler.mjs');
      const result = await handler(${JSON.stringify(event)});
      process.stdout.write(JSON.stringify(result));`;
    const env = { PATH: process.env.PATH, ...CREDENTIALS };
    const before = db.getItems.length;
    const child = await nodeScript(unzipped, script, env);
    assert.equal(child.code, 0, child.stderr);
    const result = JSON.parse(child.stdout);
    assert.equal(result.uri, '/docs/page.html');
    assert.deepEqual(headerValues(result.headers, 'x-barrier-user'), ['alice']);
    assert.deepEqual(headerValues(result.headers, 'x-barrier-session-id'), [cookie.storeKey]);
    assert.equal(db.getItems.length - before, 1);
  });
});
