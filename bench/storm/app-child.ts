/**
 * The simulated app in its own process, as Seed's desktop app is a process of its own that talks
 * to the node over HTTP: its fetches, superjson parsing and timers then cost the app's CPU and
 * event loop, not the node's — so the node's loop lag and CPU measure the node alone.
 *
 * The parent (run-profile.ts) forks this file and waits for `"ready"` (modules loaded, so the
 * app starts at once when asked), sends {@link AppJob}, later `"stop"`; the child answers
 * {@link AppReport} and exits. Call times are epoch milliseconds
 * (`epochMs()`, src/store/epoch-ms.ts), comparable across the two processes.
 */
import { fork } from 'node:child_process';
import { epochMs } from '../../src/store/epoch-ms.ts';
import { AppClient, type AppHttp, type CallRecorder } from './app-client.ts';
import { AppSim, type AppSimInit, type PublishOutcome } from './app-sim.ts';

export type AppJob = { url: string; init: AppSimInit; transport: AppHttp };
export type AppReport = {
  samples: [string, [number, number, number][]][];
  failures: [string, number][];
  statuses: [string, number][];
  published: PublishOutcome;
  /** The app's own event loop: [epoch ms, how late a 10 ms timer fired (ms)], one per tick. */
  loopLate: [number, number][];
};

/** The app's process: `start()` runs the app, `stop()` ends its loops and answers what it measured. */
export class AppProcess {
  readonly #child: ReturnType<typeof fork>;
  readonly #ready: Promise<void>;
  readonly #report: Promise<AppReport>;

  constructor() {
    // 'advanced' serialization carries the publishes' Uint8Arrays as they are.
    this.#child = fork(new URL(import.meta.url).pathname, [], {
      stdio: 'inherit',
      serialization: 'advanced',
    });
    const exited = new Promise<never>((_, reject) => {
      this.#child.once('exit', (code) =>
        reject(new Error(`storm app process exited with ${code}`)),
      );
    });
    exited.catch(() => {});
    const next = () =>
      Promise.race([
        new Promise<unknown>((resolve) => this.#child.once('message', resolve)),
        exited,
      ]);
    this.#ready = next().then(() => undefined);
    this.#report = this.#ready.then(() => next() as Promise<AppReport>);
    this.#report.catch(() => {});
  }

  /** Resolves once the app process has loaded and waits for its job. */
  ready(): Promise<void> {
    return this.#ready;
  }

  start(job: AppJob): void {
    this.#child.send(job);
  }

  async stop(): Promise<AppReport> {
    this.#child.send('stop');
    return this.#report;
  }
}

function report(
  recorder: CallRecorder,
  published: PublishOutcome,
  loopLate: [number, number][],
): AppReport {
  return {
    samples: [...recorder.samples],
    failures: [...recorder.failures],
    statuses: [...recorder.statuses],
    published,
    loopLate,
  };
}

const LATE_TICK_MS = 10;

/**
 * Samples how late the app's own loop runs a 10 ms timer. A call's latency includes the app's
 * wait to handle the answer, so this tells how much of a tail is the app's, not the node's.
 * Timestamped samples rather than the node's EventLoopLag histogram: the parent cuts them into its
 * own windows (storm, whole run) after the fact.
 */
function sampleLoopLate(): { samples: [number, number][]; stop(): void } {
  const samples: [number, number][] = [];
  let expected = performance.now() + LATE_TICK_MS;
  const timer = setInterval(() => {
    const now = performance.now();
    samples.push([epochMs(), Math.max(0, now - expected)]);
    expected = now + LATE_TICK_MS;
  }, LATE_TICK_MS);
  return { samples, stop: () => clearInterval(timer) };
}

if (process.send && process.argv[1] === new URL(import.meta.url).pathname) {
  process.send('ready');
  process.once('message', (job: AppJob) => {
    const app = new AppSim((rec) => new AppClient(job.url, rec, job.transport), job.init);
    const late = sampleLoopLate();
    app.start();
    process.once('message', async () => {
      await app.stop();
      late.stop();
      process.send?.(report(app.recorder, app.published, late.samples), undefined, {}, () =>
        process.exit(0),
      );
    });
  });
}
