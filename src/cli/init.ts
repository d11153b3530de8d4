// `pipeline init`: what a deployment needs before the worker and bridge start, each step idempotent
// (the compose files run it as a one-shot service): Pub/Sub topics and subscriptions, the
// nba_orchestration dataset (in BIGQUERY_LOCATION) and its tables, the search attributes, the
// namespace retention, the Schedules. The processes create none of it: they check it exists. Only a
// local stack gets the sample datasets the pipeline reads (in production they are other teams').
import { Command, InvalidArgumentError } from 'commander';
import { loadProcessConfig } from '../platform/config';
import { connectTemporal, temporalClient } from '../platform/temporal-connection';

const steps = ['topics', 'tables', 'search-attributes', 'retention', 'schedules'] as const;
type Step = (typeof steps)[number];

export function initCommand(): Command {
  return (
    new Command('init')
      .description('create what the pipeline needs: topics and subscriptions, tables, search attributes, Schedules')
      .option('--skip <steps>', `comma-separated steps to leave out (${steps.join(', ')})`, parseSteps, [])
      .option('--json', 'print what each step did as JSON')
      // Bad usage exits 2, like every other command.
      .exitOverride((error) => process.exit(error.exitCode === 0 ? 0 : 2))
      .action(async (options: { skip: Step[]; json?: boolean }) => {
        const config = loadProcessConfig();
        // Loaded here, not at the CLI's start: other commands start without the Google Cloud clients.
        const [{ createBigQuery }, { createPubSub }, { ensureRetention }, search, topology, schedules, datasets] =
          await Promise.all([
            import('../platform/bigquery'),
            import('../platform/clients'),
            import('../platform/infra/retention'),
            import('../platform/infra/search-attributes'),
            import('../platform/infra/topology'),
            import('../watch/schedules'),
            import('../platform/infra/datasets'),
          ]);
        const done: Record<string, unknown> = {};
        const run = (step: Step) => !options.skip.includes(step);
        if (run('topics')) {
          const pubsub = createPubSub(config);
          await topology.ensureTopology(pubsub);
          await pubsub.close();
          done.topics = 'ensured';
        }
        if (run('tables')) {
          done.datasets = await datasets.ensureDatasets(createBigQuery(config), {
            location: config.bigqueryLocation,
            samples: config.environment === 'local',
          });
        }
        if (!(['search-attributes', 'retention', 'schedules'] as const).some(run)) return print(done, options.json);
        const connection = await connectTemporal(config);
        try {
          const client = temporalClient(config, connection);
          const { namespace, taskQueue } = config.temporal;
          if (run('search-attributes'))
            done.searchAttributesAdded = await search.ensureSearchAttributes(connection, namespace);
          if (run('retention')) {
            await ensureRetention(client, namespace);
            done.retention = 'ensured';
          }
          if (run('schedules')) done.schedules = await schedules.ensureSchedules(client, taskQueue);
        } finally {
          await connection.close();
        }
        print(done, options.json);
      })
  );
}

function print(done: Record<string, unknown>, json?: boolean): void {
  console.log(json ? JSON.stringify(done, null, 2) : `initialized: ${Object.keys(done).join(', ')}`);
}

function parseSteps(value: string): Step[] {
  const names = value.split(',').map((s) => s.trim());
  const unknown = names.filter((n) => !(steps as readonly string[]).includes(n));
  if (unknown.length > 0) {
    throw new InvalidArgumentError(`unknown step(s) ${unknown.join(', ')}; expected some of ${steps.join(', ')}`);
  }
  return names as Step[];
}
