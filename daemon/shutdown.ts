/**
 * Shutdown runs exactly once, whatever asks for it (SIGTERM, SIGINT, a fatal
 * error), and always ends in exit: steps that hang are cut at the deadline.
 * `exit` is injected so tests can drive it.
 */
import type { Logger } from 'pino';

export type ShutdownStep = { name: string; run: () => Promise<void> | void };

export function createShutdown(opts: { logger: Logger; deadlineMs: number; exit?: (code: number) => void }) {
  const steps: ShutdownStep[] = [];
  let started: Promise<void> | null = null;
  const exit = opts.exit ?? ((code: number) => process.exit(code));

  async function runSteps(): Promise<number> {
    let code = 0;
    for (const step of steps) {
      try {
        await step.run();
      } catch (err) {
        code = 1;
        opts.logger.error({ err, step: step.name }, 'shutdown step failed');
      }
    }
    return code;
  }

  return {
    add(step: ShutdownStep) {
      steps.push(step);
    },
    run(reason: string, code = 0): Promise<void> {
      if (started) return started;
      opts.logger.info({ reason }, 'shutting down');
      const deadline = new Promise<number>((resolve) => setTimeout(() => resolve(1), opts.deadlineMs + 2_000).unref());
      started = Promise.race([runSteps(), deadline]).then((stepsCode) => {
        opts.logger.info({ code: code || stepsCode }, 'stopped');
        opts.logger.flush?.();
        exit(code || stepsCode);
      });
      return started;
    },
  };
}
