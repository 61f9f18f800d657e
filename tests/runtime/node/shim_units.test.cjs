'use strict';
// Pure-function tests of the Node shim against the contract tables in
// ../contract/*.json (the Python shim passes the same rows in
// tests/runtime/test_python_shim_units.py): config loading, the route compiler
// and matcher, both event builders, both response mappings. Test names are
// "<table>: <row>", as tests/runtime/contract/__init__.py names() lists them.
//
// Run by tests/runtime/test_node_shim_units.py (part of `pytest`), or alone:
//   node --test tests/runtime/node/
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const http = require('node:http');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');

const CONTRACT = path.join(__dirname, '..', 'contract');
const shim = require(path.join(__dirname, '..', '..', '..', 'templates', 'runtime', 'node', 'cloudexit-shim.cjs'));
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

function table(name) {
  return JSON.parse(fs.readFileSync(path.join(CONTRACT, `${name}.json`), 'utf8'));
}

function loadConfig(config) {
  // The shim's loadConfig() on `config` written as the config.json it reads.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cloudexit-shim-units-'));
  const file = path.join(dir, 'config.json');
  fs.writeFileSync(file, JSON.stringify(config));
  const saved = process.env.CLOUDEXIT_CONFIG;
  process.env.CLOUDEXIT_CONFIG = file;
  try {
    return shim.loadConfig();
  } finally {
    if (saved === undefined) delete process.env.CLOUDEXIT_CONFIG;
    else process.env.CLOUDEXIT_CONFIG = saved;
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function normalised(actual, want) {
  // `actual` with each fresh UUID where `want` says "<uuid>" replaced by that mark.
  if (want === '<uuid>' && typeof actual === 'string' && UUID.test(actual)) return want;
  if (Array.isArray(want) && Array.isArray(actual) && want.length === actual.length) {
    return actual.map((v, i) => normalised(v, want[i]));
  }
  if (want && actual && typeof want === 'object' && typeof actual === 'object' && !Array.isArray(want)) {
    // Object.fromEntries keeps a "__proto__" name an own key.
    return Object.fromEntries(Object.entries(actual).map(([k, v]) => [k, Object.hasOwn(want, k) ? normalised(v, want[k]) : v]));
  }
  return actual;
}

function same(actual, want, where) {
  assert.deepStrictEqual(normalised(actual, want), want, where);
}

// ---------------------------------------------------------------- config ---

for (const c of table('config').cases) {
  test(`config: ${c.name}`, () => {
    const { api } = loadConfig(c.config);
    assert.deepStrictEqual({ ...api }, c.expect);
  });
}

// --------------------------------------------------------------- routing ---

const routesTable = table('routes');

for (const row of routesTable.compile) {
  test(`compile: ${row.expect.routeKey}`, () => {
    const [route] = shim.compileRoutes([row.route]);
    const got = Object.fromEntries(Object.keys(row.expect).map((k) => [k, route[k]]));
    assert.deepStrictEqual(got, row.expect);
  });
}

for (const tbl of routesTable.tables) {
  for (const row of tbl.requests) {
    test(`routes: ${tbl.name} | ${row.method} ${row.path}`, () => {
      const found = shim.matchRoute(shim.compileRoutes(tbl.routes), row.method, row.path);
      if (row.routeKey === null) {
        assert.equal(found, null, found && found.route.routeKey);
        return;
      }
      assert.ok(found, 'no route matched');
      assert.deepStrictEqual([found.route.routeKey, found.params], [row.routeKey, row.params]);
    });
  }
}

// ----------------------------------------------------------------- event ---

const events = table('events');

function rawRequest(request) {
  // The request as bytes on the wire: exactly the listed headers, nothing added.
  const lines = [`${request.method} ${request.target} ${request.version || 'HTTP/1.1'}`];
  for (const [name, value] of request.headers) lines.push(`${name}: ${value}`);
  const head = Buffer.from(lines.join('\r\n') + '\r\n\r\n', 'latin1');
  const body = request.bodyBase64 !== undefined ? Buffer.from(request.bodyBase64, 'base64') : Buffer.from(request.body || '', 'utf8');
  return Buffer.concat([head, body]);
}

function buildEvent(config, request) {
  // Send the raw request to a real node:http server and build the event from
  // the IncomingMessage there, as the shim's dispatch does (the socket is
  // still open: sourceIp reads it).
  return new Promise((resolve, reject) => {
    const server = http.createServer((req, res) => {
      const chunks = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => {
        try {
          const q = req.url.indexOf('?');
          const raw = { path: q < 0 ? req.url : req.url.slice(0, q), query: q < 0 ? '' : req.url.slice(q + 1) };
          const url = shim.urlOf(config.urls, req); // a function URL's Host first
          const match = url ? { route: url.route, params: {}, hasParams: false } : shim.matchRoute(config.routes, req.method, raw.path);
          assert.ok(match, 'the request matches no route');
          const api = url ? url.api : config.api;
          const build = api.payloadVersion === '2.0' ? shim.buildEventV2 : shim.buildEventV1;
          resolve(build(api, req, match, raw, Buffer.concat(chunks), events.nowMs));
        } catch (err) {
          reject(err);
        } finally {
          res.end();
          server.close();
        }
      });
    });
    server.listen(0, '127.0.0.1', () => {
      const sock = net.connect(server.address().port, '127.0.0.1', () => sock.end(rawRequest(request)));
      sock.on('error', reject);
      sock.resume();
    });
  });
}

function checkEvent(c, event) {
  // Top-level keys exactly; requestContext key by key; `absent` keys missing.
  for (const [key, want] of Object.entries(c.expect)) {
    assert.ok(Object.hasOwn(event, key), `event has no ${key}`);
    if (key !== 'requestContext') same(event[key], want, key);
    else for (const [name, value] of Object.entries(want)) same(event[key][name], value, `requestContext.${name}`);
  }
  for (const key of c.absent || []) assert.ok(!Object.hasOwn(event, key), `event has ${key}`);
  if (c.full) {
    assert.deepStrictEqual(Object.keys(event).sort(), Object.keys(c.expect).sort());
    assert.deepStrictEqual(Object.keys(event.requestContext).sort(), Object.keys(c.expect.requestContext).sort());
  }
}

const configs = Object.fromEntries(Object.entries(events.configs).map(([name, config]) => [name, loadConfig(config)]));

for (const c of events.cases) {
  test(`events: ${c.name}`, async () => {
    checkEvent(c, await buildEvent(configs[c.config], c.request));
  });
}

// -------------------------------------------------------------- response ---

const defaultTypes = Object.fromEntries(['rest', 'http'].map((kind) => [kind, loadConfig({ api: { kind } }).api.defaultContentType]));

function checkResponse(expect, out) {
  // Status, every header (name as emitted -> values), body as text, bytes or JSON.
  assert.equal(out.status, expect.status);
  const names = out.headers.map(([name]) => name);
  assert.equal(new Set(names).size, names.length, `one entry per header name: ${names}`);
  assert.deepStrictEqual(Object.fromEntries(out.headers), expect.headers);
  const body = Buffer.isBuffer(out.body) ? out.body : Buffer.from(out.body, 'utf8');
  if (Object.hasOwn(expect, 'json')) assert.deepStrictEqual(JSON.parse(body.toString('utf8')), expect.json);
  else if (Object.hasOwn(expect, 'bodyBase64')) assert.equal(body.toString('base64'), expect.bodyBase64);
  else assert.equal(body.toString('utf8'), expect.body);
}

function mapResponse(c) {
  // The row's result mapped as the shim answers it: with API Gateway's headers when
  // the row names a requestContext; a gatewayError row is the shim's own 502/504.
  if (Object.hasOwn(c, 'gatewayError')) return shim.gatewayError(c.kind, c.requestContext, c.gatewayError);
  const out = c.payload === '2.0' ? shim.mapResponseV2(c.result) : shim.mapResponseV1(c.result, defaultTypes[c.kind]);
  if (Object.hasOwn(c, 'requestContext')) shim.gatewayHeaders(c.kind, c.requestContext, out.headers);
  return out;
}

for (const c of table('responses').cases) {
  test(`responses: ${c.name}`, () => {
    if (c.malformed) assert.throws(() => mapResponse(c)); // any error: the server answers 502
    else checkResponse(c.expect, mapResponse(c));
  });
}
