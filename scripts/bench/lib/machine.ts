/** The line a benchmark's report names its machine with. */
import { cpus, loadavg, platform, release } from 'node:os';

/** OS, CPUs, the load average now (at the end of the run), then `details` (engine, image…) and Node's version. */
export function machineAtEnd(...details: string[]): string {
  const load = loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');
  return [`${platform()} ${release()}`, `${cpus().length} × ${cpus()[0]?.model.trim() ?? 'cpu'}`, `load average ${load} at the end`, ...details, `Node ${process.version}`].join(', ');
}
