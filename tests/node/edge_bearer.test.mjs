// The Lambda@Edge checker and bearer tokens (api.bearer): src/edge/handler.mjs
// with the real module, packaged by `barrier package checker`, against
// oidc-provider (tests/idp/idp.mjs) on loopback. The handler fetches the
// provider's keys at cold start (discovery, then the JWKS), the module
// decides, and signatures are checked by node:crypto through the host
// import. Real tokens come from the client-credentials grant, RS256 and
// (--es256) ES256; forged ones are signed by other keys, or by the
// provider's own key with claims it would never issue.
//
//   BARRIER_WASM_DIR=build/wasm node --test tests/node/edge_bearer.test.mjs
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, createPrivateKey, createSign, generateKeyPairSync, sign as signWith } from 'node:crypto';
import { rmSync } from 'node:fs';
import {
  assertEdgeResponse, checkerConfig, closedPort, edgeSkipReason, headerValues, loadStagedHandler,
} from './fixtures/edge/support.mjs';

const skip = edgeSkipReason();
const kAudience = 'https://api.example.com';
const kMachine = 'machine:machine-secret';

const scratch = [];
const idps = [];

// oidc-provider in this process with a client-credentials client; counts
// the requests for its key set and discovery document.
async function startProvider(es256) {
  const { startIdp } = await import('../idp/idp.mjs');
  const idp = await startIdp({
    host: '127.0.0.1', port: 0, clientId: 'barrier', clientSecret: 'web-secret',
    redirectUris: ['https://www.example.com/_identity/auth'], logoutUris: [], idTokenTtl: 3600,
    apiClient: kMachine, apiAudience: kAudience, es256,
  });
  idp.fetches = { jwks: 0, discovery: 0 };
  idp.server.prependListener('request', (req) => {
    if (req.url === '/.well-known/jwks.json') idp.fetches.jwks += 1;
    if (req.url === '/.well-known/openid-configuration') idp.fetches.discovery += 1;
  });
  idps.push(idp);
  return idp;
}

// An access token from the provider's client-credentials grant.
async function realToken(idp, scope = 'api/read') {
  const res = await fetch(`${idp.issuer}/oauth2/token`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(kMachine).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({ grant_type: 'client_credentials', scope }).toString(),
  });
  const body = await res.json();
  assert.equal(res.status, 200, JSON.stringify(body));
  return body.access_token;
}

const b64 = (value) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
const partsOf = (token) => token.split('.').slice(0, 2).map((p) => JSON.parse(Buffer.from(p, 'base64url')));

// A compact JWS of `header` and `payload` signed with `key` (a private
// KeyObject): ES256 as JOSE's raw r || s, RS256 as PKCS#1 v1.5.
function jws(header, payload, key) {
  const input = `${b64(header)}.${b64(payload)}`;
  const signature = key.asymmetricKeyType === 'ec'
    ? signWith('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' })
    : createSign('sha256').update(input).sign(key);
  return `${input}.${signature.toString('base64url')}`;
}

// The provider's own private key of `kid`, to forge what only it could sign.
const providerKey = (idp, kid) => createPrivateKey({ key: idp.signingKeys.find((k) => k.kid === kid), format: 'jwk' });

function bearerEvent(token, uri = '/api/items') {
  const headers = { host: [{ key: 'Host', value: 'www.example.com' }], accept: [{ key: 'Accept', value: 'application/json' }] };
  if (token !== null) headers.authorization = [{ key: 'Authorization', value: `Bearer ${token}` }];
  return { Records: [{ cf: { request: { clientIp: '203.0.113.9', method: 'GET', querystring: '', uri, headers } } }] };
}

// The checker configuration of an API behind the provider at `issuer`.
function bearerConfig(issuer, storeEndpoint, api = {}) {
  return checkerConfig(storeEndpoint, {
    provider: { type: 'oidc', issuer, client_id: 'barrier', client_secret: 'web-secret' },
    api: { bearer: true, audiences: [kAudience], ...api },
    rules: [
      { path: '/api/admin/*', allow: [{ claims: { scope: ['api/admin'] } }] },
      { path: '/api/*', allow: [{ claims: { scope: ['api/read'] } }] },
    ],
    headers: { 'X-Barrier-Scope': 'scope' },
  });
}

function assertInvalidToken(result, why) {
  assertEdgeResponse(result);
  assert.equal(result.status, '401', `${why}: ${JSON.stringify(result)}`);
  assert.deepEqual(headerValues(result.headers, 'www-authenticate'), ['Bearer error="invalid_token"'], why);
  assert.equal(result.headers.location, undefined, `${why}: never a redirect`);
}

describe('Lambda@Edge checker with bearer tokens', { skip, timeout: 120000 }, () => {
  let store;  // no store is read for a bearer token: a port nothing listens on
  before(async () => {
    store = `http://127.0.0.1:${await closedPort()}`;
  });

  after(async () => {
    for (const idp of idps) {
      idp.server.closeAllConnections?.();
      await new Promise((resolve) => idp.server.close(() => resolve()));
    }
    for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
  });

  for (const alg of ['RS256', 'ES256']) {
    describe(`tokens signed ${alg}`, () => {
      let idp;
      let handler;
      const kid = alg === 'ES256' ? 'idp-ec-1' : 'idp-key-1';

      before(async () => {
        idp = await startProvider(alg === 'ES256');
        handler = await loadStagedHandler(bearerConfig(idp.issuer, store), scratch);
      });

      // A real token passes with identity headers from its claims, the
      // Authorization header unchanged; the keys were fetched once, at
      // cold start (discovery, then the JWKS).
      test('a real client-credentials token passes', async () => {
        const token = await realToken(idp);
        assert.equal(partsOf(token)[0].alg, alg);
        const result = await handler(bearerEvent(token));
        assert.equal(result.uri, '/api/items', JSON.stringify(result));
        assert.deepEqual(headerValues(result.headers, 'authorization'), [`Bearer ${token}`]);
        assert.deepEqual(headerValues(result.headers, 'x-barrier-user'), ['machine']);
        assert.deepEqual(headerValues(result.headers, 'x-barrier-scope'), ['api/read']);
        assert.deepEqual(idp.fetches, { jwks: 1, discovery: 1 });
      });

      // Rules apply to the token's space-separated scope: 403
      // insufficient_scope, not a redirect.
      test('a missing scope is 403 insufficient_scope', async () => {
        const result = await handler(bearerEvent(await realToken(idp), '/api/admin/users'));
        assertEdgeResponse(result);
        assert.equal(result.status, '403');
        assert.deepEqual(headerValues(result.headers, 'www-authenticate'), ['Bearer error="insufficient_scope"']);
      });

      // Forgeries: another key under the provider's kid, the algorithm
      // confused both ways, HMAC keyed with the public key, none, and the
      // provider's own key on claims it would not issue (wrong aud,
      // expired, other issuer). Each is 401 invalid_token; made-up kids
      // make the handler fetch nothing (at most once a minute).
      test('forged tokens are 401 invalid_token', async () => {
        const claims = partsOf(await realToken(idp))[1];
        const now = Math.floor(Date.now() / 1000);
        const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
        const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
        const own = providerKey(idp, kid);
        const hs256 = (key) => {
          const input = `${b64({ alg: 'HS256', kid })}.${b64(claims)}`;
          return `${input}.${createHmac('sha256', key).update(input).digest('base64url')}`;
        };
        const forgeries = {
          'wrong key': jws({ alg, kid }, claims, alg === 'ES256' ? ec : rsa),
          'ES256 header on the RSA key': jws({ alg: 'ES256', kid: 'idp-key-1' }, claims, ec),
          'RS256 header on the EC key': jws({ alg: 'RS256', kid: 'idp-ec-1' }, claims, rsa),
          'HS256 keyed with the JWKS': hs256(JSON.stringify(idp.signingKeys)),
          'alg none': `${b64({ alg: 'none' })}.${b64(claims)}.`,
          'wrong aud': jws({ alg, kid }, { ...claims, aud: 'https://other.example.com' }, own),
          expired: jws({ alg, kid }, { ...claims, iat: now - 7200, exp: now - 3600 }, own),
          'other issuer': jws({ alg, kid }, { ...claims, iss: 'https://evil.example.com' }, own),
          'unknown kid': jws({ alg, kid: 'made-up' }, claims, own),
          'not a JWT': 'abc.def',
        };
        const before = { ...idp.fetches };
        for (const [why, token] of Object.entries(forgeries)) assertInvalidToken(await handler(bearerEvent(token)), why);
        assert.deepEqual(idp.fetches, before, 'no refetch within a minute of the last');
        // Signed by the provider with its own claims, the same shape passes:
        // each refusal above is the forgery's.
        const result = await handler(bearerEvent(jws({ alg, kid }, claims, own)));
        assert.equal(result.uri, '/api/items', JSON.stringify(result));
      });
    });
  }

  // A token whose aud is not one of api.audiences: refused, though real.
  test('a real token for another API is 401', async () => {
    const idp = idps[0] ?? await startProvider(false);
    const handler = await loadStagedHandler(
      bearerConfig(idp.issuer, store, { audiences: ['https://other-api.example.com'] }), scratch);
    assertInvalidToken(await handler(bearerEvent(await realToken(idp))), 'other audience');
  });

  // The provider unreachable: 503 with Retry-After, never a pass or a 401.
  test('keys out of reach are 503', async () => {
    const handler = await loadStagedHandler(bearerConfig(`http://127.0.0.1:${await closedPort()}`, store), scratch);
    const result = await handler(bearerEvent(`${b64({ alg: 'ES256', kid: 'k' })}.${b64({ sub: 'x' })}.AAAA`));
    assertEdgeResponse(result);
    assert.equal(result.status, '503', JSON.stringify(result));
    assert.ok(result.headers['retry-after'], 'Retry-After');
  });
});

