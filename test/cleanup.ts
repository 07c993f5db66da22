import { afterEach } from 'vitest';

/** Undoes what a test opened: closes servers, clients and workers, stops children, removes folders. */
export interface Cleanup {
  /** Closes `resource` after the test (with `close()`, or `how` when given) and gives it back. */
  add<T extends { close(): unknown }>(resource: T): T;
  add<T>(resource: T, how: (resource: T) => unknown): T;
  /** Runs `undo` after the test. */
  defer(undo: () => unknown): void;
}

/**
 * Registers, in the calling file or describe block, an afterEach that undoes what each test opened,
 * newest first (clients before the server they talk to), also when the test failed.
 */
export function cleanupAfterEach(): Cleanup {
  const undos: (() => unknown)[] = [];
  afterEach(async () => {
    for (const undo of undos.splice(0).reverse()) await undo();
  });
  return {
    add<T>(resource: T, how?: (resource: T) => unknown): T {
      undos.push(() => (how === undefined ? (resource as { close(): unknown }).close() : how(resource)));
      return resource;
    },
    defer(undo) {
      undos.push(undo);
    },
  };
}
