#!/usr/bin/env node
// cloudexit Lambda-over-HTTP shim for Node.js handlers.
//
// One dependency-free file (node:* modules only). It serves an HTTP port, turns
// each request into the exact API Gateway Lambda proxy event, invokes the
// Lambda handler in-process and maps the result back to HTTP. Configuration
// comes only from the JSON file named by $CLOUDEXIT_CONFIG (default
// /opt/cloudexit/config.json); no Terraform value ever reaches a shell.
//
// The contract (the Python shim, cloudexit_shim.py, keeps the same one):
// - Payload 1.0 (REST APIs; HTTP APIs set to 1.0): resource, path, httpMethod,
//   headers (last value per name, case as sent) and multiValueHeaders (all),
//   queryStringParameters (last) and multiValueQueryStringParameters (all),
//   pathParameters, stageVariables -- empty maps and a missing body are null --
//   body, isBase64Encoded (true only for a Content-Type in binaryMediaTypes),
//   requestContext (fresh requestId, requestTime "dd/MMM/yyyy:HH:mm:ss +0000",
//   requestTimeEpoch in ms, stage, resourcePath, identity.sourceIp, ...).
// - Payload 2.0 (HTTP APIs): version "2.0", routeKey ("GET /items/{id}" or
//   $default), rawPath, rawQueryString (byte-exact), lower-case headers with
//   duplicates comma-joined, cookies[] from the Cookie header,
//   queryStringParameters comma-joined and absent without a query,
//   requestContext.http {method, path, protocol, sourceIp, userAgent}, fresh
//   requestId, time, timeEpoch, isBase64Encoded true for non-text bodies.
// - Results, 1.0: statusCode (integer) and a string body (null or missing:
//   empty), headers merged with multiValueHeaders, body decoded when
//   isBase64Encoded. 2.0: an object without statusCode is the JSON body of a
//   200, a string is the body as is, each cookies[] entry its own Set-Cookie.
//   No Content-Type in a result with a statusCode: REST APIs answer
//   application/json, HTTP APIs text/plain; charset=utf-8.
//   Anything malformed, or a handler error, is a 502; a timeout a 504.
// - API Gateway's own response headers, on every answer of a matched route (the
//   function's result and the shim's 502/504 for it): REST APIs add
//   x-amzn-RequestId (requestContext.requestId) and x-amz-apigw-id
//   (extendedRequestId), and x-amzn-ErrorType: InternalServerErrorException on
//   the 502/504; a header of the same name from the function is kept as
//   x-amzn-Remapped-<name>, as API Gateway does. HTTP APIs add apigw-requestid
//   (a reserved apigw-* name: the function's own is not passed on). No trace id
//   is invented. An unmatched request (404) carries none of them: a client can
//   tell that a function answered.
//
// Differences from AWS Lambda that are deliberate and documented:
// - Requests are served concurrently by one process (Lambda runs one
//   invocation per sandbox). Module state is shared as in a warm Lambda.
// - On timeout the client gets 504 at the deadline; the handler's promise keeps
//   running in the background (Node cannot abort it).
// - In consolidated mode (several functions in one process) the AWS_LAMBDA_*
//   variables are process-wide: they are set just before each invocation, so
//   code reading them after an `await` may see another function's values.
// - With AWS_S3_FORCE_PATH_STYLE=true (set by the generated compose file: MinIO
//   and SeaweedFS need path-style URLs) `S3Client`/`S3` from @aws-sdk/client-s3
//   default to `forcePathStyle: true`; an explicit option still wins.
//
// Every handler is loaded before the port opens, as Lambda's init phase does. One
// that cannot be loaded is logged at once as Lambda logs it (errorType
// Runtime.ImportModuleError, Runtime.HandlerNotFound, Runtime.UserCodeSyntaxError
// or Runtime.MalformedHandlerName, or the error the module threw), each of its
// requests answers 502, and `GET /__cloudexit/health` answers 503 with the errors
// (200 when every handler loaded): the container's healthcheck (`--healthcheck`,
// exit 1) marks it unhealthy and Traefik's health check takes it out of the routes.
//
// Function URLs (config "urls": {host: {id, function}}): a request whose Host names
// one is that function's, before any API route: the payload 2.0 event of the
// $default route with requestContext.apiId the url-id and domainName the host, as a
// function URL sends it; results mapped as payload 2.0; x-amzn-RequestId added.
//
// Besides the API routes, `POST /__cloudexit/invoke/<function-name>` runs a
// function with a raw event (the request body, JSON) and answers with the
// handler's raw result as JSON: 200, 502 on an exception (body: errorType,
// errorMessage), 504 on timeout, 404 for an unknown function. Used by the SQS
// poller and the scheduler. It refuses (403) requests that came through a
// proxy (an X-Forwarded-For header), so Traefik never exposes it.
'use strict';

const http = require('node:http');
const fs = require('node:fs');
const path = require('node:path');
const crypto = require('node:crypto');
const { pathToFileURL } = require('node:url');
const { performance } = require('node:perf_hooks');
const Module = require('node:module');

const HEALTH_PATH = '/__cloudexit/health';
const INVOKE_PREFIX = '/__cloudexit/invoke/';
const MAX_BODY = 10 * 1024 * 1024; // API Gateway payload limit
// Captured before LAMBDA_TASK_ROOT is re-pointed at the single function's codeDir.
const TASK_ROOT = process.env.LAMBDA_TASK_ROOT || '/var/task';
const ACCOUNT_ID = process.env.CLOUDEXIT_ACCOUNT_ID || '000000000000';
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
// The Content-Type of a result with a statusCode and none of its own.
const DEFAULT_TYPE = { rest: 'application/json', http: 'text/plain; charset=utf-8' };
const TEXT_TYPES = /^(text\/|application\/(json|xml|javascript|x-www-form-urlencoded|graphql|ld\+json|[\w.+-]*\+(json|xml)))/i;

// ---------------------------------------------------------------- config ---

function loadConfig() {
  const file = process.env.CLOUDEXIT_CONFIG || '/opt/cloudexit/config.json';
  const cfg = JSON.parse(fs.readFileSync(file, 'utf8'));
  const api = Object.assign({ id: 'local', stage: '$default', payloadVersion: '1.0', binaryMediaTypes: [], kind: 'rest' }, cfg.api || {});
  if (api.kind === 'rest') api.payloadVersion = '1.0'; // REST APIs only speak 1.0
  api.defaultContentType = DEFAULT_TYPE[api.kind === 'rest' ? 'rest' : 'http'];
  api.prefix = api.stageInPath ? `/${api.stage}` : ''; // a named stage is in the invoke URL
  const urls = new Map(); // lower-case host -> { api, route } of a function URL
  for (const [host, url] of Object.entries(cfg.urls || {})) {
    const front = { id: url.id, kind: 'url', stage: '$default', payloadVersion: '2.0', binaryMediaTypes: [], domainName: host, prefix: '' };
    front.defaultContentType = DEFAULT_TYPE.http;
    urls.set(host.toLowerCase(), { api: front, route: compileRoutes([{ method: 'ANY', path: '$default', function: url.function }])[0] });
  }
  return { api, functions: cfg.functions || {}, routes: compileRoutes(cfg.routes || []), urls };
}

function urlOf(urls, req) {
  // The { api, route } of the function URL the request's Host names (port aside).
  let host = (req.headers.host || '').toLowerCase();
  const colon = host.lastIndexOf(':');
  if (colon > host.lastIndexOf(']')) host = host.slice(0, colon);
  return urls.get(host);
}

// -------------------------------------------------------------- routing ---
// API Gateway template matching: literal segment > {name} (one segment) >
// {proxy+} (greedy, one or more segments) compared from the left, after every route
// without a {proxy+}; a method beats ANY; $default last (cloudexit_ci/precedence.py).

function segmentRank(seg) {
  if (/^\{[^}]+\+\}$/.test(seg)) return 0;
  if (/^\{[^}]+\}$/.test(seg)) return 1;
  return 2;
}

function compileRoutes(routes) {
  const compiled = routes.map((r) => {
    const isDefault = r.path === '$default';
    const segs = isDefault ? [] : r.path.split('/').filter(Boolean);
    const method = (r.method || 'ANY').toUpperCase();
    const resource = isDefault ? '$default' : '/' + segs.join('/');
    const resourceId = crypto.createHash('sha1').update(resource).digest('hex').slice(0, 6);
    const routeKey = isDefault ? '$default' : `${method} ${r.path}`;
    const ranks = segs.map(segmentRank);
    const hasParams = ranks.some((rank) => rank < 2);
    const names = segs.map((seg, i) => (ranks[i] === 0 ? seg.slice(1, -2) : ranks[i] === 1 ? seg.slice(1, -1) : null));
    const greedy = ranks.includes(0);
    return { ...r, method, isDefault, segs, ranks, names, hasParams, greedy, resource, resourceId, routeKey };
  });
  return compiled.sort(compareRoutes);
}

function compareRoutes(a, b) {
  if (a.isDefault !== b.isDefault) return a.isDefault ? 1 : -1;
  if (a.greedy !== b.greedy) return a.greedy ? 1 : -1;
  for (let i = 0; i < Math.max(a.ranks.length, b.ranks.length); i++) {
    const ra = a.ranks[i] ?? -1;
    const rb = b.ranks[i] ?? -1;
    if (ra !== rb) return rb - ra;
  }
  return (a.method === 'ANY') - (b.method === 'ANY');
}

function decodeSegment(s) {
  if (s.indexOf('%') < 0) return s; // nothing to decode
  try { return decodeURIComponent(s); } catch { return s; }
}

function matchTemplate(route, parts) {
  const params = {};
  for (let i = 0; i < route.segs.length; i++) {
    const seg = route.segs[i];
    if (route.ranks[i] === 0) {
      if (i >= parts.length) return null;
      params[route.names[i]] = parts.slice(i).map(decodeSegment).join('/');
      return params;
    }
    if (i >= parts.length) return null;
    if (route.ranks[i] === 1) params[route.names[i]] = decodeSegment(parts[i]);
    else if (seg !== parts[i]) return null;
  }
  return parts.length === route.segs.length ? params : null;
}

function pathParts(rawPath) {
  // rawPath.split('/').filter(Boolean) without the intermediate array.
  const parts = [];
  let from = 0;
  while (from <= rawPath.length) {
    let to = rawPath.indexOf('/', from);
    if (to < 0) to = rawPath.length;
    if (to > from) parts.push(rawPath.slice(from, to));
    from = to + 1;
  }
  return parts;
}

const ROUTE_CACHE_MAX = 1000;
const routeCaches = new WeakMap(); // routes -> Map(method + ' ' + path -> match or null)

function matchRoute(routes, method, rawPath) {
  // findRoute, remembered per method and path (bounded: emptied when full).
  // Each request gets its own pathParameters object.
  let cache = routeCaches.get(routes);
  if (cache === undefined) routeCaches.set(routes, (cache = new Map()));
  const key = method + ' ' + rawPath;
  let hit = cache.get(key);
  if (hit === undefined) {
    hit = findRoute(routes, method, rawPath);
    if (cache.size >= ROUTE_CACHE_MAX) cache.clear();
    cache.set(key, hit);
  }
  return hit === null ? null : { route: hit.route, params: { ...hit.params }, hasParams: hit.hasParams };
}

function findRoute(routes, method, rawPath) {
  const parts = pathParts(rawPath);
  for (const route of routes) {
    if (route.method !== 'ANY' && route.method !== method) continue;
    if (route.isDefault) return { route, params: {}, hasParams: false };
    const params = matchTemplate(route, parts);
    if (params) return { route, params, hasParams: route.hasParams };
  }
  return null;
}

// ---------------------------------------------------------------- event ---

// Random (version 4, RFC 4122 variant) UUIDs formatted as crypto.randomUUID
// does, from a pool: one randomFillSync per 4096 ids, the version and variant
// bits set and the ids formatted in bulk into one latin1 string, so an id is a
// slice of it. Every id takes 16 fresh bytes that are never reused (JS is
// single-threaded here).
const UUID_COUNT = 4096;
const UUID_TEXT = 36;
const HEX_CODES = Buffer.from('0123456789abcdef', 'latin1');
const DASH = 0x2d;
let uuidText = '';
let uuidOffset = UUID_COUNT * UUID_TEXT;

function refillUuids() {
  const bytes = crypto.randomFillSync(Buffer.allocUnsafe(16 * UUID_COUNT));
  const out = Buffer.allocUnsafe(UUID_TEXT * UUID_COUNT);
  let w = 0;
  for (let r = 0; r < bytes.length; r += 16) {
    bytes[r + 6] = (bytes[r + 6] & 0x0f) | 0x40;
    bytes[r + 8] = (bytes[r + 8] & 0x3f) | 0x80;
    for (let i = 0; i < 16; i++) {
      if (i === 4 || i === 6 || i === 8 || i === 10) out[w++] = DASH;
      const b = bytes[r + i];
      out[w++] = HEX_CODES[b >> 4];
      out[w++] = HEX_CODES[b & 0x0f];
    }
  }
  uuidText = out.latin1Slice(0, w);
  uuidOffset = 0;
}

function uuid4() {
  if (uuidOffset >= uuidText.length) refillUuids();
  const o = uuidOffset;
  uuidOffset = o + UUID_TEXT;
  return uuidText.slice(o, o + UUID_TEXT);
}

let timeSecond = -1;
let timeText = '';

function requestTime(ms) {
  // "dd/MMM/yyyy:HH:mm:ss +0000" (payload 1.0 requestTime) from epoch ms (or a Date);
  // formatted once per second.
  const epoch = typeof ms === 'number' ? ms : ms.getTime();
  const second = Math.floor(epoch / 1000);
  if (timeSecond === second) return timeText;
  const date = new Date(second * 1000);
  const p = (n) => String(n).padStart(2, '0');
  timeText = `${p(date.getUTCDate())}/${MONTHS[date.getUTCMonth()]}/${date.getUTCFullYear()}:` +
    `${p(date.getUTCHours())}:${p(date.getUTCMinutes())}:${p(date.getUTCSeconds())} +0000`;
  timeSecond = second;
  return timeText;
}

function parseQuery(raw) {
  // [name, value, name, value, ...] in order (the shape of req.rawHeaders);
  // %XX decoded, '+' kept literally.
  const flat = [];
  if (!raw) return flat;
  for (const part of raw.split('&')) {
    if (!part) continue;
    const eq = part.indexOf('=');
    flat.push(decodeSegment(eq < 0 ? part : part.slice(0, eq)), eq < 0 ? '' : decodeSegment(part.slice(eq + 1)));
  }
  return flat;
}

const NO_PAIRS = [null, null];

function put(obj, k, v) {
  // obj[k] = v for a name from the request: "__proto__" becomes an own key (as
  // API Gateway treats it), not the object's prototype. Lookups use Object.hasOwn,
  // so "constructor" or "toString" are plain keys too.
  if (k === '__proto__') Object.defineProperty(obj, k, { value: v, enumerable: true, writable: true, configurable: true });
  else obj[k] = v;
}

function singleAndMulti(flat) {
  // v1: the last value in the single map, all values in the multi map; both null when empty.
  if (flat.length === 0) return NO_PAIRS;
  const single = {};
  const multi = {};
  for (let i = 0; i < flat.length; i += 2) {
    const k = flat[i];
    const v = flat[i + 1];
    put(single, k, v);
    if (Object.hasOwn(multi, k)) multi[k].push(v);
    else put(multi, k, [v]);
  }
  return [single, multi];
}

function commaJoined(flat, lowerNames, skip) {
  // v2: duplicates comma-joined; header names lower-cased; the name `skip` left out.
  const out = {};
  for (let i = 0; i < flat.length; i += 2) {
    const k = lowerNames ? flat[i].toLowerCase() : flat[i];
    if (k === skip) continue;
    put(out, k, Object.hasOwn(out, k) ? `${out[k]},${flat[i + 1]}` : flat[i + 1]);
  }
  return out;
}

function mediaType(contentType) {
  return (contentType || '').split(';')[0].trim().toLowerCase();
}

function isBinaryV1(contentType, binaryTypes) {
  // v1: base64 only when the Content-Type matches binaryMediaTypes (wildcards allowed).
  const type = mediaType(contentType);
  if (!type) return binaryTypes.includes('*/*');
  return binaryTypes.some((t) => {
    const want = t.toLowerCase();
    if (want === '*/*' || want === type) return true;
    return want.endsWith('/*') && type.startsWith(want.slice(0, -1));
  });
}

function isBinaryV2(contentType) {
  return !TEXT_TYPES.test(mediaType(contentType));
}

function sourceIp(req) {
  const xff = req.headers['x-forwarded-for'];
  if (xff) return xff.split(',')[0].trim();
  const ip = req.socket.remoteAddress || '';
  return ip.startsWith('::ffff:') ? ip.slice(7) : ip;
}

let prefixOf = '';
let prefixText = '';

function domainPrefix(domainName) {
  if (domainName === prefixOf) return prefixText; // the same Host, request after request
  const dot = domainName.indexOf('.');
  prefixOf = domainName;
  prefixText = dot < 0 ? domainName : domainName.slice(0, dot);
  return prefixText;
}

function protocol(req) {
  const version = req.httpVersion;
  return version === '1.1' ? 'HTTP/1.1' : `HTTP/${version}`;
}

function encodeBody(buf, binary) {
  return binary ? buf.toString('base64') : buf.toString('utf8');
}

function buildEventV1(api, req, match, raw, body, now) {
  // now: epoch ms
  const [hSingle, hMulti] = singleAndMulti(req.rawHeaders);
  const [qSingle, qMulti] = singleAndMulti(parseQuery(raw.query));
  const binary = body.length > 0 && isBinaryV1(req.headers['content-type'], api.binaryMediaTypes);
  // HTTP API $default route in payload 1.0: resource "$default", no path parameters.
  const resource = match.route.resource;
  const params = match.params;
  const domainName = api.domainName || req.headers.host || 'localhost';
  const stagePath = api.stage === '$default' ? raw.path : `/${api.stage}${raw.path}`; // no prefix on $default stage
  return {
    resource,
    path: raw.path,
    httpMethod: req.method,
    headers: hSingle,
    multiValueHeaders: hMulti,
    queryStringParameters: qSingle,
    multiValueQueryStringParameters: qMulti,
    pathParameters: match.hasParams ? params : null,
    stageVariables: null,
    requestContext: {
      resourceId: match.route.resourceId,
      resourcePath: resource,
      httpMethod: req.method,
      extendedRequestId: uuid4(),
      requestTime: requestTime(now),
      path: stagePath,
      accountId: ACCOUNT_ID,
      protocol: protocol(req),
      stage: api.stage,
      domainPrefix: domainPrefix(domainName),
      requestTimeEpoch: now,
      requestId: uuid4(),
      identity: {
        cognitoIdentityPoolId: null, accountId: null, cognitoIdentityId: null, caller: null,
        sourceIp: sourceIp(req), principalOrgId: null, accessKey: null,
        cognitoAuthenticationType: null, cognitoAuthenticationProvider: null, userArn: null,
        userAgent: req.headers['user-agent'] ?? null, user: null,
      },
      domainName,
      apiId: api.id,
    },
    body: body.length ? encodeBody(body, binary) : null,
    isBase64Encoded: binary,
  };
}

function buildEventV2(api, req, match, raw, body, now) {
  const raws = req.rawHeaders;
  const cookies = [];
  for (let i = 0; i < raws.length; i += 2) {
    if (raws[i].toLowerCase() !== 'cookie') continue;
    for (const c of raws[i + 1].split(';')) if (c.trim()) cookies.push(c.trim());
  }
  const headers = commaJoined(raws, true, 'cookie');
  const query = parseQuery(raw.query);
  const routeKey = match.route.routeKey;
  const domainName = api.domainName || req.headers.host || 'localhost';
  const event = { version: '2.0', routeKey, rawPath: raw.path, rawQueryString: raw.query };
  if (cookies.length) event.cookies = cookies;
  event.headers = headers;
  if (query.length) event.queryStringParameters = commaJoined(query, false, null);
  event.requestContext = {
    accountId: ACCOUNT_ID, apiId: api.id, domainName, domainPrefix: domainPrefix(domainName),
    http: {
      method: req.method, path: raw.path, protocol: protocol(req),
      sourceIp: sourceIp(req), userAgent: req.headers['user-agent'] ?? '',
    },
    requestId: uuid4(), routeKey, stage: api.stage,
    time: requestTime(now), timeEpoch: now,
  };
  if (match.hasParams) event.pathParameters = match.params;
  const binary = body.length > 0 && isBinaryV2(req.headers['content-type']);
  if (body.length) event.body = encodeBody(body, binary);
  event.isBase64Encoded = binary;
  return event;
}

// ------------------------------------------------------------- handlers ---

const S3_CLASSES = ['S3Client', 'S3'];
const S3_MODULE = /[\\/]@aws-sdk[\\/]client-s3[\\/]dist-cjs[\\/]index\.js$/;

function pathStyleExports(exports) {
  // The exports of @aws-sdk/client-s3 with S3Client and S3 defaulting to
  // forcePathStyle: true (their esbuild exports are getters, so a Proxy).
  const wrapped = new Map();
  for (const name of S3_CLASSES) {
    const Base = exports[name];
    if (typeof Base !== 'function') continue;
    wrapped.set(name, { [name]: class extends Base {
      constructor(config, ...rest) { super({ forcePathStyle: true, ...(config || {}) }, ...rest); }
    } }[name]);
  }
  return new Proxy(exports, {
    get(target, key, receiver) {
      return wrapped.has(key) ? wrapped.get(key) : Reflect.get(target, key, receiver);
    },
  });
}

function installPathStyleHook() {
  // Handlers `require('@aws-sdk/client-s3')` (or import it from ESM, which loads
  // the CJS build by file name): hand them the patched exports.
  const originalLoad = Module._load;
  const patched = new WeakMap();
  Module._load = function load(request, parent, isMain) {
    const exports = originalLoad.apply(this, arguments);
    if (request !== '@aws-sdk/client-s3' && !S3_MODULE.test(request)) return exports;
    if (!exports || typeof exports !== 'object') return exports;
    if (!patched.has(exports)) patched.set(exports, pathStyleExports(exports));
    return patched.get(exports);
  };
}

const loaded = new Map(); // function name -> Promise<handler function>

function initError(name, message) {
  // A handler that cannot be loaded, named as the Lambda Node.js runtime names it.
  return Object.assign(new Error(message), { name });
}

async function requireOrImport(file, ext) {
  if (ext === '.mjs') return import(pathToFileURL(file).href);
  try {
    return require(file);
  } catch (err) {
    if (err && err.code === 'ERR_REQUIRE_ESM') return import(pathToFileURL(file).href);
    throw err;
  }
}

async function importModule(dir, modPath) {
  for (const ext of ['.js', '.cjs', '.mjs']) {
    const file = path.resolve(dir, modPath + ext);
    if (!fs.existsSync(file)) continue;
    try {
      return await requireOrImport(file, ext);
    } catch (err) {
      if (err instanceof SyntaxError) throw initError('Runtime.UserCodeSyntaxError', `SyntaxError: ${err.message}`);
      if (err && (err.code === 'MODULE_NOT_FOUND' || err.code === 'ERR_MODULE_NOT_FOUND')) {
        throw initError('Runtime.ImportModuleError', `Error: ${err.message}`);
      }
      throw err;
    }
  }
  throw initError('Runtime.ImportModuleError', `Error: Cannot find module '${modPath}' in ${dir}`);
}

async function loadHandler(fnCfg) {
  // Like the Lambda Node runtime: "dir/module.export.nested" -> module "dir/module".
  const spec = fnCfg.handler;
  const slash = spec.lastIndexOf('/');
  const dot = spec.indexOf('.', slash + 1);
  if (dot < 0) throw initError('Runtime.MalformedHandlerName', 'Bad handler');
  const dir = path.resolve(TASK_ROOT, fnCfg.codeDir || '.');
  const mod = await importModule(dir, spec.slice(0, dot));
  let fn = mod;
  for (const key of spec.slice(dot + 1).split('.')) fn = fn == null ? undefined : fn[key];
  if (fn === undefined && mod && mod.default) fn = spec.slice(dot + 1).split('.').reduce((o, k) => o?.[k], mod.default);
  if (typeof fn !== 'function') throw initError('Runtime.HandlerNotFound', `${spec} is undefined or not exported`);
  return fn;
}

function getHandler(name, fnCfg) {
  if (!loaded.has(name)) loaded.set(name, loadHandler(fnCfg));
  return loaded.get(name);
}

function lambdaEnv(name, fnCfg, consolidated) {
  const env = {
    AWS_LAMBDA_FUNCTION_NAME: name,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fnCfg.memory || 128),
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${name}`,
    AWS_LAMBDA_LOG_STREAM_NAME: `cloudexit/${name}`,
    AWS_EXECUTION_ENV: `AWS_Lambda_${fnCfg.runtime || 'nodejs'}`,
    _HANDLER: fnCfg.handler,
  };
  if (!consolidated) env.LAMBDA_TASK_ROOT = path.resolve(TASK_ROOT, fnCfg.codeDir || '.');
  return Object.assign(env, fnCfg.environment || {});
}

const contextStatic = new Map(); // function name -> strings fixed for the process

function makeContext(name, fnCfg, deadline, done) {
  let fixed = contextStatic.get(name);
  if (fixed === undefined) {
    fixed = {
      arn: `arn:aws:lambda:${process.env.AWS_REGION}:${ACCOUNT_ID}:function:${name}`,
      memory: String(fnCfg.memory || 128),
      logGroup: `/aws/lambda/${name}`,
      logStream: `cloudexit/${name}`,
    };
    contextStatic.set(name, fixed);
  }
  return {
    functionName: name,
    functionVersion: '$LATEST',
    invokedFunctionArn: fixed.arn,
    memoryLimitInMB: fixed.memory,
    awsRequestId: uuid4(),
    logGroupName: fixed.logGroup,
    logStreamName: fixed.logStream,
    identity: undefined,
    clientContext: undefined,
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done,
    succeed: (result) => done(null, result),
    fail: (err) => done(err ?? new Error('handler failed')),
  };
}

function timeoutError(ms) {
  return Object.assign(new Error(`Task timed out after ${(ms / 1000).toFixed(2)} seconds`), { timedOut: true });
}

// Invocations still running, in a circular doubly-linked list (the sentinel
// is its own neighbour when empty), and one shared timer armed for the
// earliest deadline: a request costs two links and two unlinks instead of a
// setTimeout/clearTimeout pair (which, for a list emptied by every
// clearTimeout, re-creates Node's timer list and re-arms libuv per request).
const inFlight = { prev: null, next: null, deadline: Infinity };
inFlight.prev = inFlight;
inFlight.next = inFlight;
let sweepTimer = null;
let sweepAt = Infinity;

function armSweep(deadline) {
  if (deadline >= sweepAt) return;
  if (sweepTimer !== null) clearTimeout(sweepTimer);
  sweepAt = deadline;
  sweepTimer = setTimeout(sweep, Math.max(1, deadline - Date.now()));
  sweepTimer.unref(); // an in-flight request keeps its socket (and the loop) alive
}

function sweep() {
  // Time out every invocation past its deadline; re-arm for the next one.
  sweepTimer = null;
  sweepAt = Infinity;
  // The expired ones are collected first and the timer re-armed before any
  // answer is sent, so nothing an answer does can cut the walk short.
  const now = Date.now();
  const expired = [];
  let next = Infinity;
  for (let inv = inFlight.next; inv !== inFlight; inv = inv.next) {
    if (inv.deadline <= now) expired.push(inv);
    else if (inv.deadline < next) next = inv.deadline;
  }
  if (next !== Infinity) armSweep(next);
  for (const inv of expired) inv.settle(true, timeoutError(inv.timeoutMs));
}

class Invocation {
  constructor(timeoutMs, cb) {
    this.timeoutMs = timeoutMs;
    this.cb = cb;
    this.settled = false;
    this.deadline = Infinity;
    this.prev = null; // linked into inFlight while waiting for the handler
    this.next = null;
  }

  wait(deadline) {
    this.deadline = deadline;
    const last = inFlight.prev;
    this.prev = last;
    this.next = inFlight;
    last.next = this;
    inFlight.prev = this;
    armSweep(deadline);
  }

  settle(failed, value) {
    if (this.settled) return;
    this.settled = true;
    if (this.prev !== null) {
      this.prev.next = this.next;
      this.next.prev = this.prev;
      this.prev = null;
      this.next = null;
    }
    this.cb(failed, value);
  }
}

function invoke(fn, event, name, fnCfg, deadline, timeoutMs, cb) {
  // Async/promise handlers settle through their promise; 3-parameter handlers
  // through the callback (or context.done/succeed/fail); the first outcome
  // wins. cb(failed, value) runs once: with the result, the handler's error,
  // or a timedOut error at the deadline (timeoutMs after the handler
  // returned). No promise is allocated and nothing is linked for a handler
  // that settles synchronously.
  const inv = new Invocation(timeoutMs, cb);
  const done = (err, result) => {
    if (err !== null && err !== undefined) inv.settle(true, err);
    else inv.settle(false, result);
  };
  const context = makeContext(name, fnCfg, deadline, done);
  try {
    const out = fn(event, context, done);
    if (out && typeof out.then === 'function') out.then((r) => done(null, r), (e) => done(e ?? new Error('rejected')));
    else if (fn.length < 3) done(null, out);
  } catch (err) {
    done(err);
  }
  if (!inv.settled) inv.wait(Date.now() + timeoutMs);
}

// ------------------------------------------------------------- response ---

class MalformedResponse extends Error {}

function headerValue(v) {
  if (v === null || v === undefined) return undefined;
  if (typeof v === 'object') throw new MalformedResponse('header value must be a scalar');
  return String(v);
}

function checkStatus(code) {
  const n = typeof code === 'string' && /^\d{3}$/.test(code) ? Number(code) : code;
  if (!Number.isInteger(n) || n < 100 || n > 599) throw new MalformedResponse('statusCode must be an integer');
  return n;
}

function checkBody(body) {
  if (body === undefined || body === null) return '';
  if (typeof body !== 'string') throw new MalformedResponse('body must be a string');
  return body;
}

function mapResponseV1(result, defaultType) {
  // v1: statusCode required, string body, headers merged into multiValueHeaders
  // (a pair present in both appears once), body decoded when isBase64Encoded;
  // defaultType (api.defaultContentType) when the result names no Content-Type.
  if (!result || typeof result !== 'object') throw new MalformedResponse('result must be an object');
  const status = checkStatus(result.statusCode);
  const body = checkBody(result.body);
  // Parallel arrays instead of a Map keyed by lower-case name: a handful of
  // headers, so a linear search is cheaper; same order and merge rules.
  const lower = []; // lower-case names
  const headers = []; // [name, values[]]
  const multi = result.multiValueHeaders;
  if (multi) {
    for (const k of Object.keys(multi)) {
      const vals = multi[k];
      if (!Array.isArray(vals)) throw new MalformedResponse('multiValueHeaders values must be arrays');
      const entry = [k, vals.map(headerValue).filter((v) => v !== undefined)];
      const lk = k.toLowerCase();
      const at = lower.indexOf(lk);
      if (at < 0) { lower.push(lk); headers.push(entry); } else headers[at] = entry;
    }
  }
  const single = result.headers;
  if (single) {
    for (const k of Object.keys(single)) {
      const value = headerValue(single[k]);
      if (value === undefined) continue;
      const lk = k.toLowerCase();
      const at = lower.indexOf(lk);
      if (at < 0) { lower.push(lk); headers.push([k, [value]]); } else if (!headers[at][1].includes(value)) headers[at][1].push(value);
    }
  }
  if (!lower.includes('content-type')) headers.push(['Content-Type', [defaultType]]);
  return { status, headers, body: decodeBody(body, result.isBase64Encoded) };
}

function mapResponseV2(result) {
  // v2: an object without statusCode (or any non-object) is the JSON body of a 200;
  // a string is the body as is; each cookies[] entry is its own Set-Cookie; a
  // result with a statusCode and no Content-Type is text/plain (as HTTP APIs do).
  if (typeof result === 'string') return { status: 200, headers: [['Content-Type', ['application/json']]], body: result };
  if (!result || typeof result !== 'object' || !('statusCode' in result)) {
    const json = JSON.stringify(result === undefined ? null : result);
    return { status: 200, headers: [['Content-Type', ['application/json']]], body: json };
  }
  const status = checkStatus(result.statusCode);
  const body = checkBody(result.body);
  const headers = [];
  for (const [k, v] of Object.entries(result.headers || {})) {
    const value = headerValue(v);
    if (value !== undefined) headers.push([k, [value]]);
  }
  if (!headers.some(([k]) => k.toLowerCase() === 'content-type')) headers.push(['Content-Type', [DEFAULT_TYPE.http]]);
  const cookies = result.cookies || [];
  if (!Array.isArray(cookies)) throw new MalformedResponse('cookies must be an array');
  if (cookies.length) headers.push(['Set-Cookie', cookies.map(headerValue)]);
  return { status, headers, body: decodeBody(body, result.isBase64Encoded) };
}

function decodeBody(body, isBase64) {
  // Text stays a string: res.end(string) writes head and body in one syscall.
  return isBase64 ? Buffer.from(body, 'base64') : body;
}

function jsonResponse(status, obj) {
  return { status, headers: [['Content-Type', ['application/json']]], body: JSON.stringify(obj) };
}

// ------------------------------------------------------ gateway headers ---

const REMAPPED = 'x-amzn-Remapped-';

function gatewayHeaders(kind, ctx, headers) {
  // API Gateway's own headers appended to `headers` (changed in place and returned);
  // ctx: the event's requestContext. A function's header of the same name: REST APIs
  // keep it as x-amzn-Remapped-<name>; HTTP APIs drop it (apigw-* is reserved).
  const rest = kind === 'rest';
  for (let i = headers.length - 1; i >= 0; i--) {
    const name = headers[i][0];
    const n = name.length;
    if (rest && (n === 16 || n === 14)) {
      const lower = name.toLowerCase();
      if (lower === 'x-amzn-requestid' || lower === 'x-amz-apigw-id') headers[i] = [REMAPPED + name, headers[i][1]];
    } else if (kind === 'url' && n === 16 && name.toLowerCase() === 'x-amzn-requestid') headers.splice(i, 1);
    else if (!rest && kind !== 'url' && n === 15 && name.toLowerCase() === 'apigw-requestid') headers.splice(i, 1);
  }
  if (rest) headers.push(['x-amzn-RequestId', [ctx.requestId]], ['x-amz-apigw-id', [ctx.extendedRequestId]]);
  else if (kind === 'url') headers.push(['x-amzn-RequestId', [ctx.requestId]]);
  else headers.push(['apigw-requestid', [ctx.requestId]]);
  return headers;
}

const GATEWAY_ERRORS = { 502: { message: 'Internal server error' }, 504: { message: 'Endpoint request timed out' } };

function gatewayError(kind, ctx, status) {
  // The shim's own answer for a matched route's function: 502 (an error or a
  // malformed result) or 504 (timeout), with API Gateway's headers.
  const out = jsonResponse(status, GATEWAY_ERRORS[status]);
  if (kind === 'rest') out.headers.push(['x-amzn-ErrorType', ['InternalServerErrorException']]);
  gatewayHeaders(kind, ctx, out.headers);
  return out;
}

// --------------------------------------------------------------- server ---

function logError(requestId, fnName, err) {
  const isErr = err instanceof Error;
  const line = {
    level: 'ERROR', requestId, function: fnName,
    errorType: isErr ? (err.name || 'Error') : typeof err,
    errorMessage: isErr ? err.message : String(err),
    stack: isErr && err.stack ? err.stack.split('\n') : [],
  };
  process.stderr.write(JSON.stringify(line) + '\n');
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on('data', (c) => {
      size += c.length;
      if (size > MAX_BODY) { reject(Object.assign(new Error('too large'), { status: 413 })); req.destroy(); return; }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function send(res, out, draining) {
  // One writeHead with a flat [name, value, ...] list (no per-header setHeader),
  // one end(): head and a string body leave in a single write.
  const flat = [];
  for (const [name, values] of out.headers) {
    const n = name.length;
    if (n === 14 && name.toLowerCase() === 'content-length') continue; // ours wins
    if (draining && n === 10 && name.toLowerCase() === 'connection') continue;
    flat.push(name, values.length === 1 ? values[0] : values);
  }
  flat.push('Content-Length', typeof out.body === 'string' ? Buffer.byteLength(out.body) : out.body.length);
  if (draining) flat.push('Connection', 'close');
  res.writeHead(out.status, flat);
  res.end(out.body);
}

// Access log lines are collected and written once per event-loop turn (and at
// exit): one write(2) for a burst of requests instead of one per request.
let pendingLog = '';
let logScheduled = false;

function flushLog() {
  logScheduled = false;
  if (!pendingLog) return;
  const text = pendingLog;
  pendingLog = '';
  process.stdout.write(text);
}

function accessLog(line) {
  pendingLog += line + '\n';
  if (!logScheduled) {
    logScheduled = true;
    setImmediate(flushLog);
  }
}

const ready = new Map(); // function name -> loaded handler function

function runFunction(state, name, event, cb) {
  // cb(failed, value): the handler's result, its error, or a timedOut error.
  const fnCfg = state.config.functions[name];
  const deadline = Date.now() + (fnCfg.timeout || 3) * 1000;
  const fn = ready.get(name);
  if (fn !== undefined) startFunction(state, name, fnCfg, deadline, fn, event, cb);
  else {
    getHandler(name, fnCfg).then((f) => {
      ready.set(name, f);
      startFunction(state, name, fnCfg, deadline, f, event, cb);
    }, (err) => cb(true, err));
  }
}

function startFunction(state, name, fnCfg, deadline, fn, event, cb) {
  if (state.consolidated) Object.assign(process.env, lambdaEnv(name, fnCfg, true));
  invoke(fn, event, name, fnCfg, deadline, (fnCfg.timeout || 3) * 1000, cb);
}

function runFunctionAsync(state, name, event) {
  return new Promise((resolve, reject) => {
    runFunction(state, name, event, (failed, value) => (failed ? reject(value) : resolve(value)));
  });
}

function internalError(log, err) {
  logError(log.requestId, log.function, err);
  return jsonResponse(502, { message: 'Internal server error' });
}

function invokeRoute(state, req, match, raw, body, log, finish) {
  const name = match.route.function;
  log.function = name;
  if (!state.config.functions[name]) return finish(jsonResponse(502, { message: 'Internal server error' }));
  const api = match.api || state.config.api;
  log.kind = api.kind;
  const v2 = api.payloadVersion === '2.0';
  const event = (v2 ? buildEventV2 : buildEventV1)(api, req, match, raw, body, Date.now());
  const ctx = event.requestContext;
  log.requestId = ctx.requestId;
  log.gateway = ctx;
  const authorizer = req.headers['x-cloudexit-authorizer'];
  if (authorizer !== undefined) applyAuthorizer(event, authorizer);
  runFunction(state, name, event, (failed, value) => {
    let out = null;
    if (!failed) {
      try {
        out = v2 ? mapResponseV2(value) : mapResponseV1(value, api.defaultContentType);
        gatewayHeaders(api.kind, ctx, out.headers);
      } catch (err) {
        value = err;
      }
    }
    if (out === null) {
      logError(log.requestId, name, value);
      out = gatewayError(api.kind, ctx, value && value.timedOut ? 504 : 502);
    }
    finish(out);
  });
}

function applyAuthorizer(event, value) {
  // requestContext.authorizer from the edge's gateway-auth (base64url JSON); the edge
  // removes any copy a client sent, and the header is not part of the event.
  try {
    event.requestContext.authorizer = JSON.parse(Buffer.from(value, 'base64url').toString('utf8'));
  } catch { /* a malformed value: no authorizer */ }
  for (const map of [event.headers, event.multiValueHeaders]) {
    if (!map) continue;
    for (const key of Object.keys(map)) if (key.toLowerCase() === 'x-cloudexit-authorizer') delete map[key];
  }
}

async function invokeDirect(state, req, raw, body, log) {
  // POST /__cloudexit/invoke/<name>: raw event in, raw result out (see header).
  const name = decodeSegment(raw.path.slice(INVOKE_PREFIX.length));
  log.function = name;
  if (req.headers['x-forwarded-for'] !== undefined) return jsonResponse(403, { message: 'Forbidden' });
  if (req.method !== 'POST') return jsonResponse(405, { message: 'Method Not Allowed' });
  if (!Object.prototype.hasOwnProperty.call(state.config.functions, name)) return jsonResponse(404, { message: 'Function not found' });
  let event;
  try {
    event = body.length ? JSON.parse(body.toString('utf8')) : {};
  } catch {
    return jsonResponse(400, { message: 'The request body must be a JSON event' });
  }
  try {
    const result = await runFunctionAsync(state, name, event);
    return { status: 200, headers: [['Content-Type', ['application/json']]], body: JSON.stringify(result === undefined ? null : result) };
  } catch (err) {
    logError(null, name, err);
    const isErr = err instanceof Error;
    const info = { errorType: isErr ? (err.name || 'Error') : typeof err, errorMessage: isErr ? err.message : String(err) };
    if (err && err.timedOut) return jsonResponse(504, { errorType: 'TimeoutError', errorMessage: err.message });
    return { ...jsonResponse(502, info), headers: [['Content-Type', ['application/json']], ['X-Amz-Function-Error', ['Unhandled']]] };
  }
}

function health(state) {
  // 200 when every handler loaded; else 503 with the errors (the container is unhealthy).
  if (state.initErrors.length) return jsonResponse(503, { status: 'unhealthy', errors: state.initErrors });
  return jsonResponse(200, { status: 'ok' });
}

async function loadAll(state, names) {
  // Lambda's init phase: every handler loaded before the first request; a failure
  // is logged now, answered 502 per request and reported by the health path.
  await Promise.all(names.map((name) => getHandler(name, state.config.functions[name]).then(
    (fn) => { ready.set(name, fn); },
    (err) => {
      logError(null, name, err);
      const isErr = err instanceof Error;
      state.initErrors.push({
        function: name, errorType: isErr ? (err.name || 'Error') : typeof err, errorMessage: isErr ? err.message : String(err),
      });
    },
  )));
  state.initErrors.sort((a, b) => (a.function < b.function ? -1 : a.function > b.function ? 1 : 0));
}

function route(state, req, raw, body, log, finish) {
  try {
    if (raw.path === HEALTH_PATH) return finish(health(state));
    if (raw.path.startsWith(INVOKE_PREFIX)) {
      invokeDirect(state, req, raw, body, log).then(finish, (err) => finish(internalError(log, err)));
      return undefined;
    }
    const url = state.config.urls.size ? urlOf(state.config.urls, req) : undefined;
    if (url !== undefined) return invokeRoute(state, req, { route: url.route, params: {}, hasParams: false, api: url.api }, raw, body, log, finish);
    const prefix = state.config.api.prefix;
    let path = raw.path;
    if (prefix) { // served under /<stage>: routes match below it; v1's path has no stage
      if (!path.startsWith(prefix + '/')) return finish(jsonResponse(404, { message: 'Not Found' }));
      path = path.slice(prefix.length);
      if (state.config.api.payloadVersion !== '2.0') raw.path = path;
    }
    const match = matchRoute(state.config.routes, req.method, path);
    if (!match) return finish(jsonResponse(404, { message: 'Not Found' }));
    return invokeRoute(state, req, match, raw, body, log, finish);
  } catch (err) {
    return finish(internalError(log, err));
  }
}

function respond(state, res, out, log, started) {
  try {
    send(res, out, state.draining);
  } catch (err) { // e.g. an invalid header value from the handler
    logError(log.requestId, log.function, err);
    if (!res.headersSent) {
      const failed = log.gateway ? gatewayError(log.kind, log.gateway, 502) : jsonResponse(502, { message: 'Internal server error' });
      send(res, failed, state.draining);
    }
  }
  log.status = res.statusCode;
  log.durationMs = performance.now() - started;
  accessLog(logLine(log));
}

const EMPTY = Buffer.alloc(0);
let isoAt = -Infinity;
let isoText = '';

function isoNow(perfNow) {
  // new Date().toISOString(), formatted at most once per millisecond
  // (perfNow: performance.now() of the request).
  if (perfNow - isoAt >= 1) {
    isoText = new Date().toISOString();
    isoAt = perfNow;
  }
  return isoText;
}

const PLAIN = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/; // printable ASCII but " and \ : JSON as is
const jsonNames = new Map(); // function name or method -> its JSON string

function cachedJson(text) {
  let json = jsonNames.get(text);
  if (json === undefined) {
    json = JSON.stringify(text);
    if (jsonNames.size < 1000) jsonNames.set(text, json);
  }
  return json;
}

function jsonString(text) {
  return PLAIN.test(text) ? `"${text}"` : JSON.stringify(text);
}

function logLine(log) {
  // JSON.stringify(log) with the fixed key order, durationMs rounded to µs.
  // requestId is ours (a UUID); the others are escaped when they need it.
  const fn = log.function;
  const fnJson = fn === null ? 'null' : cachedJson(fn);
  return `{"time":"${log.time}","requestId":${log.requestId === null ? 'null' : `"${log.requestId}"`},` +
    `"method":${cachedJson(log.method)},"path":${jsonString(log.path)},"status":${log.status},` +
    `"durationMs":${Math.round(log.durationMs * 1000) / 1000},"function":${fnJson}}`;
}

function dispatch(state, req, res) {
  const started = performance.now();
  const url = req.url || '/';
  const q = url.indexOf('?');
  // The access-log fields, and the raw path and query the routes read.
  const log = {
    time: isoNow(started), requestId: null, method: req.method, path: q < 0 ? url : url.slice(0, q),
    status: 0, durationMs: 0, function: null, query: q < 0 ? '' : url.slice(q + 1), gateway: null,
    kind: null,
  };
  const raw = log;
  let answered = false;
  const finish = (out) => {
    if (answered) return;
    answered = true;
    try {
      respond(state, res, out, log, started);
    } catch (err) {
      logError(log.requestId, log.function, err);
    }
  };
  const headers = req.headers;
  if (headers['content-length'] === undefined && headers['transfer-encoding'] === undefined) {
    route(state, req, raw, EMPTY, log, finish); // no body: nothing to wait for
    return;
  }
  readBody(req).then((body) => route(state, req, raw, body, log, finish), (err) => {
    if (err && err.status === 413) finish(jsonResponse(413, { message: 'Request Entity Too Large' }));
    else finish(internalError(log, err));
  });
}

function shutdown(state, server) {
  // SIGTERM: stop accepting, let in-flight requests finish (bounded by the
  // longest function timeout), then exit 0.
  if (state.draining) return;
  state.draining = true;
  const longest = Math.max(3, ...Object.values(state.config.functions).map((f) => f.timeout || 3));
  setTimeout(() => process.exit(0), longest * 1000 + 1000).unref();
  server.close(() => process.exit(0));
  server.closeIdleConnections();
}

function main() {
  const config = loadConfig();
  const names = Object.keys(config.functions);
  const state = { config, consolidated: names.length > 1, draining: false, initErrors: [] };
  process.env.AWS_REGION = process.env.AWS_REGION || 'us-east-1';
  process.env.AWS_DEFAULT_REGION = process.env.AWS_DEFAULT_REGION || process.env.AWS_REGION;
  if ((process.env.AWS_S3_FORCE_PATH_STYLE || '').toLowerCase() === 'true') installPathStyleHook();
  if (names.length === 1) Object.assign(process.env, lambdaEnv(names[0], config.functions[names[0]], false));
  process.on('exit', flushLog);
  const server = http.createServer((req, res) => { dispatch(state, req, res); });
  server.keepAliveTimeout = 65000; // longer than a typical proxy idle timeout
  server.headersTimeout = 66000;
  process.on('SIGTERM', () => shutdown(state, server));
  process.on('SIGINT', () => shutdown(state, server));
  loadAll(state, names).then(() => {
    if (!state.draining) server.listen(Number(process.env.PORT || 8080), process.env.CLOUDEXIT_HOST || '0.0.0.0');
  });
}

function healthcheck() {
  const port = Number(process.env.PORT || 8080);
  const req = http.get({ host: '127.0.0.1', port, path: HEALTH_PATH, timeout: 3000 }, (res) => {
    res.resume();
    process.exit(res.statusCode === 200 ? 0 : 1);
  });
  req.on('timeout', () => { req.destroy(); process.exit(1); });
  req.on('error', () => process.exit(1));
}

if (require.main === module) {
  if (process.argv.includes('--healthcheck')) healthcheck();
  else main();
} else {
  // require()d (by the unit tests in tests/runtime/node/): the pure functions,
  // nothing started. Run as a program the shim exports nothing.
  module.exports = {
    loadConfig, compileRoutes, matchRoute, parseQuery, singleAndMulti, commaJoined,
    isBinaryV1, isBinaryV2, buildEventV1, buildEventV2, mapResponseV1, mapResponseV2,
    gatewayHeaders, gatewayError, requestTime, uuid4, urlOf,
  };
}
