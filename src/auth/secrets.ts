import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import argon2 from 'argon2';

/*
 * Passwords are hashed with Argon2id (the `argon2` package, native, on libuv's thread pool so a
 * hash never blocks the event loop) at OWASP's recommended minimum (19 MiB, 2 passes, 1 lane):
 * ~35 ms on this project's machines. Session tokens and API key secrets are 32 random bytes, so
 * a plain SHA-256 of them is enough to keep a database dump from being usable (as GitHub does
 * with its tokens), and checking one costs microseconds on every request.
 */
const ARGON2_OPTIONS = { type: argon2.argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export const MIN_PASSWORD_LENGTH = 8;

export function hashPassword(password: string): Promise<string> {
  return argon2.hash(password, ARGON2_OPTIONS);
}

export async function verifyPassword(hash: string, password: string): Promise<boolean> {
  try {
    return await argon2.verify(hash, password);
  } catch {
    return false;
  }
}

/** A hash of a password nobody has: unknown usernames are checked against it so they take as long as known ones. */
let decoy: Promise<string> | undefined;
export function decoyHash(): Promise<string> {
  decoy ??= hashPassword(randomBytes(16).toString('hex'));
  return decoy;
}

/** A new random secret, URL-safe base64 (43 characters for 32 bytes). */
export function newSecret(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

/** A random password for the first admin: 20 characters from letters and digits. */
export function newPassword(): string {
  const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789';
  const bytes = randomBytes(20);
  return [...bytes].map((b) => alphabet[b % alphabet.length]).join('');
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** Constant-time comparison of two hex digests. */
export function sameDigest(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && timingSafeEqual(x, y);
}
