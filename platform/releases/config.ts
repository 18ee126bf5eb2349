/**
 * Config vars. Each change to a deployed app is a release (the current slug, the new config);
 * before the first deploy the change is stored and the first deploy carries it.
 */
import type { ConfigPatchResult, ConfigVars } from '../api/schemas';
import { getApp } from '../apps/apps';
import type { PlatformContext } from '../context';
import { invalid } from '../errors';
import { appKey, type ReleaseRecord } from '../store/db';
import { launchRelease, currentRelease, sameSlugDraft, toApiRelease } from './releases';
import { appAddons } from '../addons/records';

export const CONFIG_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;
export const CONFIG_MAX_BYTES = 32 * 1024;

export function checkConfigKey(key: string): void {
  if (!CONFIG_KEY.test(key)) {
    throw invalid('invalid_config_key', `"${key}" is not a valid config var name: use letters, digits and underscores, not starting with a digit (for example GREETING)`);
  }
  if (key.startsWith('SLIPWAY_')) {
    throw invalid('reserved_config_key', `"${key}" is reserved: names starting with SLIPWAY_ belong to the platform; choose another name`);
  }
}

/** NUL cannot be in an environment; other control characters but tab, newline and CR have no place in a value. */
const CONFIG_VALUE_BAD = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

export function checkConfigValue(key: string, value: string): void {
  const bad = CONFIG_VALUE_BAD.exec(value);
  if (bad) {
    const what = bad[0] === '\u0000' ? 'a NUL byte, which no environment variable can hold' : `the control character \\u${bad[0].charCodeAt(0).toString(16).padStart(4, '0')}`;
    throw invalid('invalid_config_value', `the value of ${key} contains ${what} (at character ${bad.index + 1}); remove it`);
  }
}

export function configBytes(config: ConfigVars): number {
  return Object.values(config).reduce((n, v) => n + Buffer.byteLength(v), 0);
}

const list = (keys: string[]) => keys.join(', ');

export interface ConfigChange {
  config: ConfigVars;
  release: ReleaseRecord | null;
}

export async function changeConfig(ctx: PlatformContext, appName: string, set: ConfigVars, unset: string[]): Promise<ConfigChange> {
  await getApp(ctx, appName);
  const setKeys = Object.keys(set);
  if (setKeys.length === 0 && unset.length === 0) {
    throw invalid('config_empty', 'nothing to change: give KEY=VALUE pairs to set or KEY names to unset');
  }
  for (const key of [...setKeys, ...unset]) checkConfigKey(key);
  for (const key of setKeys) checkConfigValue(key, set[key]);
  // an add-on's attachment var follows the add-on (PLATFORM.md "Add-ons")
  const owned = new Map((await appAddons(ctx.db, appName)).map((a) => [a.configVar, a]));
  for (const key of [...setKeys, ...unset]) {
    const addon = owned.get(key);
    if (addon) throw invalid('config_owned_by_addon', `${key} belongs to add-on ${addon.name} (attached as ${addon.attachment}) and follows it; it cannot be set or unset. Use another name, or: slipway addons:destroy ${addon.name} --confirm ${appName}`);
  }
  return ctx.locks.run(appName, async () => {
    const app = await getApp(ctx, appName);
    // no prototype: `constructor` or `__proto__` are keys like any other (the key rule refuses them anyway)
    const config: ConfigVars = Object.assign(Object.create(null) as ConfigVars, app.config, set);
    for (const key of unset) delete config[key];
    const bytes = configBytes(config);
    if (bytes > CONFIG_MAX_BYTES) {
      throw invalid('config_too_large', `config vars would total ${bytes} bytes; all values together may be at most ${CONFIG_MAX_BYTES} bytes (32 KiB)`);
    }
    const removed = unset.filter((k) => Object.hasOwn(app.config, k));
    const current = await currentRelease(ctx, app);
    if (!current) {
      await ctx.db.put(appKey(app.name), { ...app, config });
      ctx.events.emit('config', app.name);
      return { config, release: null };
    }
    const description = setKeys.length > 0 ? `Set ${list(setKeys)} config vars` : `Remove ${list(removed.length ? removed : unset)} config vars`;
    const { release } = await launchRelease(ctx, app, sameSlugDraft(current, description, config));
    return { config, release };
  });
}

/** `config:set` / `config:unset` as the API answers it: the whole config and the release it made, if any. */
export async function setConfig(ctx: PlatformContext, appName: string, set: ConfigVars, unset: string[]): Promise<ConfigPatchResult> {
  const change = await changeConfig(ctx, appName, set, unset);
  return { config: change.config, release: change.release ? toApiRelease(await getApp(ctx, appName), change.release) : null };
}

export async function getConfig(ctx: PlatformContext, appName: string): Promise<ConfigVars> {
  return (await getApp(ctx, appName)).config;
}
