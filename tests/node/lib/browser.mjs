// Headless Debian chromium driven by playwright-core, set up the way the
// end-to-end tests need it: no sandbox (containers), no GPU, no QUIC, no
// background traffic, and a fresh profile per launch.
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';

import { SOURCE_DIR } from './stack.mjs';

export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
export const ARTIFACTS = path.join(SOURCE_DIR, 'tests/artifacts');

// Why the browser tests cannot run here, or null when they can.
export async function browserUnavailable() {
  if (!existsSync(CHROMIUM)) return `needs ${CHROMIUM} (apt-get install chromium)`;
  try {
    await import('playwright-core');
  } catch {
    return 'needs node_modules/playwright-core (npm ci)';
  }
  return null;
}

// Launches chromium. playwright starts it with a fresh temporary profile
// (user-data-dir) every time; each test then opens its own isolated
// context, so alice's and bob's cookies never meet.
// `env`: the browser's environment (e.g. a HOME whose NSS database trusts
// a test CA).
export async function launchBrowser({ env } = {}) {
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({
    env,
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--disable-dev-shm-usage'],
    timeout: 60000,
  });
  return {
    browser,
    async newContext() {
      const context = await browser.newContext();
      context.setDefaultTimeout(20000);
      context.setDefaultNavigationTimeout(20000);
      return context;
    },
    close: () => browser.close().catch(() => {}),
  };
}

// Fills in the provider's login form on `page` and submits it.
export async function signIn(page, username, password) {
  await page.waitForSelector('#username');
  await page.fill('#username', username);
  await page.fill('#password', password);
  await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click('#submit')]);
}

export async function screenshot(page, name) {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: path.join(ARTIFACTS, name), fullPage: true });
}
