/**
 * One storm profile in its own process (forked by bench/storm.ts): every profile starts from a
 * cold process, so neither inherits the other's compiled code, heap or open sockets, and the
 * order of the profiles does not bias the numbers. The parent sends {@link ProfileJob} over IPC;
 * the child answers the {@link ProfileResult} (or an error) and exits.
 */
import { fork } from 'node:child_process';
import type { AppHttp } from './app-client.ts';
import { makeAppEdits } from './app-user.ts';
import type { StormPeers } from './peers.ts';
import { type Profile, type ProfileResult, runProfile } from './run-profile.ts';

export type ProfileJob = {
  profile: Profile;
  peers: Pick<StormPeers, 'peers' | 'cids'>;
  publishCount: number;
  windows: number;
  appHttp: AppHttp;
  seconds: number;
  tailSeconds: number;
  bootstrap: number;
};

type Reply = { ok: true; result: ProfileResult } | { ok: false; error: string };

/** Runs `job` in a fresh child process (same Node, same execArgv: `--cpu-prof` carries over). */
export function runProfileInChild(job: ProfileJob): Promise<ProfileResult> {
  const child = fork(new URL(import.meta.url).pathname, [], { stdio: 'inherit' });
  return new Promise((resolve, reject) => {
    let replied = false;
    child.once('message', (msg: Reply) => {
      replied = true;
      if (msg.ok) resolve(msg.result);
      else reject(new Error(`profile ${job.profile.name}: ${msg.error}`));
    });
    child.once('exit', (code) => {
      if (!replied) reject(new Error(`profile ${job.profile.name}: child exited with ${code}`));
    });
    child.send(job);
  });
}

async function serve(job: ProfileJob): Promise<void> {
  try {
    const edits = makeAppEdits(job.publishCount);
    const result = await runProfile(job.profile, {
      peers: job.peers,
      publishes: edits.publishes,
      edits,
      windows: job.windows,
      appHttp: job.appHttp,
      seconds: job.seconds,
      tailSeconds: job.tailSeconds,
      bootstrap: job.bootstrap,
    });
    process.send?.({ ok: true, result } satisfies Reply, undefined, {}, () => process.exit(0));
  } catch (err) {
    const error = err instanceof Error ? (err.stack ?? err.message) : String(err);
    process.send?.({ ok: false, error } satisfies Reply, undefined, {}, () => process.exit(1));
  }
}

if (process.send && process.argv[1] === new URL(import.meta.url).pathname) {
  process.once('message', (job: ProfileJob) => void serve(job));
}
