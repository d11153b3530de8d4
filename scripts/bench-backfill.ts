// `npm run bench:backfill`: four seasons of past game dates backfilled through phase 4 (one
// backfill per season, run side by side), next to the bare Temporal ceiling (empty workflows per
// minute) measured in the same run on the same dev server. The processors answer as the seed's do
// when a backfill asks them to skip downstream triggers: they publish no completion and write
// their processor_run_history rows (a run-history double in this process), which the backfill
// reads. Figures go to bench-results/backfill.json.
import fs from 'node:fs';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { createBackfillActivities, type BackfillReads } from '../src/backfill/activities';
import type { Alert } from '../src/alerts/alert';
import { backfillDatesOf } from '../src/backfill/reads';
import type { ClosedRun } from '../src/run-history/run-history';
import { addDays } from '../src/time';
import type { TriggerRequest } from '../src/messages/trigger';
import { phaseDefinition } from '../src/pipeline/definition';
import { startDevServer, tempDir } from '../dev/stack/ephemeral';
import { root } from '../dev/stack/local';
import { backfillProgressQuery, backfillWorkflow, type BackfillProgress } from '../src/backfill/workflow';

const EMPTY_WORKFLOWS = Number(process.env.BENCH_EMPTY_WORKFLOWS ?? 400);
const SEASONS = Number(process.env.BENCH_SEASONS ?? 4);
const MAX_ACTIVE = Number(process.env.BENCH_MAX_ACTIVE ?? 25);
/** On a busy machine the whole load may take long: past this, the dates done so far are measured. */
const MAX_MINUTES = Number(process.env.BENCH_MAX_MINUTES ?? 60);
const taskQueue = 'bench-backfill';

/** A season's game dates: late October to mid-June, one day in seven without games. */
function seasonDates(startYear: number): string[] {
  const dates: string[] = [];
  let n = 0;
  for (let date = `${startYear}-10-22`; date <= `${startYear + 1}-06-15`; date = addDays(date, 1)) {
    if (n++ % 7 !== 6) dates.push(date);
  }
  return dates;
}

async function main(): Promise<void> {
  const dir = tempDir('bench-backfill');
  const temporal = await startDevServer(dir);
  const client = new Client({ connection: await Connection.connect({ address: temporal.address }) });
  const seasons = Array.from({ length: SEASONS }, (_, i) => 2021 + i);
  const schedule = seasons.flatMap(seasonDates);

  // processor_run_history and game_day_runs, as the processors and the runs write them.
  const runRows = new Map<string, { dataDate: string; processor: string; completedAt: string }[]>();
  const closed = new Map<string, ClosedRun>();
  const alerts: Alert[] = [];
  let triggers = 0;
  const required = (phase: 'phase3' | 'phase5') =>
    phaseDefinition(phase)
      .processors.filter((p) => !p.optional)
      .map((p) => p.name);
  const reads: BackfillReads = {
    backfillDates: (from, to) =>
      Promise.resolve(
        backfillDatesOf(
          schedule.filter((d) => d >= from && d <= addDays(to, 30)),
          from,
          to,
        ),
      ),
    latestProcessorSuccesses: (dates) => Promise.resolve(dates.flatMap((d) => runRows.get(d) ?? [])),
    closedRunOf: (date) => Promise.resolve(closed.get(date) ?? null),
  };
  const activities = {
    ...createBackfillActivities(client, reads, taskQueue),
    publishTrigger({ message }: TriggerRequest): Promise<string> {
      triggers += 1;
      const completedAt = new Date().toISOString();
      const names =
        message.phase === 'phase3'
          ? required('phase3')
          : message.phase === 'phase4' && 'level' in message
            ? message.processors
            : message.phase === 'phase5'
              ? required('phase5')
              : [];
      const rows = runRows.get(message.game_date) ?? [];
      rows.push(...names.map((processor) => ({ dataDate: message.game_date, processor, completedAt })));
      runRows.set(message.game_date, rows);
      return Promise.resolve(`message-${triggers}`);
    },
    closedRunOf: (date: string) => reads.closedRunOf(date),
    recordRunClosed: (run: ClosedRun) => Promise.resolve(void closed.set(run.gameDate, run)),
    recordRunEvents: () => Promise.resolve(),
    deadLetterCompletions: () => Promise.resolve(),
    scheduledDay: (gameDate: string) =>
      Promise.resolve({ gameDate, verdict: 'games' as const, games: 5, before: 10, after: 10 }),
    nextGameDate: (gameDate: string) => Promise.resolve(schedule.find((d) => d > gameDate) ?? null),
    sendAlert: (alert: Alert) => {
      alerts.push(alert);
      return Promise.resolve({ outcome: 'raised' as const, workflowId: `alert-${alerts.length}` });
    },
  };

  const connection = await NativeConnection.connect({ address: temporal.address });
  // The ceiling: empty workflows started and finished, 50 at a time, by an in-process worker.
  const emptyWorker = await Worker.create({
    connection,
    taskQueue: 'bench-empty',
    workflowsPath: require.resolve('./bench/empty-workflow'),
  });
  const emptyRun = emptyWorker.run();
  const emptyStart = performance.now();
  for (let i = 0; i < EMPTY_WORKFLOWS; i += 50) {
    await Promise.all(
      Array.from({ length: Math.min(50, EMPTY_WORKFLOWS - i) }, (_, j) =>
        client.workflow.execute('emptyWorkflow', { taskQueue: 'bench-empty', workflowId: `empty-${i + j}` }),
      ),
    );
  }
  const emptyPerMinute = EMPTY_WORKFLOWS / ((performance.now() - emptyStart) / 60_000);
  emptyWorker.shutdown();
  await emptyRun;

  const worker = await Worker.create({
    connection,
    taskQueue,
    workflowsPath: require.resolve('../src/worker/workflows'),
    activities,
  });
  const running = worker.run();

  // One backfill per season, side by side, as an operator splits four seasons.
  const started = performance.now();
  const handles = await Promise.all(
    seasons.map((year) => {
      const dates = seasonDates(year);
      const from = dates[0]!;
      const to = dates[dates.length - 1]!;
      return client.workflow.start(backfillWorkflow, {
        workflowId: `backfill-${from}-${to}-bench`,
        taskQueue,
        args: [
          { from, to, fromPhase: 3, throughPhase: 4, maxActive: MAX_ACTIVE, reason: 'bench', requestedBy: 'bench' },
        ],
      });
    }),
  );
  const progressNow = async () => Promise.all(handles.map((h) => h.query(backfillProgressQuery)));
  const report = setInterval(() => {
    progressNow()
      .then((all) => console.error(`${all.reduce((n, p) => n + p.done, 0)}/${schedule.length} dates done`))
      .catch(() => undefined);
  }, 15_000);
  const finished = Promise.all(handles.map((h) => h.result())).then((all) => ({ all, partial: false }));
  const timeUp = new Promise<'time-up'>((resolve) => setTimeout(() => resolve('time-up'), MAX_MINUTES * 60_000));
  const ended = await Promise.race([finished, timeUp]);
  const minutes = (performance.now() - started) / 60_000;
  let results: BackfillProgress[] = [];
  for (let attempt = 0; ended === 'time-up' && results.length === 0; attempt++) {
    results = await progressNow().catch(() => []); // a busy server may time a query out: ask again
  }
  if (ended !== 'time-up') results = ended.all;
  clearInterval(report);
  const done = results.reduce((n, p) => n + p.done, 0);

  const figures = {
    measured_at: new Date().toISOString(),
    seasons: SEASONS,
    game_dates: schedule.length,
    /** True when the time limit came before the last date: the rate is of the dates done by then. */
    partial: ended === 'time-up',
    through_phase: 4,
    max_active_per_backfill: MAX_ACTIVE,
    backfill_dates_done: done,
    backfill_dates_failed: results.reduce((n, p) => n + p.failed.length, 0),
    backfill_minutes: Number(minutes.toFixed(2)),
    backfill_dates_per_minute: Math.round(done / minutes),
    triggers_published: triggers,
    runs_closed: closed.size,
    alerts_raised: alerts.length,
    empty_workflows_per_minute: Math.round(emptyPerMinute),
    ratio_to_ceiling: Number((done / minutes / emptyPerMinute).toFixed(3)),
  };
  console.log(JSON.stringify(figures, null, 2));
  fs.mkdirSync(path.join(root, 'bench-results'), { recursive: true });
  fs.writeFileSync(path.join(root, 'bench-results/backfill.json'), `${JSON.stringify(figures, null, 2)}\n`);

  await Promise.all(handles.map((h) => h.terminate('bench over').catch(() => undefined)));
  worker.shutdown();
  await running;
  await temporal.stop();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
