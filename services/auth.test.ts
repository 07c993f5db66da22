import { Metadata } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { authenticate, bearerToken, tokensMatch } from './auth.js';
import { AuthenticationError } from './errors.js';

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
