import { z } from './zod';
import { parseCron } from '../schedule';
import { expect, f, MAX_JOB_RETRIES, noNul, nulText } from './fields';
import { refineWith } from './parse';

export { MAX_JOB_RETRIES };

/**
 * A job's fields as both doors send them (REST names the name `jobName`, see jobs.routes.ts).
 * `null` means "not given" except for description and executionTime, where it clears the value.
 */
export const jobFields = {
  name: f.name(),
  description: f.description(),
  enabled: f.bool().nullish(),
  priority: f.int32().nullish(),
  /** 0 once, 1 daily, 2 weekly, 3 monthly, 4 yearly. */
  cycleType: f.int(0, 4).nullish(),
  /** Cron (minute hour day-of-month month day-of-week); null or "" = run only when asked. */
  executionTime: z
    .string(expect('a cron expression string or null'))
    .max(255, expect('a cron expression of at most 255 characters'))
    .refine(noNul, nulText)
    .superRefine(
      refineWith((v: string) => {
        if (v !== '') parseCron(v);
      }),
    )
    .nullish(),
  maxRetries: f.int(0, MAX_JOB_RETRIES).nullish(),
  /** Seconds between retries of a failed client execution. */
  retryWait: f.int(0).nullish(),
  /** The longest a run may take, seconds. */
  duration: f.int(1).nullish(),
};

export const jobCreateSchema = z.object(jobFields);
export const jobUpdateSchema = z.object({ ...jobFields, name: jobFields.name.nullish() });

/** What JobService.create takes: left-out fields take defaults. */

/**
 * What the job service's create and update take, unchecked: the schemas decide. Create needs the
 * name; update leaves out what is not given.
 */
export type JobInput = Partial<z.input<typeof jobUpdateSchema>>;
