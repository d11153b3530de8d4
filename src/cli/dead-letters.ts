// `pipeline dead-letters [--since 24h] [--json]`: what is on the review subscription, with reasons,
// left there for the next reader; `pipeline dead-letters replay --id … | --reason-prefix …`
// re-publishes the chosen ones to their original topics (after a fix) and takes them off.
import type { PubSub } from '@google-cloud/pubsub';
import Table from 'cli-table3';
import { InvalidArgumentError, type Command } from 'commander';
import type { DeadLetterReview, ReviewedDeadLetter } from '../infra/dead-letter-review';
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
        const review = await openDeadLetterReview(pubsub);
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
    .option('--json', 'print what was replayed as JSON')
    .action(
      async (options: { id?: string[]; reasonPrefix?: string; since?: number; json?: boolean }, command: Command) => {
        if (!options.id === !options.reasonPrefix) {
          command.error('error: give exactly one of --id or --reason-prefix', { exitCode: 2 });
        }
        const outcome = await deps.withPubSub(async (pubsub) => {
          const { openDeadLetterReview, replayDeadLetters } = await reviewModule();
          const review = await openDeadLetterReview(pubsub);
          const chosen = choose(review, options.id, options.reasonPrefix).filter(within(options.since));
          const missing = (options.id ?? []).filter((id) => !chosen.some((l) => l.id === id));
          return { ...(await replayDeadLetters(pubsub, review, chosen)), missing };
        });
        const summary = {
          replayed: outcome.replayed.map((l) => ({ id: l.id, topic: l.sourceTopic })),
          not_replayable: outcome.notReplayable.map((l) => ({ id: l.id, why: 'no source_topic attribute' })),
          not_found: outcome.missing,
        };
        if (options.json) console.log(JSON.stringify(summary, null, 2));
        else {
          for (const r of summary.replayed) console.log(`replayed ${r.id} → ${r.topic}`);
          for (const n of summary.not_replayable) console.log(`not replayed ${n.id}: ${n.why}`);
          for (const id of summary.not_found) console.log(`not found ${id}`);
          console.log(`${summary.replayed.length} replayed`);
        }
        process.exitCode = summary.not_replayable.length + summary.not_found.length > 0 ? 1 : 0;
      },
    );
}

function choose(review: DeadLetterReview, ids?: string[], reasonPrefix?: string): ReviewedDeadLetter[] {
  if (ids) return review.letters.filter((l) => ids.includes(l.id));
  return review.letters.filter((l) => l.reason.startsWith(reasonPrefix!));
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
    table.push([l.id, l.publishedAt, l.sourceTopic ?? '', printable(l.reason).slice(0, 100)]);
  }
  return `${table.toString()}\n${letters.length} dead letters (left on the subscription; replay with pipeline dead-letters replay)`;
}

/** Loaded by the command that needs it: other commands start without the Pub/Sub client. */
const reviewModule = () => import('../infra/dead-letter-review');
