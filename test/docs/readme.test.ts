// The README is a front door: short, and its folder map names every folder under src/ and dev/.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { projectRoot } from '../../src/platform/paths';

const readme = fs.readFileSync(path.join(projectRoot, 'README.md'), 'utf8');

/** Every folder under src/ and dev/, at any depth, as `src/alerts/`. */
function sourceFolders(): string[] {
  const folders: string[] = [];
  const walk = (relative: string): void => {
    for (const entry of fs.readdirSync(path.join(projectRoot, relative), { withFileTypes: true })) {
      if (!entry.isDirectory()) continue;
      const folder = `${relative}/${entry.name}`;
      folders.push(`${folder}/`);
      walk(folder);
    }
  };
  for (const top of ['src', 'dev']) {
    folders.push(`${top}/`);
    walk(top);
  }
  return folders.filter((f) => f !== 'src/');
}

/** The folder map: the README's section of that name. */
function folderMap(text: string): string {
  const start = text.indexOf('## Folder map');
  assert.ok(start >= 0, 'the README has a "## Folder map" section');
  const end = text.indexOf('\n## ', start + 1);
  return text.slice(start, end < 0 ? undefined : end);
}

const missingFrom = (text: string, folders: string[]): string[] =>
  folders.filter((folder) => !folderMap(text).includes(`\`${folder}\``));

describe('the README', () => {
  it('is at most 150 lines', () => {
    const lines = readme.trimEnd().split('\n').length;
    assert.ok(lines <= 150, `README.md has ${lines} lines`);
  });

  it('names every folder under src/ and dev/ in its folder map', () => {
    const folders = sourceFolders();
    assert.ok(folders.includes('src/game-day/') && folders.includes('dev/stack/'));
    assert.deepEqual(missingFrom(readme, folders), [], 'add a line for each to the folder map');
  });

  it('finds a folder the map leaves out', () => {
    const withoutLeases = readme
      .split('\n')
      .filter((line) => !line.includes('`src/leases/`'))
      .join('\n');
    assert.deepEqual(missingFrom(withoutLeases, sourceFolders()), ['src/leases/']);
  });

  it('links to every page in docs/', () => {
    for (const page of fs.readdirSync(path.join(projectRoot, 'docs'))) {
      assert.ok(readme.includes(`(docs/${page})`), `README links docs/${page}`);
    }
  });
});
