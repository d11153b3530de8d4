// The generated pages in docs/ are what `npm run docs` would write today: the alert catalogue's table
// from src/alerts/catalogue.ts and the configuration page from the schema in src/platform/config.ts.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { alertTableMarkers, generatedPages, withAlertTable } from '../../scripts/docs';
import { alertCatalogue } from '../../src/alerts/catalogue';
import { problemSeverity } from '../../src/watch/rules';
import { projectRoot } from '../../src/platform/paths';

describe('generated docs', () => {
  it('are fresh', async () => {
    for (const [file, expected] of await generatedPages()) {
      const actual = fs.readFileSync(path.join(projectRoot, file), 'utf8');
      assert.ok(actual === expected, `${file} is stale: run npm run docs`);
    }
  });

  it('list every alert kind of the catalogue in docs/operations.md', () => {
    const page = fs.readFileSync(path.join(projectRoot, 'docs', 'operations.md'), 'utf8');
    for (const kind of Object.keys(alertCatalogue)) assert.ok(page.includes(`| \`${kind}\``), `${kind} is listed`);
  });

  it('refuse a page that lost its markers', () => {
    assert.throws(() => withAlertTable('# Operations\n'), /markers/);
    const page = `before\n${alertTableMarkers.begin}\nold table\n${alertTableMarkers.end}\nafter\n`;
    const regenerated = withAlertTable(page);
    assert.ok(!regenerated.includes('old table'));
    assert.ok(regenerated.startsWith('before\n') && regenerated.endsWith('after\n'));
  });

  it("page each health problem at the catalogue's severity", () => {
    for (const [kind, severity] of Object.entries(problemSeverity)) {
      assert.equal(severity, alertCatalogue[kind as keyof typeof problemSeverity].severity, kind);
    }
  });
});
