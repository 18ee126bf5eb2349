/**
 * The built-in build steps behind the Buildpack interface: node (an app with a package.json:
 * node-step.ts) and plain (anything else: nothing to compile). Tried in that order when the app
 * has no custom buildpack. The node step's cache dir is the app's work dir itself
 * (npm-cache/, install-stamp.json).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AppTree, Buildpack, CompileContext } from './buildpack';
import type { BuildSandbox } from './build-sandbox';
import {
  checkEngines,
  findNodeTools,
  installDependencies,
  needsInstall,
  parsePackageJson,
  reportNothingToInstall,
  type PackageJson,
} from './node-step';

/** The node step for one build (it keeps the package.json that detect read); npm runs in `sandbox`. */
export function nodeBuildpack(sandbox: BuildSandbox): Buildpack {
  let pkg: PackageJson | undefined;
  let install = false;
  return {
    id: 'node',
    noProcessTypesAdvice: 'No Procfile and no start script in package.json, so there is nothing to run: add a Procfile ("web: node server.js") or a "start" script',
    detect(app: AppTree) {
      if (!app.has('package.json')) return Promise.resolve(null);
      pkg = parsePackageJson(readFileSync(join(app.dir, 'package.json'), 'utf8'));
      return Promise.resolve('Node.js');
    },
    writesBuildDir(app: AppTree) {
      install = pkg !== undefined && needsInstall(pkg, (f) => app.has(f));
      return install;
    },
    async compile(c: CompileContext) {
      if (!pkg) throw new Error('the node step compiles only after it detected the app');
      const env: NodeJS.ProcessEnv = { ...process.env, ...c.config };
      const tools = findNodeTools(env);
      await checkEngines(pkg, tools, c.log);
      if (install) await installDependencies({ buildDir: c.buildDir, workDir: c.cacheDir, tools, env, log: c.log, sandbox, signal: c.signal });
      else reportNothingToInstall(c.log);
    },
    release(): Promise<Record<string, string>> {
      const types: Record<string, string> = typeof pkg?.scripts?.start === 'string' ? { web: 'npm start' } : {};
      return Promise.resolve(types);
    },
  };
}

export function plainBuildpack(): Buildpack {
  return {
    id: 'plain',
    noProcessTypesAdvice: 'No Procfile, so there is nothing to run: add one with a line such as "web: ./server"',
    detect: () => Promise.resolve('Plain'),
    writesBuildDir: () => false,
    compile: () => Promise.resolve(),
    release: () => Promise.resolve({}),
  };
}
