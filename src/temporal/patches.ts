// The patch registry: every patch id in workflow code (`wf.patched`) is listed here, with the release that
// added it and the release after which it must be gone. Release 1.0 starts with none: no earlier
// build ever ran in production. test/workflows/patches.test.ts fails when a patch is missing from the
// registry or has outlived its window.
//
// A patch lives through the releases whose runs can still be open when the next one deploys (a run
// stays open 3 days and 6 hours at most): add it in release R with `retireAfter` the next release;
// then `patched()` becomes `deprecatePatch()`, and a release later both go.

export interface WorkflowPatch {
  /** The id passed to `wf.patched()` / `wf.deprecatePatch()`. */
  id: string;
  /** The release that introduced it (package.json `version`). */
  release: string;
  /** The last release that may still contain it. */
  retireAfter: string;
  /** What changed, for the next engineer. */
  why: string;
}

export const workflowPatches: readonly WorkflowPatch[] = [];
