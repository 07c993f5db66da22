import { createHash, timingSafeEqual } from 'node:crypto';
import type { Metadata } from '@grpc/grpc-js';
import { AuthenticationError } from './errors.js';

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

/**
 * Checks that a call carries the token of `role`. An empty expected token means that role is not
 * authenticated (the control service never gets this far without an admin token).
 */
export function authenticate(metadata: Metadata, role: Role, expected: string): void {
  if (expected === '') return;
  const presented = bearerToken(metadata);
  if (presented === undefined) {
    throw new AuthenticationError('missing_token', `no bearer token: send "authorization: Bearer <${role} token>" in the call metadata`);
  }
  if (!tokensMatch(presented, expected)) {
    throw new AuthenticationError('bad_token', `the bearer token is not the ${role} token`);
  }
}
