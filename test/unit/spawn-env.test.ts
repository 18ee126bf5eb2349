import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cleanGitEnv } from '../../platform/git/repo';
import { platformEnv, restorePlatformEnv } from '../../platform/discovery/spawn-env';

void test('platformEnv defers NODE_EXTRA_CA_CERTS and restorePlatformEnv puts it back', () => {
  const env = platformEnv({ PATH: '/bin', NODE_EXTRA_CA_CERTS: '/etc/ca.pem' }, { SLIPWAY_HOME: '/h' });
  assert.equal(env.NODE_EXTRA_CA_CERTS, undefined, 'node does not load the bundle at the platform start');
  assert.equal(env.SLIPWAY_HOME, '/h');
  restorePlatformEnv(env);
  assert.deepEqual(env, { PATH: '/bin', SLIPWAY_HOME: '/h', NODE_EXTRA_CA_CERTS: '/etc/ca.pem' });

  const none = platformEnv({ PATH: '/bin' });
  restorePlatformEnv(none);
  assert.deepEqual(none, { PATH: '/bin' }, 'nothing to defer, nothing added');
});

void test('git under the platform (http-backend, the pre-receive hook) gets neither GIT_* variables nor the CA bundle', () => {
  const env = cleanGitEnv({ PATH: '/bin', GIT_DIR: '/x', NODE_EXTRA_CA_CERTS: '/etc/ca.pem', HOME: '/h' });
  assert.deepEqual(env, { PATH: '/bin', HOME: '/h' });
});
