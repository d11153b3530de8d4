// The seed's week on the time-skipping server: seven consecutive days on the seed's clock, with the
// product's own workflows on a real worker. Scrapers report last night's games from 01:00 to 06:00
// New York, analytics follow, the results hand over to the slate of the next game date, features
// are done by 08:30 and predictions start from them, before the 06:00 Los Angeles backup. The week
// holds five ordinary nights (one of them loses a completion on a cold start, which the 07:30
// reconcile mends), a day without games, a night whose gamebooks come at 14:45 (seed 003's Feb 4)
// and a 3-minute BigQuery outage at 06:00 Los Angeles. The Schedules are played by the test: the
// opener at 00:05 Los Angeles, reconcile at 07:30 and health at 08:00 New York, the tonight refresh at
// 18:00 UTC. Doubles stand only for I/O: Pub/Sub publishes, BigQuery reads, the processors' run
// history and alert delivery; alerts go through the real once-per-(kind, date) path.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { createAlertActivities, type Alert } from '../../src/alerts/activities';
import type { ScheduledDay } from '../../src/schedule/activities';
import type { ExportRun } from '../../src/exports/activities';
import type { ReconcileRequest } from '../../src/watch/activities';
import { alertWorkflowId } from '../../src/alerts/alert';
import type { ProcessorRun } from '../../src/watch/queries';
import { signalCompletion } from '../../src/date-run/client';
import { stuckDates, type OpenRunListing } from '../../src/watch/health';
import { lateProcessor, type HealthProblem, type HealthReport } from '../../src/watch/rules';
import type { Completion } from '../../src/messages/completion';
import { addDays } from '../../src/time';
import type { ExportComplete } from '../../src/messages/export-message';
import type { Trigger, TriggerRequest } from '../../src/messages/trigger';
import { phaseDefinition, pipeline, type PhaseKey } from '../../src/pipeline/definition';
import { schedules, type ScheduledExportJob } from '../../src/pipeline/exports';
import { workflowIdFor } from '../../src/pipeline/ids';
import { zonedInstant } from '../../src/time';
import { reconcile } from '../../src/watch/reconcile';
import { statusQuery } from '../../src/date-run/status';
import { healthWorkflow, reconcileWorkflow } from '../../src/watch/workflow';
import { openGameDayWorkflow, scheduledExportWorkflow } from '../../src/exports/scheduled';
import { calendarDateIn } from '../../src/time';
import { completion, predictionBatch, processorNames } from '../helpers/messages';
import { memoryRunHistory, timeSkippingWorker, type TestWorker } from '../helpers/servers';

const taskQueue = 'week-test';
const newYork = 'America/New_York';
const losAngeles = pipeline.phase5.timeZone;
const minutes = (n: number) => n * 60_000;

let env: TestWorkflowEnvironment;
let testWorker: TestWorker;
/** The plain client (its waits never move the clock) the real Temporal-side activities use. */
let client: Client | undefined;

// ── The week ────────────────────────────────────────────────────────────────────────────────────

/** Day 0 leads in (its slate has no night before it in the test); days 1–7 are the week. */
let days: string[] = [];
const day = (n: number) => days[n]!;
/** The night whose gamebooks come at 14:45 New York the next day. */
const lateNight = () => day(5);
/** The night that loses a completion on a cold start. */
const coldStartNight = () => day(2);
const lostOnColdStart = 'OddsApiGameLinesProcessor';
/** The day the schedule has no games. */
const noGamesDay = () => day(4);
/** BigQuery answers nothing from 06:00 to 06:03 Los Angeles that morning. */
const outageDay = () => day(6);
const outage = () => {
  const from = zonedInstant(outageDay(), '06:00', losAngeles);
  return { from, to: from + minutes(3) };
};

const hasGames = (date: string) => date !== noGamesDay();

// ── What the doubles saw ────────────────────────────────────────────────────────────────────────

interface Published {
  topic: string;
  message: Trigger;
  at: number;
}
const published: Published[] = [];
const exportReports: ExportComplete[] = [];
/** Alerts delivered (after the once-per-(kind, date) dedupe), with when. */
const delivered: Array<Alert & { at: number }> = [];
/** processor_run_history: every run the processors made, including the completion lost on the way. */
const processorRuns: ProcessorRun[] = [];
const bigQueryCalls: Array<{ read: string; at: number; failed: boolean }> = [];
const history = memoryRunHistory();

/** The server's time when the activity was scheduled: the doubles' clock. */
const activityTime = () => Context.current().info.currentAttemptScheduledTimestampMs;

/** A BigQuery read: it throws during the outage. */
function bigQuery<T>(read: string, answer: () => T): Promise<T> {
  const at = activityTime();
  const { from, to } = outage();
  const failed = at >= from && at < to;
  bigQueryCalls.push({ read, at, failed });
  if (failed) return Promise.reject(new Error('BigQuery: 503 Service Unavailable'));
  return Promise.resolve(answer());
}

const scheduleOf = (gameDate: string): ScheduledDay =>
  hasGames(gameDate)
    ? { gameDate, verdict: 'games', games: 6, before: 40, after: 40 }
    : { gameDate, verdict: 'no_games', games: 0, before: 40, after: 40 };

// ── The agenda: what happens when, in server time ────────────────────────────────────────────────

interface Happening {
  at: number;
  what: string;
  run: () => Promise<void>;
}
const agenda: Happening[] = [];
function plan(at: number, what: string, run: () => Promise<void>): void {
  agenda.push({ at, what, run });
}

const send = async (c: Completion) => {
  await signalCompletion(client!, taskQueue, c);
};

/** A processor runs: it writes its run history, and publishes its completion unless the message is lost. */
function processorRan(phase: PhaseKey, processor: string, gameDate: string, at: number, lost = false): void {
  plan(at, `${phase} ${processor} ${gameDate}`, async () => {
    const message = completion(phase, processor, gameDate, {
      timestamp: new Date(at).toISOString(),
      ...(phase === 'phase4' && processor === 'ml_feature_store_v2'
        ? { metadata: { players_ready: 448, players_total: 450 } }
        : {}),
    });
    processorRuns.push({
      processor,
      phase: phaseDefinition(phase).seedName,
      dataDate: gameDate,
      status: 'success',
      executionId: message.executionId,
      correlationId: message.correlationId ?? null,
      completedAt: new Date(at).toISOString(),
      recordCount: 100,
    });
    if (!lost) await send(message);
  });
}

/** What the processors do when a trigger reaches them (seed 004's services), minutes after it. */
function processorsAnswer(topic: string, message: Trigger, at: number): void {
  const { topics } = pipeline;
  if (topic === topics.phase3Trigger) {
    processorNames('phase3').forEach((name, i) =>
      processorRan('phase3', name, message.game_date, at + minutes(5 + 3 * i)),
    );
  } else if (topic === topics.phase4Trigger && message.phase === 'phase4' && 'level' in message) {
    message.processors.forEach((name, i) => processorRan('phase4', name, message.game_date, at + minutes(10 + 5 * i)));
  } else if (topic === topics.phase5Start) {
    plan(at + minutes(20), `predictions ${message.game_date}`, () => send(predictionBatch(message.game_date, 1, 99.6)));
  }
}

/** The scrapers and raw processors of the night after `gameDate`'s games: 01:00 to 06:00 New York. */
function night(gameDate: string): void {
  const next = addDays(gameDate, 1);
  processorNames('phase2').forEach((name, i) => {
    const late = gameDate === lateNight() && name === 'NbacGamebookProcessor';
    const at = late ? zonedInstant(next, '14:45', newYork) : zonedInstant(next, '01:00', newYork) + minutes(15 * i);
    processorRan('phase2', name, gameDate, at, gameDate === coldStartNight() && name === lostOnColdStart);
  });
}

/** The Schedules of one calendar day, as the test server has none: each starts its workflow at its time. */
function schedulesOf(date: string): void {
  const start = async <A extends unknown[]>(workflow: (...args: A) => Promise<unknown>, id: string, args: A) => {
    const handle = await client!.workflow.start(workflow, { taskQueue, workflowId: `${id}-${date}`, args });
    await handle.result();
  };
  plan(zonedInstant(date, '00:05', losAngeles), `opener ${date}`, () => start(openGameDayWorkflow, 'opener', []));
  plan(zonedInstant(date, '07:30', newYork), `reconcile ${date}`, () => start(reconcileWorkflow, 'reconcile', []));
  plan(zonedInstant(date, '08:00', newYork), `health ${date}`, () => start(healthWorkflow, 'health', []));
  const refresh = schedules.find((s) => s.id === 'phase6-tonight-picks')!;
  const job = (refresh.workflow === 'scheduledExportWorkflow' && refresh.job) as ScheduledExportJob;
  plan(zonedInstant(date, '18:00', 'UTC'), `refresh ${date}`, () => start(scheduledExportWorkflow, 'refresh', [job]));
}

// ── Settling: the runs have reacted to what just happened before the clock moves on ──────────────

async function openExecutions(): Promise<Array<{ workflowId: string; runId: string }>> {
  const { executions } = await env.connection.workflowService.listOpenWorkflowExecutions({
    namespace: env.namespace ?? 'default',
    maximumPageSize: 1000,
  });
  return executions.map((e) => ({ workflowId: e.execution!.workflowId!, runId: e.execution!.runId! }));
}

/**
 * The last events of a workflow task that leave a run waiting on nothing but time or a message:
 * workflow task completed (7), timer started (17) or canceled (19), marker (25), search attributes
 * (40), properties modified (46). Any other last event means the run, or its worker, is at work.
 */
const restingEvents = new Set([7, 17, 19, 25, 40, 46]);
const restingSeen = new Map<string, { length: string; resting: boolean }>();

/** Waits until every open run rests: no activity pending, no workflow task or child start under way. */
async function settle(): Promise<void> {
  for (let round = 0; round < 3000; round += 1) {
    const open = await openExecutions();
    const busy = await Promise.all(
      open.map(async ({ workflowId, runId }) => {
        const handle = client!.workflow.getHandle(workflowId, runId);
        const { raw } = await handle.describe();
        if ((raw.pendingActivities?.length ?? 0) > 0) return true;
        const key = `${workflowId}/${runId}`;
        const length = String(raw.workflowExecutionInfo?.historyLength ?? '');
        let seen = restingSeen.get(key);
        if (!seen || !length || seen.length !== length) {
          const { events } = await handle.fetchHistory();
          seen = { length, resting: restingEvents.has(Number(events?.at(-1)?.eventType)) };
          restingSeen.set(key, seen);
        }
        return !seen.resting;
      }),
    );
    if (!busy.some(Boolean)) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('the runs never came to rest');
}

// ── The worker ───────────────────────────────────────────────────────────────────────────────────

/** Open game-day runs by workflow id (the Java test server lists open runs, without search attributes). */
async function* openGameDayRuns(): AsyncIterable<OpenRunListing> {
  for (const { workflowId } of await openExecutions()) {
    const gameDate = /^game-day-(\d{4}-\d{2}-\d{2})$/.exec(workflowId)?.[1];
    if (gameDate) yield { workflowId, gameDate, backfill: false };
  }
}

/** `processor_run_history` as BigQuery's first-run query answers it. */
function firstRunsBetween(from: string, to: string): ProcessorRun[] {
  const first = new Map<string, ProcessorRun>();
  for (const run of [...processorRuns].sort((a, b) => a.completedAt!.localeCompare(b.completedAt!))) {
    if (run.dataDate < from || run.dataDate > to) continue;
    const key = `${run.processor} ${run.dataDate}`;
    if (!first.has(key)) first.set(key, run);
  }
  return [...first.values()];
}

before(async () => {
  testWorker = await timeSkippingWorker(taskQueue, {
    ...history.activities,
    publishTrigger({ topic, message }: TriggerRequest) {
      const at = Date.parse(message.timestamp);
      published.push({ topic, message, at });
      processorsAnswer(topic, message, at);
      return Promise.resolve(`message-${published.length}`);
    },
    sendAlert: (alert: Alert) => createAlertActivities(client!, {}).sendAlert(alert),
    deliverAlertRoute({ route, alert }: { route: string; alert: Alert }) {
      if (route === 'log') delivered.push({ ...alert, at: activityTime() });
      return Promise.resolve('delivered' as const);
    },
    scheduledDay: (gameDate: string) => bigQuery('schedule', () => scheduleOf(gameDate)),
    nextGameDate: (gameDate: string) =>
      bigQuery('next game date', () => {
        let next = addDays(gameDate, 1);
        while (!hasGames(next)) next = addDays(next, 1);
        return next;
      }),
    featureRowCount: () => bigQuery('features', () => 450),
    playersMissingPredictions: () => bigQuery('missing predictions', (): string[] => []),
    predictionCoverage: () => bigQuery('coverage', () => ({ predicted: 446, expected: 450, pct: 99.1 })),
    closedRunOf: (gameDate: string) =>
      bigQuery('closed run', () => null).then(() => history.activities.closedRunOf(gameDate)),
    runExport: (request: ExportRun) =>
      Promise.resolve({
        exportType: request.exportType,
        paths: [`v1/${request.exportType}/${request.targetDate}.json`],
        rowCount: 448,
      }),
    publishExportComplete(report: ExportComplete) {
      exportReports.push(report);
      return Promise.resolve(`export-complete-${exportReports.length}`);
    },
    // The health check's Temporal part is the product's; its BigQuery part reads the doubles.
    async checkHealth(at?: string): Promise<HealthReport> {
      const now = at ? Date.parse(at) : activityTime();
      const today = calendarDateIn(newYork, new Date(now));
      const problems: HealthProblem[] = [
        ...(await stuckDates(client!, now, openGameDayRuns())),
        ...[...history.closed.values()]
          .filter((run) => run.outcome === 'expired')
          .map((run): HealthProblem => ({ kind: 'date-expired', game_date: run.gameDate, detail: 'expired' })),
        ...firstRunsBetween(addDays(today, -pipeline.watch.lookbackDays), today).flatMap(
          (run) => lateProcessor(run) ?? [],
        ),
      ];
      return { healthy: problems.length === 0, checked_at: new Date(now).toISOString(), problems };
    },
    reconcileDates: ({ days: n, fix, at }: ReconcileRequest) =>
      reconcile({
        client: client!,
        runsBetween: (from, to) => Promise.resolve(firstRunsBetween(from, to)),
        closedRunOf: () => Promise.resolve(null),
        taskQueue,
        days: n,
        fix,
        ...(at ? { now: new Date(at) } : {}),
      }),
  });
  env = testWorker.env;
  client = testWorker.client;

  // Day 0 is a few days ahead of the server's clock, so every deadline of the week lies ahead.
  const today = calendarDateIn(losAngeles, new Date(await env.currentTimeMs()));
  days = Array.from({ length: 9 }, (_, i) => addDays(today, 3 + i));
  for (let n = 0; n <= 8; n += 1) {
    schedulesOf(day(n));
    if (n <= 7 && hasGames(day(n))) night(day(n));
  }
  await runTheAgenda(zonedInstant(day(8), '23:00', newYork));
});

after(() => testWorker.stop());

/** Plays the agenda in time order; what the runs publish on the way adds to it. */
async function runTheAgenda(until: number): Promise<void> {
  for (;;) {
    agenda.sort((a, b) => a.at - b.at);
    const next = agenda[0];
    if (!next || next.at > until) break;
    agenda.shift();
    await testWorker.skipTo(next.at);
    try {
      await settle();
      await next.run();
      await settle();
    } catch (error) {
      throw new Error(`at ${new Date(next.at).toISOString()}, ${next.what}: ${String(error)}`);
    }
  }
  await testWorker.skipTo(until);
  await settle();
}

// ── What the week shows ──────────────────────────────────────────────────────────────────────────

const startsOf = (date: string) =>
  published.filter(
    (p) => p.topic === pipeline.topics.phase5Start && p.message.game_date === date && 'players_ready' in p.message,
  );
const pages = () => delivered.filter((a) => a.severity === 'critical');
const backupAt = (date: string) => zonedInstant(date, pipeline.phase5.backupAt, losAngeles);
const clock = (at: number, zone = newYork) =>
  new Intl.DateTimeFormat('en-GB', { timeZone: zone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(at);
const statusOf = (date: string) => client!.workflow.getHandle(workflowIdFor(date)).query(statusQuery);
/** An instant as the table shows it: the time in New York, with its date when not `date`. */
function timeOn(instant: number, date: string): string {
  const onDate = calendarDateIn(newYork, new Date(instant));
  return `${onDate === date ? '' : `${onDate} `}${clock(instant)} ET`;
}
function nightNotes(night: string): string {
  if (night === lateNight()) return 'late: gamebooks at 14:45 ET';
  if (night === coldStartNight()) return `on time; ${lostOnColdStart} lost, mended by the 07:30 reconcile`;
  if (!hasGames(night)) return 'no games';
  return 'on time';
}
const weekday = (date: string) =>
  new Intl.DateTimeFormat('en-GB', { weekday: 'short', timeZone: 'UTC' }).format(Date.parse(date));

describe("the seed's week", () => {
  it('prints the week: per day, how predictions started, when, and what paged', async () => {
    const rows = [];
    for (const n of [1, 2, 3, 4, 5, 6, 7]) {
      const date = day(n);
      const [start] = startsOf(date);
      const { slate } = await statusOf(date);
      const onDay = (a: { at: number }) => calendarDateIn(newYork, new Date(a.at)) === date;
      const alertText = (a: Alert & { at: number }) => `${a.kind} ${a.game_date} at ${clock(a.at)} ET`;
      const night = addDays(date, -1);
      rows.push({
        day: `${weekday(date)} ${date}`,
        'last night': nightNotes(night),
        'handed over': slate?.results_of
          ? `results of ${slate.results_of} at ${slate.handed_over_at ? timeOn(Date.parse(slate.handed_over_at), date) : '?'}`
          : '—',
        predictions: !hasGames(date) ? 'none (no games)' : (start?.message.trigger_source ?? 'never'),
        when: start ? `${timeOn(start.at, date)} / ${clock(start.at, losAngeles)} PT` : '',
        paged: pages().filter(onDay).map(alertText).join('; ') || '—',
        warnings:
          delivered
            .filter((a) => a.severity === 'warning' && onDay(a))
            .map(alertText)
            .sort()
            .join('; ') || '—',
      });
    }
    console.log(`\nThe seed's week, ${day(1)} to ${day(7)} (times New York / Los Angeles):`);
    console.table(rows);
    const failed = bigQueryCalls.filter((c) => c.failed);
    console.log(
      `BigQuery down ${clock(outage().from, losAngeles)}–${clock(outage().to, losAngeles)} PT on ${outageDay()}: ${failed.length} reads failed (${[...new Set(failed.map((c) => c.read))].join(', ')}) and were retried`,
    );
  });

  it('on every on-time night, predictions start from phase 4, before the 06:00 PT backup', () => {
    for (const n of [1, 2, 3, 5, 7]) {
      const date = day(n);
      const starts = startsOf(date);
      assert.equal(starts.length, 1, `${date}: one start`);
      const [start] = starts;
      assert.equal(start!.message.trigger_source, 'orchestrator', `${date}: started by the orchestrator`);
      assert.ok(start!.at < backupAt(date), `${date}: ${new Date(start!.at).toISOString()} is before the backup`);
    }
  });

  it('the slate after the late night starts by the backup, through the BigQuery outage', () => {
    const date = day(6);
    const starts = startsOf(date);
    assert.equal(starts.length, 1);
    const [start] = starts;
    assert.equal(start!.message.trigger_source, 'backup');
    assert.ok(start!.at >= backupAt(date) && start!.at <= backupAt(date) + pipeline.phase5.backupWaitsUpTo);
    assert.ok(
      bigQueryCalls.some((c) => c.failed),
      'the outage met a read',
    );
  });

  it('the late night pages once, at 08:00 ET the same morning, and nothing else pages all week', () => {
    assert.deepEqual(
      pages().map((a) => [a.kind, a.game_date]),
      [['date-stuck', lateNight()]],
    );
    const healthCheck = zonedInstant(addDays(lateNight(), 1), '08:00', newYork);
    const [page] = pages();
    assert.ok(page!.at >= healthCheck && page!.at < healthCheck + minutes(1), 'at the 08:00 check');
    assert.match(page!.title, /waits on phase2 \(20\/21, missing NbacGamebookProcessor\)/);
    // The warnings of the week: the lost completion, and what the late night made late.
    assert.deepEqual(
      delivered
        .filter((a) => a.severity === 'warning')
        .map((a) => [a.kind, a.game_date])
        .sort(),
      [
        ['late-processor', lateNight()], // the gamebooks
        ['late-processor', day(6)], // the slate's features, after the late hand-over
        ['lost-completions', coldStartNight()],
      ],
    );
  });

  it("the lost completion is mended by the 07:30 reconcile, in time for the night's hand-over", async () => {
    const lost = delivered.filter((a) => a.kind === 'lost-completions');
    assert.deepEqual(
      lost.map((a) => [a.game_date, a.severity]),
      [[coldStartNight(), 'warning']],
    );
    const phase3 = published.filter(
      (p) => p.topic === pipeline.topics.phase3Trigger && p.message.game_date === coldStartNight(),
    );
    assert.equal(phase3.length, 1);
    assert.equal(phase3[0]!.message.trigger_source, 'reconcile');
    const { slate } = await statusOf(day(3));
    assert.equal(slate?.results_of, coldStartNight());
  });

  it('the day without games has no slate: the night before it hands over to the next game date', async () => {
    assert.equal(startsOf(noGamesDay()).length, 0);
    const { slate } = await statusOf(day(5));
    assert.equal(slate?.results_of, day(3));
    const [start] = startsOf(day(5));
    assert.ok(start!.at < backupAt(noGamesDay()), 'on the morning after the night, not a day later');
  });

  it('each tonight export goes out once, plus the 1 PM refresh', () => {
    for (const n of [1, 2, 3, 5, 6, 7]) {
      const date = day(n);
      const tonight = exportReports.filter((r) => r.target_date === date && r.export_types.includes('tonight'));
      assert.deepEqual(
        tonight.map((r) => r.trigger_source).sort(),
        ['orchestrator', 'scheduler'],
        `${date}: the event-driven export and the refresh`,
      );
    }
  });

  it('each run of the week closes', async () => {
    for (const n of [1, 2, 3, 4, 5, 6, 7]) {
      const date = day(n);
      const handle = client!.workflow.getHandle(workflowIdFor(date));
      assert.equal((await handle.describe()).status.name, 'COMPLETED', date);
      assert.equal(await handle.result(), hasGames(date) ? 'completed' : 'no_games', date);
    }
    for (const alert of delivered) await client!.workflow.getHandle(alertWorkflowId(alert)).result();
  });
});
