// The discipline that lets a long-running run continue as new safely: every side effect is taken
// as a step together with its record, and everything the story waits for is known, so "between
// steps" can be told exactly. Continue-as-new happens only then. A run holds one `Steps` and takes
// every step and every wait through it.
import * as wf from '@temporalio/workflow';

export class Steps {
  /** Steps under way. */
  private busy = 0;
  /** What the story waits for now; when one is ready the story is about to take a step. */
  private readonly waiting = new Set<() => boolean>();

  constructor(
    /** When the run's time is up: waits end there at the latest. */
    readonly deadline: number,
  ) {}

  /** Waits until `ready`; false when the run's time ran out first. */
  async waitFor(ready: () => boolean, timeoutMs = this.deadline - Date.now()): Promise<boolean> {
    if (timeoutMs <= 0) return ready();
    this.waiting.add(ready);
    try {
      return await wf.condition(ready, timeoutMs);
    } finally {
      this.waiting.delete(ready);
    }
  }

  /** Waits, with no deadline, until `ready`: known to the steps, so continue-as-new never starts as it becomes ready. */
  async waitUntil(ready: () => boolean): Promise<void> {
    this.waiting.add(ready);
    try {
      await wf.condition(ready);
    } finally {
      this.waiting.delete(ready);
    }
  }

  /** Takes a side effect and its record as one step. */
  async step<T>(act: () => Promise<T>): Promise<T> {
    this.busy += 1;
    try {
      return await act();
    } finally {
      this.busy -= 1;
    }
  }

  /** No step under way (a step closing the run waits for the others to finish theirs). */
  idle(): boolean {
    return this.busy === 0;
  }

  /** No step under way, no handler running, nothing waited for about to start one. */
  betweenSteps(): boolean {
    return this.busy === 0 && wf.allHandlersFinished() && ![...this.waiting].some((ready) => ready());
  }
}
