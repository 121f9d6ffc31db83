/**
 * Finding the Python (or greenlint executable) to run. `greenlint.path` > `greenlint.interpreter` > the Python
 * extension's interpreter (optional: used through its exported API when it is installed) > `python3` on PATH.
 * The order and the workspace-trust rule are in common/interpreter.ts.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as nodePath from 'node:path';
import * as vscode from 'vscode';
import {
  IMPORT_CHECK_SCRIPT,
  type ImportCheck,
  type ServerCommand,
  classifyImportCheck,
  resolveServerCommand,
} from './common/interpreter';
import { parseSettingsFile, settingsSet, workspaceFileSettings } from './common/settingsFile';
import { readScoped } from './settings';

export const PYTHON_EXTENSION_ID = 'ms-python.python';
const ACTIVATION_TIMEOUT_MS = 15_000;
const IMPORT_CHECK_TIMEOUT_MS = 20_000;

/** The parts of the Python extension's API that greenlint uses (both its newer and its older shape). */
interface PythonExtensionApi {
  readonly environments?: {
    getActiveEnvironmentPath(resource?: vscode.Uri): { readonly id: string; readonly path: string };
    resolveEnvironment(
      environment: { readonly id: string; readonly path: string } | string,
    ): Promise<{ readonly executable: { readonly uri?: vscode.Uri } } | undefined>;
    readonly onDidChangeActiveEnvironmentPath?: vscode.Event<unknown>;
  };
  readonly settings?: {
    getExecutionDetails(resource?: vscode.Uri): { readonly execCommand: string[] | undefined };
    readonly onDidChangeExecutionDetails?: vscode.Event<unknown>;
  };
}

function withTimeout<T>(promise: Thenable<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}

/** The Python extension's API, or undefined when it is not installed (it is never required). */
export async function pythonExtensionApi(): Promise<PythonExtensionApi | undefined> {
  const extension = vscode.extensions.getExtension<unknown>(PYTHON_EXTENSION_ID);
  if (extension === undefined) return undefined;
  const exports = extension.isActive ? extension.exports : await withTimeout(extension.activate(), ACTIVATION_TIMEOUT_MS, 'activating the Python extension');
  return typeof exports === 'object' && exports !== null ? exports : undefined;
}

/** The interpreter command line selected in the Python extension for a folder, if any. */
export async function pythonExtensionInterpreter(resource?: vscode.Uri): Promise<string[] | undefined> {
  const api = await pythonExtensionApi();
  if (api === undefined) return undefined;
  const environments = api.environments;
  if (environments !== undefined && typeof environments.getActiveEnvironmentPath === 'function') {
    const active = environments.getActiveEnvironmentPath(resource);
    const resolved = typeof environments.resolveEnvironment === 'function' ? await environments.resolveEnvironment(active) : undefined;
    const executable = resolved?.executable.uri?.fsPath;
    if (executable !== undefined && executable !== '') return [executable];
    if (typeof active.path === 'string' && active.path !== '' && fs.existsSync(active.path) && fs.statSync(active.path).isFile()) {
      return [active.path];
    }
  }
  if (api.settings !== undefined && typeof api.settings.getExecutionDetails === 'function') {
    const command = api.settings.getExecutionDetails(resource).execCommand;
    if (Array.isArray(command) && command.length > 0) return command;
  }
  return undefined;
}

/** Calls `listener` when the interpreter selected in the Python extension changes (nothing without the extension). */
export async function onDidChangePythonInterpreter(listener: () => void): Promise<vscode.Disposable | undefined> {
  const api = await pythonExtensionApi();
  const event = api?.environments?.onDidChangeActiveEnvironmentPath ?? api?.settings?.onDidChangeExecutionDetails;
  return typeof event === 'function' ? event(() => listener()) : undefined;
}

export function firstWorkspaceFolder(): vscode.WorkspaceFolder | undefined {
  return vscode.workspace.workspaceFolders?.[0];
}

function isFile(path: string): boolean {
  try {
    return fs.statSync(path).isFile();
  } catch {
    return false;
  }
}

const RESTRICTED_SETTINGS = ['greenlint.path', 'greenlint.interpreter'];

function readSettingsFile(file: string): Record<string, unknown> | undefined {
  try {
    return parseSettingsFile(fs.readFileSync(file, 'utf8'));
  } catch {
    return undefined; // no such file
  }
}

/**
 * Which of `greenlint.path` / `greenlint.interpreter` the workspace's settings files set (the `.code-workspace`
 * file and the first folder's `.vscode/settings.json`, on disk). In Restricted Mode VS Code leaves these values out
 * of the configuration, so this is the only way to tell the user they are ignored. The values are never used.
 */
function restrictedSettingsInWorkspaceFiles(folderPath: string | undefined): string[] {
  const found = new Set<string>();
  const workspaceFile = vscode.workspace.workspaceFile;
  if (workspaceFile?.scheme === 'file') {
    for (const name of settingsSet(workspaceFileSettings(readSettingsFile(workspaceFile.fsPath)), RESTRICTED_SETTINGS)) found.add(name);
  }
  if (folderPath !== undefined) {
    for (const name of settingsSet(readSettingsFile(nodePath.join(folderPath, '.vscode', 'settings.json')), RESTRICTED_SETTINGS)) found.add(name);
  }
  return [...found];
}

/** The command that starts the server, with the reasons for its choice. */
export async function resolveCommand(args: readonly string[], log: vscode.LogOutputChannel): Promise<ServerCommand> {
  const folder = firstWorkspaceFolder();
  const folderPath = folder?.uri.scheme === 'file' ? folder.uri.fsPath : undefined;
  const trusted = vscode.workspace.isTrusted;
  if (!trusted) {
    log.info('The workspace is not trusted (Restricted Mode): greenlint.path and greenlint.interpreter come from the user settings only');
  }
  return resolveServerCommand({
    trusted,
    path: readScoped('path', folder),
    interpreter: readScoped('interpreter', folder),
    setInWorkspaceFiles: trusted ? [] : restrictedSettingsInWorkspaceFiles(folderPath),
    args,
    platform: process.platform,
    workspaceFolder: folderPath,
    home: os.homedir(),
    env: process.env,
    isFile,
    pythonExtension: async () => {
      try {
        return await pythonExtensionInterpreter(folder?.uri);
      } catch (error) {
        log.warn(`The Python extension's interpreter could not be read: ${String(error)}`);
        return undefined;
      }
    },
  });
}

/** Runs `<python> -c "import greenlint; ..."`: whether greenlint is importable there, and its version. */
export function checkImport(python: readonly string[], cwd: string | undefined): Promise<ImportCheck> {
  const [program = 'python3', ...prefix] = python;
  return new Promise((resolve) => {
    execFile(
      program,
      [...prefix, '-c', IMPORT_CHECK_SCRIPT],
      { cwd, timeout: IMPORT_CHECK_TIMEOUT_MS, windowsHide: true, env: { ...process.env, PYTHONIOENCODING: 'utf-8' } },
      (error, stdout, stderr) => {
        const failure =
          error === null
            ? null
            : { code: (error as NodeJS.ErrnoException).code ?? error.code, killed: error.killed, message: error.message };
        resolve(classifyImportCheck({ error: failure, stdout, stderr }));
      },
    );
  });
}
