import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Total bytes of the regular files under `path`. */
export function directorySize(path: string): number {
  let total = 0;
  for (const entry of readdirSync(path, { withFileTypes: true })) {
    const child = join(path, entry.name);
    if (entry.isDirectory()) total += directorySize(child);
    else if (entry.isFile()) total += statSync(child).size;
  }
  return total;
}
