/**
 * What `activate` returns: `vscode.extensions.getExtension('slipway.slipway').exports`. The
 * in-host test suite reads the tree, the platform and the activation time through it.
 */
import type { Ctx } from './ctx';

export interface SlipwayApi {
  /** Time spent inside activate(), in milliseconds. */
  readonly activationMs: number;
  readonly ctx: Ctx;
  /** The ids of the command table (extension/commands.ts). */
  readonly commands: readonly string[];
}
