import { asc, eq, sql } from 'drizzle-orm';
import { CreateUserRequest, conflict, forbidden, newId, notFound, type User } from '../contracts/index.ts';
import type { Db } from '../db/index.ts';
import { users } from './auth.sql.ts';
import { toUser } from './rows.ts';

export class Users {
  private readonly byId;
  /** The owner is looked up on every socket request; it is never deleted, so it is read once. */
  private ownerCache: User | undefined;
  /** Users never change once made; only delete() removes one, and it evicts. */
  private readonly cache = new Map<string, User>();

  constructor(
    private readonly db: Db,
    private readonly now: () => number = Date.now,
  ) {
    this.byId = db.select().from(users).where(eq(users.id, sql.placeholder('id'))).prepare();
  }

  /** The owner is created on first start and is the admin the socket speaks for. */
  ensureOwner(name: string): User {
    const existing = this.db.select().from(users).where(eq(users.is_owner, true)).get();
    if (existing) return toUser(existing);
    const now = this.now();
    const safe = name.replace(/[^\w.-]/g, '') || 'owner';
    const taken = this.db.select().from(users).where(eq(users.name, safe)).get();
    const row = {
      id: newId('user', now),
      name: taken ? `${safe}-owner` : safe,
      email: null,
      role: 'admin' as const,
      is_owner: true,
      created_at: now,
      updated_at: now,
    };
    this.db.insert(users).values(row).run();
    return toUser(row);
  }

  owner(): User {
    if (this.ownerCache) return this.ownerCache;
    const row = this.db.select().from(users).where(eq(users.is_owner, true)).get();
    if (!row) throw new Error('owner user missing: ensureOwner() must run at start');
    this.ownerCache = toUser(row);
    return this.ownerCache;
  }

  create(input: CreateUserRequest): User {
    const req = CreateUserRequest.parse(input);
    if (this.db.select({ id: users.id }).from(users).where(eq(users.name, req.name)).get())
      throw conflict(`A user named "${req.name}" already exists`, 'Pick another name.');
    const now = this.now();
    const row = { id: newId('user', now), name: req.name, email: req.email ?? null, role: req.role, is_owner: false, created_at: now, updated_at: now };
    this.db.insert(users).values(row).run();
    return toUser(row);
  }

  list(): User[] {
    return this.db.select().from(users).orderBy(asc(users.created_at)).all().map(toUser);
  }

  find(id: string): User | undefined {
    const cached = this.cache.get(id);
    if (cached) return cached;
    const row = this.byId.get({ id });
    if (!row) return undefined;
    const user = toUser(row);
    if (this.cache.size >= 1000) this.cache.clear();
    this.cache.set(id, user);
    return user;
  }

  get(id: string): User {
    const user = this.find(id);
    if (!user) throw notFound(`User ${id}`, 'List users with GET /api/v1/users.');
    return user;
  }

  /** Keys, links and projects go with the user (foreign keys cascade). */
  delete(id: string): User {
    const row = this.db.select().from(users).where(eq(users.id, id)).get();
    if (!row) throw notFound(`User ${id}`);
    if (row.is_owner) throw forbidden('The owner cannot be deleted');
    this.db.delete(users).where(eq(users.id, id)).run();
    this.cache.delete(id);
    return toUser(row);
  }
}
