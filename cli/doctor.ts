/**
 * `zeblit doctor`: each check says what it found and, when something is
 * wrong, how to fix it. A failure makes the exit code 1; a warning does not
 * (the set-up works, but something deserves a look). Checks that need the
 * daemon are skipped, with the reason, when there is none to ask.
 */
import { existsSync, statfsSync, statSync } from 'node:fs';
import type { EngineInfo, ImageStatus, LlmConfigView, ProviderCheckReport, ZeblitPaths } from '../src/contracts/index.ts';
import { VERSION } from '../src/contracts/version.ts';
import { formatBytes } from './progress.ts';

export type CheckStatus = 'ok' | 'warn' | 'fail' | 'skip';

export interface Check {
  name: string;
  status: CheckStatus;
  detail: string;
  /** What to do about it (fail and warn). */
  fix?: string;
}

const MIN_NODE = 20;

export function checkNode(version = process.versions.node): Check {
  const major = Number(version.split('.')[0]);
  return major >= MIN_NODE
    ? { name: 'Node.js', status: 'ok', detail: `v${version}` }
    : { name: 'Node.js', status: 'fail', detail: `v${version}; Zeblit needs ${MIN_NODE} or newer`, fix: `Install Node ${MIN_NODE} (e.g. \`nvm install ${MIN_NODE}\`) and run zeblit with it.` };
}

/** Permission bits given to the group or others, for files only their owner may touch. */
function loose(path: string, allowed: number): number | null {
  try {
    const mode = statSync(path).mode & 0o777;
    return mode & ~allowed ? mode : null;
  } catch {
    return null;
  }
}

const octal = (m: number) => `0${m.toString(8)}`;

/** The home folder 0700; the socket, the secret, the database and stored credentials 0600. */
export function checkPermissions(paths: ZeblitPaths, uid = process.getuid?.()): Check {
  if (!existsSync(paths.home)) return { name: 'Home', status: 'warn', detail: `${paths.home} does not exist yet`, fix: 'It is made on the first start: `zeblit daemon start`.' };
  const problems: string[] = [];
  const fixes: string[] = [];
  const home = loose(paths.home, 0o700);
  if (home !== null) {
    problems.push(`${paths.home} is ${octal(home)}`);
    fixes.push(`chmod 700 ${paths.home}`);
  }
  const owner = statSync(paths.home).uid;
  if (uid !== undefined && owner !== uid) problems.push(`${paths.home} belongs to uid ${owner}, not to you (${uid})`);
  for (const file of [paths.socket, paths.secret, paths.db, paths.cliCredentials]) {
    const mode = loose(file, 0o600);
    if (mode !== null) {
      problems.push(`${file} is ${octal(mode)}`);
      fixes.push(`chmod 600 ${file}`);
    }
  }
  if (problems.length === 0) return { name: 'Permissions', status: 'ok', detail: `${paths.home} 0700; socket, secret, database and credentials 0600` };
  return { name: 'Permissions', status: 'fail', detail: `others may read or write: ${problems.join('; ')}`, fix: fixes.length ? fixes.join(' && ') : `Run zeblit as the owner of ${paths.home}, or point ZEBLIT_HOME elsewhere.` };
}

/** Free space where the workspaces, the database and the images' neighbours live. */
export function checkDisk(paths: ZeblitPaths, statfs: (p: string) => { bavail: number; bsize: number } = statfsSync): Check {
  const where = existsSync(paths.home) ? paths.home : '/';
  let free: number;
  try {
    const s = statfs(where);
    free = s.bavail * s.bsize;
  } catch (e) {
    return { name: 'Disk', status: 'skip', detail: `cannot read the free space of ${where}: ${(e as Error).message}` };
  }
  const GiB = 1024 ** 3;
  const detail = `${formatBytes(free)} free on the file system of ${where}`;
  const fix = `Free some space there (\`docker system prune\` removes unused images and containers; \`zeblit cache clear\` the CLI's caches).`;
  if (free < GiB) return { name: 'Disk', status: 'fail', detail, fix };
  if (free < 5 * GiB) return { name: 'Disk', status: 'warn', detail, fix };
  return { name: 'Disk', status: 'ok', detail };
}

export function checkVersions(daemonVersion: string): Check {
  if (daemonVersion === VERSION) return { name: 'Versions', status: 'ok', detail: `zeblit and zeblitd ${VERSION}` };
  return { name: 'Versions', status: 'warn', detail: `zeblit ${VERSION}, zeblitd ${daemonVersion}`, fix: 'Restart the daemon with the installed version: `zeblit daemon stop && zeblit daemon start`.' };
}

const ENGINE_FIX = 'Start Docker or OrbStack (or Colima), or point DOCKER_HOST at a running engine, then `zeblit daemon stop && zeblit daemon start` if the daemon does not see it within a few seconds.';

export function checkEngine(e: EngineInfo): Check[] {
  if (!e.reachable) return [{ name: 'Engine', status: 'fail', detail: `not reachable at ${e.endpoint}${e.error ? `: ${e.error}` : ''}`, fix: ENGINE_FIX }];
  const facts = [e.version ? `v${e.version}` : null, e.endpoint, e.cgroup_version ? `cgroup v${e.cgroup_version}` : null, e.cpus ? `${e.cpus} CPUs` : null, e.memory_bytes ? formatBytes(e.memory_bytes) : null].filter(Boolean).join(' · ');
  const checks: Check[] = [{ name: 'Engine', status: 'ok', detail: facts }];
  if (e.limits === null) checks.push({ name: 'Limits', status: 'warn', detail: 'the engine does not say whether it enforces memory, CPU and process limits' });
  else {
    const missing = (['memory', 'cpu', 'pids'] as const).filter((k) => !e.limits?.[k]);
    checks.push(
      missing.length === 0
        ? { name: 'Limits', status: 'ok', detail: 'memory, CPU and process limits are enforced' }
        : {
            name: 'Limits',
            status: 'fail',
            detail: `the engine cannot enforce ${missing.map((m) => (m === 'pids' ? 'process' : m === 'cpu' ? 'CPU' : m)).join(', ')} limits: project containers would run without them`,
            fix: 'Enable the missing cgroup controllers (cgroup v2 with memory, cpu and pids delegated; on Linux add `systemd.unified_cgroup_hierarchy=1` to the kernel command line), or use Docker Desktop / OrbStack, which have them.',
          },
    );
  }
  if (e.warnings.length) checks.push({ name: 'Engine warnings', status: 'warn', detail: e.warnings.join(' | ') });
  return checks;
}

export function checkClock(what: string, theirs: number | null, ours: number): Check | null {
  if (theirs === null) return null;
  const skew = Math.abs(theirs - ours);
  const detail = `${what} is ${(skew / 1000).toFixed(1)} s ${theirs > ours ? 'ahead' : 'behind'}`;
  if (skew <= 5_000) return { name: 'Clock', status: 'ok', detail: `${what} agrees within ${(skew / 1000).toFixed(1)} s` };
  return { name: 'Clock', status: skew > 60_000 ? 'fail' : 'warn', detail, fix: 'Synchronise the clocks (NTP: `timedatectl set-ntp true`, or restart the VM that runs the engine); schedules, tokens and file times depend on them.' };
}

export function checkImages(images: ImageStatus[]): Check {
  const missing = images.filter((i) => i.state === 'missing' || i.state === 'unknown');
  const pulling = images.filter((i) => i.state === 'pulling');
  const present = images.filter((i) => i.state === 'present' || i.state === 'local');
  const list = (xs: ImageStatus[]) => xs.map((i) => `${i.template} (${i.resolved ?? (i.state === 'local' ? i.local_image : i.image)})`).join(', ');
  if (missing.length)
    return {
      name: 'Images',
      status: 'fail',
      detail: `missing: ${list(missing)}${present.length ? `; present: ${list(present)}` : ''}`,
      fix: `Pull them (\`docker pull ${missing[0]?.image ?? '<image>'}\`), or, without a registry, build them locally: \`bash scripts/build-images.sh\`.`,
    };
  if (pulling.length) return { name: 'Images', status: 'warn', detail: `still pulling: ${list(pulling)}` };
  return { name: 'Images', status: 'ok', detail: `all ${images.length} templates: ${list(present)}` };
}

export function checkProviderConfig(v: LlmConfigView): Check {
  const usable = v.providers.filter((p) => p.usable);
  if (usable.length === 0)
    return { name: 'LLM providers', status: 'warn', detail: 'none is configured: agents and `zeblit chat` cannot work', fix: 'Set a key: `zeblit config set anthropic.api_key -` (reads it from stdin), or ANTHROPIC_API_KEY / OPENAI_API_KEY in the daemon\'s environment.' };
  return { name: 'LLM providers', status: 'ok', detail: usable.map((p) => `${p.name}${p.model ? ` (${p.model})` : ''}${p.key_source ? `, key from ${p.key_source}` : ''}`).join('; ') };
}

export function checkProviderCalls(r: ProviderCheckReport): Check[] {
  return r.providers
    .filter((p) => p.skipped === null)
    .map((p): Check =>
      p.ok
        ? { name: `LLM ${p.provider}`, status: 'ok', detail: `answered in ${p.latency_ms ?? '?'} ms (${p.model ?? 'model ?'})` }
        : { name: `LLM ${p.provider}`, status: 'fail', detail: p.error ?? 'failed', fix: `Check its key, base URL and model: \`zeblit config get\`; set them with \`zeblit config set ${p.provider}.api_key -\`.` },
    );
}

export function renderChecks(checks: readonly Check[], paint: { green(s: string): string; yellow(s: string): string; red(s: string): string; dim(s: string): string }): string {
  const mark = { ok: paint.green('[ok]  '), warn: paint.yellow('[warn]'), fail: paint.red('[FAIL]'), skip: paint.dim('[skip]') };
  const w = Math.max(...checks.map((c) => c.name.length));
  const lines = checks.map((c) => `${mark[c.status]} ${c.name.padEnd(w)}  ${c.detail}${c.fix && c.status !== 'ok' ? `\n       ${' '.repeat(w)}  Fix: ${c.fix}` : ''}`);
  const failed = checks.filter((c) => c.status === 'fail').length;
  const warned = checks.filter((c) => c.status === 'warn').length;
  const summary = failed ? paint.red(`${failed} problem${failed === 1 ? '' : 's'} to fix`) : warned ? paint.yellow(`no problem; ${warned} warning${warned === 1 ? '' : 's'}`) : paint.green('everything looks fine');
  return `${lines.join('\n')}\n\n${summary}\n`;
}
