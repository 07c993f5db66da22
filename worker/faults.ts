import type { ParamSchema, RuleParams } from '../aggregators/index.js';
import { ParameterError, UnknownNameError } from '../runtime/errors.js';
import { parseSpecs } from '../runtime/spec.js';
import { resolveWorkerParams } from './params.js';

/**
 * System faults a worker can be told to commit, as opposed to attacks on its gradient. Each is
 * named by its `kind` and takes numeric parameters, written `kind:key=value,key=value` on the
 * command line and sent as a FaultInstruction by the control service.
 */
export type SystemFault =
  /** Exits the process with `exitCode` once `afterSteps` more steps are done. */
  | { readonly kind: 'crash'; readonly exitCode: number; readonly afterSteps: number }
  /** Stops working once `afterSteps` more steps are done, keeping its connection open. */
  | { readonly kind: 'hang'; readonly afterSteps: number }
  /** A straggler: sleeps `ms` before every push. */
  | { readonly kind: 'delay'; readonly ms: number }
  /** Computes its gradient but does not push it, with this probability per round. */
  | { readonly kind: 'drop-push'; readonly probability: number; readonly seed: number }
  /** Pushes every gradient twice. */
  | { readonly kind: 'duplicate-push' }
  /** Pushes bytes that decode to NaN. */
  | { readonly kind: 'nan-payload' }
  /** Cuts the last chunk of every push short, mid-value. */
  | { readonly kind: 'truncated-payload' }
  /** Pushes `extra` coordinates too many (too few when negative). */
  | { readonly kind: 'wrong-length'; readonly extra: number }
  /** Labels every push `behind` rounds before the round it was computed for (round 0 while that is negative): stale. */
  | { readonly kind: 'stale-round'; readonly behind: number }
  /** Drops its connection once, stays away `downMs`, then reconnects and joins again. */
  | { readonly kind: 'disconnect'; readonly downMs: number };

export type SystemFaultKind = SystemFault['kind'];

const afterSteps = { kind: 'integer', default: 0, min: 0, description: 'steps to complete first' } as const;

/** Parameter schemas, validated by the aggregation library's parameter resolver. */
const faultParams: Readonly<Record<SystemFaultKind, ParamSchema>> = {
  crash: { 'exit-code': { kind: 'integer', default: 3, min: 1, max: 255, description: 'process exit code' }, 'after-steps': afterSteps },
  hang: { 'after-steps': afterSteps },
  delay: { ms: { kind: 'integer', default: 1000, min: 0, description: 'sleep before each push, in milliseconds' } },
  'drop-push': {
    probability: { kind: 'number', default: 1, min: 0, max: 1, description: 'chance that a round’s push is dropped' },
    seed: { kind: 'integer', default: 0, min: 0, description: 'seed of the drop decisions, combined with the round' },
  },
  'duplicate-push': {},
  'nan-payload': {},
  'truncated-payload': {},
  'wrong-length': { extra: { kind: 'integer', default: 1, description: 'coordinates added to the gradient (negative: removed)' } },
  'stale-round': { behind: { kind: 'integer', default: 1, min: 1, description: 'rounds the push is labelled behind the round it is for' } },
  disconnect: { 'down-ms': { kind: 'integer', default: 0, min: 0, description: 'time to stay disconnected' } },
};

export const systemFaultKinds = Object.keys(faultParams) as readonly SystemFaultKind[];

export function isSystemFaultKind(kind: string): kind is SystemFaultKind {
  return (systemFaultKinds as readonly string[]).includes(kind);
}

/** Validates a fault's parameters and fills in defaults; unknown kinds and parameters throw. */
export function createSystemFault(kind: string, params: RuleParams = {}): SystemFault {
  if (!isSystemFaultKind(kind)) throw new UnknownNameError('system fault', kind, systemFaultKinds);
  const p = resolveWorkerParams(kind, faultParams[kind], params) as Readonly<Record<string, number>>;
  const value = (name: string) => p[name]!;
  switch (kind) {
    case 'crash':
      return { kind, exitCode: value('exit-code'), afterSteps: value('after-steps') };
    case 'hang':
      return { kind, afterSteps: value('after-steps') };
    case 'delay':
      return { kind, ms: value('ms') };
    case 'drop-push':
      return { kind, probability: value('probability'), seed: value('seed') };
    case 'wrong-length':
      if (value('extra') === 0) throw new ParameterError('wrong-length parameter extra must not be 0');
      return { kind, extra: value('extra') };
    case 'disconnect':
      return { kind, downMs: value('down-ms') };
    case 'stale-round':
      return { kind, behind: value('behind') };
    case 'duplicate-push':
    case 'nan-payload':
    case 'truncated-payload':
      return { kind };
  }
}

/** An instruction as the protocol carries it: a kind (attack, system fault or "none") and text parameters. */
export interface Instruction {
  readonly kind: string;
  readonly params: Readonly<Record<string, string>>;
}

/**
 * Parses the `--fault` syntax, `kind` or `kind:key=value,key=value`, several separated by commas
 * (runtime/spec.ts, the grammar of every rule, attack and fault). Only the syntax is checked here.
 */
export function parseInstructions(text: string): Instruction[] {
  return parseSpecs(text, '--fault').map(({ name, params }) => ({ kind: name, params }));
}

/** One line per fault kind with its parameters, for `--help`. */
export function systemFaultHelp(): string {
  return systemFaultKinds
    .map((kind) => {
      const params = Object.entries(faultParams[kind]).map(([name, spec]) => `${name}=${String(spec.default)}`);
      return `  ${kind}${params.length > 0 ? `:${params.join(',')}` : ''}`;
    })
    .join('\n');
}
