/**
 * The router's line for one request, in Heroku's format without the timestamp and source prefix
 * (the log store adds `slipway[router]:`):
 * `at=info method=GET path="/" host=demo.localhost request_id=… fwd="127.0.0.1" dyno=web.1 connect=0ms service=3ms status=200 bytes=12 protocol=http`.
 * An error adds `code=H12 desc="Request timeout"` after `at=error`; fields that do not apply
 * (no dyno was reached) are left empty as Heroku does (`dyno= connect= service=`).
 */
import { ERROR_DESC } from './error-page';

/** What one request contributes to its log line. */
export interface RequestFacts {
  method: string;
  path: string;
  /** The Host header's name, without the port. */
  host: string;
  requestId: string;
  /** The X-Forwarded-For value sent to the dyno. */
  fwd: string;
}

/** `"` and `\` and control characters would make a field ambiguous: escape them. */
function quoted(value: string): string {
  return /["\\\u0000-\u001f\u007f]/.test(value) ? JSON.stringify(value) : `"${value}"`;
}

export function logLine(
  facts: RequestFacts,
  code: keyof typeof ERROR_DESC | null,
  dyno: string | null,
  connectMs: number,
  serviceMs: number,
  status: number,
  bytes: number,
): string {
  const head = code === null ? 'at=info' : `${code === 'H27' ? 'at=info' : 'at=error'} code=${code} desc="${ERROR_DESC[code]}"`;
  const timing = dyno === null ? 'dyno= connect= service=' : `dyno=${dyno} connect=${connectMs}ms service=${serviceMs}ms`;
  return `${head} method=${facts.method} path=${quoted(facts.path)} host=${facts.host} request_id=${facts.requestId} fwd=${quoted(facts.fwd)} ${timing} status=${status} bytes=${bytes} protocol=http`;
}
