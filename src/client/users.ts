import type { CreateUserRequest, CreatedUser, Me, User } from '../contracts/index.ts';
import { seg, type Requester } from './requester.ts';

/** /api/v1/users: `me` for everyone, the rest for admins. */
export class UsersApi {
  constructor(private readonly r: Requester) {}

  me(): Promise<Me> {
    return this.r.request('GET', '/users/me');
  }

  list(): Promise<User[]> {
    return this.r.request('GET', '/users');
  }

  /** The new user's first API key is in `api_key.key`, shown this once. */
  create(body: CreateUserRequest): Promise<CreatedUser> {
    return this.r.request('POST', '/users', { json: body });
  }

  delete(id: string): Promise<User> {
    return this.r.request('DELETE', `/users/${seg(id)}`);
  }
}
