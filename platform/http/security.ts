/**
 * Loopback-only guard for the API: the Host and Origin headers must name a loopback address
 * (which defeats DNS rebinding from a browser), and every request carries the platform token,
 * as `Authorization: Bearer TOKEN` or as the password of HTTP basic auth (what git sends).
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { tokenMatches } from '../discovery/token';

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * The host name of a Host header value per RFC 3986 (authority without userinfo): an IP-literal
 * in brackets, or a name without ":", then nothing or ":" and a port of digits
 * (`127.0.0.1:5101` → `127.0.0.1`, `[::1]:80` → `[::1]`). Anything else is not a host and gives
 * "": `[::1]evil.com`, `127.0.0.1:80:81`, `localhost:80x`, `::1` without brackets.
 */
export function hostName(host: string): string {
  const h = host.trim().toLowerCase();
  let name: string;
  let rest: string;
  if (h.startsWith('[')) {
    const end = h.indexOf(']');
    if (end < 0) return '';
    name = h.slice(0, end + 1);
    rest = h.slice(end + 1);
  } else {
    const colon = h.indexOf(':');
    name = colon >= 0 ? h.slice(0, colon) : h;
    rest = colon >= 0 ? h.slice(colon) : '';
  }
  return rest === '' || /^:\d{0,5}$/.test(rest) ? name : '';
}

export function isLoopbackHost(host: string | undefined): boolean {
  return host !== undefined && LOOPBACK_HOSTS.has(hostName(host));
}

export function isLoopbackOrigin(origin: string): boolean {
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  return (url.protocol === 'http:' || url.protocol === 'https:') && LOOPBACK_HOSTS.has(url.hostname);
}

export function presentedToken(req: FastifyRequest): string | null {
  const auth = req.headers.authorization;
  if (!auth) return null;
  const [scheme, value] = auth.split(' ', 2);
  if (!value) return null;
  if (scheme.toLowerCase() === 'bearer') return value.trim();
  if (scheme.toLowerCase() === 'basic') {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    return colon >= 0 ? decoded.slice(colon + 1) : null;
  }
  return null;
}

export function guard(token: string) {
  return async (req: FastifyRequest, reply: FastifyReply): Promise<void> => {
    // Only origin-form targets (`/apps`): an absolute-form one (`http://evil.example/apps`) is
    // what a proxy is sent, and its authority would be judged apart from the Host header.
    if (!req.raw.url?.startsWith('/')) {
      await reply.code(400).send({ error: { code: 'invalid_request_target', message: 'the request target must be a path (/apps), not an absolute URL; the platform is not a proxy' } });
      return;
    }
    if (!isLoopbackHost(req.headers.host)) {
      await reply.code(403).send({ error: { code: 'forbidden_host', message: `requests must address the platform by a loopback name (127.0.0.1 or localhost), not "${req.headers.host ?? ''}"` } });
      return;
    }
    const origin = req.headers.origin;
    if (origin !== undefined && !isLoopbackOrigin(origin)) {
      await reply.code(403).send({ error: { code: 'forbidden_origin', message: `requests from origin "${origin}" are refused; only loopback origins may call the platform` } });
      return;
    }
    const given = presentedToken(req);
    if (given === null || !tokenMatches(token, given)) {
      if (req.headers.authorization?.toLowerCase().startsWith('basic') || req.url.startsWith('/git/')) {
        void reply.header('www-authenticate', 'Basic realm="Slipway"');
      }
      await reply.code(401).send({
        error: {
          code: given === null ? 'token_missing' : 'token_invalid',
          message: given === null ? 'this request needs the platform token (Authorization: Bearer, see $SLIPWAY_HOME/token)' : 'the platform token is wrong; read it again from $SLIPWAY_HOME/token',
        },
      });
    }
  };
}
