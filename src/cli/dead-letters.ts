// `pipeline dead-letters [--since 24h] [--json]`: what is on the review subscription, with reasons,
// left there for the next reader; `pipeline dead-letters replay --id … | --reason-prefix … [--dry-run]`
// re-publishes the chosen ones to their original topics (after a fix) and takes them off. Only the
// topics the pipeline consumes are replayed to: a dead letter's source_topic may come from outside.
import type { PubSub } from '@google-cloud/pubsub';
import Table from 'cli-table3';
import { InvalidArgumentError, type Command } from 'commander';
import type { ReviewedDeadLetter } from '../watch/dead-letter-review';
import { printable } from './status';

export interface DeadLettersCommandDeps {
  withPubSub: <T>(run: (pubsub: PubSub) => Promise<T>) => Promise<T>;
}

const units: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `30m`, `24h`, `7d` as milliseconds. */
export function durationMs(value: string): number {
  const match = /^(\d+)([mhd])$/.exec(value);
  if (!match || Number(match[1]) === 0) {
    throw new InvalidArgumentError(`expected a duration like 30m, 24h or 7d, got "${value}"`);
  }
  return Number(match[1]) * units[match[2]!]!;
}

const idList = (value: string): string[] => {
  const ids = value.split(',').map((id) => id.trim());
  if (ids.some((id) => !id)) throw new InvalidArgumentError(`expected message ids separated by commas, got "${value}"`);
  return ids;
};

export function addDeadLettersCommand(program: Command, deps: DeadLettersCommandDeps): void {
  const deadLetters = program
    .command('dead-letters')
    .enablePositionalOptions() // options after a subcommand are its own (e.g. --json); on the program too
    .description('list the dead letters on the review subscription, with reasons (they stay there)')
    .option('--since <duration>', 'only those dead-lettered within this long, e.g. 30m, 24h, 7d', durationMs)
    .option('--json', 'print them as JSON')
    .action(async (options: { since?: number; json?: boolean }) => {
      const letters = await deps.withPubSub(async (pubsub) => {
        const { openDeadLetterReview } = await reviewModule();
        const review = await openDeadLetterReview(pubsub); // holds nothing: every letter stays readable
        await review.finish();
        return review.letters.filter(within(options.since));
      });
      console.log(options.json ? JSON.stringify(letters.map(asJson), null, 2) : renderLetters(letters));
    });

  deadLetters
    .command('replay')
    .description('re-publish chosen dead letters to their original topics and take them off the review subscription')
    .option('--id <ids>', 'dead letter message ids, separated by commas', idList)
    .option('--reason-prefix <text>', 'every dead letter whose reason starts with this, e.g. "exhausted:"')
    .option('--since <duration>', 'only those dead-lettered within this long', durationMs)
    .option('--dry-run', 'say what would be replayed, and where; publish and take off nothing')
    .option('--json', 'print what was replayed as JSON')
    .action(
      async (
        options: { id?: string[]; reasonPrefix?: string; since?: number; dryRun?: boolean; json?: boolean },
        command: Command,
      ) => {
        if (!options.id === !options.reasonPrefix) {
          command.error('error: give exactly one of --id or --reason-prefix', { exitCode: 2 });
        }
        const chosen = (letter: ReviewedDeadLetter) =>
          (options.id ? options.id.includes(letter.id) : letter.reason.startsWith(options.reasonPrefix!)) &&
          within(options.since)(letter);
        const outcome = await deps.withPubSub(async (pubsub) => {
          const { openDeadLetterReview, replayDeadLetters } = await reviewModule();
          const review = await openDeadLetterReview(pubsub, { hold: chosen });
          const missing = (options.id ?? []).filter((id) => !review.held.some((l) => l.id === id));
          return { ...(await replayDeadLetters(pubsub, review, { dryRun: options.dryRun })), missing };
        });
        const summary = {
          ...(options.dryRun ? { dry_run: true } : {}),
          [options.dryRun ? 'would_replay' : 'replayed']: outcome.replayed.map((l) => ({
            id: l.id,
            topic: l.sourceTopic,
          })),
          not_replayable: outcome.notReplayable.map(({ letter, why }) => ({
            id: letter.id,
            topic: letter.sourceTopic,
            why,
          })),
          not_found: outcome.missing,
        };
        if (options.json) console.log(JSON.stringify(summary, null, 2));
        else {
          const verb = options.dryRun ? 'would replay' : 'replayed';
          for (const r of outcome.replayed) console.log(`${verb} ${r.id} → ${printable(r.sourceTopic ?? '')}`);
          for (const n of summary.not_replayable) {
            console.log(
              `not replayed ${n.id} (source_topic ${printable(JSON.stringify(n.topic))}): ${printable(n.why)}`,
            );
          }
          for (const id of summary.not_found) console.log(`not found ${printable(id)}`);
          console.log(`${outcome.replayed.length} ${verb}${options.dryRun ? ' (dry run: nothing published)' : ''}`);
        }
        process.exitCode = summary.not_replayable.length + summary.not_found.length > 0 ? 1 : 0;
      },
    );
}

const within =
  (sinceMs?: number) =>
  (letter: ReviewedDeadLetter): boolean =>
    sinceMs === undefined || Date.parse(letter.publishedAt) >= Date.now() - sinceMs;

function asJson(letter: ReviewedDeadLetter) {
  return {
    id: letter.id,
    published_at: letter.publishedAt,
    reason: letter.reason,
    source_topic: letter.sourceTopic,
    source_message_id: letter.sourceMessageId,
    attributes: letter.originalAttributes,
    data: letter.data.toString('utf8'),
  };
}

function renderLetters(letters: ReviewedDeadLetter[]): string {
  if (letters.length === 0) return 'no dead letters on the review subscription';
  const table = new Table({
    head: ['id', 'dead-lettered at', 'source topic', 'reason'],
    style: { head: [], border: [] },
  });
  for (const l of letters) {
    table.push([l.id, l.publishedAt, printable(l.sourceTopic ?? ''), printable(l.reason).slice(0, 100)]);
  }
  return `${table.toString()}\n${letters.length} dead letters (left on the subscription; replay with pipeline dead-letters replay)`;
}

/** Loaded by the command that needs it: other commands start without the Pub/Sub client. */
const reviewModule = () => import('../watch/dead-letter-review');
