// Replays histories recorded by this release and the ones before it against today's workflow code:
// a change that would break runs still open across a deploy (non-determinism) fails here.
// Record this release's with npx tsx scripts/record-histories.ts (into test/histories/<version>/).
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { Worker } from '@temporalio/worker';
import { workflowBundle } from '../helpers/servers';

const dir = path.resolve(__dirname, '../histories');
const files = fs
  .readdirSync(dir, { recursive: true, encoding: 'utf8' })
  .filter((f) => f.endsWith('.json'))
  .sort();

describe('replay of recorded histories', () => {
  for (const file of files) {
    it(`replays ${file} deterministically`, async () => {
      const history: unknown = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8'));
      await Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, history, file);
    });
  }
});
