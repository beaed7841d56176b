// Signs in to a stack (lib/stack.mjs) without a browser: fetch with a
// cookie jar per host, following the redirects of the login flow and
// posting the provider's form. Returns the Cookie header value of barrier's
// session cookie (`barrier=...`).
import { USERS } from './stack.mjs';

// Cookies by host (paths and expiry ignored but for removals: the flow
// sends each cookie only where it is read).
class CookieJar {
  constructor() { this.hosts = new Map(); }

  header(url) {
    const jar = this.hosts.get(new URL(url).host);
    return jar ? [...jar].map(([name, value]) => `${name}=${value}`).join('; ') : '';
  }

  store(url, response) {
    const host = new URL(url).host;
    if (!this.hosts.has(host)) this.hosts.set(host, new Map());
    const jar = this.hosts.get(host);
    for (const line of response.headers.getSetCookie()) {
      const [pair, ...attributes] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const removed = value === '' || attributes.some((a) => /^\s*max-age=0\s*$/i.test(a)
        || /^\s*expires=.*1970/i.test(a));
      if (removed) jar.delete(name); else jar.set(name, value);
    }
  }

  value(url, name) { return this.hosts.get(new URL(url).host)?.get(name); }
}

// One request with the jar's cookies; redirects are returned, not followed.
async function step(jar, url, init = {}) {
  const headers = { ...(init.headers ?? {}) };
  const cookie = jar.header(url);
  if (cookie) headers.cookie = cookie;
  const response = await fetch(url, { ...init, headers, redirect: 'manual' });
  jar.store(url, response);
  return response;
}

export async function signInWithFetch(stack, user) {
  const jar = new CookieJar();
  let url = `${stack.site}/_identity/login?path=%2F`;
  let response = await step(jar, url);
  for (let hops = 0; hops < 20; ++hops) {
    if (response.status >= 300 && response.status < 400) {
      url = new URL(response.headers.get('location'), url).href;
      if (url.startsWith(`${stack.site}/`) && jar.value(stack.site, 'barrier')) {
        return `barrier=${jar.value(stack.site, 'barrier')}`;
      }
      response = await step(jar, url);
      continue;
    }
    const page = await response.text();
    const action = page.match(/action="(\/interaction\/[^"]+\/login)"/);
    if (response.status !== 200 || !action) {
      throw new Error(`sign-in stopped at ${url}: ${response.status} ${page.slice(0, 200)}`);
    }
    url = new URL(action[1], url).href;
    response = await step(jar, url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ username: user, password: USERS[user].password }).toString(),
    });
  }
  throw new Error('sign-in: too many redirects');
}
