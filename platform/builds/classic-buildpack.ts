/**
 * A buildpack from a local directory, run with Heroku's classic API, unchanged:
 *
 * - `bin/detect BUILD_DIR`: exit 0 when it applies; the first line of its stdout names the app
 *   ("-----> NAME app detected").
 * - `bin/compile BUILD_DIR CACHE_DIR ENV_DIR`: builds the app in BUILD_DIR; its stdout and
 *   stderr go into the build output as they are (buildpacks print their own "-----> " lines).
 *   ENV_DIR holds the app's config vars, one file per key, the value as its content.
 * - `bin/release BUILD_DIR` (optional): YAML whose `default_process_types` are used when the
 *   Procfile declares none.
 *
 * Each runs with argv (never a shell string), in BUILD_DIR, in its own process group (an abort
 * kills the group), with the platform's environment plus STACK=slipway-1: the config vars
 * reach it through ENV_DIR only, as on Heroku. Where bubblewrap works they run sandboxed
 * (build-sandbox.ts): BUILD_DIR is /app and CACHE_DIR /tmp/cache, the only places they can
 * write besides a private /tmp; ENV_DIR (/tmp/env) and the buildpack itself are read-only.
 */
import { accessSync, constants, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { isAbsolute, join } from 'node:path';
import { BuildError } from './build-error';
import type { AppTree, Buildpack, CompileContext } from './buildpack';
import type { BuildSandbox } from './build-sandbox';
import { parseDefaultProcessTypes } from './release-yaml';
import { runStreamed, type RunResult } from './run-streamed';

/** The stack name classic buildpacks see in $STACK. */
export const STACK = 'slipway-1';

/** What is wrong with DIR as a classic buildpack (empty when it is usable). */
export function buildpackProblems(dir: string): string[] {
  if (!isAbsolute(dir)) return [`${dir} is not an absolute path`];
  try {
    if (!statSync(dir).isDirectory()) return [`${dir} is not a directory`];
  } catch {
    return [`${dir}: no such directory`];
  }
  const problems: string[] = [];
  for (const script of ['detect', 'compile']) {
    const path = join(dir, 'bin', script);
    try {
      if (!statSync(path).isFile()) {
        problems.push(`${path} is not a file`);
        continue;
      }
    } catch {
      problems.push(`${path} is missing`);
      continue;
    }
    try {
      accessSync(path, constants.X_OK);
    } catch {
      problems.push(`${path} is not executable (chmod +x it)`);
    }
  }
  return problems;
}

/** The cache dir of `buildpackDir` for the app whose work dir is `workDir`. */
export function buildpackCacheDir(workDir: string, buildpackDir: string): string {
  return join(workDir, 'buildpack-cache', createHash('sha256').update(buildpackDir).digest('hex').slice(0, 16));
}

const env = (): NodeJS.ProcessEnv => ({ ...process.env, STACK });

function how(r: RunResult): string {
  return r.code === null ? `was killed by ${r.signal ?? 'a signal'}` : `exited ${r.code}`;
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** Writes the config vars as ENV_DIR files (a fresh dir, readable only by the user). */
function writeEnvDir(dir: string, config: Record<string, string>): void {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  for (const [key, value] of Object.entries(config)) {
    // config var names are identifiers (config.ts); never let one name a path
    if (key === '' || key === '.' || key === '..' || key.includes('/') || key.includes('\0')) continue;
    writeFileSync(join(dir, key), value, { mode: 0o600 });
  }
}

export function classicBuildpack(dir: string, appName: string, workDir: string, sandbox: BuildSandbox): Buildpack {
  const bin = (name: string) => join(dir, 'bin', name);
  /** bin/NAME BUILD_DIR (bin/detect, bin/release), sandboxed where bubblewrap works. */
  const onBuildDir = (name: string, buildDir: string) => {
    const dirs = { build: buildDir, readOnly: [dir] };
    return sandbox.command(dirs, [bin(name), sandbox.paths(dirs).build], env());
  };
  return {
    id: dir,
    noProcessTypesAdvice: `No Procfile and no default process types from the buildpack (${dir}), so there is nothing to run: add a Procfile with a line such as "web: ./server"`,

    async detect(app: AppTree, signal?: AbortSignal) {
      const problems = buildpackProblems(dir);
      if (problems.length > 0) {
        throw new BuildError('buildpack_missing', `the buildpack ${dir} cannot be used: ${problems.join('; ')}. Fix it, or clear it with: slipway buildpacks:clear -a ${appName}`);
      }
      const out: string[] = [];
      const err: string[] = [];
      const cmd = onBuildDir('detect', app.dir);
      const r = await runStreamed(cmd.file, cmd.args, { cwd: cmd.cwd, env: cmd.env, onLine: (l) => out.push(l), onStderrLine: (l) => err.push(l), signal });
      if (r.aborted) throw new BuildError('build_aborted', 'the build was cancelled while bin/detect ran');
      if (r.code !== 0) {
        const said = err.filter((l) => l.trim() !== '').slice(-5);
        throw new BuildError(
          'buildpack_detect_failed',
          `${bin('detect')} ${how(r)}: this buildpack does not apply to the app; clear it with slipway buildpacks:clear -a ${appName}` +
            (said.length ? `\n${said.join('\n')}` : ''),
        );
      }
      return out.find((l) => l.trim() !== '')?.trim() ?? 'Custom';
    },

    writesBuildDir: () => true,

    async compile(c: CompileContext) {
      const envDir = join(workDir, 'buildpack-env');
      mkdirSync(c.cacheDir, { recursive: true });
      writeEnvDir(envDir, c.config);
      try {
        const dirs = { build: c.buildDir, cache: c.cacheDir, env: envDir, readOnly: [dir] };
        const p = sandbox.paths(dirs);
        const cmd = sandbox.command(dirs, [bin('compile'), p.build, p.cache, p.env], env());
        const r = await runStreamed(cmd.file, cmd.args, { cwd: cmd.cwd, env: cmd.env, onLine: (l) => c.log.raw(l), signal: c.signal });
        if (r.aborted) throw new BuildError('build_aborted', 'the build was cancelled while bin/compile ran');
        if (r.code !== 0) {
          throw new BuildError('buildpack_failed', `the buildpack ${dir} failed: bin/compile ${how(r)}; its output is above. Nothing was released`);
        }
      } finally {
        rmSync(envDir, { recursive: true, force: true });
      }
    },

    async release(buildDir: string, signal?: AbortSignal) {
      if (!isExecutable(bin('release'))) return {};
      const out: string[] = [];
      const err: string[] = [];
      const cmd = onBuildDir('release', buildDir);
      const r = await runStreamed(cmd.file, cmd.args, { cwd: cmd.cwd, env: cmd.env, onLine: (l) => out.push(l), onStderrLine: (l) => err.push(l), signal });
      if (r.aborted) throw new BuildError('build_aborted', 'the build was cancelled while bin/release ran');
      if (r.code !== 0) {
        const said = err.filter((l) => l.trim() !== '').slice(-5);
        throw new BuildError('buildpack_failed', `the buildpack ${dir} failed: bin/release ${how(r)}` + (said.length ? `\n${said.join('\n')}` : ''));
      }
      return parseDefaultProcessTypes(out.join('\n'));
    },
  };
}
