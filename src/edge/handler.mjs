// barrier session checker: the Lambda@Edge viewer-request handler (DESIGN §2).
//
// Transport only. The decision is made by the C++ checker compiled to
// WebAssembly (barrier_checker.wasm, ABI at the top of src/edge/wasm_main.cpp);
// this file reads the baked config.json, instantiates the module once per
// container, supplies its host functions (clock, CSPRNG, SHA-256/HMAC from
// node:crypto, log lines), sends the DynamoDB GetItem the module builds and
// signs itself (one HTTPS request, keep-alive), and returns what the module
// decides in Lambda@Edge's shapes. No AWS SDK: loading it would cost more
// than the whole cold start. Runs on Node.js 20 and 22, no dependencies;
// `barrier package checker` zips it with the module and config.json.
//
// Fail closed: any failure here — no module, a trap, a malformed event or
// decision, DynamoDB unreachable — answers 503 with Retry-After. The handler
// never passes a request the module did not pass, and never throws.
import { readFileSync } from 'node:fs';
import { createHash, createHmac, randomFillSync } from 'node:crypto';

const kLevels = { debug: 0, info: 1, warn: 2, error: 3 };
// The checker tries at most 4 well-signed cookie values per request
// (kMaxSessionCandidates); one GetItem each.
const kMaxFetchesPerEvent = 4;
// A session item is well under 1 KB (DynamoDB caps items at 400 KB).
const kMaxAnswerBytes = 512 * 1024;
// Lambda@Edge refuses generated responses over 40 KB (headers and body).
const kMaxGeneratedBytes = 40 * 1024;
const kDefaultTimeoutMs = 2000;
// Headers a generated response may not carry (a 502 at the edge) or that
// CloudFront sets itself. The module never emits them; this is a backstop.
const kForbiddenResponseHeader =
  /^(connection|expect|keep-alive|proxy-[a-z-]*|trailer|transfer-encoding|upgrade|via|x-accel-[a-z-]*|x-amz-cf-[a-z-]*|x-amzn-[a-z-]*|x-cache|x-edge-[a-z-]*|x-forwarded-proto|x-real-ip|content-length|host)$/;

// --- configuration (baked into the zip next to this file) -----------------

let config = {};
let configText = null;
let configError = null;
try {
  configText = readFileSync(new URL('./config.json', import.meta.url), 'utf8');
  config = JSON.parse(configText);
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

// Instantiates barrier_checker.wasm with node:crypto host functions and
// configures it. Throws on any failure; the caller keeps the error.
function createChecker() {
  if (configError) throw configError;
  const bytes = readFileSync(new URL('./barrier_checker.wasm', import.meta.url));
  let memory = null;
  let u8 = null;
  // Views die when memory grows: fetch a fresh one when the buffer changed.
  const mem = () => (u8 !== null && u8.buffer === memory.buffer ? u8 : (u8 = new Uint8Array(memory.buffer)));
  const host = {
    now_ms: () => Date.now(),
    random_fill: (ptr, len) => { randomFillSync(mem(), ptr, len); },
    sha256: (ptr, len, out) => {
      const m = mem();
      m.set(createHash('sha256').update(m.subarray(ptr, ptr + len)).digest(), out);
    },
    hmac_sha256: (key, keyLen, ptr, len, out) => {
      const m = mem();
      m.set(createHmac('sha256', m.subarray(key, key + keyLen)).update(m.subarray(ptr, ptr + len)).digest(), out);
    },
    // The module filters by the configured level and masks ids itself.
    log: (ptr, len) => { console.log(decoder.decode(mem().subarray(ptr, ptr + len))); },
  };
  // The module does no file, clock or console I/O through WASI; whatever
  // wasi-libc still imports answers ENOSYS, and exiting is a trap.
  const wasi = new Proxy({}, {
    get: (_, name) => (name === 'proc_exit' ? () => { throw new Error('wasm proc_exit'); } : () => 52),
  });
  const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes),
    { barrier: host, wasi_snapshot_preview1: wasi });
  const x = instance.exports;
  memory = x.memory;
  x._initialize();

  // One input buffer for the module's whole life, grown when an event needs it.
  let inPtr = 0;
  let inCap = 0;
  const call = (fn, text, ticket) => {
    const need = text.length * 3;  // the UTF-8 bound for UTF-16 text
    if (need > inCap) {
      if (inPtr) x.barrier_free(inPtr);
      inCap = Math.max(need, 16 * 1024);
      inPtr = x.barrier_alloc(inCap);
      if (!inPtr) throw new Error('wasm out of memory');
    }
    const { written } = encoder.encodeInto(text, mem().subarray(inPtr, inPtr + inCap));
    const rc = ticket === undefined ? fn(inPtr, written) : fn(ticket, inPtr, written);
    return { rc, out: output() };
  };
  const output = () => {
    const ptr = x.barrier_output_ptr();
    return JSON.parse(decoder.decode(mem().subarray(ptr, ptr + x.barrier_output_len())));
  };

  const configured = call(x.barrier_configure, configText);
  if (configured.rc !== 0) throw new Error(String(configured.out.error));
  if (config.store?.type === 'dynamodb') {
    // The runtime's own credentials; the module signs with them. Incomplete
    // ones are reported here and make every store read a 503.
    const credentials = call(x.barrier_credentials, JSON.stringify({
      accessKeyId: process.env.AWS_ACCESS_KEY_ID ?? '',
      secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY ?? '',
      sessionToken: process.env.AWS_SESSION_TOKEN ?? '',
      region: process.env.AWS_REGION ?? '',
    }));
    if (credentials.rc !== 0) log('error', 'edge.credentials', { error: credentials.out.error });
  }
  // Pass decisions name only the identity headers; the event's own headers
  // stay in place (apply) and only those the checker reads go in.
  if (x.barrier_set_output(1) !== 0) throw new Error('barrier_set_output refused');
  const reads = output().reads;
  if (!Array.isArray(reads)) throw new Error('barrier_set_output: no header list');
  return {
    reads,
    check: (request) => call(x.barrier_check, request),
    resume: (ticket, answer) => call(x.barrier_resume, answer, ticket),
  };
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();
let checker = null;

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
  }
  return checker;
}
// Instantiated while the container initialises, not on the first viewer.
currentChecker();

// --- the one HTTPS request --------------------------------------------------

const transports = new Map();  // 'https:' | 'http:' -> { lib, agent }

async function transportFor(url) {
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
  const lib = url.protocol === 'https:' ? await import('node:https') : await import('node:http');
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
    transport = await transportFor(url);
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

const isHeaderList = (list) => Array.isArray(list) &&
  list.every((h) => h && typeof h.key === 'string' && typeof h.value === 'string');

// The module's generated response, checked against Lambda@Edge's rules:
// string status, lowercase keys with {key, value} lists, no forbidden or
// read-only headers, under 40 KB. Anything off becomes the 503.
function generatedResponse(response) {
  if (!response || typeof response !== 'object' || !/^[1-5]\d\d$/.test(String(response.status))) return unavailable();
  const headers = {};
  for (const [name, list] of Object.entries(response.headers ?? {})) {
    const lower = name.toLowerCase();
    if (!isHeaderList(list)) return unavailable();
    if (kForbiddenResponseHeader.test(lower)) continue;
    headers[lower] = list;
  }
  const out = {
    status: String(response.status),
    statusDescription: typeof response.statusDescription === 'string' ? response.statusDescription : '',
    headers,
    body: typeof response.body === 'string' ? response.body : '',
  };
  if (Buffer.byteLength(JSON.stringify(out)) >= kMaxGeneratedBytes) return unavailable();
  return out;
}

const isIdentityHeader = (name) => name.length > 10 && name.slice(0, 10).toLowerCase() === 'x-barrier-';

// A decision in CloudFront's terms: the event's own request with every
// client-sent X-Barrier-* header removed (only the barrier may set them: the
// origin trusts them) and the module's identity headers added, or the
// generated response.
function apply(request, decision) {
  if (decision.forward === true) {
    const identity = decision.identity;
    if (!identity || typeof identity !== 'object' || Array.isArray(identity)) return unavailable();
    const headers = request.headers;
    for (const name of Object.keys(headers)) {
      const list = headers[name];
      if (isIdentityHeader(name) || (Array.isArray(list) && list.some((h) => isIdentityHeader(String(h?.key ?? ''))))) {
        delete headers[name];
      }
    }
    for (const [name, list] of Object.entries(identity)) {
      if (!isIdentityHeader(name) || !isHeaderList(list)) return unavailable();
      headers[name.toLowerCase()] = list;
    }
    return request;
  }
  return generatedResponse(decision.response);
}

// What the checker reads: method, target and the few headers it looks at
// (the module lists them); the body, if CloudFront includes it, stays out.
function checkerInput(request, reads) {
  if (!request || typeof request !== 'object' || typeof request.uri !== 'string' ||
      !request.headers || typeof request.headers !== 'object' || Array.isArray(request.headers)) {
    return null;
  }
  const headers = {};
  for (const name of reads) {
    if (request.headers[name] !== undefined) headers[name] = request.headers[name];
  }
  return JSON.stringify({
    method: request.method, uri: request.uri, querystring: request.querystring ?? '',
    clientIp: request.clientIp ?? '', headers,
  });
}

async function decide(request) {
  const wasm = currentChecker();
  const input = wasm === null ? null : checkerInput(request, wasm.reads);
  if (input === null) return unavailable();
  let step = wasm.check(input);
  for (let fetches = 0; step.rc === 0; ++fetches) {
    const { decision, fetch } = step.out;
    if (decision) return apply(request, decision);
    // Only the module's own signed GetItem is carried out; a plain
    // "lookup" means this container has no DynamoDB store to ask.
    if (!fetch || fetches === kMaxFetchesPerEvent) break;
    const answer = await send(fetch);
    if (answer.error) log('warn', 'edge.dynamodb', { error: answer.error });
    step = wasm.resume(fetch.ticket, JSON.stringify(answer));
  }
  if (step.rc !== 0) log('error', 'edge.module', { error: String(step.out?.error ?? 'no decision') });
  return unavailable();
}

// CloudFront viewer-request entry point (handler.handler).
export async function handler(event) {
  try {
    return await decide(event?.Records?.[0]?.cf?.request);
  } catch (e) {
    // A trap or a bug: start from a fresh module next time.
    checker = null;
    log('error', 'edge.failure', { error: String(e?.message ?? e) });
    return unavailable();
  }
}
