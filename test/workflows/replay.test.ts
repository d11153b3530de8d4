// Replays histories recorded from real runs against today's workflow code: a change that would
// break running workflows (non-determinism) fails here. Record more with
//   temporal workflow show --workflow-id game-day-<date> --output json > test/histories/<name>.json
// and, for the phase 5 timer paths, npx tsx scripts/record-histories.ts
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { Worker } from '@temporalio/worker';
import { workflowsPath } from '../helpers/servers';

const dir = path.resolve(__dirname, '../histories');
const files = fs.readdirSync(dir).filter((f) => f.endsWith('.json'));

describe('replay of recorded histories', () => {
  it('has histories to replay', () => assert.ok(files.length > 0));

  for (const file of files) {
    it(`replays ${file} deterministically`, async () => {
      const history = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8'));
      await Worker.runReplayHistory({ workflowsPath }, history, file);
    });
  }
});
