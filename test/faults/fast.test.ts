// The fault suite's fast tier on real servers and the real worker and bridge processes: a
// duplicate storm, one kill -9 of the worker, poison inputs, 1,000 fuzzed payloads and push envelopes
// naming a foreign topic, then a replay. Figures
// (recovery times included) are printed, not asserted; each scenario must pass.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { SuiteReport } from '../../dev/faults/report';
import { runFaultSuite, scenariosOf } from '../../dev/faults/scenarios/suite';

const lines: string[] = [];
let report: SuiteReport;

before(async () => {
  report = await runFaultSuite({ tier: 'fast', print: (line) => lines.push(line) });
  console.log(lines.join('\n'));
});

describe('fault suite, fast tier', () => {
  for (const { name } of scenariosOf('fast', 0)) {
    it(name, () => {
      const result = report.scenarios.find((r) => r.name === name);
      assert.ok(result, `${name} did not run`);
      assert.deepEqual(result.failures, [], `${name} failed`);
    });
  }
});
