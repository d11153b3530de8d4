// Links to the Temporal Web UI, in a module of its own: `pipeline status` links without loading a client.
import { loadProcessConfig } from '../platform/config';

/** The Web UI page of a workflow (the dev server's UI next to `TEMPORAL_ADDRESS`, or `TEMPORAL_UI_URL`). */
export function webUiLink(workflowId: string): string {
  const config = loadProcessConfig();
  return `${config.temporal.uiUrl}/namespaces/${config.temporal.namespace}/workflows/${encodeURIComponent(workflowId)}`;
}
