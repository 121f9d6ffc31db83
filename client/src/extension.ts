/** Entry point: wires the commands and the events to the server manager (server.ts). */
import * as vscode from 'vscode';
import { needsRestart } from './common/config';
import { onDidChangePythonInterpreter } from './python';
import { FIX_ALL_KIND, GreenlintServer } from './server';

let server: GreenlintServer | undefined;

export function activate(context: vscode.ExtensionContext): void {
  const log = vscode.window.createOutputChannel('greenlint', { log: true });
  const manager = new GreenlintServer(log);
  server = manager;
  context.subscriptions.push(
    log,
    { dispose: () => void manager.dispose() },
    vscode.commands.registerCommand('greenlint.restart', () => manager.restart('join')),
    vscode.commands.registerCommand('greenlint.showLogs', () => log.show()),
    vscode.commands.registerCommand('greenlint.fixAll', fixAll),
    vscode.workspace.onDidChangeConfiguration((event) => {
      const affects = (section: string) => event.affectsConfiguration(section);
      if (needsRestart(affects)) {
        log.info('A setting that starts the server changed: restarting');
        void manager.restart('follow');
      }
      // The other greenlint settings reach the server through didChangeConfiguration (synchronize.configurationSection).
    }),
    vscode.workspace.onDidGrantWorkspaceTrust(() => {
      log.info('The workspace is now trusted: its greenlint.path / greenlint.interpreter apply; restarting');
      void manager.restart('follow');
    }),
  );
  void manager.restart('follow'); // not awaited: activation does not wait for the server
  void followPythonInterpreter(context, manager, log);
}

/** Restarts the server when the Python extension's interpreter changes and the server uses it. */
async function followPythonInterpreter(
  context: vscode.ExtensionContext,
  manager: GreenlintServer,
  log: vscode.LogOutputChannel,
): Promise<void> {
  try {
    const subscription = await onDidChangePythonInterpreter(() => {
      const source = manager.source;
      if (source === undefined || source === 'Python extension' || source === 'PATH') {
        log.info("The Python extension's interpreter changed: restarting");
        void manager.restart('follow');
      }
    });
    if (subscription !== undefined) context.subscriptions.push(subscription);
  } catch (error) {
    log.warn(`Not following the Python extension's interpreter: ${String(error)}`);
  }
}

export async function deactivate(): Promise<void> {
  const current = server;
  server = undefined;
  await current?.dispose();
}

/** Applies `source.fixAll.greenlint` (every safe fix) to the active editor. */
async function fixAll(): Promise<void> {
  const editor = vscode.window.activeTextEditor;
  if (editor?.document.languageId !== 'python') {
    void vscode.window.showInformationMessage('greenlint: open a Python file to fix.');
    return;
  }
  await vscode.commands.executeCommand('editor.action.codeAction', { kind: FIX_ALL_KIND, apply: 'first' });
}
