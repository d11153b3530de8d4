// Comments point to docs/ pages: never to documents a reader of the repository cannot open.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { projectRoot } from '../../src/platform/paths';

// Spelled in parts so that this file does not match itself.
const outsideDocuments = new RegExp(['DESIGN', 'md'].join('\\.') + '|' + ['seed', '00\\d'].join(' '), 'i');

function sourceFiles(relative: string): string[] {
  return fs.readdirSync(path.join(projectRoot, relative), { withFileTypes: true }).flatMap((entry) => {
    const file = `${relative}/${entry.name}`;
    if (entry.isDirectory()) return file === 'test/histories' ? [] : sourceFiles(file);
    return /\.(ts|mjs|js)$/.test(entry.name) ? [file] : [];
  });
}

describe('comments', () => {
  it('cite no document outside the repository', () => {
    const citing = ['src', 'dev', 'test', 'scripts'].flatMap(sourceFiles).flatMap((file) =>
      fs
        .readFileSync(path.join(projectRoot, file), 'utf8')
        .split('\n')
        .map((line, i) => ({ line, at: `${file}:${i + 1}` }))
        .filter(({ line }) => outsideDocuments.test(line))
        .map(({ at, line }) => `${at}: ${line.trim()}`),
    );
    assert.deepEqual(citing, [], 'point to a docs/ page instead');
  });
});
