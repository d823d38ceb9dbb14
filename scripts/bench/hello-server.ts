/**
 * The baseline of the API benchmark: a bare Hono JSON hello-world on
 * @hono/node-server, no middleware. Listens on 127.0.0.1 at a free port and
 * prints `port=<n>` once ready; stops on SIGTERM.
 */
import { serve } from '@hono/node-server';
import { Hono } from 'hono';

const app = new Hono();
app.get('/hello', (c) => c.json({ hello: 'world' }));

const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => {
  process.stdout.write(`port=${info.port}\n`);
});
// Exit at once: autocannon's keep-alive connections would hold a graceful close open.
process.on('SIGTERM', () => {
  server.close();
  process.exit(0);
});
