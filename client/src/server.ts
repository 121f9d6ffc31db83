/** The language client: starting, stopping and (coalesced) restarting the greenlint server. */
import * as vscode from 'vscode';
import {
  CloseAction,
  type ConfigurationParams,
  type DocumentSelector,
  ErrorAction,
  type ErrorHandler,
  type Executable,
  LanguageClient,
  type LanguageClientOptions,
  RevealOutputChannelOn,
  State,
} from 'vscode-languageclient/node';
import { LOG_LEVEL_ENV, SECTION } from './common/config';
import { DOCUMENT_SELECTOR as SELECTED_DOCUMENTS } from './common/documents';
import type { ImportCheck, ServerCommand } from './common/interpreter';
import { type RestartMode, RestartCoalescer } from './common/restart';
import { pipInstallArgv, terminalCommand } from './common/shell';
import { type ServerState, statusView } from './common/status';
import { checkImport, firstWorkspaceFolder, resolveCommand } from './python';
import { readLaunchSettings, readServerSettings } from './settings';

export const CLIENT_ID = 'greenlint';
export const FIX_ALL_KIND = 'source.fixAll.greenlint';

/** Python files (saved and untitled), and the dependency manifests on disk that GL301 checks. */
export const DOCUMENT_SELECTOR: DocumentSelector = [...SELECTED_DOCUMENTS];

function display(command: ServerCommand): string {
  return command.python !== undefined ? command.python.join(' ') : command.command;
}

export class GreenlintServer implements vscode.Disposable {
  private client: LanguageClient | undefined;
  private command: ServerCommand | undefined;
  private readonly coalescer: RestartCoalescer;
  private readonly status: vscode.LanguageStatusItem;
  /** Interpreters already named in a "not installed" notification: each is named once per session. */
  private readonly notified = new Set<string>();
  private readonly disposables: { dispose(): unknown }[] = [];
  private installTerminal: vscode.Terminal | undefined;

  constructor(private readonly log: vscode.LogOutputChannel) {
    this.coalescer = new RestartCoalescer(() => this.restartNow());
    this.status = vscode.languages.createLanguageStatusItem('greenlint.status', [
      { language: 'python' },
      { pattern: '**/pyproject.toml' },
    ]);
    this.status.name = 'greenlint';
    this.status.command = { title: 'Show logs', command: 'greenlint.showLogs' };
    this.show({ kind: 'stopped' });
    this.disposables.push(
      this.status,
      vscode.window.onDidCloseTerminal((terminal) => {
        if (terminal === this.installTerminal) {
          this.installTerminal = undefined;
          this.log.info('The install terminal closed: restarting the server');
          void this.restart('follow');
        }
      }),
    );
  }

  /** Where the server comes from now (undefined before the first start). */
  get source(): ServerCommand['source'] | undefined {
    return this.command?.source;
  }

  /** The running client, if any. */
  get languageClient(): LanguageClient | undefined {
    return this.client;
  }

  /**
   * Restart the server. Overlapping requests share one restart: `join` (the command) shares a restart that is
   * already running, `follow` (a changed setting or interpreter) asks for one after it, shared by all such requests.
   */
  restart(mode: RestartMode = 'follow'): Promise<void> {
    return this.coalescer.request(mode);
  }

  async stop(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (client === undefined) return;
    try {
      if (client.state !== State.Stopped) await client.stop(5_000);
    } catch (error) {
      this.log.warn(`Stopping the server: ${String(error)}`);
    }
    try {
      await client.dispose();
    } catch {
      // already stopped
    }
  }

  async dispose(): Promise<void> {
    this.coalescer.dispose();
    await this.stop();
    for (const disposable of this.disposables) disposable.dispose();
  }

  private show(state: ServerState): void {
    const view = statusView(state);
    this.status.text = view.text;
    this.status.detail = view.detail;
    this.status.busy = view.busy;
    this.status.severity =
      view.severity === 'error'
        ? vscode.LanguageStatusSeverity.Error
        : view.severity === 'warning'
          ? vscode.LanguageStatusSeverity.Warning
          : vscode.LanguageStatusSeverity.Information;
  }

  /** One restart: stop, resolve the command, check greenlint is importable, start. Never throws. */
  private async restartNow(): Promise<void> {
    try {
      await this.stop();
      const launch = readLaunchSettings((message) => this.log.warn(message));
      if (!launch.enable) {
        this.log.info('greenlint.enable is false: the server is not started');
        this.command = undefined;
        this.show({ kind: 'disabled' });
        return;
      }
      this.show({ kind: 'starting' });
      const command = await resolveCommand(launch.args, this.log);
      this.command = command;
      for (const warning of command.warnings) this.log.warn(warning);
      const cwd = firstWorkspaceFolder()?.uri.scheme === 'file' ? firstWorkspaceFolder()?.uri.fsPath : undefined;
      this.log.info(`Server: ${command.commandLine} (from ${command.source})`);
      this.show({ kind: 'starting', interpreter: display(command), source: command.source });

      let version: string | undefined;
      if (command.python !== undefined) {
        const check = await checkImport(command.python, cwd);
        if (check.kind !== 'ok') {
          this.notImportable(command, check);
          return;
        }
        version = check.version;
      }
      await this.start(command, launch.logLevel, cwd, version);
    } catch (error) {
      this.log.error(`Restart failed: ${String(error)}`);
      this.show({ kind: 'failed', detail: String(error) });
    }
  }

  private async start(command: ServerCommand, logLevel: string, cwd: string | undefined, version: string | undefined): Promise<void> {
    // No `transport`: with one, vscode-languageclient appends `--stdio`, which `greenlint server` does not take.
    const executable: Executable = {
      command: command.command,
      args: [...command.args],
      options: { cwd, env: { ...process.env, [LOG_LEVEL_ENV]: logLevel, PYTHONUNBUFFERED: '1' } },
    };
    // A server that never started is not restarted (the notification says why); one that crashes after it
    // started is restarted by the default policy (at most 4 times in 3 minutes).
    let started = false;
    const policy: { crashes?: ErrorHandler } = {};
    const errorHandler: ErrorHandler = {
      error: (error, message, count) => policy.crashes?.error(error, message, count) ?? { action: ErrorAction.Shutdown, handled: true },
      closed: () => (started && policy.crashes !== undefined ? policy.crashes.closed() : { action: CloseAction.DoNotRestart, handled: true }),
    };
    const clientOptions: LanguageClientOptions = {
      documentSelector: DOCUMENT_SELECTOR,
      initializationOptions: readServerSettings(firstWorkspaceFolder(), (message) => this.log.warn(message)),
      synchronize: { configurationSection: SECTION },
      outputChannel: this.log,
      traceOutputChannel: this.log,
      revealOutputChannelOn: RevealOutputChannelOn.Never,
      diagnosticCollectionName: CLIENT_ID,
      initializationFailedHandler: (error) => {
        this.log.error(`The server failed to initialize: ${String(error)}`);
        return false;
      },
      errorHandler,
      middleware: {
        workspace: {
          // Answer `workspace/configuration` for the greenlint section with the same shape as initializationOptions.
          configuration: async (params: ConfigurationParams, token, next) => {
            const answered = await next(params, token);
            if (!Array.isArray(answered)) return answered;
            return params.items.map((item, index): unknown =>
              item.section === SECTION
                ? readServerSettings(item.scopeUri !== undefined ? vscode.Uri.parse(item.scopeUri) : undefined)
                : answered[index],
            );
          },
        },
      },
    };
    const client = new LanguageClient(CLIENT_ID, 'greenlint', executable, clientOptions);
    policy.crashes = client.createDefaultErrorHandler(4);
    this.client = client;
    client.onDidChangeState((event) => {
      if (this.client !== client) return;
      if (event.newState === State.Running) {
        const serverVersion = client.initializeResult?.serverInfo?.version ?? version;
        this.show({ kind: 'running', version: serverVersion, interpreter: display(command), source: command.source });
      } else if (event.newState === State.Stopped && event.oldState === State.Running) {
        this.show({ kind: 'stopped' });
      }
    });
    try {
      await client.start();
    } catch (error) {
      if (this.client === client) this.client = undefined;
      const detail = error instanceof Error ? error.message : String(error);
      this.log.error(`The server did not start (${command.commandLine}): ${detail}`);
      this.show({ kind: 'failed', interpreter: display(command), source: command.source, detail });
      void client.dispose().catch(() => undefined);
      void vscode.window
        .showErrorMessage(`greenlint: the server did not start with ${display(command)}. Its output is in the logs.`, 'Show logs', 'Open settings')
        .then((choice) => this.onChoice(choice, command));
      return;
    }
    started = true;
    const serverVersion = client.initializeResult?.serverInfo?.version ?? version;
    this.log.info(`Server running: greenlint ${serverVersion ?? '(unknown version)'}`);
    this.show({ kind: 'running', version: serverVersion, interpreter: display(command), source: command.source });
  }

  private notImportable(command: ServerCommand, check: Exclude<ImportCheck, { kind: 'ok' }>): void {
    const interpreter = display(command);
    this.log.error(`greenlint is not importable by ${interpreter}: ${check.detail}`);
    this.show({ kind: check.kind === 'notInstalled' ? 'notInstalled' : 'failed', interpreter, source: command.source, detail: check.detail });
    if (this.notified.has(interpreter)) return;
    this.notified.add(interpreter);
    const message =
      check.kind === 'noInterpreter'
        ? `greenlint: the Python interpreter ${interpreter} was not found. Set greenlint.interpreter (or select an interpreter in the Python extension).`
        : `greenlint is not installed for the Python interpreter ${interpreter}.`;
    const buttons = check.kind === 'noInterpreter' ? ['Open settings'] : ['Install greenlint', 'Open settings'];
    void vscode.window.showWarningMessage(message, ...buttons).then((choice) => this.onChoice(choice, command));
  }

  private onChoice(choice: string | undefined, command: ServerCommand): void {
    if (choice === 'Install greenlint' && command.python !== undefined) {
      this.install(command.python);
    } else if (choice === 'Open settings') {
      void vscode.commands.executeCommand('workbench.action.openSettings', '@ext:greenlint.greenlint');
    } else if (choice === 'Show logs') {
      this.log.show();
    }
  }

  /** Runs `<python> -m pip install greenlint` in a new terminal; the server restarts when that terminal closes. */
  private install(python: readonly string[]): void {
    const cwd = firstWorkspaceFolder()?.uri.scheme === 'file' ? firstWorkspaceFolder()?.uri : undefined;
    const terminal = vscode.window.createTerminal({ name: 'greenlint: install', cwd });
    this.installTerminal = terminal;
    terminal.show();
    const line = terminalCommand(pipInstallArgv(python), process.platform);
    this.log.info(`Installing greenlint: ${line}`);
    terminal.sendText(line, true);
  }
}
