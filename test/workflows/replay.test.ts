// The workflow bundle, built once for this file: it replays histories recorded by this release and the
// ones before it against today's workflow code (a change that would break runs still open across a
// deploy fails here), and every module it holds is under the lint ban on Node built-ins and clients.
// Record this release's histories with npx tsx scripts/record-histories.ts (into test/histories/<version>/).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { Worker } from '@temporalio/worker';
import { ESLint } from 'eslint';
import { workflowBundle } from '../helpers/servers';

const root = path.resolve(__dirname, '../..');
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

/** Our own source files the bundler put in the bundle, from its inline source map. */
async function bundledSources(): Promise<string[]> {
  const { code } = await workflowBundle();
  const inline = /sourceMappingURL=data:application\/json;(?:charset=utf-8;)?base64,([A-Za-z0-9+/=]+)/.exec(code);
  assert.ok(inline, 'the bundle carries an inline source map');
  const { sources } = JSON.parse(Buffer.from(inline[1]!, 'base64').toString('utf8')) as { sources: string[] };
  const ours = (relative: string) => !relative.startsWith('..') && !relative.split(path.sep).includes('node_modules');
  return sources.filter(
    (source) => path.isAbsolute(source) && source.endsWith('.ts') && ours(path.relative(root, source)),
  );
}

describe('the workflow bundle', () => {
  it('holds only modules that lint bans Node built-ins and clients in', async () => {
    const sources = await bundledSources();
    assert.ok(sources.some((source) => source.endsWith(path.join('src', 'game-day', 'workflow.ts'))));
    const eslint = new ESLint({ cwd: root });
    const unguarded: string[] = [];
    for (const source of sources) {
      const config = (await eslint.calculateConfigForFile(source)) as { rules?: Record<string, unknown> };
      const ban = JSON.stringify(config.rules?.['@typescript-eslint/no-restricted-imports'] ?? null);
      if (!ban.includes('no Node built-ins')) unguarded.push(path.relative(root, source));
    }
    assert.deepEqual(unguarded, [], 'bundled modules outside the lint ban (eslint.config.mjs)');
  });
});
