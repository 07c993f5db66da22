import { Metadata } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { authenticate, bearerToken, tokensMatch, WorkerAuthenticator } from './auth.js';
import { AuthenticationError, PermissionError } from './errors.js';

function withAuthorization(value: string): Metadata {
  const metadata = new Metadata();
  metadata.set('authorization', value);
  return metadata;
}

describe('bearer tokens', () => {
  it('reads "Bearer <token>" in any letter case and nothing else', () => {
    expect(bearerToken(withAuthorization('Bearer abc.123'))).toBe('abc.123');
    expect(bearerToken(withAuthorization('bearer abc'))).toBe('abc');
    expect(bearerToken(withAuthorization('Basic abc'))).toBeUndefined();
    expect(bearerToken(withAuthorization('Bearer two words'))).toBeUndefined();
    expect(bearerToken(new Metadata())).toBeUndefined();
  });

  it('compares tokens of any lengths without throwing', () => {
    expect(tokensMatch('secret', 'secret')).toBe(true);
    expect(tokensMatch('secret', 'secreT')).toBe(false);
    expect(tokensMatch('s', 'a much longer token')).toBe(false);
  });

  it('tells a missing token from a wrong one, and lets everyone in when no token is configured', () => {
    expect(() => { authenticate(new Metadata(), 'worker', 'w'); }).toThrow(AuthenticationError);
    expect(() => { authenticate(new Metadata(), 'worker', 'w'); }).toThrow(/no bearer token/);
    expect(() => { authenticate(withAuthorization('Bearer x'), 'operator', 'w'); }).toThrow(/not the operator token/);
    expect(() => { authenticate(withAuthorization('Bearer w'), 'worker', 'w'); }).not.toThrow();
    expect(() => { authenticate(new Metadata(), 'worker', ''); }).not.toThrow();
  });
});

describe('worker authentication', () => {
  const perWorker = new WorkerAuthenticator('', new Map([['w1', 'token-one'], ['w2', 'token-two']]));

  it('admits any listed worker token and refuses others as UNAUTHENTICATED', () => {
    expect(() => { perWorker.admit(withAuthorization('Bearer token-two')); }).not.toThrow();
    expect(() => { perWorker.admit(withAuthorization('Bearer token-three')); }).toThrow(AuthenticationError);
    expect(() => { perWorker.admit(new Metadata()); }).toThrow(/no bearer token/);
  });

  it('lets a per-worker token act only as its own worker', () => {
    expect(() => { perWorker.authorizeAs(withAuthorization('Bearer token-one'), 'w1'); }).not.toThrow();
    expect(() => { perWorker.authorizeAs(withAuthorization('Bearer token-one'), 'w2'); }).toThrow(PermissionError);
    expect(() => { perWorker.authorizeAs(withAuthorization('Bearer token-one'), 'w3'); }).toThrow(/has no token/);
  });

  it('cannot tell workers apart with a shared token, and tells worker tokens from others', () => {
    const shared = new WorkerAuthenticator('shared', new Map());
    expect(() => { shared.authorizeAs(withAuthorization('Bearer shared'), 'anyone'); }).not.toThrow();
    expect(shared.isWorkerToken('shared')).toBe(true);
    expect(perWorker.isWorkerToken('token-two')).toBe(true);
    expect(perWorker.isWorkerToken('shared')).toBe(false);
    expect(new WorkerAuthenticator('', new Map()).enabled).toBe(false);
  });
});
