/**
 * The nginx engine's configuration, generated from the platform's routes (a pure function: the
 * platform writes the result and reloads nginx whenever a route changes, see nginx-router.ts).
 *
 * It does what the node engine (router.ts, http-exchange.ts) does, in nginx's terms:
 * - one server per app (`APP.localhost`), a default server answering the "No such app" 404
 *   page and logging nothing;
 * - an upstream per app over its up web dynos, round-robin (one worker process, so one
 *   rotation, as the node engine's), keep-alive connections, a refused connection retried once
 *   on the next dyno (`proxy_next_upstream error`, two tries, `max_fails=0` so a dyno is never
 *   benched);
 * - the same request headers to the dyno (X-Request-Id kept when valid, else nginx's own
 *   random id; X-Forwarded-For appended; X-Forwarded-Proto/Port; the Host as sent) and the
 *   same answers: H10/H14/H80 when the app has no up web dyno or is in maintenance, H12 when
 *   the dyno does not answer within the timeout (504 → 503), H13 when it closes the connection
 *   without an answer (502 → 503), each with the node engine's page (error-page.ts);
 * - bodies streamed both ways (no buffering), WebSocket upgrades passed through (only
 *   `Upgrade: websocket`, as the node engine);
 * - one access-log record per request into a named pipe the platform reads (access-log.ts),
 *   which it turns into the router's log line.
 */
import { pageBody, type RouterErrorCode } from '../error-page';
import type { AppRoute } from '../types';
import { APP_NAME } from '../../shared/app-name';

export interface NginxConfigInput {
  /** nginx's prefix directory: temp paths and the pid file. */
  dir: string;
  port: number;
  /** The named pipe the access-log records go to (the platform reads it, access-log.ts). */
  logPipe: string;
  /** H12: milliseconds a dyno has to answer (also the idle limit of a streaming answer, as Heroku's). */
  timeoutMs: number;
  /** Served at http://slipway-router.invalid/generation: tells when a reload has taken effect. */
  generation: number;
  /** `user` directive: only when the platform runs as root (workers then run as the same user). */
  user: string | null;
  routes: ReadonlyMap<string, AppRoute>;
}

/** The Host under which the config's generation is served. */
export const GENERATION_HOST = 'slipway-router.invalid';


/**
 * An nginx single-quoted string (a page, a path with spaces). A `$` would be read as a variable
 * and nginx has no escape for it: refused (the pages have none; a home whose path has one gets
 * the node engine, engine.ts).
 */
function str(text: string): string {
  if (text.includes('$')) throw new Error(`nginx config: a literal cannot hold "$": ${text.slice(0, 60)}`);
  return `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/**
 * The fields of an access-log record, in order (access-log.ts reads them). One line per request,
 * fields separated by tabs: nginx JSON-escapes every value (`escape=json`), so no value holds a
 * raw tab or newline.
 */
export const LOG_FIELDS = [
  ['app', '$slipway_app'],
  ['code', '$slipway_code'],
  ['method', '$request_method'],
  ['path', '$request_uri'],
  ['host', '$host'],
  ['requestId', '$slipway_request_id'],
  ['fwd', '$proxy_add_x_forwarded_for'],
  ['upstream', '$upstream_addr'],
  ['connectTime', '$upstream_connect_time'],
  ['responseTime', '$upstream_response_time'],
  ['status', '$status'],
  ['bytes', '$body_bytes_sent'],
  ['contentLength', '$upstream_http_content_length'],
  ['completion', '$request_completion'],
] as const;
export type LogRecord = Record<(typeof LOG_FIELDS)[number][0], string>;

function logFormat(): string {
  return `log_format slipway escape=json '${LOG_FIELDS.map(([, v]) => v).join('\\t')}';`;
}

function answer(status: number, code: RouterErrorCode | 'no-such-app', indent: string): string {
  const lines = [
    code === 'no-such-app' ? null : `set $slipway_code ${code};`,
    'default_type "text/html; charset=utf-8";',
    'add_header cache-control "no-cache, no-store" always;',
    `return ${status} ${str(pageBody(code))};`,
  ];
  return lines
    .filter((l) => l !== null)
    .map((l) => indent + l)
    .join('\n');
}

function appServer(app: string, route: AppRoute, listen: string, logTo: string): string {
  if (!APP_NAME.test(app)) throw new Error(`nginx config: not an app name: ${JSON.stringify(app)}`);
  const head = `  server {
    listen ${listen};
    server_name ${app}.localhost;
    set $slipway_app ${app};
    set $slipway_code '';
    access_log ${logTo};`;
  const code: RouterErrorCode | null = route.maintenance ? 'H80' : route.targets.length === 0 ? (route.crashed ? 'H10' : 'H14') : null;
  if (code) return `${head}\n    location / {\n${answer(503, code, '      ')}\n    }\n  }`;
  return `${head}
    location / {
      proxy_pass http://slipway_${app};
      proxy_set_header Host $http_host;
      proxy_set_header X-Request-Id $slipway_request_id;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto http;
      proxy_set_header X-Forwarded-Port $server_port;
      proxy_set_header Upgrade $slipway_upgrade;
      proxy_set_header Connection $slipway_connection;
      proxy_set_header HTTP2-Settings '';
      error_page 502 = @h13;
      error_page 504 = @h12;
    }
    location @h12 {
${answer(503, 'H12', '      ')}
    }
    location @h13 {
${answer(503, 'H13', '      ')}
    }
  }`;
}

function upstream(app: string, route: AppRoute): string | null {
  if (route.maintenance || route.targets.length === 0) return null;
  const servers = route.targets.map((t) => `    server 127.0.0.1:${t.port} max_fails=0;`).join('\n');
  return `  upstream slipway_${app} {\n${servers}\n    keepalive 64;\n    keepalive_timeout 4s;\n  }`;
}

export function nginxConfig(input: NginxConfigInput): string {
  const listen = `127.0.0.1:${input.port}`;
  // Whole lines in writes of at most 4 KiB (PIPE_BUF): an old and a new worker writing during a
  // reload cannot interleave them. At most 20 ms late when the router is quiet.
  const logTo = `${str(input.logPipe)} slipway buffer=4k flush=20ms`;
  const apps = [...input.routes.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const upstreams = apps.map(([app, route]) => upstream(app, route)).filter((u) => u !== null);
  const at = (name: string): string => str(`${input.dir}/${name}`);
  return `# Generated by the Slipway platform (platform/router/nginx/config.ts) for generation ${input.generation}.
# Rewritten and reloaded on every route change: edits here are lost.
${input.user ? `user ${input.user};\n` : ''}worker_processes 1;
daemon off;
pid ${at('nginx.pid')};
error_log stderr error;
events { worker_connections 4096; }
http {
  access_log off;
  server_tokens off;
  ${logFormat()}
  client_body_temp_path ${at('body')}; proxy_temp_path ${at('proxy')}; fastcgi_temp_path ${at('fastcgi')};
  uwsgi_temp_path ${at('uwsgi')}; scgi_temp_path ${at('scgi')};
  client_max_body_size 0;
  large_client_header_buffers 4 16k;
  underscores_in_headers on;
  ignore_invalid_headers off;
  merge_slashes off;
  keepalive_timeout 65s;
  keepalive_requests 1000000;
  proxy_http_version 1.1;
  proxy_buffering off;
  proxy_request_buffering off;
  proxy_connect_timeout 10s;
  proxy_read_timeout ${Math.max(1, Math.round(input.timeoutMs))}ms;
  proxy_send_timeout 3600s;
  proxy_next_upstream error;
  proxy_next_upstream_tries 2;
  proxy_hide_header Trailer;
  proxy_pass_header Server;
  proxy_pass_header Date;
  map $request_id $slipway_uuid {
    "~^(?<a>.{8})(?<b>.{4})(?<c>.{4})(?<d>.{4})(?<e>.{12})$" "$a-$b-$c-$d-$e";
  }
  map $http_x_request_id $slipway_request_id {
    "~^[A-Za-z0-9+/=-]{20,200}$" $http_x_request_id;
    default $slipway_uuid;
  }
  map $http_upgrade $slipway_upgrade {
    "~*^websocket$" websocket;
    default "";
  }
  map $slipway_upgrade $slipway_connection {
    websocket upgrade;
    default "";
  }
${upstreams.join('\n')}
  server {
    listen ${listen} default_server;
    set $slipway_app '';
    set $slipway_code '';
    location / {
${answer(404, 'no-such-app', '      ')}
    }
  }
  server {
    listen ${listen};
    server_name ${GENERATION_HOST};
    location = /generation { return 200 '${input.generation}'; }
    location / { return 404; }
  }
${apps.map(([app, route]) => appServer(app, route, listen, logTo)).join('\n')}
}
`;
}
