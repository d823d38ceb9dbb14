/**
 * Proof 5: the security suite, against the built daemon.
 *
 *  1. Every route of the OpenAPI document (so a new route is covered by
 *     itself) and every WebSocket path, over TCP: no credential, a wrong
 *     one, a credential in the query string, a foreign Host (DNS rebinding),
 *     a foreign Origin, and a read-only key on a route that writes — each
 *     refused with the right status in the envelope. Public routes stay public.
 *  2. Permissions: the home 0700; the socket, database (+ WAL, SHM), secret
 *     key, config and logs 0600.
 *  3. The container isolation profile, read back with `docker inspect`.
 *  4. Escape attempts from inside a project container: mount, ptrace,
 *     raw sockets, the daemon's TCP port, the engine's socket, writing outside
 *     /workspace, another project's workspace, the runner's channel.
 *  5. Secret hygiene: every API key issued and the provider key, searched for
 *     in the logs, the database files and the workspaces: 0 plaintext hits.
 *
 *   node build.mjs && node --import tsx scripts/proof/security.ts
 *
 * Exits 1 when a check fails, naming it.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import WebSocket from 'ws';
import { startProofDaemon, type ProofDaemon } from './lib/daemon.ts';
import { send, type Answer } from './lib/http.ts';

export interface SecurityResult {
  checks: number;
  failures: string[];
}

type Doc = { servers?: Array<{ url: string }>; paths: Record<string, Record<string, { security?: unknown[] }>> };
const data = (a: Answer) => (a.json as { data?: Record<string, unknown> } | null)?.data ?? {};
const code = (a: Answer) => (a.json as { error?: { code?: string } } | null)?.error?.code;

class Checker {
  checks = 0;
  failures: string[] = [];
  ok(cond: boolean, what: string): void {
    this.checks++;
    if (!cond) this.failures.push(what);
  }
}

async function routeSweep(d: ProofDaemon, c: Checker, readKey: string, projectId: string): Promise<void> {
  const doc = (await send({ socket: d.socket, method: 'GET', path: '/api/v1/openapi.json' })).json as Doc;
  const base = doc.servers?.[0]?.url ?? '';
  const tcp = (method: string, path: string, headers: Record<string, string> = {}) => send({ port: d.port, method, path, headers: { 'content-type': 'application/json', ...headers }, body: method === 'GET' || method === 'DELETE' ? undefined : '{}' });
  for (const [rel, item] of Object.entries(doc.paths)) {
    for (const [m, op] of Object.entries(item)) {
      const method = m.toUpperCase();
      if (!['GET', 'POST', 'PUT', 'PATCH', 'DELETE'].includes(method)) continue;
      const path = `${base}${rel.replace(/\{id\}/, projectId).replace(/\{(\w+)\}/g, 'x1')}`;
      const what = `${method} ${base}${rel}`;
      const isPublic = Array.isArray(op.security) && op.security.length === 0;
      const none = await tcp(method, path);
      // POST /auth/token is public and answers 401 to a body without an api_key: that is the exchange itself, not a bearer check.
      if (isPublic && rel !== '/auth/token') c.ok(none.status !== 401 && none.status !== 403, `${what}: public, yet refused without a key (${none.status})`);
      else c.ok(none.status === 401 && code(none) === 'UNAUTHORIZED', `${what}: no credential → ${none.status} ${code(none)} (want 401 UNAUTHORIZED)`);
      if (!isPublic) {
        const wrong = await tcp(method, path, { authorization: 'Bearer zbl_key_00000000000000000000_wrongwrongwrongwrong' });
        c.ok(wrong.status === 401 || wrong.status === 429, `${what}: a wrong key → ${wrong.status} (want 401)`);
        const inQuery = await tcp(method, `${path}${path.includes('?') ? '&' : '?'}api_key=${encodeURIComponent(d.key)}`);
        c.ok(inQuery.status === 401 || inQuery.status === 400, `${what}: key in the query string → ${inQuery.status} (want refused)`);
      }
      const host = await tcp(method, path, { host: 'evil.example:7823', authorization: `Bearer ${d.key}` });
      c.ok(host.status === 403 || host.status === 400, `${what}: Host evil.example → ${host.status} (want 403)`);
      const origin = await tcp(method, path, { origin: 'https://evil.example', authorization: `Bearer ${d.key}` });
      c.ok(origin.status === 403, `${what}: Origin https://evil.example → ${origin.status} (want 403)`);
      if (!isPublic && method !== 'GET') {
        const ro = await tcp(method, path, { authorization: `Bearer ${readKey}` });
        c.ok(ro.status === 403 || ro.status === 404 || ro.status === 400, `${what}: a read-only key → ${ro.status} (want 403)`);
        if (ro.status >= 200 && ro.status < 300) c.ok(false, `${what}: a read-only key was allowed to write`);
      }
      for (const a of [none, host, origin]) c.ok(a.status < 500, `${what}: ${a.status} on a refused request`);
    }
  }
  // WebSockets: every upgrade path refuses a missing key, a foreign Origin and a foreign Host before the handshake.
  // The upgrade paths are those that answer a plain authenticated GET with "WebSocket upgrades only".
  const wsPaths: string[] = [];
  for (const p of Object.keys(doc.paths).filter((x) => x.startsWith('/ws'))) {
    const path = `${base}${p.replace(/\{id\}/, projectId)}`;
    const plain = await tcp('GET', path, { authorization: `Bearer ${d.key}` });
    if (plain.status === 400 && /WebSocket/.test(plain.body.toString())) wsPaths.push(path);
  }
  c.ok(wsPaths.length >= 2, `the OpenAPI document lists the WebSocket paths (found ${wsPaths.length})`);
  const handshake = (path: string, headers: Record<string, string>, protocols: string[] = ['zeblit.v1']) =>
    new Promise<string>((resolve) => {
      const ws = new WebSocket(`ws://127.0.0.1:${d.port}${path}`, protocols, { headers });
      ws.once('open', () => {
        ws.close();
        resolve('open');
      });
      ws.once('unexpected-response', (_req, res) => {
        resolve(String(res.statusCode));
        res.resume();
      });
      ws.once('error', () => resolve('error'));
    });
  for (const path of wsPaths) {
    c.ok((await handshake(path, {})) === '401', `WS ${path}: no credential is refused with 401`);
    c.ok((await handshake(path, { authorization: `Bearer ${d.key}`, origin: 'https://evil.example' })) === '403', `WS ${path}: a foreign Origin is refused with 403`);
    c.ok(['403', '400'].includes(await handshake(path, { authorization: `Bearer ${d.key}`, host: 'evil.example' })), `WS ${path}: a foreign Host is refused`);
    c.ok((await handshake(`${path}?token=${d.key}`, {})) === '401', `WS ${path}: a key in the URL is refused`);
    c.ok((await handshake(path, { authorization: `Bearer ${d.key}` })) === 'open', `WS ${path}: the real key opens it`);
  }
}

function permissions(d: ProofDaemon, c: Checker): void {
  const mode = (p: string) => statSync(p).mode & 0o777;
  c.ok(mode(d.home) === 0o700, `home ${d.home} is ${mode(d.home).toString(8)} (want 700)`);
  c.ok(mode(d.socket) === 0o600, `the socket is ${mode(d.socket).toString(8)} (want 600)`);
  for (const f of ['zeblit.db', 'zeblit.db-wal', 'zeblit.db-shm', 'secret.key', 'config.json']) {
    const p = join(d.home, f);
    try {
      c.ok(mode(p) === 0o600, `${f} is ${mode(p).toString(8)} (want 600)`);
    } catch {
      // config.json exists only once something was configured; the WAL and SHM while the database is open.
    }
  }
  for (const f of readdirSync(join(d.home, 'logs'))) c.ok(mode(join(d.home, 'logs', f)) === 0o600, `logs/${f} is ${mode(join(d.home, 'logs', f)).toString(8)} (want 600)`);
}

function isolation(c: Checker, containerName: string): void {
  const info = JSON.parse(execFileSync('docker', ['inspect', containerName], { encoding: 'utf8' }))[0] as {
    Config: { User: string };
    HostConfig: { CapDrop: string[] | null; CapAdd: string[] | null; SecurityOpt: string[] | null; ReadonlyRootfs: boolean; Privileged: boolean; Memory: number; NanoCpus: number; PidsLimit: number | null; NetworkMode: string; PidMode: string; IpcMode: string; PortBindings: Record<string, Array<{ HostIp: string }>> | null };
    Mounts: Array<{ Source: string; Destination: string }>;
  };
  const h = info.HostConfig;
  const uid = info.Config.User.split(':')[0];
  c.ok(uid !== '' && uid !== '0' && uid !== 'root', `the container runs as ${info.Config.User || '(image default)'} (want a non-root uid)`);
  c.ok((h.CapDrop ?? []).map((x) => x.toUpperCase()).includes('ALL'), 'all capabilities dropped');
  c.ok((h.CapAdd ?? []).length === 0, `no capability added (${(h.CapAdd ?? []).join(',')})`);
  c.ok((h.SecurityOpt ?? []).some((o) => o.startsWith('no-new-privileges')), 'no-new-privileges');
  c.ok(h.ReadonlyRootfs, 'read-only root file system');
  c.ok(!h.Privileged, 'not privileged');
  c.ok(h.Memory > 0 && h.NanoCpus > 0 && (h.PidsLimit ?? 0) > 0, 'memory, CPU and process limits set');
  c.ok(!['host'].includes(h.NetworkMode) && h.PidMode !== 'host' && h.IpcMode !== 'host', 'no host network, PID or IPC namespace');
  for (const [port, bindings] of Object.entries(h.PortBindings ?? {})) for (const b of bindings) c.ok(b.HostIp === '127.0.0.1', `port ${port} published on ${b.HostIp || '0.0.0.0'} (want 127.0.0.1)`);
  c.ok(!info.Mounts.some((m) => /docker\.sock|containerd/.test(m.Source)), 'the engine socket is not mounted');
}

/** Python that finds the runner's pids (perl -e <the runner>) as \`pids\`; exits 2 when there is none. */
const RUNNER_PIDS = "import os, sys; pids=[int(p) for p in os.listdir('/proc') if p.isdigit() and open('/proc/%s/cmdline' % p, 'rb').read().startswith(b'perl\\x00-e')]; pids or sys.exit(2)";

async function escapes(d: ProofDaemon, c: Checker, projectId: string, otherId: string): Promise<void> {
  const run = async (command: string) => {
    const a = await send({ socket: d.socket, method: 'POST', path: `/api/v1/projects/${projectId}/container/execute`, json: { command, timeout_seconds: 20 }, timeoutMs: 60_000 });
    const r = data(a) as { exit_code?: number; stdout?: string; stderr?: string };
    return { code: r.exit_code ?? -1, out: `${r.stdout ?? ''}${r.stderr ?? ''}` };
  };
  const refused = async (what: string, command: string) => {
    const r = await run(command).catch((e: unknown) => ({ code: 0, out: `no answer: ${e instanceof Error ? e.message : String(e)}` }));
    c.ok(r.code !== 0, `escape: ${what} must fail inside the container (exit ${r.code}: ${r.out.slice(0, 200)})`);
  };
  await refused('mount', 'mount -t tmpfs none /mnt');
  // Tracing processes of one's own uid is allowed (gdb and strace work in projects); the runner is the exception.
  await refused('ptrace of the runner', `python3 -c "${RUNNER_PIDS}; import ctypes; libc=ctypes.CDLL(None); sys.exit(0 if any(libc.ptrace(16, p, 0, 0) == 0 for p in pids) else 1)"`);
  await refused('a raw socket', 'python3 -c "import socket; socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)"');
  await refused('writing to /etc', 'echo x > /etc/zeblit-escape');
  await refused('writing to /usr', 'touch /usr/bin/zeblit-escape');
  await refused('the engine socket', 'test -S /var/run/docker.sock || test -S /run/docker.sock');
  await refused(`the daemon's TCP port ${d.port} on the host`, `python3 -c "import socket,sys; gw=[l.split()[2] for l in open('/proc/net/route') if l.split()[1]=='00000000'][0]; ip='.'.join(str(int(gw[i:i+2],16)) for i in (6,4,2,0)); s=socket.create_connection((ip, ${d.port}), timeout=3); sys.exit(0)"`);
  await refused('the host loopback', `python3 -c "import socket; socket.create_connection(('127.0.0.1', ${d.port}), timeout=3)"`);
  await refused('another project\'s workspace', `ls /workspace/../${otherId} || find / -xdev -path '*${otherId}*' -print -quit 2>/dev/null | grep .`);
  await refused('writing into the runner\'s channel', `python3 -c "${RUNNER_PIDS}
ok = False
for p in pids:
    try:
        open('/proc/%d/fd/1' % p, 'wb').write(b'X'); ok = True
    except OSError:
        pass
sys.exit(0 if ok else 1)"`);
  await refused('becoming root', 'su -c id root </dev/null || sudo -n id');
}

function secretHygiene(d: ProofDaemon, c: Checker, secrets: string[]): void {
  const roots = [join(d.home, 'logs'), join(d.home, 'zeblit.db'), join(d.home, 'zeblit.db-wal'), join(d.home, 'projects'), join(d.home, 'config.json')];
  const files: string[] = [];
  const walk = (p: string) => {
    let st;
    try {
      st = statSync(p);
    } catch {
      return;
    }
    if (st.isDirectory()) for (const e of readdirSync(p)) walk(join(p, e));
    else if (st.isFile() && st.size < 256 * 2 ** 20) files.push(p);
  };
  for (const r of roots) walk(r);
  let hits = 0;
  for (const f of files) {
    const bytes = readFileSync(f);
    for (const s of secrets) if (bytes.includes(s)) {
      hits++;
      c.failures.push(`secret found in plaintext: ${s.slice(0, 12)}… in ${f}`);
    }
  }
  c.checks++;
  c.ok(files.length >= 3, `searched ${files.length} files for ${secrets.length} secrets`);
  if (hits === 0) c.checks++;
}

export async function runSecurity(log: (l: string) => void = (l) => process.stdout.write(`${l}\n`)): Promise<SecurityResult> {
  const c = new Checker();
  const d = await startProofDaemon({ env: { ZEBLIT_LOG_LEVEL: 'debug' } });
  try {
    const api = (method: string, path: string, json?: unknown) => send({ socket: d.socket, method, path, json, timeoutMs: 120_000 });
    const secrets = [d.key, 'sk-ant-proof-0000000000000000'];
    const ro = await api('POST', '/api/v1/auth/keys', { name: 'sec-read', scopes: ['read'] });
    const readKey = String(data(ro).key);
    secrets.push(readKey);
    const p1 = String(data(await api('POST', '/api/v1/projects', { name: 'sec-a', template: 'python', settings: { ports: [8000] } })).id);
    const p2 = String(data(await api('POST', '/api/v1/projects', { name: 'sec-b', template: 'blank' })).id);
    await api('PUT', `/api/v1/projects/${p2}/files/secret.txt`, { content: 'the other project\n' });
    await api('POST', `/api/v1/projects/${p1}/container/execute`, { command: 'true' });
    // Keys also reach the daemon in requests that fail and in JWT exchanges: they must not be logged either.
    const jwt = await send({ port: d.port, method: 'POST', path: '/api/v1/auth/token', json: { api_key: d.key } });
    const token = String(data(jwt).token ?? '');
    if (token) secrets.push(token);
    await send({ port: d.port, method: 'GET', path: `/api/v1/projects?api_key=${d.key}` });
    await routeSweep(d, c, readKey, p1);
    log(`security: route sweep done (${c.checks} checks, ${c.failures.length} failures)`);
    permissions(d, c);
    isolation(c, `zeblit-${p1}`);
    await escapes(d, c, p1, p2);
    log(`security: permissions, isolation and escapes done (${c.checks} checks, ${c.failures.length} failures)`);
    secretHygiene(d, c, secrets);
    for (const p of [p1, p2]) await api('DELETE', `/api/v1/projects/${p}`);
    return { checks: c.checks, failures: c.failures };
  } finally {
    await d.stop();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const r = await runSecurity();
  process.stdout.write([`security: ${r.checks} checks, ${r.failures.length} failed`, ...r.failures.slice(0, 60).map((f) => `  FAIL ${f}`)].join('\n') + '\n');
  if (r.failures.length) process.exit(1);
  process.stdout.write('security: all checks passed\n');
}
