/**
 * The composition root: builds every domain, wires them, opens the listeners.
 * Order matters: lock first (nothing touches the home before we own it),
 * database next (a failing migration stops the start), listeners last (no
 * request arrives before the app is whole).
 */
import { chmodSync, mkdirSync, statSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { Audit } from '../src/audit/index.ts';
import { Auth, loadOrCreateSecret } from '../src/auth/index.ts';
import { Hub, createApp } from '../src/api/index.ts';
import { EventBus } from '../src/events/index.ts';
import { ConsoleService } from '../src/console/index.ts';
import { Containers, bridgeEvents } from '../src/containers/index.ts';
import { FileService } from '../src/files/index.ts';
import { LlmService } from '../src/llm/index.ts';
import { AgentService, AutoFix } from '../src/agents/index.ts';
import { Notifier, WebhookSender, hubSink, webhookSink, type OwnListener } from '../src/notify/index.ts';
import { SchedulerService, realClock } from '../src/scheduler/index.ts';
import { VERSION, compareVersions } from '../src/contracts/index.ts';
import { SchemaTooNewError, defaultMigrationsFolder, openDatabase, schemaState } from '../src/db/index.ts';
import { Backups, backupBeforeMigration, cleanBackupLeftovers, readHomeVersion, writeHomeVersion } from '../src/backup/index.ts';
import { Projects } from '../src/projects/index.ts';
import { TelegramConfigStore } from '../src/telegram/index.ts';
import type { DaemonConfig } from './config.ts';
import { closeListener, listenSocket, listenTcp, tcpPort, webOriginFor, type Listener } from './listeners.ts';
import { acquireLock } from './lock.ts';
import { createLogger } from './logger.ts';
import { createShutdown } from './shutdown.ts';
import { followMainOutput } from './main-output.ts';
import { notifyFromAgents } from './notifications.ts';
import { processStats } from './process-stats.ts';
import { TelegramSupervisor } from './telegram-supervisor.ts';

export interface Daemon {
  logger: Logger;
  listeners: Listener[];
  stop(reason: string): Promise<void>;
}

export interface BootOptions {
  exit?: (code: number) => void;
  now?: () => number;
  logToStderr?: boolean;
}

function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if ((statSync(dir).mode & 0o077) !== 0) chmodSync(dir, 0o700);
}

/**
 * Upgrades: the schema is checked before it is touched. A home a newer
 * zeblitd migrated is refused (SchemaTooNewError); an existing home with
 * migrations pending has its database backed up (backups/zeblit-auto-…)
 * before they run. version.json then records who opened the home last.
 */
async function openHomeDatabase(config: DaemonConfig, logger: Logger, now: () => number) {
  const { paths } = config;
  const leftovers = cleanBackupLeftovers(paths);
  if (leftovers > 0) logger.info({ removed: leftovers }, 'removed the partial backups a previous daemon left');
  const state = schemaState(paths.db, defaultMigrationsFolder());
  if (state.unknown > 0) throw new SchemaTooNewError(state);
  if (state.existing && state.pending.length > 0) {
    const backup = await backupBeforeMigration(paths, state, VERSION, now);
    logger.info({ backup: backup.file, from: state.current, to: state.latest, pending: state.pending }, 'backed up the database before migrating it');
  }
  const database = openDatabase(paths.db);
  const previous = readHomeVersion(paths);
  if (previous && compareVersions(previous.daemon_version, VERSION) > 0)
    logger.warn({ previous: previous.daemon_version, version: VERSION }, `this home was last opened by zeblitd ${previous.daemon_version}, newer than this ${VERSION}`);
  if (state.pending.length > 0) logger.info({ from: state.current, to: state.latest, applied: state.pending.length }, state.existing ? 'database migrated' : 'database created');
  writeHomeVersion(paths, { daemon_version: VERSION, schema: state.latest, migrations: state.applied + state.pending.length, opened_at: now() });
  return database;
}

export async function boot(config: DaemonConfig, opts: BootOptions = {}): Promise<Daemon> {
  const now = opts.now ?? Date.now;
  const { paths } = config;
  ensurePrivateDir(paths.home);
  ensurePrivateDir(paths.logs);
  mkdirSync(paths.projects, { recursive: true, mode: 0o700 });

  let stalePid: number | undefined | null = null;
  const lock = acquireLock(
    paths.lock,
    { pid: process.pid, socket: paths.socket, port: null, bind: config.bind, started_at: now(), version: VERSION },
    (pid) => (stalePid = pid),
  );
  // The logger opens its file only once we own the home: a refused second daemon writes nothing there.
  const logger = createLogger(paths.daemonLog, config.logLevel, opts.logToStderr ?? true);
  if (stalePid !== null) logger.warn({ stale_pid: stalePid }, 'removed the lock of a daemon that is gone');
  const shutdown = createShutdown({ logger, deadlineMs: config.shutdownTimeoutMs, exit: opts.exit });
  const listeners: Listener[] = [];
  try {
    const database = await openHomeDatabase(config, logger, now);
    const backups = new Backups({ paths, database, version: VERSION, now });
    // Read once: API keys and JWTs (auth) and the sealed provider keys (llm) derive their own keys from it.
    const secret = loadOrCreateSecret(paths.secret);
    const auth = new Auth({ db: database.db, secret, now });
    const owner = auth.users.ensureOwner(userInfo().username);
    const projects = new Projects(database.db, paths, now, { cloneDir: config.cloneDir });
    const llm = new LlmService({ db: database.db, secret, env: process.env, projects, now, log: logger });
    const audit = new Audit(database.db, now);
    const bus = new EventBus(database.db, { now, onListenerError: (err) => logger.error({ err }, 'event listener failed') });
    const hub = new Hub(bus);
    const consoleService = new ConsoleService(database.db, bus, { now, retention: config.consoleRetention });
    const pruner = setInterval(() => {
      consoleService.prune();
      bus.prune();
    }, 60_000);
    pruner.unref();
    const containers = new Containers(database.db, paths, { now, log: logger, images: config.images, workspaceMode: config.workspaceMode });
    projects.onDelete((project) => containers.onProjectDeleted(project));
    const unbridge = bridgeEvents(containers.events, { bus, capture: consoleService.capture, log: logger });
    // After the bridge has flushed the run's last lines: an exit code no line explained (126, 127, 137, 139) is an error too.
    const offExit = containers.events.on('run.finished', (f) => consoleService.errors.runExited(f.project_id, f.run_id, f.exit_code));
    const offMain = followMainOutput({ containers, projects, capture: consoleService.capture, onError: (err, projectId) => logger.warn({ err, project_id: projectId }, 'following the container output failed') });
    // Archive mode (a remote engine, or ZEBLIT_WORKSPACE_MODE=archive): the workspace is copied to and from containers that cannot bind-mount it.
    const remote = { channel: containers.workspaceChannel, isRemote: (id: string) => containers.workspaceMode(id) === 'archive' };
    const files = new FileService(
      database.db,
      bus,
      paths,
      { now, retention: config.fileRetention, workspaceOf: (id) => projects.workspaceOf(id) },
      { remote, onError: (err, what) => logger.warn({ err }, what), busy: (id) => containers.hasActiveRuns(id), watch: config.watchFolders },
    );
    projects.onDelete((project) => files.forget(project.id));
    // The user's own edits in folder projects are seen as they happen (author host).
    for (const p of projects.allFolderProjects()) {
      if (!files.watchHost(p.id) && config.watchFolders) logger.warn({ project_id: p.id, path: p.path }, 'cannot watch the folder: edits are found by a scan before each agent turn and run');
      // Edits made while no daemon ran: one scan, in the background (the watcher is on already, so nothing falls between).
      void files.catchUp(p.id).catch((err: unknown) => logger.warn({ err, project_id: p.id }, 'scanning the folder of a folder project at start failed'));
    }
    const openCheckpoints = files.checkpoints.finishOrphans();
    if (openCheckpoints > 0) logger.info({ turns: openCheckpoints }, 'checkpoints of turns a previous daemon did not finish are closed');
    const leftovers = files.cleanScratch();
    if (leftovers > 0) logger.info({ removed: leftovers }, 'removed uploads and deletions a previous daemon left unfinished');
    // Every command run may have changed the workspace: scan it, record versions, announce file.changed.
    // Deferred past the run's answer; reads of the project wait for it (FileService.settled).
    const offSync = containers.events.on('run.finished', (f) => {
      files.afterRun(f.project_id, { author: 'container', runId: f.run_id }).catch((err: unknown) => logger.warn({ err, project_id: f.project_id, run_id: f.run_id }, 'workspace scan after a run failed'));
    });
    // A container that (re)starts in archive mode gets the workspace (a new container, a new volume).
    const offPush = containers.events.on('container.status', (e) => {
      if (e.state !== 'running' || containers.workspaceMode(e.project_id) !== 'archive') return;
      files.pushAll(e.project_id).catch((err: unknown) => logger.warn({ err, project_id: e.project_id }, 'copying the workspace into the container failed'));
    });
    // The first command in a container that just started must see the workspace.
    const offGate = containers.beforeRun((id) => files.workspaceReady(id));
    // …and what the user changed since the last look is recorded first (author host), so history says who changed what.
    const offHost = containers.beforeRun((id) => files.syncHost(id, projects.findById(id)?.path ? 'host' : 'external'));
    const filePruner = setInterval(() => {
      // A backup being written names blobs in its database snapshot: none may go before it has copied them.
      if (backups.busy) return;
      try {
        files.prune();
      } catch (err) {
        logger.warn({ err }, 'file version pruning failed');
      }
    }, 3_600_000);
    filePruner.unref();
    // Notifications: the hub always (clients, the Telegram bot); task webhooks, never to our own listeners (known once they listen).
    const notifier = new Notifier({ onError: (err, sink) => logger.warn({ err, sink }, 'a notification sink failed') });
    notifier.add(hubSink(bus));
    const ownListeners: OwnListener[] = [];
    const webhooks = new WebhookSender({ ownListeners: () => ownListeners, userAgent: `zeblitd/${VERSION}` });
    notifier.add(webhookSink(webhooks));
    // The scheduler runs agent tasks through the agents, whose context shows the tasks' results: each reaches the other lazily.
    const scheduler = new SchedulerService(
      { db: database.db, bus, projects, containers, agents: { chat: (ctx, input, o) => agents.chat(ctx, input, o) }, notifier, checkWebhook: (url) => webhooks.check(url) },
      { clock: opts.now ? { ...realClock(), now } : realClock(), log: logger },
    );
    const agents = new AgentService({ db: database.db, bus, llm, files, containers, console: consoleService, tasks: scheduler }, { now, ...config.agents });
    const orphans = agents.expireOrphanApprovals();
    if (orphans > 0) logger.info({ expired: orphans }, 'approvals left pending by a previous daemon expired');
    const unfinished = agents.failOrphanTurns();
    if (unfinished > 0) logger.info({ turns: unfinished }, 'chat turns a previous daemon did not finish are marked failed');
    // Project setting auto_fix: failed runs and new container errors start Engineer turns.
    const offAutofix = new AutoFix({ agents, projects, containers, console: consoleService, bus, onError: (err, projectId) => logger.warn({ err, project_id: projectId }, 'auto-fix failed') }).start();
    const offAgentNotices = notifyFromAgents({ bus, agents, notifier });
    const taskPruner = setInterval(() => {
      try {
        scheduler.prune();
      } catch (err) {
        logger.warn({ err }, 'task run pruning failed');
      }
    }, 3_600_000);
    taskPruner.unref();
    const vitals = processStats(paths.db);
    // Known once the TCP listener is up (port 0 picks one): sign-in links of the web client point there.
    let webOrigin: string | null = null;
    shutdown.add({ name: 'vitals', run: () => vitals.stop() });
    // The Telegram bot (a client of this daemon, run as a child) when a token is configured; stopped before the listeners close.
    const telegramConfig = TelegramConfigStore.forDaemon(join(paths.telegram, 'settings.json'), secret, process.env, now);
    const telegramBot = new TelegramSupervisor({ config: telegramConfig, mintServiceKey: () => auth.rotateServiceCredential('telegram').key, paths, log: logger, now });
    shutdown.add({ name: 'telegram bot', run: () => telegramBot.close() });
    const app = createApp({
      database,
      auth,
      projects,
      audit,
      bus,
      hub,
      console: consoleService,
      containers,
      files,
      llm,
      agents,
      telegram: { config: telegramConfig, bot: () => telegramBot.status() },
      scheduler,
      logger,
      paths,
      backups,
      config: { allowedOrigins: config.allowedOrigins, allowedHosts: config.allowedHosts, rateLimit: config.rateLimit, authFailureLimit: config.authFailureLimit, maxBodyBytes: config.maxBodyBytes, maxUploadBytes: config.maxUploadBytes },
      startedAt: now(),
      now,
      processStats: vitals.read,
      webOrigin: () => webOrigin,
    });

    // Reverse order of acquisition: listeners, then the database, then the lock.
    shutdown.add({ name: 'listeners', run: () => Promise.all(listeners.map((l) => closeListener(l, config.shutdownTimeoutMs))).then(() => undefined) });
    // Archive mode: the API's last changes reach their containers before the channels close.
    shutdown.add({ name: 'file pushes', run: () => files.flushPushes() });
    // No task fires once shutdown begins; runs still going are recorded as interrupted when their turns and commands stop.
    shutdown.add({ name: 'scheduler', run: () => (clearInterval(taskPruner), scheduler.close()) });
    // Running turns are cancelled (their work so far is recorded) before the containers' channels close.
    shutdown.add({ name: 'agents', run: () => (offAgentNotices(), offAutofix(), agents.close()) });
    // Containers keep running (the next daemon adopts them); their runners and monitors stop.
    shutdown.add({ name: 'containers', run: () => (offSync(), offPush(), offGate(), offHost(), offExit(), offMain(), clearInterval(filePruner), unbridge(), files.close(), containers.close()) });
    shutdown.add({ name: 'hub', run: () => (clearInterval(pruner), consoleService.close(), hub.close()) });
    shutdown.add({ name: 'database', run: () => database.close() });
    shutdown.add({ name: 'lock', run: () => lock.release() });

    listeners.push(await listenSocket(app, paths.socket));
    const tcp = await listenTcp(app, config.port, config.bind).catch((err: NodeJS.ErrnoException) => {
      // The default port taken (another zeblitd home, another program): the socket still serves; an explicit port is a hard error.
      if (err.code !== 'EADDRINUSE' || config.portExplicit) throw err;
      logger.warn({ port: config.port }, `TCP port ${config.port} is taken: serving on the Unix socket only; set ZEBLIT_PORT (or "port" in config.json) to serve TCP`);
      return null;
    });
    if (tcp) {
      listeners.push(tcp);
      lock.update({ port: tcpPort(tcp) });
      webOrigin = webOriginFor(config.bind, tcpPort(tcp));
      ownListeners.push({ host: config.bind, port: tcpPort(tcp) });
    }
    if (config.exposed)
      logger.warn({ bind: config.bind }, 'zeblitd is listening beyond loopback: anyone who can reach this address may try API keys against it');
    logger.info({ version: VERSION, socket: paths.socket, http: tcp?.address ?? null, home: paths.home, owner: owner.name }, 'zeblitd ready');
    // After readiness, in the background: a missing engine must not hold up the API; it reconciles when the engine appears.
    containers.startBackground();
    telegramBot.start();
    const reconciled = containers.reconcile();
    reconciled.catch((err: unknown) => logger.warn({ err }, 'container reconciliation postponed until the engine answers'));
    // Runs a dead daemon left running become interrupted, missed instants are caught up per task, then the one timer is armed.
    const sched = scheduler.start();
    if (sched.interrupted.length || sched.caught_up || sched.missed || sched.resumed)
      logger.info({ interrupted: sched.interrupted.length, caught_up: sched.caught_up, missed: sched.missed, queued_tasks: sched.resumed }, 'scheduler resumed');
    // The runner kills a dead daemon's commands itself; commands run by one `docker exec` each are killed here, once their container is adopted.
    const strays = new Map<string, string[]>();
    for (const r of sched.interrupted) if (r.run_id) strays.set(r.project_id, [...(strays.get(r.project_id) ?? []), r.run_id]);
    if (strays.size > 0)
      void reconciled
        .then(async () => {
          for (const [projectId, runIds] of strays) await containers.killLeftovers(projectId, runIds);
        })
        .catch((err: unknown) => logger.warn({ err }, 'what interrupted task runs left in their containers could not be killed'));
  } catch (err) {
    for (const l of listeners) l.server.close();
    lock.release();
    throw err;
  }
  return { logger, listeners, stop: (reason) => shutdown.run(reason) };
}
