// Model training jobs started over the API: one at a time, progress pushed on the stream.
import { randomUUID } from 'node:crypto';
import { isModelVersion } from '../../model/index.ts';
import type { ModelRegistry, TrainRequest } from '../ports.ts';
import type { TrainingJob } from '../protocol.ts';

export class TrainingJobs {
  private readonly jobs = new Map<string, TrainingJob>();
  private running: TrainingJob | null = null;

  constructor(
    private readonly registry: ModelRegistry,
    private readonly publish: (job: TrainingJob) => void,
    private readonly onFinished: (job: TrainingJob) => void,
  ) {}

  get(id: string): TrainingJob | undefined {
    return this.jobs.get(id);
  }

  list(): TrainingJob[] {
    return [...this.jobs.values()];
  }

  /** Starts a job, or returns null when one is already running. */
  start(req: TrainRequest): TrainingJob | null {
    if (this.running) return null;
    const job: TrainingJob = { id: randomUUID(), state: 'running', progress: 0, message: 'starting', startedAt: Date.now() };
    this.jobs.set(job.id, job);
    this.running = job;
    this.publish({ ...job });
    let lastPush = 0;
    this.registry.train(req, (progress, message) => {
      job.progress = Math.max(0, Math.min(1, progress));
      job.message = message;
      const now = Date.now();
      if (now - lastPush >= 250) {
        lastPush = now;
        this.publish({ ...job });
      }
    }).then(
      ({ version, excludedWindows, rules }) => {
        // the version goes into URLs, audit targets and the stream: only a well-formed name is reported
        if (!isModelVersion(version)) {
          Object.assign(job, { state: 'failed', message: 'training produced a version name that is not allowed (letters, digits, \'.\', \'_\', \'-\'; no \'/\'); the job does not report it', finishedAt: Date.now() });
          return;
        }
        const left = excludedWindows ? `; ${excludedWindows} windows of confirmed incidents left out` : '';
        const recorded = rules ? `; ${rules} analyst rule${rules === 1 ? '' : 's'} recorded` : '';
        Object.assign(job, { state: 'done', progress: 1, message: `trained version ${version}${left}${recorded}`, version, finishedAt: Date.now() });
      },
      (err: unknown) => {
        Object.assign(job, { state: 'failed', message: (err as Error).message ?? String(err), finishedAt: Date.now() });
      },
    ).finally(() => {
      this.running = null;
      this.publish({ ...job });
      this.onFinished({ ...job });
    });
    return { ...job };
  }
}
