export { createApp, API_BASE } from './app.ts';
export type { AppDeps, ApiConfig } from './deps.ts';
export type { AppEnv, AppBindings } from './env.ts';
export { Hub, type HubOptions, type HubStats } from './ws/hub.ts';
export { setAsideUnusableHost } from './host.ts';
