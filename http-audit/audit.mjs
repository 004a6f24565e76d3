// The public GraphQL-over-HTTP server audit (graphql-http's `serverAudits`) against a running
// Connector Registry. Every request of the audit carries the registry's API key, since the
// registry answers no operation without one.
//
//   REGISTRY_URL      the registry's GraphQL endpoint, e.g. http://127.0.0.1:8000/graphql
//   REGISTRY_API_KEY  any key of the registry (a VIEWER key is enough)
//
// Prints one JSON object: the results by status (`ok`, `notice` for MAY, `warn` for SHOULD,
// `error` for MUST), each failure with its id, name and reason. Exits 1 on a warning or error.

import { serverAudits } from 'graphql-http';

function required(name) {
  const value = process.env[name];
  if (!value) {
    console.error(`${name} must be set (see audit.mjs)`);
    process.exit(2);
  }
  return value;
}

const url = required('REGISTRY_URL');
const apiKey = required('REGISTRY_API_KEY');

function withKey(input, init = {}) {
  const headers = new Headers(init.headers);
  headers.set('authorization', `Bearer ${apiKey}`);
  return fetch(input, { ...init, headers });
}

const results = [];
for (const { fn } of serverAudits({ url, fetchFn: withKey })) {
  results.push(await fn());
}

const report = { ok: [], notice: [], warn: [], error: [] };
for (const result of results) {
  if (result.status === 'ok') {
    report.ok.push(result.id);
    continue;
  }
  let body = '';
  try {
    body = await result.response.text();
  } catch {
    // the audit may have read the body already
  }
  report[result.status].push({
    id: result.id,
    name: result.name,
    reason: result.reason,
    status: result.response.status,
    body: body.slice(0, 500),
  });
}

console.log(JSON.stringify(report, null, 2));
process.exit(report.warn.length + report.error.length === 0 ? 0 : 1);
