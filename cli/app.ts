/**
 * Every `zeblit` command, as a table: its path, the module that holds its
 * class, and the class's name.
 *
 * Nothing loads a command's module until that command runs, so `zeblit
 * --version` and `zeblit list` do not pay for the other sixty (docs/cli.md,
 * "Speed"). What the parser, the help, the completion and the typo
 * suggestions need to know about every command (aliases, options,
 * descriptions) is recorded from the classes when the CLI is built
 * (cli/manifest-build.ts) and embedded in it. The build makes one small
 * bundle per line of this table (dist/cli/<path>.cjs) on top of the shared
 * code (dist/cli/core.cjs).
 *
 * To add a command: write its class in cli/commands/<group>/<verb>.ts (see
 * any neighbour), then add one line here: its first path as typed, its
 * module (relative to this file) and the exported class. That is all:
 * `node build.mjs` picks it up, and `node --import tsx scripts/gen-cli-docs.ts`
 * rewrites docs/cli.md (a test fails until it is regenerated). A line that
 * does not match its class (path, module, export) fails the build.
 */

export interface CommandEntry {
  /** The command's first path, as typed: `'files list'`. */
  path: string;
  /** The module that exports the class, relative to this file. */
  module: string;
  /** The exported name of the class. */
  export: string;
}

export const COMMANDS: readonly CommandEntry[] = [
  { path: 'console', module: './commands/console/follow.ts', export: 'ConsoleCommand' },
  { path: 'console clear', module: './commands/console/clear.ts', export: 'ConsoleClearCommand' },
  { path: 'errors', module: './commands/errors.ts', export: 'ErrorsCommand' },
  { path: 'analyze', module: './commands/analyze.ts', export: 'AnalyzeCommand' },
  { path: 'daemon start', module: './commands/daemon/start.ts', export: 'DaemonStartCommand' },
  { path: 'daemon stop', module: './commands/daemon/stop.ts', export: 'DaemonStopCommand' },
  { path: 'daemon status', module: './commands/daemon/status.ts', export: 'DaemonStatusCommand' },
  { path: 'daemon logs', module: './commands/daemon/logs.ts', export: 'DaemonLogsCommand' },
  { path: 'daemon restart', module: './commands/daemon/restart.ts', export: 'DaemonRestartCommand' },
  { path: 'daemon install', module: './commands/daemon/install.ts', export: 'DaemonInstallCommand' },
  { path: 'daemon uninstall', module: './commands/daemon/uninstall.ts', export: 'DaemonUninstallCommand' },
  { path: 'backup', module: './commands/backup.ts', export: 'BackupCommand' },
  { path: 'restore', module: './commands/restore.ts', export: 'RestoreCommand' },
  { path: 'auth login', module: './commands/auth/login.ts', export: 'AuthLoginCommand' },
  { path: 'auth logout', module: './commands/auth/logout.ts', export: 'AuthLogoutCommand' },
  { path: 'auth status', module: './commands/auth/status.ts', export: 'AuthStatusCommand' },
  { path: 'auth keys', module: './commands/auth/keys.ts', export: 'AuthKeysCommand' },
  { path: 'auth create-key', module: './commands/auth/create-key.ts', export: 'AuthCreateKeyCommand' },
  { path: 'auth revoke-key', module: './commands/auth/revoke-key.ts', export: 'AuthRevokeKeyCommand' },
  { path: 'auth telegram-link', module: './commands/auth/telegram-link.ts', export: 'AuthTelegramLinkCommand' },
  { path: 'create', module: './commands/create.ts', export: 'CreateCommand' },
  { path: 'init', module: './commands/init.ts', export: 'InitCommand' },
  { path: 'list', module: './commands/list.ts', export: 'ListCommand' },
  { path: 'use', module: './commands/use.ts', export: 'UseCommand' },
  { path: 'info', module: './commands/info.ts', export: 'InfoCommand' },
  { path: 'settings', module: './commands/settings.ts', export: 'SettingsCommand' },
  { path: 'settings set', module: './commands/settings.ts', export: 'SettingsSetCommand' },
  { path: 'settings reset', module: './commands/settings.ts', export: 'SettingsResetCommand' },
  { path: 'delete', module: './commands/delete.ts', export: 'DeleteCommand' },
  { path: 'archive', module: './commands/archive.ts', export: 'ArchiveCommand' },
  { path: 'unarchive', module: './commands/unarchive.ts', export: 'UnarchiveCommand' },
  { path: 'run', module: './commands/run.ts', export: 'RunCommand' },
  { path: 'runs', module: './commands/runs.ts', export: 'RunsCommand' },
  { path: 'start', module: './commands/start.ts', export: 'StartCommand' },
  { path: 'stop', module: './commands/stop.ts', export: 'StopCommand' },
  { path: 'restart', module: './commands/restart.ts', export: 'RestartCommand' },
  { path: 'status', module: './commands/status.ts', export: 'StatusCommand' },
  { path: 'logs', module: './commands/logs.ts', export: 'LogsCommand' },
  { path: 'users list', module: './commands/users/list.ts', export: 'UsersListCommand' },
  { path: 'users create', module: './commands/users/create.ts', export: 'UsersCreateCommand' },
  { path: 'users delete', module: './commands/users/delete.ts', export: 'UsersDeleteCommand' },
  { path: 'audit', module: './commands/audit.ts', export: 'AuditCommand' },
  { path: 'files list', module: './commands/files/list.ts', export: 'FilesListCommand' },
  { path: 'files tree', module: './commands/files/tree.ts', export: 'FilesTreeCommand' },
  { path: 'files cat', module: './commands/files/cat.ts', export: 'FilesCatCommand' },
  { path: 'files put', module: './commands/files/put.ts', export: 'FilesPutCommand' },
  { path: 'files upload', module: './commands/files/upload.ts', export: 'FilesUploadCommand' },
  { path: 'files download', module: './commands/files/download.ts', export: 'FilesDownloadCommand' },
  { path: 'files edit', module: './commands/files/edit.ts', export: 'FilesEditCommand' },
  { path: 'files rm', module: './commands/files/rm.ts', export: 'FilesRmCommand' },
  { path: 'files mv', module: './commands/files/mv.ts', export: 'FilesMvCommand' },
  { path: 'files versions', module: './commands/files/versions.ts', export: 'FilesVersionsCommand' },
  { path: 'files restore', module: './commands/files/restore.ts', export: 'FilesRestoreCommand' },
  { path: 'files diff', module: './commands/files/diff.ts', export: 'FilesDiffCommand' },
  { path: 'files search', module: './commands/files/search.ts', export: 'FilesSearchCommand' },
  { path: 'config get', module: './commands/config/get.ts', export: 'ConfigGetCommand' },
  { path: 'config set', module: './commands/config/set.ts', export: 'ConfigSetCommand' },
  { path: 'config unset', module: './commands/config/unset.ts', export: 'ConfigUnsetCommand' },
  { path: 'usage', module: './commands/usage.ts', export: 'UsageCommand' },
  { path: 'openai', module: './commands/openai.ts', export: 'OpenAICommand' },
  { path: 'chat', module: './commands/chat/chat.ts', export: 'ChatCommand' },
  { path: 'chat history', module: './commands/chat/history.ts', export: 'ChatHistoryCommand' },
  { path: 'chat cancel', module: './commands/chat/cancel.ts', export: 'ChatCancelCommand' },
  { path: 'agents', module: './commands/agents.ts', export: 'AgentsCommand' },
  { path: 'approve', module: './commands/approve.ts', export: 'ApproveCommand' },
  { path: 'deny', module: './commands/approve.ts', export: 'DenyCommand' },
  { path: 'approvals', module: './commands/approve.ts', export: 'ApprovalsCommand' },
  { path: 'telegram run', module: './commands/telegram/run.ts', export: 'TelegramRunCommand' },
  { path: 'changes', module: './commands/changes.ts', export: 'ChangesCommand' },
  { path: 'diff', module: './commands/diff.ts', export: 'DiffCommand' },
  { path: 'undo', module: './commands/undo.ts', export: 'UndoCommand' },
  { path: 'web', module: './commands/web.ts', export: 'WebCommand' },
  { path: 'schedule create', module: './commands/schedule/create.ts', export: 'ScheduleCreateCommand' },
  { path: 'schedule list', module: './commands/schedule/list.ts', export: 'ScheduleListCommand' },
  { path: 'schedule status', module: './commands/schedule/status.ts', export: 'ScheduleStatusCommand' },
  { path: 'schedule run', module: './commands/schedule/run.ts', export: 'ScheduleRunCommand' },
  { path: 'schedule enable', module: './commands/schedule/enable.ts', export: 'ScheduleEnableCommand' },
  { path: 'schedule disable', module: './commands/schedule/disable.ts', export: 'ScheduleDisableCommand' },
  { path: 'schedule delete', module: './commands/schedule/delete.ts', export: 'ScheduleDeleteCommand' },
  { path: 'schedule validate', module: './commands/schedule/validate.ts', export: 'ScheduleValidateCommand' },
  { path: 'schedule stats', module: './commands/schedule/stats.ts', export: 'ScheduleStatsCommand' },
  { path: 'schedule logs', module: './commands/schedule/logs.ts', export: 'ScheduleLogsCommand' },
  { path: 'version', module: './commands/version.ts', export: 'VersionCommand' },
  { path: 'doctor', module: './commands/doctor.ts', export: 'DoctorCommand' },
  { path: 'completion', module: './commands/completion/print.ts', export: 'CompletionCommand' },
  { path: 'completion install', module: './commands/completion/install.ts', export: 'CompletionInstallCommand' },
  { path: 'cache stats', module: './commands/cache/stats.ts', export: 'CacheStatsCommand' },
  { path: 'cache clear', module: './commands/cache/clear.ts', export: 'CacheClearCommand' },
];
