// How the long-running processes (`pipeline worker`, `pipeline bridge`) end when they cannot start:
// the reason on stderr, exit 2 for a configuration to fix, 1 for anything else.
import { ConfigError } from './config';
import { errorMessage } from './errors';

export function runProcess(run: () => Promise<void>): void {
  run().catch((error: unknown) => {
    console.error(`pipeline: ${errorMessage(error)}`);
    process.exit(error instanceof ConfigError ? 2 : 1);
  });
}
