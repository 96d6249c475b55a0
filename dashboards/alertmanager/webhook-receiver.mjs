// Alertmanager webhook receiver of the agent-resilience stack (docker-compose.yml, service `webhook-receiver`;
// routes in alertmanager.yaml). Logs one JSON line per alert of every notification and keeps the last 100
// notifications for GET /alerts. No dependencies: `node webhook-receiver.mjs`; env PORT (default 8080, 0 = any
// free port) and HOST (default 0.0.0.0). Endpoints: POST /alerts[/<route>], GET /alerts, GET /healthz.
import { createServer } from 'node:http';

const MAX_KEPT = 100;
const MAX_BODY_BYTES = 1_000_000;
const received = [];

function reply(res, status, body) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

function record(route, payload) {
  const receivedAt = new Date().toISOString();
  received.push({ route, receivedAt, payload });
  if (received.length > MAX_KEPT) received.shift();
  for (const alert of payload.alerts ?? []) {
    const { alertname, severity, ...labels } = alert.labels ?? {};
    const line = { receivedAt, route, status: alert.status, alertname, severity, labels };
    console.log(JSON.stringify({ ...line, summary: alert.annotations?.summary, startsAt: alert.startsAt }));
  }
}

const server = createServer((req, res) => {
  const url = req.url ?? '/';
  if (req.method === 'GET' && url === '/healthz') return reply(res, 200, { status: 'ok' });
  if (req.method === 'GET' && url === '/alerts') return reply(res, 200, received);
  if (req.method !== 'POST' || !(url === '/alerts' || url.startsWith('/alerts/'))) {
    return reply(res, 404, { error: `no route for ${req.method} ${url}` });
  }
  const chunks = [];
  let size = 0;
  req.on('data', chunk => {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) req.destroy();
    else chunks.push(chunk);
  });
  req.on('end', () => {
    let payload;
    try {
      payload = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      return reply(res, 400, { error: 'body is not JSON' });
    }
    record(url.slice('/alerts/'.length) || 'default', payload);
    reply(res, 200, { alerts: payload.alerts?.length ?? 0 });
  });
});

const port = Number(process.env.PORT ?? 8080);
server.listen(port, process.env.HOST ?? '0.0.0.0', () => {
  console.log(`webhook-receiver listening on port ${server.address().port}`);
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.close(() => process.exit(0)));
