// `npm run validate:compose`: both compose files against the Compose Specification's JSON schema and
// the house rules (no Docker engine needed). Exit 1 with every problem listed.
import path from 'node:path';
import { checkComposeFile } from '../dev/compose';
import { projectRoot } from '../src/platform/paths';

const files = ['docker-compose.yml', 'docker-compose.production.yml'];
let failed = false;
for (const file of files) {
  const { problems } = checkComposeFile(path.join(projectRoot, file));
  console.log(`${file}: ${problems.length === 0 ? 'valid' : `${problems.length} problem(s)`}`);
  for (const problem of problems) console.log(`  ${problem}`);
  failed ||= problems.length > 0;
}
process.exitCode = failed ? 1 : 0;
