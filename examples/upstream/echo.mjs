#!/usr/bin/env node
// A tiny upstream application for the demo and the tests: it shows the
// identity headers barrier adds to each request it lets through.
//
//   node examples/upstream/echo.mjs [--host 127.0.0.1] [--port 0]
// Prints one JSON line when ready: {"url":"http://127.0.0.1:PORT"}.
// Answers HTML, or JSON with ?format=json or Accept: application/json.
import http from 'node:http';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { host: { type: 'string' }, port: { type: 'string' } } });
const host = values.host ?? process.env.UPSTREAM_HOST ?? '127.0.0.1';
const port = Number(values.port ?? process.env.UPSTREAM_PORT ?? 0);

const escape = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const server = http.createServer((req, res) => {
  const shown = Object.fromEntries(Object.entries(req.headers)
    .filter(([name]) => name.startsWith('x-barrier-') || name.startsWith('x-forwarded-') || name === 'x-request-id'));
  const body = { method: req.method, url: req.url, headers: shown };
  if (req.url.includes('format=json') || (req.headers.accept ?? '').includes('application/json')) {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
    return;
  }
  const rows = Object.entries(shown).map(([k, v]) => `<tr><th>${escape(k)}</th><td id="${escape(k)}">${escape(v)}</td></tr>`).join('\n');
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
  res.end(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>barrier demo — who am I?</title>
<link rel="stylesheet" href="/style.css"></head><body>
<header><strong>barrier demo</strong><nav><a href="/">Home</a></nav></header>
<h1 id="title">Who am I?</h1>
<p>This page comes from a separate application behind barrier. These are the headers barrier added:</p>
<table>${rows}</table></body></html>`);
});

server.keepAliveTimeout = 5000;
server.listen(port, host, () => {
  console.log(JSON.stringify({ url: `http://${host}:${server.address().port}` }));
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.close(() => process.exit(0)));
