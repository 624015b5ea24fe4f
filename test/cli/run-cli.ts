import { execFile } from 'node:child_process';

const MAIN = new URL('../../src/cli/main.ts', import.meta.url).pathname;

export type Run = { code: number; stdout: string; stderr: string };

/** Runs the `seedling` CLI as a child process, asynchronously (a node under test keeps answering from this process). */
export function cli(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [MAIN, ...args],
      { encoding: 'utf8', timeout: 30_000, env: { ...process.env, SEEDLING_MNEMONIC: '' } },
      (err, stdout, stderr) => {
        const code = err ? ((err as { code?: unknown }).code as number) : 0;
        resolve({ code: typeof code === 'number' ? code : -1, stdout, stderr });
      },
    );
  });
}
