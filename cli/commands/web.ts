import { spawn } from 'node:child_process';
import { Command, Option } from 'clipanion';
import { ZeblitCommand } from '../base-command.ts';
import { CliError } from '../cli-error.ts';
import { formatTime } from '../format.ts';

/** Opens a URL with the system's opener; resolves false when there is none (the URL is printed anyway). */
export function openInBrowser(url: string, platform: NodeJS.Platform = process.platform, env: NodeJS.ProcessEnv = process.env): Promise<boolean> {
  const [cmd, args] = env.BROWSER ? [env.BROWSER, [url]] : platform === 'darwin' ? ['open', [url]] : platform === 'win32' ? ['cmd', ['/c', 'start', '""', url]] : ['xdg-open', [url]];
  return new Promise((resolve) => {
    try {
      const child = spawn(cmd, args, { stdio: 'ignore', detached: true });
      child.once('error', () => resolve(false));
      child.once('spawn', () => {
        child.unref();
        resolve(true);
      });
    } catch {
      resolve(false);
    }
  });
}

export class WebCommand extends ZeblitCommand {
  static override paths = [['web']];
  static override json = '`{url, expires_at}`: the one-time sign-in link and when it expires (nothing is opened)';
  static override usage = Command.Usage({
    category: 'General',
    description: 'Open the web client, signed in (a one-time link, like Jupyter)',
    details: [
      'Asks zeblitd for a one-time sign-in link (the socket owner, or an admin over TCP) and opens it in your browser.',
      'The link works once, for 5 minutes; the page trades it for a session and removes it from the address bar.',
      'The session lasts while a tab is open (up to 24 hours); "Sign out" in the page ends it.',
    ].join(' '),
    examples: [
      ['Open the web client', '$0 web'],
      ['Print the link instead (another machine, a headless server)', '$0 web --print'],
    ],
  });

  print = Option.Boolean('--print', false, { description: 'Print the link instead of opening a browser' });

  /** Overridable by tests: how the link is opened. */
  opener: (url: string) => Promise<boolean> = (url) => openInBrowser(url, process.platform, this.env);

  async run(): Promise<number> {
    const client = await this.client();
    const code = await client.auth.webLoginCode();
    // Over TCP the daemon is where this CLI reaches it; over the socket, where the daemon says it listens.
    const url = client.transport.kind === 'tcp' ? `${new URL(client.transport.baseUrl).origin}${code.path}` : code.url;
    if (!url)
      throw new CliError('WEB_UNAVAILABLE', 'zeblitd has no TCP listener, so a browser cannot reach it', {
        suggestion: 'Start zeblitd with a TCP port (ZEBLIT_PORT, or "port" in config.json); its default 7823 may be taken by another program.',
      });
    if (this.json) {
      this.out(`${JSON.stringify({ url, expires_at: code.expires_at })}\n`);
      return 0;
    }
    const opened = !this.print && (await this.opener(url));
    if (opened) this.out(`Opened the web client in your browser. If it did not open, use this link (once, until ${formatTime(code.expires_at)}):\n${url}\n`);
    else this.out(`${this.print ? '' : 'No browser could be opened. '}Open this link to sign in (it works once, until ${formatTime(code.expires_at)}):\n${url}\n`);
    return 0;
  }
}
