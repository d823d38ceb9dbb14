/**
 * A reference for the OpenAI benchmark: the cheapest possible relay, an HTTP
 * proxy in its own process that pipes each request to the target origin
 * (argv[2]) and the answer back, parsing nothing. Through it a request makes
 * the same two extra hops as through zeblitd, so zeblitd's own work is the
 * difference between the two. Prints `port=<n>` once ready; stops on SIGTERM.
 */
import { Agent, createServer, request } from 'node:http';

const target = new URL(process.argv[2] ?? 'http://127.0.0.1:1');
const agent = new Agent({ keepAlive: true, maxSockets: 256 });
const prefix = target.pathname.replace(/\/+$/, '');

const server = createServer((req, res) => {
  // The client calls <relay>/v1/…; the target's base already ends in /v1.
  const path = `${prefix}${(req.url ?? '/').replace(/^\/v1/, '')}`;
  const up = request({ host: target.hostname, port: target.port, method: req.method, path, headers: { ...req.headers, host: target.host }, agent }, (r) => {
    res.writeHead(r.statusCode ?? 502, r.headers);
    r.pipe(res);
  });
  up.on('error', () => res.destroy());
  req.pipe(up);
});
server.keepAliveTimeout = 5_000;
server.listen(0, '127.0.0.1', () => {
  const addr = server.address();
  process.stdout.write(`port=${typeof addr === 'object' && addr ? addr.port : 0}\n`);
});
process.on('SIGTERM', () => {
  server.closeAllConnections();
  server.close();
  process.exit(0);
});
