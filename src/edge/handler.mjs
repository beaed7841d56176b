// barrier session checker: the Lambda@Edge viewer-request handler
// (docs/ARCHITECTURE.md, "The edge checker").
//
// Transport only. The decision is made by the C++ checker compiled to
// WebAssembly (barrier_checker.wasm, ABI at the top of src/edge/wasm_main.cpp);
// this file instantiates the module once per container and configures it
// with the baked checker.settings, passes the clock with each call,
// supplies its host functions (SHA-256/HMAC and the signature checks of
// bearer tokens from node:crypto, log lines), sends the DynamoDB GetItem the
// module builds and signs itself (one HTTPS request, keep-alive), fetches
// the provider's keys when the module asks (api.bearer: at cold start, and
// for a kid the module does not know, at most once a minute), and returns
// what the module decides in Lambda@Edge's shapes. No AWS SDK:
// loading it would cost more than the whole cold start. config.json (the
// same settings, readable) gives this file its log level and Retry-After.
// Runs on Node.js 20.16+ and 22.3+ (every Lambda nodejs20.x and nodejs22.x
// runtime), no dependencies; `barrier package checker`
// zips it with the module, checker.settings and config.json.
//
// Speed: a cached session costs a few microseconds. Each event crosses into
// the module as one string of NUL-separated fields (only the headers the
// checker reads) and comes back as a tag byte and fields; identity headers
// are decoded once per distinct identity.
//
// Fail closed: any failure here — no module, a trap, a malformed event or
// decision, DynamoDB unreachable — answers 503 with Retry-After. The handler
// never passes a request the module did not pass, and never throws.
import { readFileSync } from 'node:fs';

// The log levels, in order: kLogLevelNames in src/core/ports/log.h is the
// list (src/edge/handler_log_levels_test.cpp checks that this one matches).
// A copy rather than a lookup: the handler filters its own lines before the
// module is loaded, and even when it cannot be.
const kLevels = { debug: 0, info: 1, warn: 2, error: 3 };
// The checker tries at most 4 well-signed cookie values per request
// (kMaxSessionCandidates), with at most 3 GetItem attempts each
// (kEdgeMaxAttempts: DynamoDB throttling is retried).
const kMaxFetchesPerEvent = 4 * 3;
// Lambda@Edge ends a viewer-request function after 5 s, and the visitor then
// gets CloudFront's error page: the store reads of one event (up to the
// fetches above, 2 s each) share this budget, and past it the answer is
// the handler's own 503 with Retry-After.
const kEventBudgetMs = 4000;
// A session item is well under 1 KB (DynamoDB caps items at 400 KB).
const kMaxAnswerBytes = 512 * 1024;
// Lambda@Edge refuses generated responses over 40 KB (headers and body).
const kMaxGeneratedBytes = 40 * 1024;
const kDefaultTimeoutMs = 2000;
// The module's back-off before a retry is tens of milliseconds; a larger
// wait asked for is not honoured (the GetItem is sent at once).
const kMaxRetryDelayMs = 1000;
// The module's output tags (src/edge/wasm_main.cpp), as its exports return them.
const [kOk, kError, kHeaderNames, kPass, kResponse, kFetch, kTouchPass, kWrite, kKeys] =
  [...'OEHPRFTWK'].map((c) => c.charCodeAt(0));
// Headers a generated response may not carry (a 502 at the edge) or that
// CloudFront sets itself. The module never emits them; this is a backstop.
// A set and a few prefixes rather than one regular expression: compiling
// that cost ~0.3 ms on a container's first generated response.
const kForbiddenResponseHeaders = new Set(['connection', 'expect', 'keep-alive', 'trailer',
  'transfer-encoding', 'upgrade', 'via', 'x-cache', 'x-forwarded-proto', 'x-real-ip',
  'content-length', 'host']);
const kForbiddenResponsePrefixes = ['proxy-', 'x-accel-', 'x-amz-cf-', 'x-amzn-', 'x-edge-'];
const isForbiddenResponseHeader = (lower) => kForbiddenResponseHeaders.has(lower) ||
  kForbiddenResponsePrefixes.some((prefix) => lower.startsWith(prefix));

// --- configuration (baked into the zip next to this file) -----------------

let config = {};
let configError = null;
try {
  config = JSON.parse(readFileSync(new URL('./config.json', import.meta.url), 'utf8'));
  if (!config || typeof config !== 'object') throw new Error('config.json is not an object');
} catch (e) {
  configError = e;
  config = {};
}
const minLevel = kLevels[config.server?.log_level] ?? kLevels.info;
const retryAfter = Number.isInteger(config.retry_after) && config.retry_after > 0 ? config.retry_after : 5;

// One JSON line per event, only at or above the configured level. Callers
// never pass cookie values, credentials or request headers.
function log(level, event, fields = {}) {
  if (kLevels[level] >= minLevel) console.log(JSON.stringify({ level, event, ...fields }));
}

// --- the module ------------------------------------------------------------

const encoder = new TextEncoder();
const decoder = new TextDecoder();

// node:crypto takes ~4 ms to load: only when the module first needs a
// digest (a cookie of ours), never for public paths or visitors without one.
// process.getBuiltinModule (Node 20.16+, 22.3+) loads a built-in
// synchronously. There is no fallback for older Node: it would need a
// top-level await (of node:module), which made importing this file ~0.3 ms
// slower; on such a Node every request is a 503 (createChecker says why).
const loadBuiltin = (name) => process.getBuiltinModule(name);
let nodeCrypto = null;
const crypto = () => nodeCrypto ?? (nodeCrypto = loadBuiltin('node:crypto'));

// Public keys as node:crypto objects, by their bytes: building one takes
// longer than the check itself. The provider has a handful of keys.
const publicKeys = new Map();
function publicKey(jwk, id) {
  let key = publicKeys.get(id);
  if (key === undefined) {
    if (publicKeys.size >= 64) publicKeys.clear();
    key = crypto().createPublicKey({ key: jwk, format: 'jwk' });  // throws on a point off the curve
    publicKeys.set(id, key);
  }
  return key;
}

// Host ops 4 and 5: is `signature` (in `a` with the key) a valid signature
// of `data`? The module has checked every length already; the algorithm is
// the module's choice (its op), never the token's. ES256 (op 4): a = x || y
// || r || s, 32 bytes each, the signature JOSE's raw form (ieee-p1363, not
// DER). RS256 (op 5): a = one byte L, the exponent (L bytes), the modulus,
// the signature (as long as the modulus).
function verifySignature(op, a, data) {
  const b64 = (bytes) => Buffer.from(bytes).toString('base64url');
  try {
    if (op === 4) {
      const point = a.subarray(0, 64);
      const key = publicKey({ kty: 'EC', crv: 'P-256', x: b64(point.subarray(0, 32)), y: b64(point.subarray(32)) },
        `ec:${b64(point)}`);
      return crypto().verify('sha256', data, { key, dsaEncoding: 'ieee-p1363' }, a.subarray(64));
    }
    const eLen = a[0];
    const nLen = (a.length - 1 - eLen) / 2;
    const e = a.subarray(1, 1 + eLen);
    const n = a.subarray(1 + eLen, 1 + eLen + nLen);
    const key = publicKey({ kty: 'RSA', n: b64(n), e: b64(e) }, `rsa:${b64(e)}.${b64(n)}`);
    return crypto().verify('sha256', data, key, a.subarray(1 + eLen + nLen));
  } catch {
    return false;  // a malformed key or signature is a refusal
  }
}

// Instantiates barrier_checker.wasm with node:crypto host functions and
// configures it. Throws on any failure; the caller keeps the error.
function createChecker() {
  if (configError) throw configError;
  if (typeof process.getBuiltinModule !== 'function') {
    throw new Error(`Node.js ${process.version} lacks process.getBuiltinModule: use the nodejs20.x or nodejs22.x runtime (Node 20.16+ or 22.3+)`);
  }
  const dir = new URL('.', import.meta.url);
  const bytes = readFileSync(new URL('barrier_checker.wasm', dir));
  const settings = readFileSync(new URL('checker.settings', dir));
  let memory = null;
  let u8 = new Uint8Array(0);
  // Views die when memory grows: growing detaches the old buffer, and a
  // view of a detached buffer has length 0 (memory never has length 0), a
  // cheaper test than comparing with memory.buffer.
  const mem = () => (u8.length !== 0 ? u8 : (u8 = new Uint8Array(memory.buffer)));
  // The module's one import (ABI: src/edge/wasm_main.cpp): op 1 SHA-256,
  // op 2 HMAC-SHA256 (key a), each of b into 32 bytes at out; op 3 a log
  // line (b); op 4 ES256 and op 5 RS256 signature checks of b (key and
  // signature in a), one byte at out. The module filters logs by the
  // configured level and masks ids itself. It imports nothing from WASI.
  const host = (op, a, aLen, b, bLen, out) => {
    const m = mem();
    const data = m.subarray(b, b + bLen);
    switch (op) {
      case 1: m.set(crypto().createHash('sha256').update(data).digest(), out); return;
      case 2: m.set(crypto().createHmac('sha256', m.subarray(a, a + aLen)).update(data).digest(), out); return;
      case 3: console.log(decoder.decode(data)); return;
      case 4:
      case 5: m[out] = verifySignature(op, m.subarray(a, a + aLen), data) ? 1 : 0; return;
      default: throw new Error(`unknown host operation ${op}`);
    }
  };
  const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), { barrier: { host } });
  const x = instance.exports;
  memory = x.memory;
  x._initialize();

  // One input buffer for the module's whole life, grown when an event needs
  // it; its view is kept until memory grows.
  let inPtr = 0;
  let inCap = 0;
  let inView = null;
  const write = (text) => {
    const need = text.length * 3;  // the UTF-8 bound for UTF-16 text
    if (need > inCap) {
      if (inPtr) x.barrier_free(inPtr);
      inCap = Math.max(need, 16 * 1024);
      inPtr = x.barrier_alloc(inCap);
      if (!inPtr) throw new Error('wasm out of memory');
      inView = null;
    }
    if (inView === null || inView.length === 0) inView = mem().subarray(inPtr, inPtr + inCap);
    return encoder.encodeInto(text, inView).written;
  };
  // The last output's NUL-terminated fields (after its tag byte, which
  // every export returns).
  const fields = () => {
    const ptr = x.barrier_output_ptr();
    return decoder.decode(mem().subarray(ptr + 1, ptr + x.barrier_output_len() - 1)).split('\0');
  };
  const failure = (what, tag) => new Error(`${what}: ${tag === kError ? fields()[0] : 'no output'}`);

  const settingsLen = settings.length;
  const settingsPtr = x.barrier_alloc(settingsLen);
  mem().set(settings, settingsPtr);
  const configured = x.barrier_configure(settingsPtr, settingsLen);
  x.barrier_free(settingsPtr);
  if (configured !== kOk) throw failure('checker.settings', configured);
  // The runtime's own credentials; the module signs with them. Incomplete
  // ones are reported here and make every store read a 503.
  const env = process.env;
  const credentials = [env.AWS_ACCESS_KEY_ID ?? '', env.AWS_SECRET_ACCESS_KEY ?? '',
    env.AWS_SESSION_TOKEN ?? '', env.AWS_REGION ?? ''].join('\0');
  const credentialsLen = write(credentials);
  if (x.barrier_credentials(inPtr, credentialsLen, 4) !== kOk) {
    log('error', 'edge.credentials', { error: fields()[0] });
  }
  const readsTag = x.barrier_reads();
  if (readsTag !== kHeaderNames) throw failure('barrier_reads', readsTag);
  const reads = fields();
  // Header n is sent as the tag 'a' + n followed by the value.
  const readTags = reads.map((_, n) => String.fromCharCode(0x61 + n));
  // Decoded identity pairs by the module's id (equal ids: equal pairs).
  const identities = new Map();
  return {
    // Passes the request's fields to barrier_check; its output's tag, or
    // null when the event is not a CloudFront request.
    check(request) {
      const { uri, method, querystring, clientIp, headers } = request;
      if (typeof uri !== 'string' || !headers || typeof headers !== 'object' || Array.isArray(headers)) return null;
      let text = `${typeof method === 'string' ? method : ''}\0${uri}\0${typeof querystring === 'string' ? querystring : ''}\0${typeof clientIp === 'string' ? clientIp : ''}`;
      let count = 4;
      for (let n = 0; n < reads.length; ++n) {
        const list = headers[reads[n]];
        if (!Array.isArray(list)) continue;
        for (const h of list) {
          if (h === null || typeof h !== 'object') continue;
          text += `\0${readTags[n]}${typeof h.value === 'string' ? h.value : ''}`;
          ++count;
        }
      }
      const len = write(text);  // may move the buffer: before reading inPtr
      return x.barrier_check(inPtr, len, count, Date.now());
    },
    resume(ticket, answer) {
      const len = write(answer);
      return x.barrier_resume(ticket, inPtr, len, 2, Date.now());
    },
    // The answer to a "K" (the provider's keys), as resume's.
    keys(ticket, answer) {
      const len = write(answer);
      return x.barrier_keys(ticket, inPtr, len, 2, Date.now());
    },
    // At cold start: "K" when the provider's keys should be fetched now
    // (api.bearer), else "O".
    prefetch() {
      return typeof x.barrier_prefetch === 'function' ? x.barrier_prefetch(Date.now()) : kOk;
    },
    // After a "T": the signed UpdateItem touching the session ("W"
    // fields), or null.
    touch() {
      if (typeof x.barrier_touch !== 'function') return null;
      return x.barrier_touch(Date.now()) === kWrite ? fields() : null;
    },
    fields,
    // The identity headers of the last pass decision as a flat list of
    // (lowercase name, CloudFront header list), decoded and checked once
    // per id: null for none, false when the module named a header that is
    // not x-barrier-* (never forwarded). The lists are frozen and shared by
    // every event of the identity: the runtime only serialises them.
    identity() {
      const id = x.barrier_identity_id();
      if (id === 0) return null;
      let flat = identities.get(id);
      if (flat === undefined) {
        const f = fields();
        flat = [];
        for (let i = 1; i + 1 < f.length; i += 2) {
          if (!isIdentityHeader(f[i])) {
            flat = false;
            break;
          }
          flat.push(f[i].toLowerCase(), Object.freeze([Object.freeze({ key: f[i], value: f[i + 1] })]));
        }
        if (identities.size >= 1024) identities.clear();
        identities.set(id, flat);
      }
      return flat;
    },
  };
}

let checker = null;
// The cold start's fetch of the provider's keys (api.bearer), while it
// runs: events with an Authorization header wait for it (the module would
// otherwise find no keys, and not ask again for a few seconds).
let keysLoading = null;

// The container's module, created on first use and again after a failure: a
// trap may leave the module's memory inconsistent, so it is never reused.
function currentChecker() {
  if (checker === null) {
    try {
      checker = createChecker();
    } catch (e) {
      log('error', 'edge.init', { error: String(e?.message ?? e) });
      return null;
    }
    const wasm = checker;
    const tag = wasm.prefetch();
    if (tag === kKeys) {
      keysLoading = fetchKeys(wasm, wasm.fields(), null, 0, Date.now() + kEventBudgetMs)
        .catch((e) => log('error', 'edge.keys', { error: String(e?.message ?? e) }))
        .finally(() => { keysLoading = null; });
    } else if (tag !== kOk) {
      log('error', 'edge.module', { error: tag === kError ? wasm.fields()[0] : 'no prefetch answer' });
    }
  }
  return checker;
}

// --- the one HTTPS request --------------------------------------------------

const transports = new Map();  // 'https:' | 'http:' -> { lib, agent }

function transportFor(url) {
  let t = transports.get(url.protocol);
  if (t) return t;
  // Plain HTTP only to a local emulator: the request carries a signature
  // and the runtime's session token.
  const loopback = /^(127\.\d+\.\d+\.\d+|\[::1\]|localhost)$/.test(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) {
    throw new Error(`refusing ${url.protocol} endpoint ${url.hostname}`);
  }
  // Loaded on first use: a container serving only cache hits and public
  // paths never pays for TLS.
  const lib = loadBuiltin(url.protocol === 'https:' ? 'node:https' : 'node:http');
  t = { lib, agent: new lib.Agent({ keepAlive: true, maxSockets: 8 }) };
  transports.set(url.protocol, t);
  return t;
}

// Sends the module's signed request; resolves to the report barrier_resume
// expects: {status, body} for any HTTP answer, {error} when none came.
async function send(fetch) {
  let url;
  let transport;
  try {
    url = new URL(fetch.url);
    transport = transportFor(url);
  } catch (e) {
    return { error: String(e?.message ?? e) };
  }
  const timeoutMs = Number.isInteger(fetch.timeout_ms) && fetch.timeout_ms > 0 ? fetch.timeout_ms : kDefaultTimeoutMs;
  const deadline = Date.now() + timeoutMs;
  let answer = await sendOnce(transport, url, fetch, timeoutMs);
  // A keep-alive socket may have died while the container was frozen; one
  // retry on a fresh socket (the signature is still valid for minutes).
  if (answer.retry && Date.now() < deadline) answer = await sendOnce(transport, url, fetch, deadline - Date.now());
  delete answer.retry;
  return answer;
}

function sendOnce({ lib, agent }, url, fetch, timeoutMs) {
  return new Promise((resolve) => {
    const body = typeof fetch.body === 'string' ? fetch.body : '';
    const headers = { ...fetch.headers, 'content-length': Buffer.byteLength(body) };
    let settled = false;
    let timer = null;
    const done = (answer) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(answer);
    };
    const req = lib.request({
      method: fetch.method, hostname: url.hostname.replace(/^\[|\]$/g, ''), port: url.port || undefined,
      path: url.pathname + url.search, headers, agent,
    }, (res) => {
      const chunks = [];
      let size = 0;
      res.on('data', (chunk) => {
        size += chunk.length;
        if (size > kMaxAnswerBytes) {
          req.destroy();
          done({ error: 'answer too large' });
        } else {
          chunks.push(chunk);
        }
      });
      res.on('end', () => done({ status: res.statusCode, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', (e) => done({ error: e.code ?? e.message }));
    });
    timer = setTimeout(() => {
      req.destroy();
      done({ error: `timeout after ${timeoutMs} ms` });
    }, timeoutMs);
    req.on('error', (e) => {
      const stale = req.reusedSocket && (e.code === 'ECONNRESET' || e.code === 'EPIPE');
      done({ error: e.code ?? e.message, retry: stale });
    });
    req.end(body);
  });
}

// Instantiated while the container initialises, not on the first viewer
// (after the transport above: its keys may be fetched at once).
currentChecker();

// --- Lambda@Edge shapes -------------------------------------------------------

function header(key, value) {
  return [{ key, value }];
}

// The handler's own answer when it cannot get one from the module.
function unavailable() {
  return {
    status: '503',
    statusDescription: 'Service Unavailable',
    headers: {
      'content-type': header('Content-Type', 'text/plain; charset=utf-8'),
      'cache-control': header('Cache-Control', 'no-store'),
      'retry-after': header('Retry-After', String(retryAfter)),
    },
    body: 'Sign-in is temporarily unavailable. Please try again in a moment.\n',
  };
}

// The module's generated response ("R" fields: status, statusDescription,
// body, then header name/value pairs) in Lambda@Edge's shape, checked
// against its rules: string status, lowercase keys with {key, value} lists,
// no forbidden or read-only headers, under 40 KB. Anything off is the 503.
function generatedResponse(fields) {
  const [status, statusDescription, body] = fields;
  if (!/^[1-5]\d\d$/.test(status) || fields.length % 2 !== 1) return unavailable();
  const headers = {};
  for (let i = 3; i + 1 < fields.length; i += 2) {
    const lower = fields[i].toLowerCase();
    if (isForbiddenResponseHeader(lower)) continue;
    (headers[lower] ??= []).push({ key: fields[i], value: fields[i + 1] });
  }
  // Each field's bytes plus a generous allowance for its JSON framing; UTF-8
  // takes at most 3 bytes per UTF-16 unit, so bytes are counted only when
  // that bound is not enough.
  let size = 0;
  for (const f of fields) size += f.length + 32;
  if (size * 3 >= kMaxGeneratedBytes) {
    size = 0;
    for (const f of fields) size += Buffer.byteLength(f) + 32;
    if (size >= kMaxGeneratedBytes) return unavailable();
  }
  return { status, statusDescription, headers, body };
}

// "x-barrier-" in any case, with '_' for any '-' (CGI, WSGI and Rack read
// X_Barrier_User as X-Barrier-User; isIdentityHeaderName in
// src/core/handlers/check.h); the first byte ('x' or 'X') rules out nearly
// every header at once.
const isIdentityHeader = (name) => name.length > 10 && (name.charCodeAt(0) | 0x20) === 0x78 &&
  name.slice(0, 10).toLowerCase().replaceAll('_', '-') === 'x-barrier-';
function namesIdentity(list) {
  if (!Array.isArray(list)) return false;
  for (let i = 0; i < list.length; ++i) {
    const key = list[i]?.key;
    if (typeof key === 'string' && isIdentityHeader(key)) return true;
  }
  return false;
}

// A pass in CloudFront's terms: the event's own request with every
// client-sent X-Barrier-* header removed (only the barrier may set them: the
// origin trusts them) and the module's identity headers added.
function forward(request, identity) {
  const headers = request.headers;
  for (const name in headers) {
    if (isIdentityHeader(name) || namesIdentity(headers[name])) delete headers[name];
  }
  if (identity === false) return unavailable();
  if (identity !== null) {
    for (let i = 0; i < identity.length; i += 2) headers[identity[i]] = identity[i + 1];
  }
  return request;
}

// The module's answer for the last call, by its output's tag: a forwarded
// request, a response, or the GetItem to send (a Promise of the next answer).
function answerOf(wasm, tag, request, fetches, deadline) {
  switch (tag) {
    case kPass: return forward(request, wasm.identity());
    case kTouchPass: return touchThen(wasm, forward(request, wasm.identity()), deadline);
    case kResponse: return generatedResponse(wasm.fields());
    case kFetch:
    case kKeys:
      if (fetches < kMaxFetchesPerEvent) {
        return (tag === kFetch ? lookUp : fetchKeys)(wasm, wasm.fields(), request, fetches + 1,
          deadline ?? Date.now() + kEventBudgetMs);
      }
      log('error', 'edge.module', { error: 'too many fetches for one event' });
      return unavailable();
    default:
      log('error', 'edge.module', { error: tag === kError ? wasm.fields()[0] : 'no decision' });
      return unavailable();
  }
}

function overBudget() {
  log('warn', 'edge.budget', { error: `store reads took over ${kEventBudgetMs} ms` });
  return unavailable();
}

// Sends the module's signed GetItem ("F" fields: ticket, timeout_ms,
// delay_ms, method, url, body, header pairs) after the wait it asks for (a
// retry's back-off) and hands the answer back, all within the event's
// budget (kEventBudgetMs): past it, 503.
async function lookUp(wasm, [ticket, timeout, delay, method, url, body, ...pairs], request, fetches, deadline) {
  const headers = {};
  for (let i = 0; i + 1 < pairs.length; i += 2) headers[pairs[i]] = pairs[i + 1];
  const wait = Number(delay);
  // A retry's back-off that would overrun the budget ends the event: sent at
  // once, the retry would defeat DynamoDB's throttling.
  if (wait > 0 && wait <= kMaxRetryDelayMs) {
    if (Date.now() + wait >= deadline) return overBudget();
    await new Promise((resolve) => setTimeout(resolve, wait));
  }
  const left = deadline - Date.now();
  if (left <= 0) return overBudget();
  const timeoutMs = Math.min(Number(timeout) > 0 ? Number(timeout) : kDefaultTimeoutMs, left);
  const answer = await send({ method, url, body, headers, timeout_ms: timeoutMs });
  if (answer.error) log('warn', 'edge.dynamodb', { error: answer.error });
  const report = answer.error ? `0\0${answer.error}` : `${answer.status}\0${answer.body}`;
  return answerOf(wasm, wasm.resume(Number(ticket), report), request, fetches, deadline);
}

// Fetches the provider's keys for the module ("K" fields: ticket,
// timeout_ms, url) and hands the answer back: the module then asks for the
// next document or decides the parked request (null: the cold start's
// fetch, nothing to decide). Within the event's budget: past it, 503.
async function fetchKeys(wasm, [ticket, timeout, url], request, fetches, deadline) {
  const left = deadline - Date.now();
  if (left <= 0) return request === null ? null : overBudget();
  const timeoutMs = Math.min(Number(timeout) > 0 ? Number(timeout) : kDefaultTimeoutMs, left);
  const answer = await send({ method: 'GET', url, body: '', headers: { accept: 'application/json' }, timeout_ms: timeoutMs });
  if (answer.error) log('warn', 'edge.keys', { error: answer.error });
  const report = answer.error ? `0\0${answer.error}` : `${answer.status}\0${answer.body}`;
  const tag = wasm.keys(Number(ticket), report);
  if (request !== null) return answerOf(wasm, tag, request, fetches, deadline);
  if (tag === kKeys && fetches < kMaxFetchesPerEvent) return fetchKeys(wasm, wasm.fields(), null, fetches + 1, deadline);
  if (tag !== kOk) log('error', 'edge.keys', { error: tag === kError ? wasm.fields()[0] : 'no keys answer' });
  return null;
}

// A pass whose session is due a touch (session.idle_timeout): sends the
// module's signed UpdateItem ("W" fields: timeout_ms, method, url, body,
// header pairs) and then lets the request through whatever the answer —
// a failed touch only ends the session sooner. Awaited, within the event's
// budget: a container frozen after the answer might never send it.
async function touchThen(wasm, answer, deadline) {
  const f = wasm.touch();
  if (f === null) {
    log('warn', 'edge.touch_failed', { error: 'no write from the module' });
    return answer;
  }
  const [timeout, method, url, body, ...pairs] = f;
  const headers = {};
  for (let i = 0; i + 1 < pairs.length; i += 2) headers[pairs[i]] = pairs[i + 1];
  const left = (deadline ?? Date.now() + kEventBudgetMs) - Date.now();
  if (left <= 0) return answer;
  const timeoutMs = Math.min(Number(timeout) > 0 ? Number(timeout) : kDefaultTimeoutMs, left);
  const sent = await send({ method, url, body, headers, timeout_ms: timeoutMs });
  // A session removed meanwhile fails the write's condition: nothing to touch.
  if (sent.error || (sent.status !== 200 && !/ConditionalCheckFailed/.test(sent.body ?? ''))) {
    log('warn', 'edge.touch_failed', { error: sent.error ?? `HTTP ${sent.status}` });
  }
  return answer;
}

// A cached session or a decision without the store is made synchronously;
// only a GetItem makes it wait.
function decide(request) {
  const wasm = currentChecker();
  if (wasm === null || request === null || typeof request !== 'object') return unavailable();
  if (keysLoading !== null && request.headers?.authorization !== undefined) {
    return keysLoading.then(() => decide(request));
  }
  const tag = wasm.check(request);
  if (tag === null) return unavailable();
  return answerOf(wasm, tag, request, 0);
}

// CloudFront viewer-request entry point (handler.handler).
export async function handler(event) {
  try {
    const answer = decide(event?.Records?.[0]?.cf?.request ?? null);
    return answer instanceof Promise ? await answer : answer;
  } catch (e) {
    // A trap or a bug: start from a fresh module next time.
    checker = null;
    log('error', 'edge.failure', { error: String(e?.message ?? e) });
    return unavailable();
  }
}
