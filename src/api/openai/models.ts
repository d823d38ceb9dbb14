/**
 * The model ids of the OpenAI-compatible endpoint: `<provider>/<model>` for
 * what each usable provider offers (its own list where it has one, else the
 * configured models) and `zeblit/<agent>` for the seven agents (hyphens:
 * `zeblit/dev-manager`; underscores are accepted too).
 */
import { AGENT_NAMES, AgentName, ZeblitError, type OpenAIModel } from '../../contracts/index.ts';
import type { AppDeps } from '../deps.ts';

export const AGENT_PREFIX = 'zeblit/';

export const agentModelId = (name: AgentName): string => `${AGENT_PREFIX}${name.replace(/_/g, '-')}`;

/** `zeblit/<agent>` → the agent; another zeblit/ name → null; anything else → undefined (not an agent model). */
export function agentOf(model: string): AgentName | null | undefined {
  if (!model.startsWith(AGENT_PREFIX)) return undefined;
  const parsed = AgentName.safeParse(model.slice(AGENT_PREFIX.length).toLowerCase().replace(/-/g, '_'));
  return parsed.success ? parsed.data : null;
}

export async function listModels(deps: AppDeps): Promise<OpenAIModel[]> {
  // A stable `created`: the daemon's start (the vendors' lists do not say when a model appeared in a form both share).
  const created = Math.floor(deps.startedAt / 1000);
  const upstream = (await deps.llm.models()).map((m): OpenAIModel => ({ id: `${m.provider}/${m.id}`, object: 'model', created, owned_by: m.provider }));
  const agents = AGENT_NAMES.map((a): OpenAIModel => ({ id: agentModelId(a), object: 'model', created, owned_by: 'zeblit' }));
  return [...upstream, ...agents];
}

/** 404 model_not_found, saying why and which ids there are. */
export async function modelNotFound(deps: AppDeps, model: string, why: string): Promise<ZeblitError> {
  const ids = (await listModels(deps)).map((m) => m.id);
  const shown = ids.slice(0, 15).join(', ');
  return new ZeblitError('NOT_FOUND', `The model \`${model}\` does not exist or you do not have access to it: ${why}`, {
    details: { code: 'model_not_found' },
    suggestion: `Models here: ${shown}${ids.length > 15 ? `, … (${ids.length} in all: GET /v1/models)` : ''}`,
  });
}
