// docs/production.md's IAM table against what each process does (src/platform/infra/iam.ts, the list the processes'
// start-up checks read): every role, on every resource it is needed on, is in the process's row.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { grants } from '../../src/platform/infra/iam';
import { projectRoot } from '../../src/platform/paths';

const page = fs.readFileSync(path.join(projectRoot, 'docs', 'production.md'), 'utf8');

function rowOf(process: string): string {
  const row = page.split('\n').find((line) => line.startsWith(`| ${process} `));
  assert.ok(row, `docs/production.md's IAM table has a row for ${process}`);
  return row;
}

describe("docs/production.md's IAM table", () => {
  for (const [process, needs] of Object.entries(grants)) {
    it(`${process}: every role it needs, on what it needs it`, () => {
      const row = rowOf(process);
      for (const grant of needs) {
        assert.ok(row.includes(`\`${grant.role}\``), `${process} row names ${grant.role}`);
        for (const resource of grant.on.filter((r) => r !== 'project')) {
          assert.ok(row.includes(resource), `${process} row names ${resource} (for ${grant.role})`);
        }
      }
    });
  }
});
