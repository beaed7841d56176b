#!/usr/bin/env node
// A local stand-in for Amazon Cognito's hosted UI, built on oidc-provider
// (a certified OpenID provider). It serves Cognito's paths:
//
//   /oauth2/authorize   /oauth2/token   /oauth2/userInfo   /logout
//   /.well-known/openid-configuration   /.well-known/jwks.json
//
// and issues ID tokens the way Cognito does: RS256, `token_use: "id"`,
// `cognito:groups`, `cognito:username`, `email`. PKCE (S256) is required.
//
// Users (see README section "manager"):
//   alice / alice-password   group "admins", alice@example.com
//   bob   / bob-password     no group,       bob@example.com
//
// Usage:
//   node tests/idp/idp.mjs --port 0 --host 127.0.0.1 \
//     --client-id barrier --client-secret s3cret \
//     --redirect-uri http://127.0.0.1:8080/_identity/auth \
//     --logout-uri http://127.0.0.1:8080/_identity/signed-out
// Prints one JSON line on stdout when ready: {"issuer":"http://127.0.0.1:PORT", ...}.
// --redirect-uri and --logout-uri may repeat. Environment variables IDP_PORT,
// IDP_HOST, IDP_CLIENT_ID, IDP_CLIENT_SECRET, IDP_REDIRECT_URIS and
// IDP_LOGOUT_URIS (comma-separated) are read when the flags are absent.
//
// --api-client id:secret (with --api-audience URL) adds a machine client for
// the client-credentials grant at /oauth2/token: its access tokens are JWTs
// (RS256, the same key) with `aud` = the audience, `client_id` and the
// `api/read api/write` scopes it asks for, as a resource server's.
//
// --es256 adds a P-256 key (kid idp-ec-1) to the key set, next to the RSA
// one, and signs with it instead: the client's ID tokens and the machine
// client's access tokens are then ES256.
//
// The login form (GET /interaction/<uid>) is a plain HTML form posting
// `username` and `password` to /interaction/<uid>/login: a browser fills it
// in, an HTTP client can post it. Its Cancel button posts to
// /interaction/<uid>/abort, which sends the client ?error=access_denied.
// Consent is implicit (first-party client), like Cognito's hosted UI.
//
// /logout?client_id=..&logout_uri=.. (Cognito) or post_logout_redirect_uri
// (OIDC) ends the provider session, so the next authorize shows the login
// form again, then redirects to the given URI if it is registered.
//
// --backchannel-logout-uri URL (or IDP_BACKCHANNEL_LOGOUT_URI) turns on
// OpenID Connect Back-Channel Logout: the client is registered with that
// backchannel_logout_uri and backchannel_logout_session_required, so its ID
// tokens carry a `sid`, the discovery document announces
// backchannel_logout_supported, and oidc-provider's own end-session flow
// (POST /logout, then its confirmation form to /logout/confirm with
// logout=yes) posts a logout token (sub, sid) to the URL. Without it the
// provider is as before (no sid in ID tokens).
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import http from 'node:http';
import { parseArgs } from 'node:util';
import Provider from 'oidc-provider';

export const USERS = {
  alice: {
    password: 'alice-password', sub: 'alice-sub-0001', email: 'alice@example.com', groups: ['admins'],
  },
  bob: { password: 'bob-password', sub: 'bob-sub-0002', email: 'bob@example.com', groups: [] },
};

function options() {
  const { values } = parseArgs({
    options: {
      host: { type: 'string' },
      port: { type: 'string' },
      'client-id': { type: 'string' },
      'client-secret': { type: 'string' },
      'redirect-uri': { type: 'string', multiple: true },
      'logout-uri': { type: 'string', multiple: true },
      'id-token-ttl': { type: 'string' },
      'api-client': { type: 'string' },
      'api-audience': { type: 'string' },
      'backchannel-logout-uri': { type: 'string' },
      es256: { type: 'boolean' },
    },
  });
  const list = (v) => (v ? v.split(',').filter(Boolean) : []);
  return {
    host: values.host ?? process.env.IDP_HOST ?? '127.0.0.1',
    port: Number(values.port ?? process.env.IDP_PORT ?? 0),
    clientId: values['client-id'] ?? process.env.IDP_CLIENT_ID ?? 'barrier',
    clientSecret: values['client-secret'] ?? process.env.IDP_CLIENT_SECRET ?? '',
    redirectUris: values['redirect-uri'] ?? list(process.env.IDP_REDIRECT_URIS),
    logoutUris: values['logout-uri'] ?? list(process.env.IDP_LOGOUT_URIS),
    idTokenTtl: Number(values['id-token-ttl'] ?? 3600),
    apiClient: values['api-client'],
    apiAudience: values['api-audience'] ?? 'https://api.example.com',
    backchannelLogoutUri: values['backchannel-logout-uri'] ?? process.env.IDP_BACKCHANNEL_LOGOUT_URI,
    es256: values.es256 ?? false,
  };
}

function subToUsername(sub) {
  return Object.keys(USERS).find((name) => USERS[name].sub === sub);
}

function makeProvider(issuer, opts) {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = { ...privateKey.export({ format: 'jwk' }), kid: 'idp-key-1', use: 'sig', alg: 'RS256' };
  const client = {
    client_id: opts.clientId,
    redirect_uris: opts.redirectUris,
    post_logout_redirect_uris: opts.logoutUris,
    response_types: ['code'],
    grant_types: ['authorization_code'],
    token_endpoint_auth_method: opts.clientSecret ? 'client_secret_basic' : 'none',
    ...(opts.clientSecret ? { client_secret: opts.clientSecret } : {}),
  };
  // The machine client and its resource server: only with --api-client, so
  // the sign-in flow's tokens stay exactly as they were.
  const clients = [client];
  const features = { devInteractions: { enabled: false }, rpInitiatedLogout: { enabled: true } };
  if (opts.backchannelLogoutUri) {
    features.backchannelLogout = { enabled: true };
    client.backchannel_logout_uri = opts.backchannelLogoutUri;
    client.backchannel_logout_session_required = true;
  }
  if (opts.apiClient) {
    const [apiId, apiSecret] = opts.apiClient.split(':');
    clients.push({
      client_id: apiId, client_secret: apiSecret, grant_types: ['client_credentials'],
      response_types: [], redirect_uris: [], token_endpoint_auth_method: 'client_secret_basic',
    });
    features.clientCredentials = { enabled: true };
    features.resourceIndicators = {
      enabled: true,
      defaultResource: (ctx, c) => (c?.clientId === apiId ? opts.apiAudience : undefined),
      useGrantedResource: () => true,
      getResourceServerInfo: () => ({
        scope: 'api/read api/write', audience: opts.apiAudience, accessTokenFormat: 'jwt',
        jwt: { sign: { alg: 'RS256' } },
      }),
    };
  }
  // --es256: an EC key besides the RSA one, and tokens signed with it.
  const keys = [jwk];
  if (opts.es256) {
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    keys.push({ ...ec.export({ format: 'jwk' }), kid: 'idp-ec-1', use: 'sig', alg: 'ES256' });
    client.id_token_signed_response_alg = 'ES256';
    if (features.resourceIndicators) {
      const info = features.resourceIndicators.getResourceServerInfo;
      features.resourceIndicators.getResourceServerInfo = (...args) => ({ ...info(...args), jwt: { sign: { alg: 'ES256' } } });
    }
  }
  const provider = new Provider(issuer, {
    clients,
    jwks: { keys },
    cookies: { keys: [randomBytes(32).toString('hex')] },
    pkce: { methods: ['S256'], required: () => true },
    routes: {
      authorization: '/oauth2/authorize',
      token: '/oauth2/token',
      userinfo: '/oauth2/userInfo',
      jwks: '/.well-known/jwks.json',
      end_session: '/logout',
    },
    scopes: ['openid', 'email', 'profile'],
    claims: {
      openid: ['sub', 'token_use'],
      email: ['email', 'email_verified'],
      profile: ['cognito:username', 'cognito:groups', 'preferred_username'],
    },
    // Cognito puts the profile claims into the ID token of a code flow.
    conformIdTokenClaims: false,
    features,
    ttl: { IdToken: opts.idTokenTtl, AccessToken: 3600, AuthorizationCode: 300, Session: 3600, Interaction: 600, Grant: 3600 },
    interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
    async findAccount(ctx, sub) {
      const name = subToUsername(sub);
      if (!name) return undefined;
      const user = USERS[name];
      return {
        accountId: sub,
        async claims(use) {
          return {
            sub,
            ...(use === 'id_token' ? { token_use: 'id' } : {}),
            email: user.email,
            email_verified: true,
            'cognito:username': name,
            preferred_username: name,
            ...(user.groups.length ? { 'cognito:groups': user.groups } : {}),
          };
        },
      };
    },
    // First-party client: consent is implied, as in Cognito's hosted UI.
    async loadExistingGrant(ctx) {
      const grantId = ctx.oidc.result?.consent?.grantId
        || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
      if (grantId) return ctx.oidc.provider.Grant.find(grantId);
      const grant = new ctx.oidc.provider.Grant({
        clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId,
      });
      grant.addOIDCScope('openid email profile');
      grant.addOIDCClaims(['token_use', 'cognito:username', 'cognito:groups']);
      await grant.save();
      return grant;
    },
  });
  provider.proxy = false;
  return { provider, client, keys };
}

const escapeHtml = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function loginPage(uid, error) {
  return `<!doctype html><html><head><meta charset="utf-8"><title>Sign in</title></head><body>
<h1>Sign in</h1>${error ? `<p id="error">${escapeHtml(error)}</p>` : ''}
<form method="post" action="/interaction/${escapeHtml(uid)}/login">
<label>Username <input name="username" id="username" autocomplete="username"></label>
<label>Password <input name="password" id="password" type="password"></label>
<button type="submit" id="submit">Sign in</button>
</form>
<form method="post" action="/interaction/${escapeHtml(uid)}/abort">
<button type="submit" id="cancel">Cancel</button>
</form></body></html>`;
}

async function readForm(req) {
  let body = '';
  for await (const chunk of req) {
    body += chunk;
    if (body.length > 64 * 1024) throw new Error('form too large');
  }
  return new URLSearchParams(body);
}

function send(res, status, body, headers = {}) {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', ...headers });
  res.end(body);
}

async function interaction(provider, req, res, url) {
  const match = url.pathname.match(/^\/interaction\/([^/]+)(\/login|\/abort)?$/);
  const details = await provider.interactionDetails(req, res);
  if (!match || details.uid !== match[1]) return send(res, 400, 'unknown interaction');
  if (!match[2]) return send(res, 200, loginPage(details.uid));
  if (match[2] === '/abort') {
    // The visitor gave up: the client gets ?error=access_denied, as from Cognito.
    return provider.interactionFinished(req, res,
      { error: 'access_denied', error_description: 'End-User aborted interaction' },
      { mergeWithLastSubmission: false });
  }
  const form = await readForm(req);
  const user = USERS[form.get('username') ?? ''];
  if (!user || user.password !== form.get('password')) {
    return send(res, 200, loginPage(details.uid, 'Incorrect username or password.'));
  }
  return provider.interactionFinished(req, res, { login: { accountId: user.sub } },
    { mergeWithLastSubmission: false });
}

// Cognito's /logout: end the provider session, then go to logout_uri if
// it is one of the client's registered logout URLs.
async function logout(provider, client, req, res, url) {
  const target = url.searchParams.get('logout_uri') ?? url.searchParams.get('post_logout_redirect_uri');
  if (url.searchParams.get('client_id') !== client.client_id) return send(res, 400, 'unknown client_id');
  if (!target || !client.post_logout_redirect_uris.includes(target)) return send(res, 400, 'logout_uri is not registered');
  const session = await provider.Session.get({ req, res, secure: false });
  if (session) await session.destroy();
  const expired = 'Expires=Thu, 01 Jan 1970 00:00:00 GMT; Path=/; HttpOnly; SameSite=Lax';
  res.writeHead(302, {
    location: target,
    'cache-control': 'no-store',
    'set-cookie': [`_session=; ${expired}`, `_session.sig=; ${expired}`],
  });
  res.end();
}

export async function startIdp(opts) {
  const server = http.createServer();
  await new Promise((resolve) => server.listen(opts.port, opts.host, resolve));
  const issuer = `http://${opts.host}:${server.address().port}`;
  const { provider, client, keys } = makeProvider(issuer, opts);
  const handle = provider.callback();
  server.on('request', (req, res) => {
    const url = new URL(req.url, issuer);
    let work;
    if (url.pathname.startsWith('/interaction/')) work = interaction(provider, req, res, url);
    else if (url.pathname === '/logout' && req.method === 'GET') work = logout(provider, client, req, res, url);
    else if (url.pathname === '/health') work = Promise.resolve(send(res, 200, 'ok'));
    else return handle(req, res);
    work.catch((err) => { if (!res.headersSent) send(res, 400, escapeHtml(err.message)); });
  });
  // signingKeys: the private JWKs, for tests that forge what only the
  // provider could sign (expired tokens, other claims).
  return { server, issuer, signingKeys: keys };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const opts = options();
  const { server, issuer } = await startIdp(opts);
  process.stdout.write(`${JSON.stringify({ issuer, client_id: opts.clientId })}\n`);
  const stop = () => server.close(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
