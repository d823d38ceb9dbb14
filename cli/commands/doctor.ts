import { Command, Option } from 'clipanion';
import type { EnvelopeOf, Health } from '../../src/contracts/index.ts';
import { withSpinner } from '../activity.ts';
import { ZeblitCommand } from '../base-command.ts';
import { describeConnection } from '../connection.ts';
import { isMissingRoute } from '../dashboard.ts';
import { checkClock, checkDisk, checkEngine, checkImages, checkNode, checkPermissions, checkProviderCalls, checkProviderConfig, checkVersions, renderChecks, type Check } from '../doctor.ts';
import { formatDuration } from '../format.ts';
import { describeError } from '../report-error.ts';
import { checkScheduler } from '../schedule-health.ts';
import { paint } from '../style.ts';

export class DoctorCommand extends ZeblitCommand {
  static override paths = [['doctor']];
  static override json = '`{ok, checks: [{name, status: ok|warn|fail|skip, detail, fix}]}`; exit code 1 when a check fails';
  static override usage = Command.Usage({
    category: 'General',
    description: 'Check the set-up: Node, daemon, permissions, disk, container engine and its limits, images, clock, LLM providers, scheduled tasks',
    details: `
      Each check says what it found and, when something is wrong, how to fix it. The exit code is 1 when a check fails (warnings do not count), so \`zeblit doctor\` can gate a script.

      The daemon is started if it is not running (unless --no-start). \`--providers\` also asks each enabled LLM provider for a one-token answer, which costs a few tokens and is recorded like any call.
    `,
    examples: [
      ['Check everything', '$0 doctor'],
      ['And call each LLM provider once', '$0 doctor --providers'],
      ['For a script', '$0 doctor --json'],
    ],
  });

  providers = Option.Boolean('--providers', false, { description: 'Also ask each enabled LLM provider for a one-token answer (costs a few tokens)' });

  async run(): Promise<number> {
    const checks: Check[] = [checkNode()];
    const conn = this.connection();
    const where = describeConnection(conn);
    let health: Health | undefined;
    let daemonClock: number | null = null;
    try {
      const client = await this.client();
      const res = await client.raw('GET', '/health', { timeoutMs: 5_000 });
      const envelope = JSON.parse(res.body) as EnvelopeOf<Health>;
      if (!envelope.success || !envelope.data) throw new Error(envelope.error?.message ?? `HTTP ${res.status}`);
      health = envelope.data;
      daemonClock = Date.parse(envelope.metadata.timestamp);
      checks.push({
        name: 'Daemon',
        status: health.status === 'ok' ? 'ok' : 'fail',
        detail: `${health.status === 'ok' ? 'running' : `running but ${health.status}: its database does not answer`}${health.pid ? `, pid ${health.pid}` : ''}, up ${formatDuration(health.uptime_seconds)} · ${where}`,
        ...(health.status === 'ok' ? {} : { fix: 'See `zeblit daemon logs`; then `zeblit daemon stop && zeblit daemon start`.' }),
      });
      checks.push(checkVersions(health.version));
    } catch (e) {
      const { message, suggestion } = describeError(e);
      checks.push({ name: 'Daemon', status: 'fail', detail: `${message} · ${where}`, fix: suggestion ?? 'Start it with `zeblit daemon start`; see `zeblit daemon logs` if it does not stay up.' });
    }
    if (conn.local) checks.push(checkPermissions(this.files), checkDisk(this.files));
    if (!health) {
      checks.push({ name: 'Engine', status: 'skip', detail: 'needs the daemon' });
    } else {
      const client = await this.client();
      const now = Date.now();
      const h = health;
      // A daemon older than this CLI has no /containers/engine: what /health says, without the limits.
      const fromHealth = () => ({ ...h.engine, endpoint: h.engine.endpoint ?? '?', os: null, cgroup_version: null, cpus: null, memory_bytes: null, containers_running: null, system_time: null, limits: null, warnings: [] });
      const [engine, images, llm, schedule] = await Promise.all([
        client.containers.engine().catch((e: unknown) => {
          if (isMissingRoute(e)) return fromHealth();
          throw e;
        }),
        h.engine.reachable ? client.containers.images({ check: true }).catch(() => null) : null,
        client.llm.config().catch(() => null),
        // A daemon without the scheduler (older) or with no tasks: no line.
        client.scheduler.stats().catch(() => null),
      ]);
      checks.push(...checkEngine(engine));
      const clocks = [conn.local ? null : checkClock("the daemon's clock", daemonClock, now), checkClock("the engine's clock", engine.system_time, Date.now())].filter((c): c is Check => c !== null);
      checks.push(...clocks);
      if (images && engine.reachable) checks.push(checkImages(images));
      if (llm) checks.push(checkProviderConfig(llm));
      if (schedule && schedule.total > 0) checks.push(checkScheduler(schedule));
      if (this.providers) {
        try {
          checks.push(...checkProviderCalls(await withSpinner(this.context.stderr, this.env, 'Calling the LLM providers', () => client.llm.check())));
        } catch (e) {
          const { message } = describeError(e);
          checks.push({ name: 'LLM calls', status: 'fail', detail: message, fix: 'Calling the providers needs an admin key (or the local socket).' });
        }
      }
    }
    const failed = checks.some((c) => c.status === 'fail');
    this.emit({ ok: !failed, checks }, (d) => renderChecks(d.checks, paint(this.color)));
    return failed ? 1 : 0;
  }
}
