/** Reading the `greenlint.*` settings from VS Code (the mapping itself is in common/config.ts). */
import * as vscode from 'vscode';
import { type LaunchSettings, type ServerSettings, SECTION, launchSettings, serverSettings } from './common/config';
import type { Scoped } from './common/interpreter';

export function configuration(scope?: vscode.ConfigurationScope): vscode.WorkspaceConfiguration {
  return vscode.workspace.getConfiguration(SECTION, scope);
}

/** The settings object the server is given, for a resource (folder) or the window. */
export function readServerSettings(scope?: vscode.ConfigurationScope, warn?: (message: string) => void): ServerSettings {
  const config = configuration(scope);
  return serverSettings((key) => config.get(key), warn);
}

export function readLaunchSettings(warn?: (message: string) => void): LaunchSettings {
  const config = configuration();
  return launchSettings((key) => config.get(key), warn);
}

/** A setting's values per scope (user, workspace, folder), for settings that must come from a trusted scope. */
export function readScoped(key: 'path' | 'interpreter', scope?: vscode.ConfigurationScope): Scoped | undefined {
  const inspected = configuration(scope).inspect<unknown>(key);
  if (inspected === undefined) return undefined;
  return {
    globalValue: inspected.globalValue,
    workspaceValue: inspected.workspaceValue,
    workspaceFolderValue: inspected.workspaceFolderValue,
  };
}
