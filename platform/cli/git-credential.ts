/**
 * The git credential helper protocol (gitcredentials(7), "custom helpers"): git writes
 * `key=value` lines (protocol, host, path, username, …) and an empty line or EOF; for `get` the
 * helper answers with `username=` and `password=` lines, or nothing when it has no answer.
 * Slipway answers only for the platform it knows (the running platform's API host and port),
 * with the platform token as the password of HTTP basic auth.
 */

export type CredentialRequest = Record<string, string>;

export function parseCredentialRequest(text: string): CredentialRequest {
  const out: CredentialRequest = {};
  for (const line of text.split('\n')) {
    const l = line.replace(/\r$/, '');
    if (l === '') break;
    const eq = l.indexOf('=');
    if (eq > 0) out[l.slice(0, eq)] = l.slice(eq + 1);
  }
  return out;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost']);

/** Whether the request names the platform at `platformUrl` (`http://127.0.0.1:PORT`), by 127.0.0.1 or localhost. */
export function isPlatformRequest(req: CredentialRequest, platformUrl: string): boolean {
  let platform: URL;
  let asked: URL;
  try {
    platform = new URL(platformUrl);
    asked = new URL(`${req.protocol ?? ''}://${req.host ?? ''}/`);
  } catch {
    return false;
  }
  const port = (u: URL) => u.port || (u.protocol === 'https:' ? '443' : '80');
  return asked.protocol === platform.protocol && LOOPBACK.has(asked.hostname) && port(asked) === port(platform);
}

/** The answer to `get`: the token as the password (the username is informative only). */
export function credentialAnswer(token: string): string {
  return `username=slipway\npassword=${token}\n`;
}
