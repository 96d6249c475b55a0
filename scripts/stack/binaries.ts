/**
 * Finds the Prometheus and Alertmanager executables of the local stack on PATH. Debian's packages
 * (`apt-get install -y prometheus prometheus-alertmanager`) install `prometheus`, `promtool`,
 * `prometheus-alertmanager` and `amtool` in /usr/bin; upstream tarballs name the server `alertmanager`.
 */
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

export const INSTALL_HINT = 'apt-get install -y prometheus prometheus-alertmanager';

/** The executable `name` on PATH, or undefined. */
export function findOnPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

export interface ServerBinaries {
  readonly prometheus: string;
  readonly alertmanager: string;
}

/** The server binaries the stack runs, or undefined for a missing one. */
export function locateServers(): { prometheus?: string; alertmanager?: string } {
  const prometheus = findOnPath('prometheus');
  const alertmanager = findOnPath('prometheus-alertmanager') ?? findOnPath('alertmanager');
  return {
    ...(prometheus === undefined ? {} : { prometheus }),
    ...(alertmanager === undefined ? {} : { alertmanager }),
  };
}

/** Names of the missing server binaries (empty when both are installed). */
export function missingServers(): string[] {
  const found = locateServers();
  return [
    ...(found.prometheus === undefined ? ['prometheus'] : []),
    ...(found.alertmanager === undefined ? ['prometheus-alertmanager'] : []),
  ];
}

/** The message for missing binaries, with the install command. */
export function missingServersMessage(missing: readonly string[]): string {
  return (
    `${missing.map(m => `\`${m}\``).join(' and ')} not found on PATH. ` +
    `Install them with \`${INSTALL_HINT}\` (Debian/Ubuntu), or put upstream binaries on PATH.`
  );
}
