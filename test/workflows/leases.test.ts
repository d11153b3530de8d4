// Processing leases on the date's run, on the time-skipping server: a processor that asks while another
// run holds the lease is refused until the lease is released, completed or past its TTL; leases
// survive continue-as-new; a closed date grants none.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { signalCompletion } from '../../src/date-run/client';
import { acquireLease, LeaseRequestError, releaseLease } from '../../src/leases/client';
import type { AcquireOutcome, AcquireRequest } from '../../src/leases/table';
import { workflowIdFor } from '../../src/pipeline/ids';
import { gameDayWorkflow } from '../../src/game-day/workflow';
import { leasesQuery } from '../../src/leases/updates';
import { acquireLeaseUpdate } from '../../src/leases/updates';
import { openSignal } from '../../src/date-run/signals';
import { statusQuery } from '../../src/date-run/status';
import { completion, processorNames } from '../helpers/messages';
import { eventually } from '../helpers/eventually';
import { memoryRunHistory, timeSkippingWorker, type TestWorker } from '../helpers/servers';
import { recordingActivities } from '../helpers/activities';

const taskQueue = 'leases-test';
const summary = 'PlayerGameSummaryProcessor';
const runHistory = memoryRunHistory();
let testWorker: TestWorker;

before(async () => {
  testWorker = await timeSkippingWorker(taskQueue, {
    ...runHistory.activities,
    publishTrigger: recordingActivities().activities.publishTrigger,
  });
});

after(() => testWorker.stop());

const acquireFor = (date: string, request: AcquireRequest) => acquireLease(testWorker.client, taskQueue, date, request);
const leasesOf = (date: string) => testWorker.client.workflow.getHandle(workflowIdFor(date)).query(leasesQuery);
const statusOf = (date: string) => testWorker.client.workflow.getHandle(workflowIdFor(date)).query(statusQuery);
const now = () => testWorker.env.currentTimeMs();

function refusedHolder(outcome: AcquireOutcome): string | undefined {
  assert.equal(outcome.granted, false, 'refused');
  return outcome.granted ? undefined : outcome.lease?.holder;
}

describe('processing leases on the game-day run', () => {
  it('opens the date with the first acquire and refuses a second run while the first holds the lease', async () => {
    const date = '2025-09-01';
    const first = await acquireFor(date, { processor: summary, holder: 'run-1', ttl_seconds: 600 });
    assert.ok(first.granted, 'the first run gets the lease');
    assert.equal((await testWorker.client.workflow.getHandle(workflowIdFor(date)).describe()).status.name, 'RUNNING');

    const second = await acquireFor(date, { processor: summary, holder: 'run-2' });
    assert.equal(refusedHolder(second), 'run-1');
    assert.ok(!second.granted);
    assert.equal(second.lease?.expires_at, first.lease.expires_at);
    assert.match(second.reason, new RegExp(`${summary} is held by run-1 until ${first.lease.expires_at}`));

    // Another processor of the same date is not held up.
    assert.equal((await acquireFor(date, { processor: 'TeamOffenseGameSummaryProcessor', holder: 'x' })).granted, true);
    const status = await statusOf(date);
    assert.deepEqual(status.leases?.map((l) => `${l.processor}/${l.holder}`).sort(), [
      `${summary}/run-1`,
      'TeamOffenseGameSummaryProcessor/x',
    ]);
  });

  it('grants the lease to the next run once the holder released it, or its completion arrived', async () => {
    const date = '2025-09-02';
    await acquireFor(date, { processor: summary, holder: 'run-1' });
    assert.deepEqual(await releaseLease(testWorker.client, date, { processor: summary, holder: 'run-2' }), {
      released: false,
      reason: `${summary}'s lease is held by run-1, not run-2`,
    });
    assert.equal((await releaseLease(testWorker.client, date, { processor: summary, holder: 'run-1' })).released, true);
    assert.equal((await acquireFor(date, { processor: summary, holder: 'run-2' })).granted, true);

    // run-2 publishes its completion (its execution_id is the holder): that ends its lease too.
    await signalCompletion(
      testWorker.env.client,
      taskQueue,
      completion('phase3', summary, date, { executionId: 'run-2' }),
    );
    await eventually(
      () => leasesOf(date),
      (l) => l.leases.length === 0,
      'the completion to release the lease',
    );
    assert.equal((await acquireFor(date, { processor: summary, holder: 'run-3' })).granted, true);
  });

  it('ends a lease at its TTL, so a crashed holder blocks the next run for one TTL at most', async () => {
    const date = '2025-09-03';
    const crashed = await acquireFor(date, { processor: summary, holder: 'crashed-run', ttl_seconds: 300 });
    assert.ok(crashed.granted);
    assert.equal(refusedHolder(await acquireFor(date, { processor: summary, holder: 'next-run' })), 'crashed-run');

    await testWorker.skipTo((await now()) + 299_000);
    assert.equal(refusedHolder(await acquireFor(date, { processor: summary, holder: 'next-run' })), 'crashed-run');

    await testWorker.skipTo(Date.parse(crashed.lease.expires_at) + 1_000);
    // The run's timer removed it: operators no longer see the dead holder.
    assert.deepEqual((await leasesOf(date)).leases, []);
    const next = await acquireFor(date, { processor: summary, holder: 'next-run' });
    assert.ok(next.granted);
    assert.equal(next.renewed, false);
  });

  it('keeps its leases across continue-as-new, and still ends them at their TTL', async () => {
    const date = '2025-09-04';
    const handle = await testWorker.client.workflow.signalWithStart(gameDayWorkflow, {
      workflowId: workflowIdFor(date),
      taskQueue,
      args: [{ gameDate: date, continueAsNewAfterEvents: 100 }],
      signal: openSignal,
      signalArgs: [],
    });
    const firstRunId = handle.signaledRunId;
    const held = await acquireFor(date, { processor: summary, holder: 'run-1', ttl_seconds: 1800 });
    assert.ok(held.granted);

    // A duplicate storm makes the history long: the run continues as new.
    const first = processorNames('phase2')[0]!;
    for (let i = 0; i < 200; i += 25) {
      await Promise.all(
        Array.from({ length: 25 }, () =>
          signalCompletion(testWorker.env.client, taskQueue, completion('phase2', first, date)),
        ),
      );
    }
    const chain = testWorker.client.workflow.getHandle(workflowIdFor(date));
    await eventually(
      () => chain.describe(),
      (d) => d.runId !== firstRunId,
      'a continue-as-new',
    );

    assert.equal(refusedHolder(await acquireFor(date, { processor: summary, holder: 'run-2' })), 'run-1');
    assert.deepEqual(
      (await statusOf(date)).leases?.map((l) => l.holder),
      ['run-1'],
    );
    await testWorker.skipTo(Date.parse(held.lease.expires_at) + 1_000);
    assert.deepEqual((await leasesOf(date)).leases, [], 'the new run ended it at its TTL');
    assert.equal((await acquireFor(date, { processor: summary, holder: 'run-2' })).granted, true);
  });

  it('grants no lease on a date that closed before, even after Temporal forgot its run', async () => {
    const date = '2025-09-05';
    runHistory.closed.set(date, {
      gameDate: date,
      runId: 'purged-run',
      workflowId: workflowIdFor(date),
      outcome: 'completed',
      correlationId: null,
      openedAt: '2025-09-05T12:00:00.000Z',
      closedAt: '2025-09-06T12:00:00.000Z',
    });
    const outcome = await acquireFor(date, { processor: summary, holder: 'late-run' });
    assert.equal(outcome.granted, false);
    assert.ok(!outcome.granted);
    assert.match(outcome.reason, /has closed \(late\)/);
    // The run that update-with-start opened ends as late; acquiring again finds it closed.
    assert.equal(await testWorker.client.workflow.getHandle(workflowIdFor(date)).result(), 'late');
    const again = await acquireFor(date, { processor: summary, holder: 'late-run' });
    assert.ok(!again.granted);
    assert.match(again.reason, /has closed/);
  });

  it('refuses a request no run could take before asking, and the run refuses it too', async () => {
    await assert.rejects(
      acquireFor('2025-09-06', { processor: 'NoSuchProcessor', holder: 'x' }),
      (error) => error instanceof LeaseRequestError && /unknown processor "NoSuchProcessor"/.test(error.message),
    );
    // Only a date names a run: nothing opens `game-day-tomorrow` or `game-day-2025-02-30`.
    for (const notADate of ['tomorrow', '2025-02-30', '2025-09-06/phase4']) {
      await assert.rejects(
        acquireFor(notADate, { processor: summary, holder: 'x' }),
        (error) => error instanceof LeaseRequestError && /is not a calendar date/.test(error.message),
      );
      await assert.rejects(
        testWorker.client.workflow.getHandle(workflowIdFor(notADate)).describe(),
        /not found/i,
        `no run opened for ${notADate}`,
      );
    }
    await assert.rejects(
      releaseLease(testWorker.client, 'tomorrow', { processor: summary, holder: 'x' }),
      LeaseRequestError,
    );
    const date = '2025-09-01';
    await assert.rejects(
      testWorker.client.workflow
        .getHandle(workflowIdFor(date))
        .executeUpdate(acquireLeaseUpdate, { args: [{ processor: summary, holder: 'x', ttl_seconds: 999_999 }] }),
      (error) => error instanceof WorkflowUpdateFailedError && /ttl_seconds must be/.test(String(error.cause?.message)),
    );
  });
});
