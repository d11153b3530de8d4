// All I/O the workflows do, built once per worker around injected clients.
import type { PubSub } from '@google-cloud/pubsub';
import { createPublishActivities } from './publish';

export interface ActivityClients {
  pubsub: PubSub;
}

export function createActivities(clients: ActivityClients) {
  return {
    ...createPublishActivities(clients.pubsub),
  };
}

export type Activities = ReturnType<typeof createActivities>;
