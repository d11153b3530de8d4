// The Pub/Sub emulator, restartable on its port. pstest keeps everything in memory, so a restart
// forgets every topic, subscription and message — the fault a deleted subscription or a lost
// server looks like to the bridge.
import { PubSub } from '@google-cloud/pubsub';
import { emulatorAuth } from '../../src/platform/clients';
import { freePort, requireTool } from '../stack/ephemeral';
import { binaries, pubsubEmulatorSpec } from '../stack/local';
import { startService, type RunningService } from '../stack/services';

export interface PubSubServer {
  host: string;
  /** The harness's own client (observers, publishing); it reconnects by itself after a restart. */
  pubsub: PubSub;
  /** kill -9, then a fresh server on the same port. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export async function startPubSubServer(dir: string, projectId = 'nba-props-platform'): Promise<PubSubServer> {
  requireTool(binaries.pubsubEmulator);
  const port = await freePort();
  const spec = pubsubEmulatorSpec('127.0.0.1', port);
  let service: RunningService = await startService(spec, dir);
  const pubsub = new PubSub({ projectId, apiEndpoint: `127.0.0.1:${port}`, emulatorMode: true, auth: emulatorAuth() });
  return {
    host: `127.0.0.1:${port}`,
    pubsub,
    async restart() {
      const exited = new Promise((resolve) => service.child.once('exit', resolve));
      service.child.kill('SIGKILL');
      await exited;
      service = await startService(spec, dir);
    },
    async stop() {
      await pubsub.close();
      await service.stop();
    },
  };
}
