// The alert catalogue names every kind the product raises, and raises nothing it does not name: the
// alerts in src/ (an object with a `kind` and then its `severity`) against src/alerts/catalogue.ts.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { alertCatalogue } from '../../src/alerts/catalogue';
import { projectRoot } from '../../src/platform/paths';

function sourceFiles(relative: string): string[] {
  return fs.readdirSync(path.join(projectRoot, relative), { withFileTypes: true }).flatMap((entry) => {
    const file = `${relative}/${entry.name}`;
    if (entry.isDirectory()) return sourceFiles(file);
    return entry.name.endsWith('.ts') ? [file] : [];
  });
}

const files = sourceFiles('src').filter((file) => file !== 'src/alerts/catalogue.ts');
const sources = new Map(files.map((file) => [file, fs.readFileSync(path.join(projectRoot, file), 'utf8')]));

/** The kinds spelled out in alerts: `kind: 'sla',` or `kind: x ? 'a' : 'b',` followed by `severity:`. */
function raisedKinds(): Map<string, string> {
  const kinds = new Map<string, string>();
  for (const [file, text] of sources) {
    for (const match of text.matchAll(/kind: ([^\n]+),\n\s*severity:/g)) {
      for (const quoted of match[1]!.matchAll(/'([a-z0-9-]+)'/g)) kinds.set(quoted[1]!, file);
    }
  }
  return kinds;
}

describe('the alert catalogue', () => {
  it('names every kind an alert in src/ is raised with', () => {
    const raised = raisedKinds();
    for (const known of ['sla', 'export-failed', 'dead-letter-burst-late', 'temporal-unreachable', 'daily-summary']) {
      assert.ok(raised.has(known), `found ${known} where it is raised`);
    }
    const unnamed = [...raised]
      .filter(([kind]) => !(kind in alertCatalogue))
      .map(([kind, file]) => `${kind} (${file})`);
    assert.deepEqual(unnamed, [], 'add these kinds to src/alerts/catalogue.ts');
  });

  it('names no kind that src/ never raises', () => {
    const all = [...sources.values()].join('\n');
    const unused = Object.keys(alertCatalogue).filter((kind) => !all.includes(`'${kind}'`));
    assert.deepEqual(unused, [], 'remove these from src/alerts/catalogue.ts, or raise them');
  });
});
