/**
 * The log panel's HTML: a strict Content-Security-Policy (`default-src 'none'`; the one script
 * allowed by a fresh nonce, styles only from the extension's media folder), the toolbar, and
 * the virtual list that media/logs/logs.js draws into.
 */
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';

export function nonce(): string {
  return randomBytes(18).toString('base64');
}

export function logViewHtml(webview: vscode.Webview, media: vscode.Uri, scriptNonce = nonce()): string {
  const css = webview.asWebviewUri(vscode.Uri.joinPath(media, 'logs.css'));
  const js = webview.asWebviewUri(vscode.Uri.joinPath(media, 'logs.js'));
  const csp = [`default-src 'none'`, `style-src ${webview.cspSource}`, `font-src ${webview.cspSource}`, `script-src 'nonce-${scriptNonce}'`].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${css.toString()}">
<title>Slipway Logs</title>
</head>
<body>
<div id="toolbar" role="toolbar" aria-label="Log filters">
  <select id="app" title="App" aria-label="App"></select>
  <select id="dyno" title="Only this dyno or process type" aria-label="Dyno"><option value="">all dynos</option></select>
  <select id="source" title="Only this source" aria-label="Source">
    <option value="">all sources</option><option value="app">app</option><option value="slipway">slipway</option><option value="api">api</option>
  </select>
  <input id="text" type="search" placeholder="Filter text" aria-label="Filter text">
  <button id="follow" aria-pressed="true" title="Stay at the newest line">Follow</button>
  <button id="pause" aria-pressed="false" title="Freeze the view; new lines are held until you resume">Pause</button>
  <button id="clear" title="Clear the panel (lines from before are not shown again)">Clear</button>
  <span id="status" class="status" role="status"></span>
</div>
<div id="viewport" tabindex="0" aria-label="Log lines"><div id="spacer"></div><div id="rows"></div><div id="empty">No log lines yet.</div></div>
<script nonce="${scriptNonce}" src="${js.toString()}"></script>
</body>
</html>`;
}
