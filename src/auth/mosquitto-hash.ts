import { pbkdf2, randomBytes } from 'node:crypto';
import { promisify } from 'node:util';

const pbkdf2Async = promisify(pbkdf2);

/**
 * A password hash in the form Mosquitto's password file takes (what `mosquitto_passwd` writes
 * since 2.0): `$7${iterations}${salt}${hash}`, PBKDF2-SHA512, 12-byte salt, 64-byte hash, both
 * base64. Mosquitto's own default is 101 iterations; the secrets hashed here are 32 random bytes,
 * so the count adds nothing but the broker's cost per connection.
 */
export async function mosquittoHash(password: string, iterations = 101): Promise<string> {
  const salt = randomBytes(12);
  const hash = await pbkdf2Async(password, salt, iterations, 64, 'sha512');
  return `$7$${iterations}$${salt.toString('base64')}$${hash.toString('base64')}`;
}

/** Checks a password against a `$7$` hash (for tests and for tools that read such a file). */
export async function verifyMosquittoHash(hash: string, password: string): Promise<boolean> {
  const match = /^\$7\$(\d+)\$([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+)$/.exec(hash);
  if (!match) return false;
  const expected = Buffer.from(match[3], 'base64');
  const got = await pbkdf2Async(password, Buffer.from(match[2], 'base64'), Number(match[1]), expected.length, 'sha512');
  return got.equals(expected);
}
