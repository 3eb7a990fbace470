/**
 * The operator's session token, kept in sessionStorage: it lives as long as the tab, is not sent
 * by the browser on its own (no cookie, so no cross-site request can use it), and logout forgets it.
 */
const KEY = 'sdes.token';

export function readToken(): string | null {
  return sessionStorage.getItem(KEY);
}

export function saveToken(token: string): void {
  sessionStorage.setItem(KEY, token);
}

export function forgetToken(): void {
  sessionStorage.removeItem(KEY);
}
