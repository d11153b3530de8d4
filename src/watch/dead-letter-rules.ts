// When dead letters are a problem: any in the window, by reason, and a burst. Pure, as the other rules.
import { pipeline } from '../pipeline/definition';
import type { HealthProblem } from './rules';

export interface DeadLetterSeen {
  reason: string;
  receivedAt: number;
}

/** Dead letters of the window by reason (one problem), and a burst: more than N within minutes. */
export function deadLetterProblems(letters: DeadLetterSeen[], now: number): HealthProblem[] {
  const { deadLettersWithin, deadLetterBurst } = pipeline.watch;
  const recent = letters
    .filter((l) => l.receivedAt >= now - deadLettersWithin)
    .sort((a, b) => a.receivedAt - b.receivedAt);
  if (recent.length === 0) return [];
  const byReason = new Map<string, number>();
  for (const letter of recent) {
    const kind = letter.reason.split(':')[0] ?? letter.reason;
    byReason.set(kind, (byReason.get(kind) ?? 0) + 1);
  }
  const reasons = [...byReason].sort((a, b) => b[1] - a[1]).map(([reason, n]) => `${reason} ${n}`);
  const problems: HealthProblem[] = [
    {
      kind: 'dead-letters',
      detail: `${recent.length} dead letters in the last ${deadLettersWithin / 3_600_000} h: ${reasons.join(', ')}`,
    },
  ];
  let start = 0;
  for (let end = 0; end < recent.length; end += 1) {
    while (recent[end]!.receivedAt - recent[start]!.receivedAt > deadLetterBurst.within) start += 1;
    if (end - start + 1 > deadLetterBurst.moreThan) {
      problems.push({
        kind: 'dead-letter-burst',
        detail: `${end - start + 1} dead letters within ${deadLetterBurst.within / 60_000} min from ${new Date(recent[start]!.receivedAt).toISOString()}`,
      });
      break;
    }
  }
  return problems;
}
