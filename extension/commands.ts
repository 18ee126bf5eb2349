/**
 * The one command table. Every id here is contributed in package.json (with the category
 * "Slipway") and the other way round; the in-host test suite checks both directions.
 *
 * Each handler gets the context object and the command's arguments: a tree node from a
 * context menu, a plain object from a program (`{ app, version }`), or nothing from the
 * palette (then it asks). A failure is shown once, with a way forward, and the command
 * resolves to undefined.
 */
import * as vscode from 'vscode';
import { createAppCommand, destroyAppCommand, openAppCommand } from './actions/apps';
import { revealConfigCommand, setConfigCommand, unsetConfigCommand } from './actions/config-vars';
import { deployCommand } from './actions/deploy';
import { showPlatformActionsCommand, showPlatformLogCommand, startPlatformCommand, stopPlatformCommand } from './actions/platform';
import { rollbackCommand } from './actions/releases';
import { analyzeSlugCommand, ignoreSlugPathsCommand } from './actions/slug-size';
import { diffConfigCommand } from './actions/config-diff';
import { maintenanceCommand, restartCommand, scaleCommand, stopDynoCommand } from './actions/dynos';
import { clearLogsCommand, showLogsCommand } from './actions/logs';
import type { Ctx } from './ctx';

type Handler = (ctx: Ctx, arg?: unknown) => unknown;

export const COMMANDS = {
  'slipway.deploy': deployCommand,
  'slipway.refresh': (ctx) => {
    ctx.platform.check();
    ctx.tree.refresh();
  },
  'slipway.apps.create': createAppCommand,
  'slipway.apps.open': openAppCommand,
  'slipway.apps.destroy': destroyAppCommand,
  'slipway.releases.rollback': rollbackCommand,
  'slipway.config.set': setConfigCommand,
  'slipway.config.unset': unsetConfigCommand,
  'slipway.config.reveal': (ctx, arg) => revealConfigCommand(ctx, arg, true),
  'slipway.config.hide': (ctx, arg) => revealConfigCommand(ctx, arg, false),
  'slipway.platform.start': startPlatformCommand,
  'slipway.platform.stop': stopPlatformCommand,
  'slipway.platform.showActions': showPlatformActionsCommand,
  'slipway.platform.showLog': showPlatformLogCommand,
  'slipway.slug.analyze': analyzeSlugCommand,
  'slipway.slug.ignore': ignoreSlugPathsCommand,
  'slipway.releases.diff': diffConfigCommand,
  'slipway.ps.scale': scaleCommand,
  'slipway.ps.restart': restartCommand,
  'slipway.ps.stop': stopDynoCommand,
  'slipway.maintenance.on': (ctx, arg) => maintenanceCommand(ctx, arg, true),
  'slipway.maintenance.off': (ctx, arg) => maintenanceCommand(ctx, arg, false),
  'slipway.logs.show': showLogsCommand,
  'slipway.logs.clear': clearLogsCommand,
} satisfies Record<string, Handler>;

export type CommandId = keyof typeof COMMANDS;

const TITLES: Partial<Record<CommandId, string>> = {
  'slipway.deploy': 'Deploy',
  'slipway.releases.rollback': 'Roll back',
  'slipway.apps.create': 'Create app',
  'slipway.apps.destroy': 'Destroy app',
  'slipway.config.set': 'Set config var',
  'slipway.config.unset': 'Unset config var',
  'slipway.platform.start': 'Start the platform',
  'slipway.platform.stop': 'Stop the platform',
  'slipway.slug.analyze': 'Analyze slug size',
  'slipway.slug.ignore': 'Add to .slugignore',
  'slipway.releases.diff': 'Compare config',
  'slipway.ps.scale': 'Scale',
  'slipway.ps.restart': 'Restart',
  'slipway.ps.stop': 'Stop dyno',
  'slipway.maintenance.on': 'Maintenance mode on',
  'slipway.maintenance.off': 'Maintenance mode off',
  'slipway.logs.show': 'Show logs',
};

export function registerCommands(ctx: Ctx): void {
  for (const [id, handler] of Object.entries(COMMANDS) as [CommandId, Handler][]) {
    ctx.push(
      vscode.commands.registerCommand(id, async (arg?: unknown) => {
        try {
          return await handler(ctx, arg);
        } catch (err) {
          ctx.showError(err, TITLES[id]);
          return undefined;
        }
      }),
    );
  }
}
