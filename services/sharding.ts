import { setTimeout as sleep } from 'node:timers/promises';
import { credentials as grpcCredentials, Metadata, type ServiceError, status } from '@grpc/grpc-js';
import {
  alignedSlices,
  CoordinateShard,
  ShardCoordinator,
  type ShardReply,
  type ShardRequest,
  type ShardRound,
  type RuleSpec,
  type RunnerResult,
  type SliceApply,
} from '../aggregators/index.js';
import { byzpsV1, type ModelChunk__Output, type PushReport__Output, type ShardAnnouncement__Output, type ShardInfo, type ShardPeerClient, type ShardPeerHandlers, type ShardRewindRequest__Output, type ShardState, type ShardState__Output, type ShardStepReply, type ShardStepReply__Output, type ShardStepRequest, type ShardStepRequest__Output } from '../proto/protocol.js';
import { GRPC_TRANSPORT_OPTIONS } from '../proto/transport.js';
import type { Logger } from '../runtime/logger.js';
import { InvalidRequestError, ShardOutOfStepError } from './errors.js';
import type { ServerEvents } from './events.js';
import type { HandlerKit } from './handlers.js';
import type { CoordinatedClose, EngineSharding, RoundEngine } from './round.js';
import { type PeerRecovery, type ShardRestorer, type ShardRuleState, type ShardStanding, ShardSynchronizer } from './shard-recovery.js';

/** Where one shard listens and the coordinates [start, end) it owns. */
export interface ShardPlacement {
  readonly index: number;
  readonly address: string;
  readonly start: number;
  readonly end: number;
}

/** The shard map every shard computes alike from d, S and the peers: contiguous 4,096-aligned ranges (alignedSlices). */
export function shardMap(dimension: number, peers: readonly string[]): ShardPlacement[] {
  return alignedSlices(dimension, peers.length).map((slice) => ({ index: slice.shard, address: peers[slice.shard]!, start: slice.start, end: slice.end }));
}

export function shardInfos(map: readonly ShardPlacement[]): ShardInfo[] {
  return map.map(({ index, address, start, end }) => ({ index, address, start, end }));
}

/** How long one shard-to-shard call may take. */
const PEER_CALL_TIMEOUT_MS = 60_000;
/** How long the coordinator waits for a shard to say where it stands before it asks again. */
const DESCRIBE_TIMEOUT_MS = 2_000;
/**
 * Channels between shards: their own subchannels, and reconnection within a second of a peer
 * coming back (grpc-js backs off up to 2 minutes by default, and a shard restarted meanwhile would
 * wait that long to be heard).
 */
const PEER_CHANNEL_OPTIONS = { ...GRPC_TRANSPORT_OPTIONS, 'grpc.use_local_subchannel_pool': 1, 'grpc.initial_reconnect_backoff_ms': 100, 'grpc.max_reconnect_backoff_ms': 1000 };
/** How often a starting member tells the coordinator so, until the coordinator answers. */
const ANNOUNCE_RETRY_MS = 500;
/** A member retries a push report this often before the coordinator's deadline has to settle the round. */
const REPORT_ATTEMPTS = 5;
const REPORT_RETRY_MS = 200;

/**
 * A ShardPeer client: the calls one shard makes to another, with the admin token. A call that fails
 * for want of a connection replaces the channel: grpc-js sets no connect timeout, so a channel whose
 * peer came back at another address (a replaced container) would keep trying the old one for
 * minutes, while a new channel resolves the name again.
 */
export class ShardPeerLink {
  private client: ShardPeerClient;

  constructor(
    readonly placement: ShardPlacement,
    private readonly token: string,
  ) {
    this.client = this.connect();
  }

  private connect(): ShardPeerClient {
    return new byzpsV1.ShardPeer(this.placement.address, grpcCredentials.createInsecure(), PEER_CHANNEL_OPTIONS);
  }

  private metadata(): Metadata {
    // A peer that is (re)starting is waited for, up to the call's deadline, rather than failed at once.
    const metadata = new Metadata({ waitForReady: true });
    metadata.set('authorization', `Bearer ${this.token}`);
    return metadata;
  }

  private unary<Reply>(what: string, ms: number, invoke: (client: ShardPeerClient, metadata: Metadata, options: { deadline: Date }, callback: (error: ServiceError | null, reply?: Reply) => void) => void): Promise<Reply> {
    const client = this.client;
    return new Promise((resolve, reject) => {
      invoke(client, this.metadata(), { deadline: new Date(Date.now() + ms) }, (error, reply) => {
        if (error === null) {
          resolve(reply!);
          return;
        }
        if ((error.code === status.UNAVAILABLE || error.code === status.DEADLINE_EXCEEDED) && client === this.client) {
          this.client = this.connect();
          client.close();
        }
        reject(new Error(`shard ${this.placement.index} (${this.placement.address}) failed ${what}: ${error.details}`));
      });
    });
  }

  async step(request: ShardRequest, members: readonly string[]): Promise<ShardReply> {
    const reply = await this.unary<ShardStepReply__Output>(`step ${request.step} of round ${request.round}`, PEER_CALL_TIMEOUT_MS, (client, metadata, options, callback) => client.step(toStepMessage(request, members), metadata, options, callback));
    return fromReplyMessage(reply);
  }

  async reportPush(report: { shard: number; round: number; workerName: string; accepted: boolean }): Promise<void> {
    await this.unary('a push report', PEER_CALL_TIMEOUT_MS, (client, metadata, options, callback) => client.reportPush(report, metadata, options, callback));
  }

  announce(shard: number): Promise<void> {
    return this.unary('an announcement', DESCRIBE_TIMEOUT_MS, (client, metadata, options, callback) => client.announce({ shard }, metadata, options, callback)).then(() => undefined);
  }

  /** This link's side of recovery, as the coordinator drives it. */
  recovery(): PeerRecovery {
    return {
      index: this.placement.index,
      describe: async () => fromStateMessage(await this.unary<ShardState__Output>('to describe itself', DESCRIBE_TIMEOUT_MS, (client, metadata, options, callback) => client.describe({}, metadata, options, callback))),
      rewind: async (round) => fromStateMessage(await this.unary<ShardState__Output>(`to rewind to round ${round}`, PEER_CALL_TIMEOUT_MS, (client, metadata, options, callback) => client.rewind({ round }, metadata, options, callback))),
    };
  }

  close(): void {
    this.client.close();
  }
}

/** What a shard's recovery needs from the server around it. */
export interface ShardRecoveryParts {
  readonly restorer: ShardRestorer;
  /** Resolves once the checkpoint writes asked for so far have ended: a round closes only after its own checkpoint is on disk. */
  checkpointsSettled(): Promise<void>;
}

/** What a shard of a sharded server runs besides an unsharded server's parts. */
export interface ShardRole {
  readonly map: readonly ShardPlacement[];
  readonly index: number;
  /** The round engine's part (EngineSharding). */
  readonly engineSharding: EngineSharding;
  /** Coordinator: θ of `round` whole, this shard's range given, the others observed from their shards (undefined once a shard has moved on). */
  readonly wholeTheta?: (round: number, own: Float32Array) => Promise<Float32Array | undefined>;
  /** This shard's slice of the rule's state, with the coordinator's share on shard 0: what its checkpoints hold. */
  ruleState(): ShardRuleState;
  setRuleState(state: ShardRuleState): void;
  /** The ShardPeer handlers, once the engine exists; starts this shard's part in recovery. */
  handlers(engine: RoundEngine, kit: HandlerKit, recovery: ShardRecoveryParts): ShardPeerHandlers;
  close(): void;
}

/**
 * Shard `index` of a sharded server. The coordinator (index 0) runs the ShardCoordinator and its own
 * CoordinateShard and sends every request to the other shards; a member runs its CoordinateShard on
 * the coordinator's requests and reports each push it settles to the coordinator.
 */
export function createShardRole(options: {
  readonly spec: RuleSpec;
  readonly map: readonly ShardPlacement[];
  readonly index: number;
  /** Authorises the shards' calls to each other, Observe included. */
  readonly adminToken: string;
  readonly dimension: number;
  readonly log: Logger;
  /** Where the coordinator reports the time of each exchange with the other shards (shardExchange) and learns of failed rounds. */
  readonly events: ServerEvents;
}): ShardRole {
  const { spec, map, index, adminToken, dimension, log, events } = options;
  const own = map[index]!;
  const shard = new CoordinateShard(spec, { shard: index, start: own.start, end: own.end });
  const coordinator = index === 0 ? new ShardCoordinator(spec, map.length) : undefined;
  const stateAccess = {
    ruleState: (): ShardRuleState => {
      const state = { ...coordinator?.getState(), ...shard.getState() };
      return { ruleState: Object.keys(state).length > 0 ? state : undefined, stateRound: shard.stateRound };
    },
    setRuleState: ({ ruleState, stateRound }: ShardRuleState) => {
      const entries = Object.entries(ruleState ?? {});
      const owned = (prefix: string) => Object.fromEntries(entries.filter(([key]) => key.startsWith(prefix)));
      coordinator?.setState(owned('pre'));
      const slice = owned('rule.');
      if (Object.keys(slice).length === 0) shard.clearState();
      else shard.setState(slice, stateRound);
    },
  };
  if (coordinator !== undefined) {
    const links = map.slice(1).map((placement) => new ShardPeerLink(placement, adminToken));
    let recoveryRef: ShardRecoveryParts | undefined;
    /** Made with the handlers, which need the engine; close() stops it. */
    let running: ShardSynchronizer | undefined;
    const observers = map.slice(1).map((placement) => ({ placement, client: new byzpsV1.ParameterServer(placement.address, grpcCredentials.createInsecure(), PEER_CHANNEL_OPTIONS) }));
    return {
      map,
      index,
      ...stateAccess,
      wholeTheta: async (round, own) => {
        const theta = new Float32Array(dimension);
        theta.set(own, map[0]!.start);
        const rounds = await Promise.all(observers.map(({ client }) => observeRange(client, adminToken, round, theta)));
        return rounds.every((observed) => observed === round) ? theta : undefined;
      },
      engineSharding: {
        role: 'coordinator',
        others: links.length,
        aggregate: async (round, workerNames, gradients): Promise<RunnerResult> => {
          await recoveryRef?.checkpointsSettled();
          const coordinated = coordinator.openRound(round, gradients.length, dimension, 'float32');
          const local = shard.openRound(round, gradients, { assumeFinite: true });
          let step = coordinated.start();
          while (step.kind === 'request') {
            const request = step.request;
            const members = request.step === 0 ? workerNames : [];
            const sent = performance.now();
            const remote = Promise.all(links.map((link) => link.step(request, members)));
            remote.catch(() => undefined);
            // This shard applies its range only once every other shard has: a round that fails on one
            // leaves this shard's state as it was, and recovery rewinds the shards that did apply.
            const own = request.task.kind === 'apply' ? undefined : local.handle(request);
            const others = await remote;
            events.emit('shardExchange', { round, step: request.step, task: request.task.kind, seconds: (performance.now() - sent) / 1000 });
            step = coordinated.receive([own ?? local.handle(request), ...others]);
          }
          return { output: local.output, diagnostics: step.diagnostics, release: () => undefined };
        },
      },
      handlers: (engine, kit, recovery) => {
        recoveryRef = recovery;
        const synchronizer = new ShardSynchronizer(engine, recovery.restorer, links.map((link) => link.recovery()), log);
        running = synchronizer;
        events.on('aggregationFailed', ({ round }) => {
          synchronizer.request(`the aggregation of round ${round} across the shards failed`, 'always');
        });
        synchronizer.request('the coordinator started');
        /** A shard index another shard sent: 1…S−1. */
        const checkOtherShard = (shard: number, what: string) => {
          if (!Number.isInteger(shard) || shard < 1 || shard >= map.length) throw new InvalidRequestError('bad_request', `${what} from shard ${shard}; the other shards are 1…${map.length - 1}`);
        };
        return {
          ReportPush: kit.unary('ReportPush', (report: PushReport__Output) => {
            checkOtherShard(report.shard, 'push report');
            engine.remotePushSettled(report.shard, report.round, report.workerName, report.accepted);
            return {};
          }),
          Step: kit.unary('Step', () => {
            throw new ShardOutOfStepError('shard 0 is the coordinator: it sends steps and takes none');
          }),
          Announce: kit.unary('Announce', (announcement: ShardAnnouncement__Output) => {
            checkOtherShard(announcement.shard, 'announcement');
            synchronizer.request(`shard ${announcement.shard} started`);
            return {};
          }),
          Describe: kit.unary('Describe', () => {
            throw new ShardOutOfStepError('shard 0 is the coordinator: it asks the others where they stand');
          }),
          Rewind: kit.unary('Rewind', () => {
            throw new ShardOutOfStepError('shard 0 is the coordinator: it rewinds the others');
          }),
        };
      },
      close: () => {
        running?.close();
        for (const link of links) link.close();
        for (const { client } of observers) client.close();
      },
    };
  }

  const coordinatorLink = new ShardPeerLink(map[0]!, adminToken);
  let closed = false;
  let current: { readonly round: number; readonly shardRound: ShardRound<Float32Array>; readonly close: CoordinatedClose } | undefined;
  const report = async (round: number, workerName: string, accepted: boolean) => {
    for (let attempt = 1; ; attempt++) {
      try {
        await coordinatorLink.reportPush({ shard: index, round, workerName, accepted });
        return;
      } catch (error) {
        if (attempt >= REPORT_ATTEMPTS) {
          log.warn({ round, worker: workerName, err: (error as Error).message }, 'could not report a push to the coordinator');
          return;
        }
        await sleep(REPORT_RETRY_MS);
      }
    }
  };
  /** Tells the coordinator this shard started (until it answers), so that it brings every shard to one round. */
  const announce = async () => {
    while (!closed) {
      try {
        await coordinatorLink.announce(index);
        return;
      } catch {
        await sleep(ANNOUNCE_RETRY_MS);
      }
    }
  };
  /** Ends a coordinated close in progress without applying it. */
  const abandon = async () => {
    const round = current;
    current = undefined;
    await round?.close.fail(new ShardOutOfStepError(`round ${round.round} was abandoned to bring the shards to one round`));
  };
  return {
    map,
    index,
    ...stateAccess,
    engineSharding: {
      role: 'member',
      pushSettled: (round, workerName, accepted) => {
        void report(round, workerName, accepted);
      },
    },
    handlers: (engine, kit, recovery) => {
      void announce();
      return {
        ReportPush: kit.unary('ReportPush', () => {
          throw new ShardOutOfStepError(`shard ${index} is no coordinator: push reports go to shard 0`);
        }),
        Step: kit.unary('Step', async (message: ShardStepRequest__Output): Promise<ShardStepReply> => {
          const request = fromStepMessage(message);
          if (request.step === 0) {
            if (current !== undefined) throw new ShardOutOfStepError(`shard ${index} is still in round ${current.round}, asked to start round ${request.round}`);
            await recovery.checkpointsSettled();
            const close = engine.beginCoordinatedClose(request.round, message.members);
            let shardRound: ShardRound<Float32Array>;
            try {
              shardRound = shard.openRound(request.round, close.gradients, { assumeFinite: true });
            } catch (error) {
              await close.fail(error);
              throw error;
            }
            current = { round: request.round, shardRound, close };
          }
          const round = current;
          if (round === undefined || round.round !== request.round) throw new ShardOutOfStepError(`shard ${index} has no round ${request.round} in progress`);
          let reply: ShardReply;
          try {
            reply = round.shardRound.handle(request);
          } catch (error) {
            current = undefined;
            await round.close.fail(error);
            throw error;
          }
          if (reply.kind === 'applied') {
            current = undefined;
            await round.close.finish({ output: round.shardRound.output, diagnostics: { perWorker: {}, summary: {} }, release: () => undefined });
          }
          return toReplyMessage(reply);
        }),
        Announce: kit.unary('Announce', () => {
          throw new ShardOutOfStepError(`shard ${index} is no coordinator: announcements go to shard 0`);
        }),
        Describe: kit.unary('Describe', async (): Promise<ShardState> => toStateMessage(await recovery.restorer.standing())),
        Rewind: kit.unary('Rewind', async (message: ShardRewindRequest__Output): Promise<ShardState> => {
          await abandon();
          await recovery.restorer.restore(message.round);
          return toStateMessage(await recovery.restorer.standing());
        }),
      };
    },
    close: () => {
      closed = true;
      coordinatorLink.close();
    },
  };
}

/** Observes one shard's range of θ from `round` on into `theta`; resolves with the round it got. */
function observeRange(client: InstanceType<typeof byzpsV1.ParameterServer>, token: string, round: number, theta: Float32Array): Promise<number> {
  const metadata = new Metadata();
  metadata.set('authorization', `Bearer ${token}`);
  const stream = client.observe({ minRound: round }, metadata, { deadline: new Date(Date.now() + PEER_CALL_TIMEOUT_MS) });
  const bytes = new Uint8Array(theta.buffer, theta.byteOffset, theta.byteLength);
  return new Promise((resolve, reject) => {
    let observed = -1;
    stream.on('data', (chunk: ModelChunk__Output) => {
      observed = chunk.round;
      if (chunk.round === round) bytes.set(chunk.data, chunk.offset * 4);
    });
    stream.on('error', reject);
    stream.on('end', () => {
      resolve(observed);
    });
  });
}

function toStateMessage(standing: ShardStanding): ShardState {
  return { shard: standing.shard, round: standing.round, checkpointRounds: [...standing.checkpointRounds] };
}

function fromStateMessage(message: ShardState__Output): ShardStanding {
  return { shard: message.shard, round: message.round, checkpointRounds: message.checkpointRounds };
}

function toStepMessage(request: ShardRequest, members: readonly string[]): ShardStepRequest {
  const base = { rule: request.rule, round: request.round, step: request.step, members: [...members], mix: request.mix.map((mixing) => ({ m: mixing.m, weights: [...mixing.weights] })) };
  const task = request.task;
  if (task.kind === 'summarize') return { ...base, task: 'summarize', gram: task.gram, anchor: task.anchor };
  const apply = task.apply;
  if (apply.kind === 'combine') return { ...base, task: 'apply', applyKind: 'combine', weights: [...apply.weights], anchor: apply.anchor };
  if (apply.kind === 'trimmed-mean') return { ...base, task: 'apply', applyKind: 'trimmed-mean', trim: apply.trim };
  return { ...base, task: 'apply', applyKind: 'mean-around-median', rows: [...apply.rows], drop: apply.drop };
}

function fromStepMessage(message: ShardStepRequest__Output): ShardRequest {
  const header = { rule: message.rule, round: message.round, step: message.step, mix: message.mix.map((mixing) => ({ m: mixing.m, weights: Float64Array.from(mixing.weights) })) };
  if (message.task === 'summarize') return { ...header, task: { kind: 'summarize', gram: message.gram, anchor: message.anchor } };
  if (message.task !== 'apply') throw new InvalidRequestError('bad_request', `unknown shard task ${JSON.stringify(message.task)}`);
  let apply: SliceApply;
  if (message.applyKind === 'combine') apply = { kind: 'combine', weights: Float64Array.from(message.weights), anchor: message.anchor };
  else if (message.applyKind === 'trimmed-mean') apply = { kind: 'trimmed-mean', trim: message.trim };
  else if (message.applyKind === 'mean-around-median') apply = { kind: 'mean-around-median', rows: [...message.rows], drop: message.drop };
  else throw new InvalidRequestError('bad_request', `unknown apply kind ${JSON.stringify(message.applyKind)}`);
  return { ...header, task: { kind: 'apply', apply } };
}

function toReplyMessage(reply: ShardReply): ShardStepReply {
  const base = { kind: reply.kind, rule: reply.rule, round: reply.round, step: reply.step, shard: reply.shard, start: reply.start, end: reply.end };
  if (reply.kind === 'applied') return { ...base, hasKeptCounts: reply.keptCounts !== undefined, keptCounts: reply.keptCounts === undefined ? [] : [...reply.keptCounts] };
  return {
    ...base,
    n: reply.n,
    hasGram: reply.gram !== undefined,
    gram: reply.gram === undefined ? [] : [...reply.gram],
    hasAnchorDots: reply.anchorDots !== undefined,
    anchorDots: reply.anchorDots === undefined ? [] : [...reply.anchorDots],
    stateRound: reply.stateRound,
  };
}

function fromReplyMessage(message: ShardStepReply__Output): ShardReply {
  const header = { rule: message.rule, round: message.round, step: message.step, shard: message.shard, start: message.start, end: message.end };
  if (message.kind === 'applied') return { kind: 'applied', ...header, keptCounts: message.hasKeptCounts ? Float64Array.from(message.keptCounts) : undefined };
  return {
    kind: 'summary',
    ...header,
    n: message.n,
    gram: message.hasGram ? Float64Array.from(message.gram) : undefined,
    anchorDots: message.hasAnchorDots ? Float64Array.from(message.anchorDots) : undefined,
    stateRound: message.stateRound,
  };
}
