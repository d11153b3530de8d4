// The patch registry keeps every workflow change of a release visible, and makes sure none outlives
// its window: a patch still in the code after its `retireAfter` release fails here.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { version } from '../../package.json';
import { workflowPatches } from '../../src/temporal/patches';

const sourceDir = path.resolve(__dirname, '../../src');

const sources = (): string[] =>
  fs
    .readdirSync(sourceDir, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts'))
    .map((file) => fs.readFileSync(path.join(sourceDir, file), 'utf8'));

/** The ids passed to `patched()` / `deprecatePatch()` anywhere in workflow code. */
function patchIdsInCode(): Map<string, string> {
  const found = new Map<string, string>();
  for (const file of fs.readdirSync(sourceDir, { recursive: true, encoding: 'utf8' })) {
    if (!file.endsWith('.ts')) continue;
    const source = fs.readFileSync(path.join(sourceDir, file), 'utf8');
    for (const match of source.matchAll(/\b(?:patched|deprecatePatch)\(\s*['"`]([^'"`]+)['"`]/g))
      found.set(match[1]!, file);
  }
  return found;
}

const releaseOrder = (a: string, b: string): number => {
  const [x, y] = [a, b].map((v) => v.split('.').map(Number));
  for (let i = 0; i < 3; i++) if (x![i] !== y![i]) return (x![i] ?? 0) - (y![i] ?? 0);
  return 0;
};

describe('the patch registry', () => {
  it('lists every patch the workflow code uses (ids as string literals)', () => {
    const unlisted = [...patchIdsInCode()].filter(([id]) => !workflowPatches.some((p) => p.id === id));
    assert.deepEqual(unlisted, [], 'patched() ids missing from src/temporal/patches.ts');
    const byConstant = sources().some((s) => /\b(?:patched|deprecatePatch)\(\s*[^'"`\s)]/.test(s));
    assert.equal(byConstant, false, 'pass patch ids as literals, so the registry check sees them');
  });

  it('holds no patch past its window, and each one in the code', () => {
    const inCode = patchIdsInCode();
    for (const patch of workflowPatches) {
      assert.ok(releaseOrder(patch.release, patch.retireAfter) <= 0, `${patch.id}: retires before it was added`);
      assert.ok(
        releaseOrder(version, patch.retireAfter) <= 0,
        `${patch.id} (added in ${patch.release}) should be gone after ${patch.retireAfter}; this is ${version}`,
      );
      assert.ok(inCode.has(patch.id), `${patch.id} is registered but no workflow uses it: remove it from the registry`);
    }
  });

  it('orders releases numerically', () => {
    assert.ok(releaseOrder('1.10.0', '1.9.0') > 0);
    assert.equal(releaseOrder('1.0.0', '1.0.0'), 0);
  });
});
