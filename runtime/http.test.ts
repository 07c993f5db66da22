import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Registry } from 'prom-client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { healthzUrl, startHttpEndpoint } from './http.js';
import { createRootLogger } from './logger.js';

const HEALTHCHECK = fileURLToPath(new URL('../deploy/healthcheck.sh', import.meta.url));
const log = createRootLogger('silent');

/** deploy/healthcheck.sh (the image's health check) reading `addressFile`: its exit code and what it printed. */
async function healthcheck(addressFile: string): Promise<{ code: number; output: string }> {
  try {
    const { stdout } = await promisify(execFile)(HEALTHCHECK, [], { env: { ...process.env, BYZPS_HTTP_ADDRESS_FILE: addressFile }, timeout: 20_000 });
    return { code: 0, output: stdout };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string };
    return { code: failed.code ?? -1, output: failed.stdout ?? '' };
  }
}

describe('healthzUrl', () => {
  it('reaches a wildcard address through the loopback interface and brackets IPv6 literals', () => {
    expect(healthzUrl('0.0.0.0', 9200)).toBe('http://127.0.0.1:9200/healthz');
    expect(healthzUrl('', 9200)).toBe('http://127.0.0.1:9200/healthz');
    expect(healthzUrl('::', 9200)).toBe('http://[::1]:9200/healthz');
    expect(healthzUrl('10.0.1.7', 9091)).toBe('http://10.0.1.7:9091/healthz');
    expect(healthzUrl('fd00::7', 9091)).toBe('http://[fd00::7]:9091/healthz');
    expect(healthzUrl('ps.local', 9090)).toBe('http://ps.local:9090/healthz');
  });
});

describe('the /healthz address file and the image health check that reads it', () => {
  let directory = '';
  beforeEach(() => {
    directory = mkdtempSync(join(tmpdir(), 'byzps-http-'));
  });
  afterEach(() => {
    rmSync(directory, { recursive: true, force: true });
  });

  it('writes the bound port (here one the OS picked) where the check finds it, and removes the file on close', async () => {
    const file = join(directory, 'http-address');
    let healthy = true;
    const endpoint = await startHttpEndpoint('0.0.0.0', 0, new Registry(), () => healthy, log, file);
    try {
      expect(readFileSync(file, 'utf8')).toBe(`http://127.0.0.1:${String(endpoint.port)}/healthz\n`);
      expect(await healthcheck(file)).toEqual({ code: 0, output: '' });
      healthy = false;
      const shuttingDown = await healthcheck(file);
      expect(shuttingDown.code).toBe(1);
      expect(shuttingDown.output).toContain('503');
    } finally {
      await endpoint.close();
    }
    expect(existsSync(file)).toBe(false);
    const gone = await healthcheck(file);
    expect(gone.code).toBe(1);
    expect(gone.output).toContain('has not listened yet');
  });

  it('the check fails with a reason when nothing listens at the written address', async () => {
    const file = join(directory, 'http-address');
    const endpoint = await startHttpEndpoint('127.0.0.1', 0, new Registry(), () => true, log, file);
    const written = readFileSync(file, 'utf8');
    await endpoint.close();
    // A stale file from a process that died without removing it.
    writeFileSync(file, written);
    const stale = await healthcheck(file);
    expect(stale.code).toBe(1);
    expect(stale.output).toContain('cannot connect');
  });

  it('refuses to start when the file cannot be written, and frees the port', async () => {
    const probe = await startHttpEndpoint('127.0.0.1', 0, new Registry(), () => true, log);
    const port = probe.port;
    await probe.close();
    const unwritable = join(directory, 'missing-directory', 'http-address');
    await expect(startHttpEndpoint('127.0.0.1', port, new Registry(), () => true, log, unwritable)).rejects.toThrow(/cannot write the \/healthz address to --http-address-file .*missing-directory/);
    const again = await startHttpEndpoint('127.0.0.1', port, new Registry(), () => true, log, join(directory, 'http-address'));
    await again.close();
  });
});
