// Seeded fuzzing of what arrives on a completion subscription: well-formed completions bent in
// every way a processor, a proxy or a bad day could bend them — fields dropped or retyped, strings
// far too long, odd Unicode, bad and far-away dates, deep nesting, broken bytes, too many attributes.
import { announcerOn, completionTopics, phaseForTopic } from '../../src/pipeline/definition';
import type { Random } from './random';

export interface FuzzPayload {
  topic: string;
  id: string;
  data: Buffer;
  attributes: Record<string, string>;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const statuses = ['success', 'partial', 'no_data', 'failed', 'SUCCESS', 'Partial', 'done', '', 'success '];
const oddStrings = [
  '',
  ' ',
  '\u0000',
  '\u001b[31mred\u001b[0m',
  '\ud800',
  '\udfff\ud800',
  '😀'.repeat(20),
  '\u202eevil',
  '\u200b',
  'null',
  '{"a":1}',
  '../../etc/passwd',
  "'; DROP TABLE x; --",
  'ü'.repeat(600),
];

/** A valid date far from any date the other scenarios use (1990s): fuzz runs never meet real runs. */
const fuzzDate = (random: Random) => {
  const day = new Date(Date.UTC(1990, 0, 1) + random.int(0, 3650) * 86_400_000);
  return day.toISOString().slice(0, 10);
};
const badDates = [
  '2025-02-30',
  '2025-13-01',
  '0000-00-00',
  '2024-1-1',
  '2024-01-01T00:00:00Z',
  '9999-12-31',
  '2200-01-01',
  '',
  'yesterday',
  '20240101',
];

function randomValue(random: Random, depth = 0): Json {
  switch (random.int(0, depth > 2 ? 4 : 6)) {
    case 0:
      return null;
    case 1:
      return random.chance(0.5);
    case 2:
      return random.pick([0, -1, 1e308, -1e-308, 2 ** 53 + 1, 3.14]);
    case 3:
      return random.pick(oddStrings);
    case 4:
      return 'x'.repeat(random.int(1, 5000));
    case 5:
      return Array.from({ length: random.int(0, 5) }, () => randomValue(random, depth + 1));
    default:
      return Object.fromEntries(
        Array.from({ length: random.int(0, 5) }, (_, i) => [`k${i}`, randomValue(random, depth + 1)]),
      );
  }
}

// Deep nesting is spliced into the JSON text: building it as objects would overflow our own stack.
const DEEP = 'fuzz:nested:';
const nested = (depth: number): string => `${DEEP}${depth}`;
const spliceNesting = (json: string): string =>
  json.replace(
    new RegExp(`"${DEEP}(\\d+)"`),
    (_, depth: string) => `${'{"a":'.repeat(Number(depth))}1${'}'.repeat(Number(depth))}`,
  );

function completionFor(topic: string, random: Random): Record<string, Json> {
  const phase = phaseForTopic(topic);
  // A topic one processor announces itself on carries that processor only.
  const announcer = phase?.processors.find((p) => p.name === announcerOn(topic));
  const processor = announcer ?? (phase ? random.pick(phase.processors) : undefined);
  const name = processor ? random.pick([processor.name, ...(processor.aliases ?? [])]) : 'SomeProcessor';
  const gameDate = fuzzDate(random);
  return {
    processor_name: name,
    phase: phase?.seedName ?? 'phase_2_raw',
    execution_id: `fuzz-${name}-${gameDate}`,
    correlation_id: `fuzz-${gameDate}`,
    game_date: gameDate,
    status: random.pick(statuses.slice(0, 4)),
    record_count: random.int(0, 500),
    timestamp: new Date(Date.UTC(2024, 0, 1)).toISOString(),
    skip_downstream_trigger: false,
  };
}

const fields = [
  'processor_name',
  'game_date',
  'status',
  'phase',
  'execution_id',
  'correlation_id',
  'metadata',
  'record_count',
  'timestamp',
  'skip_downstream_trigger',
  'players_ready',
];

/** Bends the message's fields. */
function mutateFields(message: Record<string, Json>, random: Random): void {
  for (let n = random.int(0, 3); n > 0; n--) {
    const field = random.pick(fields);
    switch (random.int(0, 7)) {
      case 0:
        delete message[field];
        break;
      case 1:
        message[field] = randomValue(random);
        break;
      case 2:
        message[field] = 'y'.repeat(random.pick([300, 1024, 2049, 3072, 5000]));
        break;
      case 3:
        message.game_date = random.pick(badDates);
        break;
      case 4:
        message.processor_name = random.pick([
          'NoSuchProcessor',
          'bdlgamesprocessor',
          ' BdlGamesProcessor',
          ...oddStrings,
        ]);
        break;
      case 5:
        message.metadata = nested(random.pick([10, 100, 600, 3000, 10_000]));
        break;
      case 6:
        message.status = random.pick(statuses);
        break;
      default:
        message[`extra_${random.int(0, 99)}`] = randomValue(random);
    }
  }
}

/** Bends the bytes after serialising. */
function mutateBytes(data: Buffer, random: Random): Buffer {
  switch (random.int(0, 9)) {
    case 0:
      return data.subarray(0, random.int(0, data.length));
    case 1: {
      const copy = Buffer.from(data);
      copy[random.int(0, Math.max(0, copy.length - 1))] = random.int(0, 255);
      return copy;
    }
    case 2: {
      const at = random.int(0, data.length);
      return Buffer.concat([
        data.subarray(0, at),
        Buffer.from([0xff, 0xc3, 0x28, 0xed, 0xa0, 0x80]),
        data.subarray(at),
      ]);
    }
    case 3:
      return Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), data]);
    case 4:
      return Buffer.from(`[${data.toString('utf8')}]`);
    case 5:
      return Buffer.from(random.pick(['', 'null', 'true', '42', '"text"', 'not json', '{', '{}', '[]']));
    case 6:
      return Buffer.concat([data, Buffer.alloc(random.pick([10, 70 * 1024]), 0x20)]);
    default:
      return data;
  }
}

function attributes(random: Random): Record<string, string> {
  if (random.chance(0.8)) return {};
  const count = random.pick([1, 5, 99, 100, 101, 150]);
  return Object.fromEntries(
    Array.from({ length: count }, (_, i) => [`a${i}`, random.chance(0.1) ? 'v'.repeat(1100) : `v${i}`]),
  );
}

/** The `index`-th payload of the run: the same seed gives the same payloads. */
export function fuzzPayload(random: Random, index: number): FuzzPayload {
  const topic = random.chance(0.97) ? random.pick(completionTopics) : 'nba-phase3-trigger';
  const message = completionFor(topic, random);
  if (random.chance(0.85)) mutateFields(message, random);
  let data: Buffer = Buffer.from(spliceNesting(JSON.stringify(message)));
  if (random.chance(0.3)) data = mutateBytes(data, random);
  return { topic, id: `fuzz-${index}`, data, attributes: attributes(random) };
}
