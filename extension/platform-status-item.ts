/** The status bar item that shows the platform's state; a click offers the platform actions. */
import * as vscode from 'vscode';
import type { PlatformProcess, PlatformState } from './platform-process';

const TEXT: Record<PlatformState, string> = {
  starting: '$(loading~spin) Slipway',
  running: '$(vm-running) Slipway',
  stopped: '$(vm-outline) Slipway',
  error: '$(error) Slipway',
};

export class PlatformStatusBar implements vscode.Disposable {
  private readonly item: vscode.StatusBarItem;

  constructor() {
    this.item = vscode.window.createStatusBarItem('slipway.platform', vscode.StatusBarAlignment.Left, 10);
    this.item.name = 'Slipway Platform';
    this.item.command = 'slipway.platform.showActions';
  }

  update(platform: PlatformProcess): void {
    const state = platform.state;
    const info = platform.info;
    this.item.text = TEXT[state];
    this.item.backgroundColor = state === 'error' ? new vscode.ThemeColor('statusBarItem.errorBackground') : undefined;
    const md = new vscode.MarkdownString(undefined, true);
    md.appendMarkdown(`**Slipway platform: ${state}**\n\n`);
    if (info) {
      md.appendMarkdown(`API ${info.url} · router ${info.routerUrl}\n\n`);
      md.appendMarkdown(`pid ${info.pid}, version ${info.version}, ${platform.owned ? 'started by this window' : 'started elsewhere (attached)'}\n\n`);
    }
    if (platform.lastError) md.appendText(platform.lastError + '\n\n');
    md.appendText(`home ${platform.home}\n\n`);
    md.appendMarkdown('Click for platform actions');
    this.item.tooltip = md;
    this.item.accessibilityInformation = { label: `Slipway platform ${state}` };
    this.item.show();
  }

  dispose(): void {
    this.item.dispose();
  }
}
