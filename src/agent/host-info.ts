import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** The agent's software version, read from the package it ships in. */
export function agentVersion(): string {
  try {
    const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version?: string };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

/** First non-internal IPv4 address, else first non-internal IPv6, else null. */
export function primaryIp(): string | null {
  const addresses = Object.values(os.networkInterfaces())
    .flatMap((list) => list ?? [])
    .filter((a) => !a.internal);
  return (addresses.find((a) => a.family === 'IPv4') ?? addresses[0])?.address ?? null;
}
