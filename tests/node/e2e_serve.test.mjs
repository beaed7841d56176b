// Browser end-to-end tests of `barrier serve`: headless chromium against the
// real program, the local identity provider (tests/idp, on 127.0.0.1) and the
// demo upstream, with barrier on 127.0.0.2 in front of examples/site.
// Screenshots of the login page and a protected page go to tests/artifacts/.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { browserUnavailable, launchBrowser, screenshot, signIn } from './lib/browser.mjs';
import { USERS, runBarrier, startStack } from './lib/stack.mjs';

const CACHE_TTL = 2; // seconds: a revoked session must be refused within this
const skip = await browserUnavailable();
if (skip) console.log(`# skipping browser end-to-end tests: ${skip}`);

describe('barrier serve in a browser', { skip: skip ?? false, timeout: 540000 }, () => {
  let stack;
  let chromium;

  before(async () => {
    stack = await startStack({ cacheTtl: CACHE_TTL });
    chromium = await launchBrowser();
  });

  after(async () => {
    // Always stop everything, even when a test failed.
    await chromium?.close();
    await stack?.stop();
  });

  // A fresh context signed in as `user`, on `path` (signs in through the provider).
  async function signedIn(user, path = '/') {
    const context = await chromium.newContext();
    const page = await context.newPage();
    await page.goto(stack.site + path);
    await signIn(page, user, USERS[user].password);
    return { context, page };
  }

  // First visit: barrier sends the browser to the provider's login form.
  test('first visit redirects to the provider login', async () => {
    const context = await chromium.newContext();
    try {
      const page = await context.newPage();
      await page.goto(`${stack.site}/`);
      assert.ok(page.url().startsWith(`${stack.issuer}/interaction/`), page.url());
      assert.equal(await page.locator('h1').textContent(), 'Sign in');
      await screenshot(page, 'e2e-login-page.png');
    } finally {
      await context.close();
    }
  });

  // A deep link with a query string survives the whole login round trip.
  test('login as alice lands on the requested deep link', async () => {
    const deepLink = '/docs/page.html?section=intro&lang=en&q=a%26b';
    const { context, page } = await signedIn('alice', deepLink);
    try {
      assert.equal(page.url(), stack.site + deepLink);
      assert.equal(await page.locator('#title').textContent(), 'A deep link');
      assert.equal(await page.locator('#query').textContent(), '?section=intro&lang=en&q=a%26b');
      await screenshot(page, 'e2e-protected-page.png');
    } finally {
      await context.close();
    }
  });

  // The upstream application sees barrier's identity headers.
  test('identity headers reach the upstream', async () => {
    const { context, page } = await signedIn('alice', '/whoami');
    try {
      assert.equal(await page.locator('#title').textContent(), 'Who am I?');
      assert.equal(await page.locator('[id="x-barrier-user"]').textContent(), 'alice');
      const response = await page.goto(`${stack.site}/whoami?format=json`);
      const seen = await response.json();
      assert.equal(seen.headers['x-barrier-user'], 'alice');
      assert.equal(seen.headers['x-barrier-email'], 'alice@example.com');
      assert.equal(seen.headers['x-barrier-groups'], 'admins');
      assert.match(seen.headers['x-barrier-session-id'], /^[A-Za-z0-9_-]{43}$/);
      assert.equal(seen.headers['x-forwarded-host'], new URL(stack.site).host);
    } finally {
      await context.close();
    }
  });

  // /admin/ is for group admins: alice gets in, bob gets the 403 page.
  test('admin area: alice allowed, bob forbidden', async () => {
    const alice = await signedIn('alice', '/admin/');
    const bob = await signedIn('bob', '/');
    try {
      assert.equal(await alice.page.locator('#title').textContent(), 'Admin area');
      const refused = await bob.page.goto(`${stack.site}/admin/`);
      assert.equal(refused.status(), 403);
      assert.doesNotMatch(await bob.page.content(), /Admin area/);
    } finally {
      await alice.context.close();
      await bob.context.close();
    }
  });

  // fetch/XHR without a session: 401, never a redirect to the provider.
  test('fetch without a session gets 401, not a redirect', async () => {
    const context = await chromium.newContext();
    try {
      const page = await context.newPage();
      await page.goto(`${stack.site}/_identity/health`);
      const result = await page.evaluate(async () => {
        const fetched = await fetch('/docs/page.html');
        const xhr = await new Promise((resolve) => {
          const request = new XMLHttpRequest();
          request.open('GET', '/admin/');
          request.setRequestHeader('X-Requested-With', 'XMLHttpRequest');
          request.onload = () => resolve({ status: request.status, url: request.responseURL });
          request.send();
        });
        return { status: fetched.status, redirected: fetched.redirected, xhr };
      });
      assert.equal(result.status, 401);
      assert.equal(result.redirected, false);
      assert.equal(result.xhr.status, 401);
      assert.equal(new URL(result.xhr.url).pathname, '/admin/');
    } finally {
      await context.close();
    }
  });

  // Logout ends the provider session too: the next visit shows the form again.
  test('logout ends the provider session', async () => {
    const { context, page } = await signedIn('alice', '/');
    try {
      await page.goto(`${stack.site}/_identity/logout`);
      assert.equal(new URL(page.url()).pathname, '/_identity/signed-out');
      await page.goto(`${stack.site}/`);
      assert.ok(page.url().startsWith(`${stack.issuer}/interaction/`), page.url());
      await page.waitForSelector('#username');
    } finally {
      await context.close();
    }
  });

  // Logout ends the session at once in barrier serve (the manager and the
  // checker share a process, and the cache forgets it), not a cache TTL later:
  // a copy of the cookie is refused right after.
  test('a copied cookie is refused right after logout', async () => {
    const { context, page } = await signedIn('alice', '/');
    try {
      assert.equal(await page.evaluate(async () => (await fetch('/docs/page.html')).status), 200);
      const cookie = (await context.cookies(stack.site)).find((c) => c.name === 'barrier');
      assert.ok(cookie, 'no session cookie');
      const copied = () => fetch(`${stack.site}/docs/page.html`, {
        headers: { cookie: `barrier=${cookie.value}`, accept: 'application/json' },
        redirect: 'manual',
      }).then((r) => r.status);
      assert.equal(await copied(), 200);
      await page.goto(`${stack.site}/_identity/logout`);
      assert.equal(await copied(), 401);
    } finally {
      await context.close();
    }
  });

  // `barrier sessions revoke --user` ends a live session within the cache TTL.
  test('revoked session is refused within the cache ttl', async () => {
    const { context, page } = await signedIn('alice', '/');
    try {
      const status = () => page.evaluate(async () => (await fetch('/docs/page.html')).status);
      assert.equal(await status(), 200);
      // The gateway cached the session before this answer came back, so its
      // entry is gone by `expired`: a request sent from then on must be refused.
      const expired = Date.now() + CACHE_TTL * 1000;
      const revoked = await runBarrier(['sessions', 'revoke', '-c', stack.config, '--user', USERS.alice.sub]);
      assert.equal(revoked.code, 0, revoked.stderr);
      for (;;) {
        const sent = Date.now();
        const last = await status();
        if (last !== 200) {
          assert.equal(last, 401);
          break;
        }
        assert.ok(sent < expired, `a request sent ${sent - expired} ms after the cache TTL still passed`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    } finally {
      await context.close();
    }
  });

  // Two tabs start logging in at the same time; both end up signed in on
  // their own page (per-flow login cookies do not collide).
  test('two tabs logging in at once both succeed', async () => {
    const context = await chromium.newContext();
    try {
      const [one, two] = [await context.newPage(), await context.newPage()];
      await Promise.all([
        one.goto(`${stack.site}/docs/page.html?tab=1`),
        two.goto(`${stack.site}/docs/page.html?tab=2`),
      ]);
      await Promise.all([one.waitForSelector('#username'), two.waitForSelector('#username')]);
      await Promise.all([
        signIn(one, 'alice', USERS.alice.password),
        signIn(two, 'alice', USERS.alice.password),
      ]);
      assert.equal(one.url(), `${stack.site}/docs/page.html?tab=1`);
      assert.equal(two.url(), `${stack.site}/docs/page.html?tab=2`);
      assert.equal(await one.locator('#title').textContent(), 'A deep link');
      assert.equal(await two.locator('#title').textContent(), 'A deep link');
    } finally {
      await context.close();
    }
  });
});
