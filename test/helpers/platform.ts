/**
 * An in-process platform on a temporary $SLIPWAY_HOME, listening on free loopback ports, with
 * a typed client. Real LevelDB, real HTTP; closed after the test.
 */
import type { TestContext } from 'node:test';
import { build, type Platform } from '../../platform/app';
import { SlipwayClient } from '../../platform/api/client';
import type { Settings } from '../../platform/settings';
import { tempDir } from './tmp';

export interface TestPlatform extends Platform {
  home: string;
  url: string;
  routerUrl: string;
  client: SlipwayClient;
}

export async function startPlatform(t: TestContext, opts: { home?: string; settings?: Partial<Settings> } = {}): Promise<TestPlatform> {
  const home = opts.home ?? tempDir(t, 'slipway-home-');
  const platform = await build({ home, settings: { apiPort: 0, routerPort: 0, ...opts.settings } });
  t.after(() => platform.close());
  const { url, routerUrl } = await platform.listen();
  return { ...platform, home, url, routerUrl, client: new SlipwayClient({ url, token: platform.token }) };
}
