import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/**
 * `mkdir -p`, one level at a time. Node's own `mkdirSync(path, { recursive: true })` spins at 100%
 * CPU forever when a parent exists but cannot hold children (measured on Node 24.21 with
 * `/proc/nope`: mkdir answers ENOENT, the parent EEXIST, and it tries again). Here each missing
 * level is made once, and the first failure is thrown as it is. A path that exists but is not a
 * directory throws ENOTDIR.
 */
export function makeDirectory(path: string): void {
  const missing: string[] = [];
  let at = resolve(path);
  while (!existsSync(at)) {
    missing.push(at);
    const up = dirname(at);
    if (up === at) break;
    at = up;
  }
  for (const dir of missing.reverse()) mkdirSync(dir);
  if (!statSync(path).isDirectory()) {
    throw Object.assign(new Error(`ENOTDIR: not a directory, mkdir '${path}'`), {
      code: 'ENOTDIR',
      path,
    });
  }
}
