/** Command lines typed into a terminal (the "Install greenlint" button). Pure. */

const POSIX_SAFE = /^[A-Za-z0-9_\-+=.,/:@%]+$/;

/** One argument quoted for sh / bash / zsh / fish. */
export function quotePosix(argument: string): string {
  if (argument !== '' && POSIX_SAFE.test(argument)) return argument;
  return `'${argument.replace(/'/g, `'\\''`)}'`;
}

/** One argument quoted for PowerShell (the default Windows terminal). */
export function quotePowerShell(argument: string): string {
  if (argument !== '' && /^[A-Za-z0-9_\-+=.,/:\\@%]+$/.test(argument)) return argument;
  return `'${argument.replace(/'/g, "''")}'`;
}

/**
 * The text to send to a new terminal to run `argv`: on POSIX shells followed by `&& exit`, so the terminal closes
 * (and the server restarts) when the command succeeds and stays open with the error when it fails.
 */
export function terminalCommand(argv: readonly string[], platform: NodeJS.Platform): string {
  if (platform === 'win32') {
    const [program = '', ...rest] = argv;
    return ['&', quotePowerShell(program), ...rest.map(quotePowerShell)].join(' ');
  }
  return `${argv.map(quotePosix).join(' ')} && exit`;
}

/** `<python> -m pip install greenlint` for an interpreter command line. */
export function pipInstallArgv(python: readonly string[]): string[] {
  return [...python, '-m', 'pip', 'install', 'greenlint'];
}
