import { ParameterError } from '../runtime/errors.js';
import type { Attack } from './attacks/attack.js';
import { createAttack } from './attacks/registry.js';
import { createSystemFault, type Instruction, isSystemFaultKind, type SystemFault, type SystemFaultKind } from './faults.js';

/** The instruction kind that clears the attack and every system fault. */
export const CLEAR_KIND = 'none';
/** A parameter any instruction may carry: it lasts this many steps, then the worker reverts. */
export const ROUNDS_PARAM = 'rounds';

type FaultOf<K extends SystemFaultKind> = Extract<SystemFault, { kind: K }>;

/** What is in force, for logs and the `byzps_worker_active` gauge. */
export interface ActiveItem {
  readonly kind: 'attack' | 'fault';
  readonly name: string;
}

/**
 * What a worker does to itself: at most one attack on its gradients and any set of system faults,
 * switched by instructions from its launch flags or from the control service. An instruction with
 * `rounds=K` lasts K steps: an attack then gives way to the one it replaced, a fault is removed.
 */
export class Behaviour {
  private currentAttack: Attack | undefined;
  private attackStepsLeft: number | undefined;
  private attackBefore: Attack | undefined;
  private readonly faults = new Map<SystemFaultKind, { fault: SystemFault; stepsLeft: number | undefined }>();

  /** @param checkAttack throws when this worker cannot run the attack (e.g. too few honest estimates for a colluding one). */
  constructor(private readonly checkAttack: (attack: Attack) => void = () => undefined) {}

  /** Applies one instruction; throws ParameterError or UnknownNameError and changes nothing when it is invalid. */
  apply(instruction: Instruction): void {
    const { [ROUNDS_PARAM]: roundsText, ...params } = instruction.params;
    const steps = roundsText === undefined ? undefined : parseRounds(roundsText);
    if (instruction.kind === CLEAR_KIND) {
      if (Object.keys(params).length > 0 || steps !== undefined) throw new ParameterError(`"${CLEAR_KIND}" takes no parameters`);
      this.currentAttack = undefined;
      this.attackStepsLeft = undefined;
      this.faults.clear();
    } else if (isSystemFaultKind(instruction.kind)) {
      this.faults.set(instruction.kind, { fault: createSystemFault(instruction.kind, params), stepsLeft: steps });
    } else {
      const attack = createAttack({ name: instruction.kind, params });
      this.checkAttack(attack);
      this.attackBefore = steps === undefined ? undefined : this.currentAttack;
      this.currentAttack = attack;
      this.attackStepsLeft = steps;
    }
  }

  get attack(): Attack | undefined {
    return this.currentAttack;
  }

  fault<K extends SystemFaultKind>(kind: K): FaultOf<K> | undefined {
    return this.faults.get(kind)?.fault as FaultOf<K> | undefined;
  }

  /** Forgets a one-shot fault once it has happened. */
  remove(kind: SystemFaultKind): void {
    this.faults.delete(kind);
  }

  /** Counts one finished step: timed instructions run down, crash and hang come one step nearer. */
  stepDone(): void {
    if (this.attackStepsLeft !== undefined && --this.attackStepsLeft <= 0) {
      this.currentAttack = this.attackBefore;
      this.attackStepsLeft = undefined;
      this.attackBefore = undefined;
    }
    for (const [kind, entry] of this.faults) {
      if (entry.stepsLeft !== undefined && --entry.stepsLeft <= 0) {
        this.faults.delete(kind);
        continue;
      }
      if ((entry.fault.kind === 'crash' || entry.fault.kind === 'hang') && entry.fault.afterSteps > 0) {
        entry.fault = { ...entry.fault, afterSteps: entry.fault.afterSteps - 1 };
      }
    }
  }

  active(): ActiveItem[] {
    const items: ActiveItem[] = [...this.faults.keys()].map((name) => ({ kind: 'fault', name }));
    if (this.currentAttack !== undefined) items.unshift({ kind: 'attack', name: this.currentAttack.name });
    return items;
  }
}

function parseRounds(text: string): number {
  const rounds = Number(text);
  if (!Number.isInteger(rounds) || rounds < 1) throw new ParameterError(`${ROUNDS_PARAM} must be an integer ≥ 1, got ${JSON.stringify(text)}`);
  return rounds;
}
