import { createHash, timingSafeEqual } from 'node:crypto';
import type { Metadata } from '@grpc/grpc-js';
import { AuthenticationError, PermissionError, ServiceOffError, ShuttingDownError } from './errors.js';

/** Who may call what: workers the ParameterServer service, operators the Control service. */
export type Role = 'worker' | 'operator';

/** The bearer token in the `authorization` metadata entry, or undefined when there is none. */
export function bearerToken(metadata: Metadata): string | undefined {
  const value = metadata.get('authorization')[0];
  if (typeof value !== 'string') return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(value);
  return match?.[1];
}

/** Compares in constant time; hashing first makes both sides the same length whatever was sent. */
export function tokensMatch(presented: string, expected: string): boolean {
  const digest = (token: string) => createHash('sha256').update(token, 'utf8').digest();
  return timingSafeEqual(digest(presented), digest(expected));
}

/** The call's bearer token; throws UNAUTHENTICATED when there is none. */
function presentedToken(metadata: Metadata, role: Role): string {
  const presented = bearerToken(metadata);
  if (presented === undefined) {
    throw new AuthenticationError('missing_token', `no bearer token: send "authorization: Bearer <${role} token>" in the call metadata`);
  }
  return presented;
}

/**
 * Checks that a call carries the token of `role`. An empty expected token means that role is not
 * authenticated (the control service never gets this far without an admin token).
 */
export function authenticate(metadata: Metadata, role: Role, expected: string): void {
  if (expected === '') return;
  const presented = presentedToken(metadata, role);
  if (!tokensMatch(presented, expected)) {
    throw new AuthenticationError('bad_token', `the bearer token is not the ${role} token`);
  }
}

/**
 * How worker calls are authenticated: not at all, with one token all workers share (a worker name
 * is then only a claim), or with a token per worker name, which binds each name, and the id it
 * joined as, to whoever holds that name's token.
 */
export class WorkerAuthenticator {
  /**
   * @param sharedToken the one worker token ('' for none).
   * @param tokensByName per-worker tokens; when non-empty, they replace the shared token.
   */
  constructor(private readonly sharedToken: string, private readonly tokensByName: ReadonlyMap<string, string>) {
    if (sharedToken !== '' && tokensByName.size > 0) throw new RangeError('a shared worker token and per-worker tokens exclude each other');
  }

  /** Whether workers must present a token at all. */
  get enabled(): boolean {
    return this.sharedToken !== '' || this.tokensByName.size > 0;
  }

  /** Whether each worker name has a token of its own. */
  get perWorker(): boolean {
    return this.tokensByName.size > 0;
  }

  /** Checks that the call carries some worker's token. */
  admit(metadata: Metadata): void {
    if (!this.perWorker) {
      authenticate(metadata, 'worker', this.sharedToken);
      return;
    }
    if (!this.isWorkerToken(presentedToken(metadata, 'worker'))) throw new AuthenticationError('bad_token', 'the bearer token is not a worker token');
  }

  /** Checks that an admitted call may act as the worker named `name`; a shared token cannot tell workers apart. */
  authorizeAs(metadata: Metadata, name: string): void {
    if (!this.perWorker) return;
    const expected = this.tokensByName.get(name);
    const presented = bearerToken(metadata) ?? '';
    if (expected === undefined) throw new PermissionError('wrong_worker', `worker name ${JSON.stringify(name.slice(0, 80))} has no token in --worker-tokens-file`);
    if (!tokensMatch(presented, expected)) throw new PermissionError('wrong_worker', `this token belongs to another worker, not to ${name}`);
  }

  /** Whether `presented` is a worker's token; every token is compared, so the time does not say which one matched. */
  isWorkerToken(presented: string): boolean {
    if (!this.perWorker) return this.sharedToken !== '' && tokensMatch(presented, this.sharedToken);
    let found = false;
    for (const token of this.tokensByName.values()) found = tokensMatch(presented, token) || found;
    return found;
  }
}

/**
 * Admission to the ParameterServer service: workers present a worker token; Observe also takes the
 * admin token, since observing θ tells a caller nothing a worker's Pull would not. ReportEvaluation
 * sets what the server publishes as its evaluation, so a server with an admin token takes only that
 * token for it (a worker, possibly Byzantine, cannot fake the evaluation); without one, a worker token.
 */
export function workerAdmission(workerAuth: WorkerAuthenticator, adminToken: string, isShuttingDown: () => boolean): (metadata: Metadata, method: string) => void {
  return (metadata, method) => {
    if (isShuttingDown()) throw new ShuttingDownError();
    if (method === 'ReportEvaluation' && adminToken !== '') {
      const presented = bearerToken(metadata);
      if (presented !== undefined && workerAuth.isWorkerToken(presented)) {
        throw new PermissionError('wrong_role', 'a worker token cannot report evaluations when the server has an admin token; use the admin token');
      }
      authenticate(metadata, 'operator', adminToken);
      return;
    }
    if (method === 'Observe' && adminToken !== '') {
      const presented = bearerToken(metadata);
      if (presented !== undefined && tokensMatch(presented, adminToken)) return;
    }
    workerAuth.admit(metadata);
  };
}

/**
 * Admission to the Control service: off (UNIMPLEMENTED) without an admin token, a worker's token
 * refused with PERMISSION_DENIED, anything but the admin token with UNAUTHENTICATED.
 */
export function operatorAdmission(workerAuth: WorkerAuthenticator, adminToken: string): (metadata: Metadata) => void {
  return (metadata) => {
    if (adminToken === '') throw new ServiceOffError();
    const presented = bearerToken(metadata);
    if (presented !== undefined && workerAuth.isWorkerToken(presented)) {
      throw new PermissionError('wrong_role', 'a worker token cannot call the control service; use the admin token');
    }
    authenticate(metadata, 'operator', adminToken);
  };
}
