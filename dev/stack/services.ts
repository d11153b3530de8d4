// Starting and stopping the local stack's processes: each logs to .data/logs/<name>.log.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

export interface ServiceSpec {
  name: string;
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  /** The service is up once this port accepts connections. */
  port?: number;
}

export interface RunningService {
  spec: ServiceSpec;
  child: ChildProcess;
  logFile: string;
  stop(): Promise<void>;
}

export async function startService(spec: ServiceSpec, logDir: string): Promise<RunningService> {
  if (spec.port !== undefined && (await isListening(spec.port))) {
    throw new Error(`${spec.name}: port ${spec.port} is already in use (is another stack running?)`);
  }
  fs.mkdirSync(logDir, { recursive: true });
  const logFile = path.join(logDir, `${spec.name}.log`);
  const out = fs.openSync(logFile, 'a');
  const child = spawn(spec.command, spec.args, {
    env: { ...process.env, ...spec.env },
    stdio: ['ignore', out, out],
    detached: true, // its own process group: Ctrl-C reaches us, and we stop it in order
  });
  fs.closeSync(out);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const service: RunningService = {
    spec,
    child,
    logFile,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(killer);
    },
  };
  if (spec.port !== undefined) {
    await Promise.race([
      waitForPort(spec.port, 60_000),
      exited.then(() => {
        throw new Error(`${spec.name} exited during start-up (code ${child.exitCode}); see ${logFile}`);
      }),
    ]);
  }
  return service;
}

export function isListening(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, host);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export async function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await isListening(port))) {
    if (Date.now() > until) throw new Error(`nothing listened on port ${port} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
