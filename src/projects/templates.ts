import type { Template, TemplateName } from '../contracts/index.ts';

/**
 * Project templates. `image` is the official image used where a registry is
 * reachable; `local_image` is what scripts/build-images.sh builds where none is.
 */
export const TEMPLATES: Record<TemplateName, Template> = {
  python: {
    name: 'python',
    description: 'Python 3 with pip and venv',
    image: 'python:3.12-slim',
    local_image: 'zeblit/python:local',
    workdir: '/workspace',
    setup: 'test -f requirements.txt && pip install --user -r requirements.txt || true',
  },
  node: {
    name: 'node',
    description: 'Node.js 20 with npm',
    image: 'node:20-slim',
    local_image: 'zeblit/node:local',
    workdir: '/workspace',
    setup: 'test -f package.json && npm install || true',
  },
  blank: {
    name: 'blank',
    description: 'Debian bookworm with a POSIX shell and nothing else',
    image: 'debian:bookworm-slim',
    local_image: 'zeblit/blank:local',
    workdir: '/workspace',
    setup: null,
  },
};

export function listTemplates(overrides: Partial<Record<TemplateName, string>> = {}): Template[] {
  return Object.values(TEMPLATES).map((t) => (overrides[t.name] ? { ...t, image: overrides[t.name] as string } : t));
}
