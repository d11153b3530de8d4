// `pipeline --version`: the release (package.json) and the build id the image was given, if any.
import fs from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../platform/paths';

export function version(): string {
  const { version: release } = JSON.parse(fs.readFileSync(path.join(projectRoot, 'package.json'), 'utf8')) as {
    version: string;
  };
  const build = process.env.TEMPORAL_WORKER_BUILD_ID?.trim();
  return build ? `${release} (build ${build})` : release;
}
