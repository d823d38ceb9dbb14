import { Command, Option } from 'clipanion';
import { createHash } from 'node:crypto';
import { closeSync, existsSync, openSync, renameSync, rmSync, statSync, write } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { ZeblitCommand } from '../base-command.ts';
import { CliError } from '../cli-error.ts';
import { formatBytes, progressFor } from '../progress.ts';

/** A file sink that hashes what it writes. */
function hashingFile(fd: number, hash: ReturnType<typeof createHash>): Writable {
  return new Writable({
    write(chunk: Buffer, _enc, cb) {
      hash.update(chunk);
      let off = 0;
      const next = () =>
        write(fd, chunk, off, chunk.length - off, null, (err, n) => {
          if (err) return cb(err);
          off += n;
          if (off < chunk.length) next();
          else cb();
        });
      next();
    },
  });
}

export class BackupCommand extends ZeblitCommand {
  static override paths = [['backup']];
  static override json = '`{path, bytes, sha256, files, skipped}`';
  static override usage = Command.Usage({
    category: 'Daemon',
    description: "Back up the daemon's home: database, file history, workspaces, secret and config (admin)",
    details: `
      Asks the running daemon for a consistent backup (the database is copied with SQLite's online backup API, so the daemon keeps serving) and writes it to \`<file>\` as a .tar.gz, checking its sha256 against the daemon's. A folder as \`<file>\` gets a name with the date. Projects made from a folder of yours are kept by reference (their path), not copied.

      The backup holds the server secret and every user's data: it is written owner-only (0600); keep it as safe as the home. Take it back with \`zeblit restore <file>\` on a stopped home.
    `,
    examples: [
      ['Into a file', '$0 backup ~/zeblit-backup.tar.gz'],
      ['Into a folder, named by date', '$0 backup /mnt/backups/'],
    ],
  });

  file = Option.String({ name: 'file' });
  force = Option.Boolean('--force', false, { description: 'Replace the file if it exists' });

  async run(): Promise<number> {
    const client = await this.client();
    const isDir = existsSync(this.file) && statSync(this.file).isDirectory();
    if (!isDir && existsSync(this.file) && !this.force)
      throw new CliError('FILE_EXISTS', `${this.file} exists`, { suggestion: 'Pass --force to replace it, or name another file.' });
    // Written beside the target and renamed once checked: an interrupted or damaged download leaves no file that looks like a backup.
    const partial = isDir ? join(this.file, `.zeblit-backup-${process.pid}.part`) : `${this.file}.zeblit-part`;
    const fd = openSync(partial, 'w', 0o600);
    const hash = createHash('sha256');
    const sink = hashingFile(fd, hash);
    const bar = progressFor(this.context.stderr, this.env, 'Backing up');
    try {
      const res = await client.backup(sink, { onProgress: bar.update });
      await new Promise<void>((resolve, reject) => sink.end((err?: Error | null) => (err ? reject(err) : resolve())));
      closeSync(fd);
      bar.finish();
      const got = hash.digest('hex');
      if (res.sha256 !== null && res.sha256 !== got)
        throw new CliError('BACKUP_DAMAGED', `The backup arrived damaged (sha256 ${got}, the daemon sent ${res.sha256}); nothing was kept`, { suggestion: 'Run zeblit backup again.' });
      const target = isDir ? join(this.file, res.filename ?? `zeblit-backup-${Date.now()}.tar.gz`) : this.file;
      renameSync(partial, target);
      this.emit({ path: target, bytes: res.bytes, sha256: got, files: res.files, skipped: res.skipped }, (r) =>
        [
          `${r.path}: ${formatBytes(r.bytes)}, ${r.files} files, sha256 ${r.sha256}`,
          r.skipped > 0 ? `Warning: ${r.skipped} file(s) could not be read and are not in it (named in: zeblit daemon logs)` : '',
          'It holds the server secret: keep it as safe as the home.',
        ]
          .filter(Boolean)
          .map((l) => `${l}\n`)
          .join(''),
      );
      return 0;
    } catch (e) {
      sink.destroy();
      try {
        closeSync(fd);
      } catch {
        // already closed
      }
      rmSync(partial, { force: true });
      throw e;
    }
  }
}
