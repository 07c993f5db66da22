import type { Reporter } from 'vitest/node';

/**
 * Prints the lines saying which test files were left out for a missing prerequisite, at the start
 * and again after the summary, so a run that skipped something never reads as complete.
 */
export class NotRunReporter implements Reporter {
  constructor(private readonly lines: readonly string[]) {}

  onInit(): void {
    this.print();
  }

  onTestRunEnd(): void {
    this.print();
  }

  private print(): void {
    for (const line of this.lines) console.log(line);
  }
}
