import { Builtins } from 'clipanion';
import { VERSION } from '../src/contracts/index.ts';
import { AgentsCommand } from './commands/agents.ts';
import { AnalyzeCommand } from './commands/analyze.ts';
import { ApprovalsCommand, ApproveCommand, DenyCommand } from './commands/approve.ts';
import { ChatCommand } from './commands/chat/chat.ts';
import { ChatCancelCommand } from './commands/chat/cancel.ts';
import { ChatHistoryCommand } from './commands/chat/history.ts';
import { ArchiveCommand } from './commands/archive.ts';
import { ConsoleClearCommand } from './commands/console/clear.ts';
import { ConsoleCommand } from './commands/console/follow.ts';
import { ErrorsCommand } from './commands/errors.ts';
import { AuditCommand } from './commands/audit.ts';
import { AuthCreateKeyCommand } from './commands/auth/create-key.ts';
import { AuthKeysCommand } from './commands/auth/keys.ts';
import { AuthLoginCommand } from './commands/auth/login.ts';
import { AuthLogoutCommand } from './commands/auth/logout.ts';
import { AuthRevokeKeyCommand } from './commands/auth/revoke-key.ts';
import { AuthStatusCommand } from './commands/auth/status.ts';
import { AuthTelegramLinkCommand } from './commands/auth/telegram-link.ts';
import { ConfigGetCommand } from './commands/config/get.ts';
import { ConfigSetCommand } from './commands/config/set.ts';
import { ConfigUnsetCommand } from './commands/config/unset.ts';
import { CreateCommand } from './commands/create.ts';
import { DaemonLogsCommand } from './commands/daemon/logs.ts';
import { DaemonStartCommand } from './commands/daemon/start.ts';
import { DaemonStatusCommand } from './commands/daemon/status.ts';
import { DaemonStopCommand } from './commands/daemon/stop.ts';
import { DeleteCommand } from './commands/delete.ts';
import { FilesListCommand } from './commands/files/list.ts';
import { FilesTreeCommand } from './commands/files/tree.ts';
import { FilesCatCommand } from './commands/files/cat.ts';
import { FilesPutCommand } from './commands/files/put.ts';
import { FilesUploadCommand } from './commands/files/upload.ts';
import { FilesDownloadCommand } from './commands/files/download.ts';
import { FilesEditCommand } from './commands/files/edit.ts';
import { FilesRmCommand } from './commands/files/rm.ts';
import { FilesMvCommand } from './commands/files/mv.ts';
import { FilesVersionsCommand } from './commands/files/versions.ts';
import { FilesRestoreCommand } from './commands/files/restore.ts';
import { FilesDiffCommand } from './commands/files/diff.ts';
import { FilesSearchCommand } from './commands/files/search.ts';
import { InfoCommand } from './commands/info.ts';
import { SettingsCommand, SettingsResetCommand, SettingsSetCommand } from './commands/settings.ts';
import { ListCommand } from './commands/list.ts';
import { LogsCommand } from './commands/logs.ts';
import { RestartCommand } from './commands/restart.ts';
import { RunCommand } from './commands/run.ts';
import { RunsCommand } from './commands/runs.ts';
import { StartCommand } from './commands/start.ts';
import { StatusCommand } from './commands/status.ts';
import { StopCommand } from './commands/stop.ts';
import { UnarchiveCommand } from './commands/unarchive.ts';
import { UsageCommand } from './commands/usage.ts';
import { UseCommand } from './commands/use.ts';
import { UsersCreateCommand } from './commands/users/create.ts';
import { UsersDeleteCommand } from './commands/users/delete.ts';
import { UsersListCommand } from './commands/users/list.ts';
import { VersionCommand } from './commands/version.ts';
import { WebCommand } from './commands/web.ts';
import { ZeblitCli } from './zeblit-cli.ts';

export const COMMANDS = [
  WebCommand,
  ConsoleCommand,
  ConsoleClearCommand,
  ErrorsCommand,
  AnalyzeCommand,
  DaemonStartCommand,
  DaemonStopCommand,
  DaemonStatusCommand,
  DaemonLogsCommand,
  AuthLoginCommand,
  AuthLogoutCommand,
  AuthStatusCommand,
  AuthKeysCommand,
  AuthCreateKeyCommand,
  AuthRevokeKeyCommand,
  AuthTelegramLinkCommand,
  CreateCommand,
  ListCommand,
  UseCommand,
  InfoCommand,
  SettingsCommand,
  SettingsSetCommand,
  SettingsResetCommand,
  DeleteCommand,
  ArchiveCommand,
  UnarchiveCommand,
  RunCommand,
  RunsCommand,
  StartCommand,
  StopCommand,
  RestartCommand,
  StatusCommand,
  LogsCommand,
  UsersListCommand,
  UsersCreateCommand,
  UsersDeleteCommand,
  AuditCommand,
  FilesListCommand,
  FilesTreeCommand,
  FilesCatCommand,
  FilesPutCommand,
  FilesUploadCommand,
  FilesDownloadCommand,
  FilesEditCommand,
  FilesRmCommand,
  FilesMvCommand,
  FilesVersionsCommand,
  FilesRestoreCommand,
  FilesDiffCommand,
  FilesSearchCommand,
  ConfigGetCommand,
  ConfigSetCommand,
  ConfigUnsetCommand,
  UsageCommand,
  ChatCommand,
  ChatHistoryCommand,
  ChatCancelCommand,
  AgentsCommand,
  ApproveCommand,
  DenyCommand,
  ApprovalsCommand,
  VersionCommand,
] as const;

/** The `zeblit` program with every command registered; main.ts runs it, tests call `run` on it. */
export function createCli(): ZeblitCli {
  const cli = new ZeblitCli({ binaryLabel: 'Zeblit', binaryName: 'zeblit', binaryVersion: VERSION });
  for (const command of COMMANDS) cli.register(command);
  cli.register(Builtins.HelpCommand);
  cli.register(Builtins.VersionCommand);
  return cli;
}
