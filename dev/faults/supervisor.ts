// A process supervisor, as systemd or Kubernetes would be: whatever makes the worker or the
// bridge exit (our kill -9, or the process giving up on purpose), it is started again after a
// short pause, and every exit is counted.
import path from 'node:path';
import { startService, type RunningService, type ServiceSpec } from '../stack/services';
import { logSize, waitForLine } from './log-tail';

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** We killed it; otherwise it exited by itself. */
  killed: boolean;
  at: number;
}

export interface Supervised {
  name: string;
  logFile: string;
  exits: Exit[];
  /** Resolves once the current (or the coming) process has logged that it started. */
  ready(timeoutMs?: number): Promise<void>;
  /** kill -9 of its process group; the supervisor starts it again. Resolves once it is dead. */
  kill9(): Promise<void>;
  /**
   * SIGTERM, as a rolling restart sends it: the process drains and exits, the supervisor starts it
   * again. Resolves with its exit, or null when it had to be killed after `graceMs`.
   */
  terminate(graceMs?: number): Promise<Exit | null>;
  /** Stops it and keeps it stopped (no restart) until `start`. */
  stop(): Promise<void>;
  start(): Promise<void>;
}

const RESTART_DELAY_MS = 500;

interface Generation {
  service: RunningService;
  /** Where its log lines begin. */
  logFrom: number;
  exited: Promise<void>;
}

/** Starts `spec` and keeps it running; `startedLine` is what its log says once it is up. */
export async function supervise(spec: ServiceSpec, logDir: string, startedLine: RegExp): Promise<Supervised> {
  const logFile = path.join(logDir, `${spec.name}.log`);
  const exits: Exit[] = [];
  let stopping = false;
  let killing = false;

  async function launch(): Promise<Generation> {
    const logFrom = logSize(logFile);
    const service = await startService(spec, logDir);
    const exited = new Promise<void>((resolve) =>
      service.child.once('exit', (code, signal) => {
        exits.push({ code, signal, killed: killing, at: Date.now() });
        killing = false;
        if (!stopping) current = new Promise((r) => setTimeout(r, RESTART_DELAY_MS)).then(launch);
        resolve();
      }),
    );
    return { service, logFrom, exited };
  }

  let current = launch();
  await current;
  return {
    name: spec.name,
    logFile,
    exits,
    async ready(timeoutMs = 60_000) {
      const { logFrom } = await current;
      await waitForLine(logFile, logFrom, startedLine, timeoutMs);
    },
    async kill9() {
      const { service, exited } = await current;
      killing = true;
      process.kill(-service.child.pid!, 'SIGKILL');
      await exited;
    },
    async terminate(graceMs = 60_000) {
      const { service, exited } = await current;
      killing = true;
      process.kill(-service.child.pid!, 'SIGTERM');
      const drained = await Promise.race([
        exited.then(() => true),
        new Promise<false>((r) => setTimeout(() => r(false), graceMs)),
      ]);
      if (drained) return exits.at(-1) ?? null;
      process.kill(-service.child.pid!, 'SIGKILL');
      await exited;
      return null;
    },
    async stop() {
      stopping = true;
      await (await current).service.stop();
    },
    async start() {
      if (!stopping) return;
      stopping = false;
      current = launch();
      await current;
    },
  };
}
