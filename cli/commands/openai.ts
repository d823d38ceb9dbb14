import { Command, Option } from 'clipanion';
import { readDaemonLock, type CreatedKey, type OpenAIModel } from '../../src/contracts/index.ts';
import { ZeblitCommand } from '../base-command.ts';

/** What `zeblit openai` prints (and --json returns). */
export interface OpenAIInfo {
  /** http://127.0.0.1:<port>/v1, or the remote host's /v1; null when the daemon serves no TCP. */
  http_base_url: string | null;
  /** The Unix socket (local daemon only): /v1 there needs no key. */
  socket: string | null;
  key_required: { http: boolean; socket: boolean };
  /** The key --create-key made (shown once). */
  key: CreatedKey | null;
  models: string[];
  snippets: Record<'python' | 'javascript' | 'continue' | 'aider' | 'curl', string>;
}

interface SnippetInput {
  base: string;
  key: string;
  /** A project the snippets name with the header, when the key has no default project. */
  projectHeader: string | null;
  agentModel: string;
  upstreamModel: string | null;
  socket: string | null;
}

const q = (s: string) => JSON.stringify(s);

/** Ready-to-paste snippets for the common clients; only what the endpoint's protocol and the clients' documented settings give. */
export function snippets(s: SnippetInput): OpenAIInfo['snippets'] {
  const header = s.projectHeader;
  const ask = 'Add a /health endpoint and run the tests';
  const python = [
    'from openai import OpenAI',
    '',
    `client = OpenAI(base_url=${q(s.base)}, api_key=${q(s.key)})`,
    'reply = client.chat.completions.create(',
    `    model=${q(s.agentModel)},`,
    `    messages=[{"role": "user", "content": ${q(ask)}}],`,
    ...(header ? [`    extra_headers={"X-Zeblit-Project": ${q(header)}},`] : []),
    ')',
    'print(reply.choices[0].message.content)',
  ].join('\n');
  const javascript = [
    "import OpenAI from 'openai';",
    '',
    `const client = new OpenAI({ baseURL: ${q(s.base)}, apiKey: ${q(s.key)}${header ? `, defaultHeaders: { 'X-Zeblit-Project': ${q(header)} }` : ''} });`,
    `const stream = await client.chat.completions.create({ model: ${q(s.agentModel)}, stream: true, messages: [{ role: 'user', content: ${q(ask)} }] });`,
    "for await (const chunk of stream) process.stdout.write(chunk.choices[0]?.delta?.content ?? '');",
  ].join('\n');
  const cont = [
    '# ~/.continue/config.yaml',
    'models:',
    ...(s.upstreamModel ? ['  - name: Zeblit ' + s.upstreamModel, '    provider: openai', `    model: ${s.upstreamModel}`, `    apiBase: ${s.base}`, `    apiKey: ${s.key}`] : []),
    '  - name: Zeblit Engineer',
    '    provider: openai',
    `    model: ${s.agentModel}`,
    `    apiBase: ${s.base}`,
    `    apiKey: ${s.key}${header ? '   # its project: make the key with --project (Continue sends no X-Zeblit-Project)' : ''}`,
  ].join('\n');
  const aider = [
    `export OPENAI_API_BASE=${s.base}`,
    `export OPENAI_API_KEY=${s.key}`,
    `aider --model openai/${s.upstreamModel ?? s.agentModel}`,
  ].join('\n');
  const body = JSON.stringify({ model: s.agentModel, messages: [{ role: 'user', content: ask }] });
  const curl = [
    `curl ${s.base}/chat/completions \\`,
    `  -H "Authorization: Bearer ${s.key}" -H "Content-Type: application/json" \\`,
    ...(header ? [`  -H "X-Zeblit-Project: ${header}" \\`] : []),
    `  -d '${body}'`,
    ...(s.socket ? ['', '# on this machine, over the socket: no key', `curl --unix-socket ${s.socket} http://localhost/v1/models`] : []),
  ].join('\n');
  return { python, javascript, continue: cont, aider, curl };
}

export class OpenAICommand extends ZeblitCommand {
  static override paths = [['openai']];
  static override json = 'OpenAIInfo: `{http_base_url, socket, key_required: {http, socket}, key: CreatedKey | null, models, snippets: {python, javascript, continue, aider, curl}}`';
  static override usage = Command.Usage({
    category: 'LLM',
    description: 'How to point OpenAI-compatible tools at zeblitd: base URLs, keys, snippets',
    details: `
      zeblitd serves an OpenAI-compatible API under \`/v1\` (models, chat completions, embeddings): the configured providers as \`anthropic/<model>\`, \`openai/<model>\`, \`compatible/<model>\`, and the agents as \`zeblit/<agent>\` working on a project. This prints the base URLs, whether a key is needed (over HTTP yes; over the Unix socket no), the models, and snippets for the openai SDK (Python and JavaScript), Continue, aider and curl.

      \`--create-key\` makes an API key with client type \`openai\` (shown once) and puts it in the snippets; with \`--project\` (or the project chosen with \`zeblit use\`) it becomes the key's default project, which the agent models work on when a request names none.
    `,
    examples: [
      ['Base URLs and snippets', '$0 openai'],
      ['A key for an editor, working on project shop', '$0 openai --create-key --project shop'],
      ['As JSON', '$0 openai --json'],
    ],
  });

  createKey = Option.Boolean('--create-key', false, { description: 'Create an API key (client type openai) and use it in the snippets' });
  keyName = Option.String('--name', { description: 'Name of the created key (default: openai)' });
  project = Option.String('-p,--project', { description: "The project of the agent models: the created key's default, and the X-Zeblit-Project of the snippets (default: the current project)" });

  async run(): Promise<number> {
    const client = await this.client();
    const conn = this.connection();
    const lock = conn.local ? readDaemonLock(this.files.lock) : null;
    const host = lock?.bind && lock.bind !== '0.0.0.0' && lock.bind !== '::' ? lock.bind : '127.0.0.1';
    const http = conn.transport.kind === 'tcp' ? `${conn.transport.baseUrl.replace(/\/+$/, '')}/v1` : lock?.port ? `http://${host.includes(':') ? `[${host}]` : host}:${lock.port}/v1` : null;
    const socket = conn.transport.kind === 'unix' ? conn.transport.socketPath : null;
    const projectRef = this.project ?? this.config().current_project ?? null;
    const project = projectRef ? await client.projects.get(projectRef) : null;

    const key = this.createKey
      ? await client.auth.createKey({ name: this.keyName ?? 'openai', client_type: 'openai', ...(project ? { project: project.id } : {}) })
      : null;
    const models = (await client.openai.models()).data.map((m: OpenAIModel) => m.id);
    const upstream = models.find((m) => !m.startsWith('zeblit/')) ?? null;
    const info: OpenAIInfo = {
      http_base_url: http,
      socket,
      key_required: { http: true, socket: false },
      key,
      models,
      snippets: snippets({
        base: http ?? 'http://127.0.0.1:7823/v1',
        key: key?.key ?? '$ZEBLIT_API_KEY',
        // A key made with the project carries it; otherwise the snippets name it.
        projectHeader: key?.project_id ? null : (project?.name ?? '<project>'),
        agentModel: 'zeblit/engineer',
        upstreamModel: upstream,
        socket,
      }),
    };
    this.emit(info, (i) => this.human(i, project?.name ?? null));
    if (key && this.json) this.err('Store the key now: it is shown only this once.\n');
    return 0;
  }

  private human(i: OpenAIInfo, project: string | null): string {
    const lines = ['OpenAI-compatible API', ''];
    lines.push(`  HTTP    ${i.http_base_url ?? '(the daemon serves no TCP port)'}   key required: Authorization: Bearer <key>`);
    if (i.socket) lines.push(`  Socket  ${i.socket}   no key (the socket is the owner; SDKs may send any placeholder key)`);
    lines.push('');
    if (i.key) {
      lines.push(`  Created key ${i.key.id} "${i.key.name}" (client type openai${i.key.project_id ? `, default project ${project ?? i.key.project_id}` : ''}). Store it now: it is shown only this once.`);
      lines.push(`  ${i.key.key}`);
    } else lines.push('  Over HTTP you need a key: `zeblit openai --create-key --project <name>` makes one.');
    lines.push('');
    const agents = i.models.filter((m) => m.startsWith('zeblit/'));
    const upstream = i.models.filter((m) => !m.startsWith('zeblit/'));
    lines.push(`  Models  ${upstream.length > 0 ? upstream.join(', ') : '(no upstream provider is configured: `zeblit config set anthropic.api_key -`)'}`);
    lines.push(`  Agents  ${agents.join(', ')}`);
    lines.push(`          They work on a project: the X-Zeblit-Project header, user: "project:<name>", or the key's default project.`);
    for (const [name, text] of Object.entries(i.snippets)) {
      lines.push('', `── ${name === 'javascript' ? 'openai SDK (JavaScript)' : name === 'python' ? 'openai SDK (Python)' : name} ──`, text);
    }
    return `${lines.join('\n')}\n`;
  }
}
