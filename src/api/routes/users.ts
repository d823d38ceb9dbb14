import { z } from 'zod';
import { CreateUserRequest, CreatedUser, Me, User, ZeblitError, type Scope } from '../../contracts/index.ts';
import type { AppDeps } from '../deps.ts';
import type { AppEnv } from '../env.ts';
import { router, defineRoute, principalOf } from '../route.ts';

const UserId = z.object({ id: z.string().min(1).max(64) });

export function userRoutes(deps: AppDeps) {
  const app = router();
  const { auth, projects } = deps;

  defineRoute(app, { method: 'get', path: '/users/me', summary: 'Who am I', tags: ['users'], data: Me }, (c) => {
    const p = principalOf(c);
    return { user: p.user, transport: p.transport, key_id: p.keyId, client_type: p.clientType, scopes: p.scopes, auth: p.auth };
  });

  defineRoute(
    app,
    {
      method: 'post',
      path: '/users',
      summary: 'Create a user (admin); returns their first API key, shown once',
      description: 'The first key expires no later than the credential creating the user (a JWT, or an expiring key); create users over the Unix socket or with a key that does not expire.',
      tags: ['users'],
      body: CreateUserRequest,
      data: CreatedUser,
      status: 201,
      scope: 'admin',
      role: 'admin',
    },
    (c, { body }) => {
      // User and first key together or not at all: a user without a key could never log in over TCP.
      // The first key expires no later than the creating credential: a stolen 60 s token must not mint a lasting admin.
      const notAfter = principalOf(c).expiresAt;
      const { user, api_key } = deps.database.db.transaction(() => {
        const user = auth.users.create(body);
        // An admin's first key carries the admin scope: no other way exists to get one over TCP.
        const scopes: Scope[] = user.role === 'admin' ? ['read', 'write', 'admin'] : ['read', 'write'];
        return { user, api_key: auth.keys.create(user.id, { name: 'first key', client_type: 'cli', scopes }, { notAfter }) };
      });
      c.set('resource', user.id);
      return { user, api_key };
    },
  );

  defineRoute(app, { method: 'get', path: '/users', summary: 'List users (admin)', tags: ['users'], data: z.array(User), scope: 'admin', role: 'admin' }, () =>
    auth.users.list(),
  );

  defineRoute(
    app,
    { method: 'delete', path: '/users/{id}', summary: 'Delete a user with their keys and projects (admin)', tags: ['users'], params: UserId, data: User, scope: 'admin', role: 'admin' },
    async (c, { params }) => {
      const me = principalOf(c);
      if (params.id === me.user.id) throw new ZeblitError('FORBIDDEN', 'You cannot delete yourself');
      const user = auth.users.get(params.id);
      // Refuse before anything is removed: the projects must not go when the user stays.
      if (user.id === auth.users.owner().id) throw new ZeblitError('FORBIDDEN', 'The owner cannot be deleted');
      await projects.deleteAllOf(user.id);
      c.set('resource', user.id);
      return auth.deleteUser(user.id);
    },
  );
  return app;
}
