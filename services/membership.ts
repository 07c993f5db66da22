import { InvalidRequestError, LimitExceededError, UnknownWorkerError } from './errors.js';
import { WORKER_NAME } from './worker-name.js';

/**
 * The longest probation: accepted pushes in a row an evicted worker needs before it is awaited
 * again. High enough that doubling, not the cap, bounds what a staller can do in any real run.
 */
export const MAX_PROBATION = 65_536;

/** A worker as the round engine sees it. */
export interface Member {
  readonly id: number;
  readonly name: string;
  /** Whether rounds wait for this worker's gradient. */
  awaited: boolean;
  /** Accepted pushes in a row this worker still needs before rounds wait for it. */
  probation: number;
  /** Rounds it missed while awaited; each one doubles its next probation. */
  strikes: number;
  lastPushUnixMs: number;
}

/** A worker that missed a round it was awaited in, and the probation it now serves. */
export interface Eviction {
  readonly name: string;
  readonly probation: number;
}

/** Probation after `strikes` evictions: 1, 1, 2, 4, … accepted pushes in a row, at most MAX_PROBATION. */
function probationAfter(strikes: number): number {
  return Math.min(2 ** Math.max(0, strikes - 1), MAX_PROBATION);
}

/**
 * Which workers a round waits for (docs/PROTOCOL.md, "Round membership"). After the server's first
 * round only an accepted push earns a place: a join, a pull or a refused push never does, so a
 * client that idles, pulls or pushes garbage cannot hold a round. (The first round waits for every
 * worker that joined, or that a checkpoint names, so a cluster starts with all its workers; a
 * client can delay that one round by at most its deadline.) A worker that misses a round it was awaited in is evicted at
 * the deadline, and before it is awaited again it needs 1, then 2, 4, … accepted pushes in a row: a
 * worker that alternates helping and stalling can hold at most ⌈log₂(R + 1)⌉ of R rounds to their
 * deadline. Its gradients still count in every round they reach in time; being awaited only means
 * that rounds wait for it.
 */
export class Membership {
  private readonly byId = new Map<number, Member>();
  private readonly byName = new Map<string, Member>();

  constructor(private readonly maxWorkers: number) {}

  get size(): number {
    return this.byId.size;
  }

  get awaitedCount(): number {
    let count = 0;
    for (const member of this.byId.values()) if (member.awaited) count++;
    return count;
  }

  /**
   * Registers a worker by name, or finds the one it already is. Joining makes a worker awaited only
   * while `bootstrapping` (the server's first round, before any worker could have pushed).
   */
  join(name: string, bootstrapping: boolean): { readonly member: Member; readonly rejoined: boolean } {
    if (!WORKER_NAME.test(name)) {
      throw new InvalidRequestError('bad_worker_name', `worker name ${JSON.stringify(name.slice(0, 80))} must be 1–64 characters of A–Z a–z 0–9 . _ : -`);
    }
    const known = this.byName.get(name);
    if (known !== undefined) return { member: known, rejoined: true };
    if (this.byId.size >= this.maxWorkers) {
      throw new LimitExceededError('too_many_workers', `${this.maxWorkers} workers have joined, the configured maximum (--max-workers)`);
    }
    return { member: this.add(this.nextId(), name, bootstrapping), rejoined: false };
  }

  /** Gives workers the ids they had before a restart; the server's first round waits for them, as for workers that join during it. */
  adopt(workers: readonly { readonly id: number; readonly name: string }[]): void {
    for (const { id, name } of workers) this.add(id, name, true);
  }

  /** The worker with this id; throws for an id Join never handed out. */
  get(workerId: number): Member {
    const member = this.byId.get(workerId);
    if (member === undefined) throw new UnknownWorkerError(workerId);
    return member;
  }

  /** The worker with this name, if it joined. */
  find(name: string): Member | undefined {
    return this.byName.get(name);
  }

  /** Workers in id order. */
  list(): readonly Member[] {
    return [...this.byId.values()].sort((a, b) => a.id - b.id);
  }

  /** Awaited workers for which `responded` is false: the ones the open round still waits for. */
  missing(responded: (workerId: number) => boolean): Member[] {
    return this.list().filter((member) => member.awaited && !responded(member.id));
  }

  /** A push of this worker was accepted: one step of probation served, or none left and it is awaited. */
  accepted(member: Member, nowMs: number): void {
    member.lastPushUnixMs = nowMs;
    if (member.awaited) return;
    member.probation = Math.max(0, member.probation - 1);
    member.awaited = member.probation === 0;
  }

  /**
   * After a round closed: awaited workers that neither pushed nor were refused are evicted (at a
   * deadline, where the round did not wait for them), and workers on probation that did not push
   * start their probation again, since it counts pushes in a row.
   */
  roundClosed(pushed: (workerId: number) => boolean, responded: (workerId: number) => boolean): Eviction[] {
    const evicted: Eviction[] = [];
    for (const member of this.byId.values()) {
      if (member.awaited && !responded(member.id)) {
        member.awaited = false;
        member.strikes++;
        member.probation = probationAfter(member.strikes);
        evicted.push({ name: member.name, probation: member.probation });
      } else if (!member.awaited && !pushed(member.id)) {
        member.probation = probationAfter(member.strikes);
      }
    }
    return evicted;
  }

  private add(id: number, name: string, awaited: boolean): Member {
    const member: Member = { id, name, awaited, probation: awaited ? 0 : 1, strikes: 0, lastPushUnixMs: 0 };
    this.byId.set(id, member);
    this.byName.set(name, member);
    return member;
  }

  private nextId(): number {
    let highest = 0;
    for (const id of this.byId.keys()) highest = Math.max(highest, id);
    return highest + 1;
  }
}
