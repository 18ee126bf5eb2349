/**
 * The HTTP API, defined once. Fastify validates requests and serialises responses with these
 * schemas; `Static<typeof X>` gives the TypeScript types that the platform, the typed client
 * (platform/api/client.ts), the CLI, the extension and the tests share.
 */
import Type, { type Static } from 'typebox';

const Nullable = <T extends Type.TSchema>(t: T) => Type.Union([t, Type.Null()]);

/**
 * Input hygiene (the patterns are the contract; http/validation-message.ts words the refusal).
 * NO_CONTROL: names, paths, dyno names: no C0 control character and no DEL, since they reach
 * a path, a command line or a log line, where a NUL cuts and a newline forges a line.
 * TEXT_LINES: config values and `run` commands, which may hold several lines (a PEM key, a shell
 * script): tab, newline and carriage return are allowed, NUL (which no environment variable or
 * argv can hold) and the other control characters are not.
 */
export const NO_CONTROL = '^[^\\u0000-\\u001f\\u007f]*$';
export const TEXT_LINES = '^[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f]*$';
/** A Procfile process type (shared/procfile.ts PROCESS_NAME). */
export const PROCESS_TYPE = '^[A-Za-z0-9_-]{1,128}$';
/** A dyno (`web.1`, `run.1234`, `release`) or a process type (`web`). */
export const DYNO_OR_TYPE = '^[A-Za-z0-9_-]{1,128}(\\.[0-9]{1,10})?$';

export const ErrorBody = Type.Object({
  error: Type.Object({ code: Type.String(), message: Type.String() }),
});
export type ErrorBody = Static<typeof ErrorBody>;

export const AppName = Type.String({ minLength: 1, maxLength: 64 });
export const AppParams = Type.Object({ app: AppName });

export const Formation = Type.Record(Type.String(), Type.Integer({ minimum: 0 }));
export type Formation = Static<typeof Formation>;

export const App = Type.Object({
  name: Type.String(),
  url: Type.String(),
  currentRelease: Nullable(Type.Integer()),
  formation: Formation,
  createdAt: Type.String(),
});
export type App = Static<typeof App>;

export const CreateAppBody = Type.Object({ name: Type.String({ maxLength: 200 }) });

export const Destroyed = Type.Object({ destroyed: Type.String() });

export const ConfigVars = Type.Record(Type.String(), Type.String());
export type ConfigVars = Static<typeof ConfigVars>;

export const ReleaseStatus = Type.Union([Type.Literal('pending'), Type.Literal('succeeded'), Type.Literal('failed')]);
export const Release = Type.Object({
  version: Type.Integer(),
  description: Type.String(),
  status: ReleaseStatus,
  current: Type.Boolean(),
  slug: Type.Object({ id: Type.String(), size: Type.Integer() }),
  commit: Nullable(Type.String()),
  createdAt: Type.String(),
  /** The data backup captured before this release's release phase (b003), or null. */
  backup: Type.Optional(Nullable(Type.String())),
});
export type Release = Static<typeof Release>;

export const ReleaseInfo = Type.Object({
  ...Release.properties,
  config: ConfigVars,
  processTypes: Type.Record(Type.String(), Type.String()),
  /** The add-ons attached when the release was made. */
  addons: Type.Optional(Type.Array(Type.Object({ name: Type.String(), service: Type.String(), attachment: Type.String(), configVar: Type.String() }))),
});
export type ReleaseInfo = Static<typeof ReleaseInfo>;

export const ReleasesQuery = Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1 })) });
export const ReleaseParams = Type.Object({ app: AppName, version: Type.Integer({ minimum: 1 }) });

export const RollbackBody = Type.Object({
  version: Type.Optional(Type.Integer({ minimum: 1 })),
  /** Also restore the data backup captured before the release that followed `version`. */
  restoreData: Type.Optional(Type.Boolean()),
  confirm: Type.Optional(Type.String({ maxLength: 200 })),
});
/** What a rollback restored, so that the CLI and the editor can say it. */
export const RollbackResult = Type.Object({
  release: Release,
  target: Type.Integer(),
  previous: Type.Integer(),
  slugChanged: Type.Boolean(),
  configChanges: Type.Object({
    added: Type.Array(Type.String()),
    removed: Type.Array(Type.String()),
    changed: Type.Array(Type.String()),
  }),
  /** The backup restored with --restore-data, or null. */
  restoredBackup: Type.Optional(Nullable(Type.String())),
  /** The before-release backup that --restore-data would restore (said when it was not asked for). */
  dataBackup: Type.Optional(Nullable(Type.String())),
  /** Add-on config vars kept as attached now rather than as the target had them. */
  addonVarsKept: Type.Optional(Type.Array(Type.String())),
});
export type RollbackResult = Static<typeof RollbackResult>;

/** Every value a string without NUL or other control characters (TEXT_LINES); keys are checked by the service. */
const ConfigValues = Type.Unsafe<Record<string, string>>({ type: 'object', additionalProperties: { type: 'string', pattern: TEXT_LINES } });
export const ConfigPatchBody = Type.Object({
  set: Type.Optional(ConfigValues),
  unset: Type.Optional(Type.Array(Type.String())),
});
export const ConfigPatchResult = Type.Object({ config: ConfigVars, release: Nullable(Release) });
export type ConfigPatchResult = Static<typeof ConfigPatchResult>;

export const DeployBody = Type.Object({
  dir: Type.String({ minLength: 1, maxLength: 4096, pattern: NO_CONTROL }),
  commit: Type.Optional(Nullable(Type.String({ pattern: '^[0-9a-f]{7,64}$' }))),
});

/** One line of the NDJSON stream that POST /apps/:app/deploys answers with. */
export const DeployEvent = Type.Union([
  Type.Object({ type: Type.Literal('output'), line: Type.String() }),
  Type.Object({ type: Type.Literal('release'), release: Release }),
  Type.Object({ type: Type.Literal('error'), error: ErrorBody.properties.error }),
]);
export type DeployEvent = Static<typeof DeployEvent>;

/** An app's custom classic buildpacks (absolute dirs on the platform's machine); [] = built-in. */
export const Buildpacks = Type.Object({ buildpacks: Type.Array(Type.String()) });
export type Buildpacks = Static<typeof Buildpacks>;
/** buildpacks:set: one buildpack for now (a list, as Heroku's, so that more can come). */
export const SetBuildpacksBody = Type.Object({
  buildpacks: Type.Array(Type.String({ minLength: 1, maxLength: 4096, pattern: NO_CONTROL }), { minItems: 1, maxItems: 1 }),
});

export const PlatformStatus = Type.Object({
  running: Type.Boolean(),
  url: Type.String(),
  routerUrl: Type.String(),
  /** What serves the router's port: the platform itself (node) or an nginx it runs. */
  routerEngine: Type.Union([Type.Literal('node'), Type.Literal('nginx')]),
  pid: Type.Integer(),
  version: Type.String(),
  home: Type.String(),
  /**
   * What start-up moved aside rather than delete (slugs no release mentions, …), under
   * $SLIPWAY_HOME/orphans/; removed only by the user (PLATFORM.md, "State durability").
   */
  orphans: Type.Array(Type.Object({ path: Type.String(), bytes: Type.Integer() })),
});
export type PlatformStatus = Static<typeof PlatformStatus>;

export const Stopping = Type.Object({ stopping: Type.Boolean() });

// ---- Dynos, formation, logs, maintenance, events ----

export const DynoState = Type.Union([Type.Literal('starting'), Type.Literal('up'), Type.Literal('crashed'), Type.Literal('down')]);
export type DynoState = Static<typeof DynoState>;
export const Dyno = Type.Object({
  name: Type.String(),
  type: Type.String(),
  state: DynoState,
  port: Nullable(Type.Integer()),
  pid: Nullable(Type.Integer()),
  release: Type.Integer(),
  since: Type.String(),
  restarts: Type.Integer(),
  nextRestartAt: Nullable(Type.String()),
  sandboxed: Type.Boolean(),
  command: Type.String(),
});
export type Dyno = Static<typeof Dyno>;

/** ps:scale: `{ "web": "=3", "worker": "+1" }` — absolute (`=N`) or relative (`+N`, `-N`) per type. */
export const ScaleBody = Type.Object({
  changes: Type.Array(Type.Object({ type: Type.String({ minLength: 1, maxLength: 128, pattern: PROCESS_TYPE }), op: Type.Union([Type.Literal('='), Type.Literal('+'), Type.Literal('-')]), count: Type.Integer({ minimum: 0, maximum: 100 }) }), { minItems: 1 }),
});
/** One `TYPE=N`, `TYPE+N` or `TYPE-N` of `ps:scale`. */
export type ScaleChange = Static<typeof ScaleBody>['changes'][number];

export const RestartBody = Type.Object({ target: Type.Optional(Type.String({ minLength: 1, maxLength: 140, pattern: DYNO_OR_TYPE })) });
export const StopDynoParams = Type.Object({ app: AppName, dyno: Type.String({ minLength: 1, maxLength: 140, pattern: DYNO_OR_TYPE }) });

export const LogSource = Type.Union([Type.Literal('app'), Type.Literal('slipway'), Type.Literal('api')]);
export const LogLine = Type.Object({ time: Type.String(), source: LogSource, dyno: Type.String(), message: Type.String() });
export type LogLine = Static<typeof LogLine>;
export const LogsQuery = Type.Object({
  n: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000000 })),
  tail: Type.Optional(Type.Boolean()),
  ps: Type.Optional(Type.String({ maxLength: 140, pattern: DYNO_OR_TYPE })),
  source: Type.Optional(LogSource),
  since: Type.Optional(Type.String({ maxLength: 64 })),
  until: Type.Optional(Type.String({ maxLength: 64 })),
});

export const Maintenance = Type.Object({ maintenance: Type.Boolean() });

/** The platform's event stream (GET /events, NDJSON): what changed, so views refresh without polling. */
export const PlatformEvent = Type.Object({
  kind: Type.Union([Type.Literal('apps'), Type.Literal('releases'), Type.Literal('config'), Type.Literal('dynos'), Type.Literal('formation'), Type.Literal('addons'), Type.Literal('backups'), Type.Literal('hello')]),
  app: Nullable(Type.String()),
  time: Type.String(),
});
export type PlatformEvent = Static<typeof PlatformEvent>;

/**
 * `tty`: run on a pseudo-terminal of `cols`×`rows` with TERM `term`; the request body is then
 * NDJSON of RunInput (keystrokes and resizes) instead of raw stdin.
 */
export const RunQuery = Type.Object({
  command: Type.String({ maxLength: 65536, pattern: TEXT_LINES }),
  tty: Type.Optional(Type.Boolean()),
  cols: Type.Optional(Type.Integer({ minimum: 1, maximum: 10000 })),
  rows: Type.Optional(Type.Integer({ minimum: 1, maximum: 10000 })),
  term: Type.Optional(Type.String({ maxLength: 64, pattern: '^[A-Za-z0-9._+-]*$' })),
});
export type RunQuery = Static<typeof RunQuery>;
/** What the caller of a `tty` run sends, one JSON object a line: keystrokes (base64) and resizes. */
export const RunInput = Type.Union([
  Type.Object({ type: Type.Literal('stdin'), data: Type.String() }),
  Type.Object({ type: Type.Literal('resize'), cols: Type.Integer({ minimum: 1, maximum: 10000 }), rows: Type.Integer({ minimum: 1, maximum: 10000 }) }),
]);
export type RunInput = Static<typeof RunInput>;
/** `started.tty`: the command has a pseudo-terminal (asked for, and the platform can make one). */
export const RunEvent = Type.Union([
  Type.Object({ type: Type.Literal('started'), dyno: Type.String(), tty: Type.Optional(Type.Boolean()) }),
  Type.Object({ type: Type.Union([Type.Literal('stdout'), Type.Literal('stderr')]), data: Type.String() }),
  Type.Object({ type: Type.Literal('exit'), code: Type.Integer() }),
]);
export type RunEvent = Static<typeof RunEvent>;

// ---- Backups of the platform's state (platform:backup / platform:restore) ----

/** `file`: an absolute path on the platform's machine; none: $SLIPWAY_HOME/backups/slipway-STAMP.tar. */
export const BackupBody = Type.Object({ file: Type.Optional(Type.String({ minLength: 2, maxLength: 4096, pattern: NO_CONTROL })) });
export const BackupResult = Type.Object({
  file: Type.String(),
  bytes: Type.Integer(),
  createdAt: Type.String(),
  apps: Type.Integer(),
  releases: Type.Integer(),
  slugs: Type.Integer(),
});
export type BackupResult = Static<typeof BackupResult>;
// ---- Add-ons and backups (PLATFORM.md "Add-ons") ----

export const AddonState = Type.Union([Type.Literal('provisioning'), Type.Literal('available'), Type.Literal('failed'), Type.Literal('deprovisioning')]);
/** Never the URL: `config:get` gives it. */
export const Addon = Type.Object({
  name: Type.String(),
  app: Type.String(),
  service: Type.String(),
  plan: Type.String(),
  attachment: Type.String(),
  configVar: Type.String(),
  state: AddonState,
  createdAt: Type.String(),
});
export type Addon = Static<typeof Addon>;
export const AddonParams = Type.Object({ app: AppName, addon: Type.String({ minLength: 1, maxLength: 128 }) });
export const CreateAddonBody = Type.Object({ service: Type.String({ minLength: 1, maxLength: 128 }), as: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })) });
export const CreateAddonResult = Type.Object({ addon: Addon, release: Nullable(Release) });
export type CreateAddonResult = Static<typeof CreateAddonResult>;
export const ConfirmBody = Type.Object({ confirm: Type.Optional(Type.String({ maxLength: 200 })) });
export const DestroyAddonResult = Type.Object({ destroyed: Type.String(), release: Nullable(Release) });
export type DestroyAddonResult = Static<typeof DestroyAddonResult>;
export const PgInfo = Type.Object({ ...Addon.properties, tables: Type.Integer(), bytes: Type.Integer(), version: Type.String() });
export type PgInfo = Static<typeof PgInfo>;
export const RedisInfo = Type.Object({ ...Addon.properties, keys: Type.Integer(), usedMemory: Type.Integer(), version: Type.String() });
export type RedisInfo = Static<typeof RedisInfo>;

export const Backup = Type.Object({
  id: Type.String(),
  addon: Type.String(),
  createdAt: Type.String(),
  bytes: Type.Integer(),
  status: Type.Union([Type.Literal('running'), Type.Literal('succeeded'), Type.Literal('failed')]),
  reason: Type.String(),
});
export type Backup = Static<typeof Backup>;
export const BackupParams = Type.Object({ app: AppName, backup: Type.String({ minLength: 1, maxLength: 64 }) });
export const CaptureBody = Type.Object({ addon: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })) });
export const RestoreBody = Type.Object({
  backup: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  addon: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
  confirm: Type.Optional(Type.String({ maxLength: 200 })),
});
export const RestoreResult = Type.Object({ restored: Type.String(), addon: Type.String() });
export type RestoreResult = Static<typeof RestoreResult>;
export const ResetBody = Type.Object({ addon: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })), confirm: Type.Optional(Type.String({ maxLength: 200 })) });
/** What pg:psql / redis:cli need to run the local client: the add-on and its URL. */
export const AddonCredentials = Type.Object({ addon: Addon, url: Type.String() });
export type AddonCredentials = Static<typeof AddonCredentials>;
export const CredentialsQuery = Type.Object({ addon: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })) });
