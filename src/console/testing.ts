/** The console's tests share a home with a database, the event bus and one project of the owner. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Auth } from '../auth/index.ts';
import { zeblitPaths } from '../contracts/index.ts';
import { openDatabase, type OpenedDatabase } from '../db/index.ts';
import { EventBus } from '../events/index.ts';
import { Projects } from '../projects/index.ts';

export interface ConsoleFixture {
  database: OpenedDatabase;
  bus: EventBus;
  projectId: string;
  /** Closes the database and removes the home. */
  close(): void;
}

/** A fresh home (a temporary folder named after `tag`) holding the project `projectName`. */
export function consoleFixture(tag: string, projectName: string): ConsoleFixture {
  const home = mkdtempSync(join(tmpdir(), `zeblit-${tag}-`));
  const paths = zeblitPaths({ ZEBLIT_HOME: home });
  const database = openDatabase(paths.db);
  const owner = Auth.fromSecretFile(database.db, paths.secret).users.ensureOwner('o');
  const projectId = new Projects(database.db, paths).create(owner.id, { name: projectName }).id;
  const bus = new EventBus(database.db);
  return {
    database,
    bus,
    projectId,
    close: () => {
      database.close();
      rmSync(home, { recursive: true, force: true });
    },
  };
}
