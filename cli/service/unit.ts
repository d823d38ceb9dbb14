/**
 * The text of the service definitions: a systemd user unit (Linux) and a
 * launchd agent (macOS). Pure functions of what to run and with which
 * environment, so they are tested as text; service.ts writes and enables them.
 */

export interface ServiceSpec {
  /** The program and its arguments: node and the absolute path of zeblitd.js, or the single executable. */
  command: string[];
  /** ZEBLIT_HOME and the rest of the environment the daemon needs. */
  env: Record<string, string>;
  home: string;
  /** Where launchd writes the daemon's output (systemd: the journal). */
  outLog: string;
}

/**
 * What of the caller's environment goes into the service: where things are
 * and how to reach the engine. Never credentials: a unit file is readable by
 * others (0644 in ~/.config), so provider keys stay in the daemon's sealed
 * configuration (zeblit config) and the CLI's key stays with the CLI.
 */
const COPIED = /^(ZEBLIT_(?!API_KEY$|HOST$|NO_AUTOSTART$|PROGRESS$)[A-Z0-9_]+|DOCKER_HOST|DOCKER_TLS_VERIFY|DOCKER_CERT_PATH|DOCKER_CONTEXT|ANTHROPIC_BASE_URL|OPENAI_BASE_URL|PATH|LANG|LC_ALL|TZ|SSL_CERT_FILE|NODE_EXTRA_CA_CERTS)$/;

export function serviceEnv(env: Record<string, string | undefined>, home: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined && v !== '' && COPIED.test(k) && !/KEY|TOKEN|SECRET|PASSWORD/.test(k)) out[k] = v;
  out.ZEBLIT_HOME = home;
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => a.localeCompare(b)));
}

/** One word of a systemd command line or assignment: quoted, with specifiers (%) and variables ($) kept literal. */
function systemdQuote(s: string): string {
  if (/[\n\r]/.test(s)) throw new Error(`a line break cannot go into a systemd unit: ${JSON.stringify(s)}`);
  const escaped = s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/%/g, '%%').replace(/\$/g, '$$$$');
  return `"${escaped}"`;
}

export const SYSTEMD_UNIT = 'zeblitd.service';

export function systemdUnit(spec: ServiceSpec): string {
  const env = Object.entries(spec.env).map(([k, v]) => `Environment=${systemdQuote(`${k}=${v}`)}`);
  return [
    '# Written by `zeblit daemon install`; removed by `zeblit daemon uninstall`.',
    '[Unit]',
    'Description=Zeblit daemon (zeblitd)',
    'After=network-online.target docker.service',
    'Wants=network-online.target',
    '',
    '[Service]',
    'Type=simple',
    `ExecStart=${spec.command.map(systemdQuote).join(' ')}`,
    ...env,
    // A crash restarts it; a clean stop (zeblit daemon stop, SIGTERM) does not.
    'Restart=on-failure',
    'RestartSec=2',
    // The daemon stops within its shutdown_timeout_ms (10 s by default).
    'TimeoutStopSec=30',
    'UMask=0077',
    '',
    '[Install]',
    'WantedBy=default.target',
    '',
  ].join('\n');
}

const xml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export const LAUNCHD_LABEL = 'dev.zeblit.zeblitd';

export function launchdPlist(spec: ServiceSpec): string {
  const strings = (xs: string[]) => xs.map((x) => `    <string>${xml(x)}</string>`).join('\n');
  const env = Object.entries(spec.env)
    .map(([k, v]) => `    <key>${xml(k)}</key>\n    <string>${xml(v)}</string>`)
    .join('\n');
  return `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<!-- Written by \`zeblit daemon install\`; removed by \`zeblit daemon uninstall\`. -->
<plist version="1.0">
<dict>
  <key>Label</key>
  <string>${LAUNCHD_LABEL}</string>
  <key>ProgramArguments</key>
  <array>
${strings(spec.command)}
  </array>
  <key>EnvironmentVariables</key>
  <dict>
${env}
  </dict>
  <key>RunAtLoad</key>
  <true/>
  <key>KeepAlive</key>
  <dict>
    <key>SuccessfulExit</key>
    <false/>
  </dict>
  <key>ThrottleInterval</key>
  <integer>2</integer>
  <key>Umask</key>
  <integer>63</integer>
  <key>StandardOutPath</key>
  <string>${xml(spec.outLog)}</string>
  <key>StandardErrorPath</key>
  <string>${xml(spec.outLog)}</string>
</dict>
</plist>
`;
}
