import type { SettingKey } from '../../entities';
import { FILE_STORE_CHECKS } from '../../files/file-store.settings';
import { expect, f, MAX_JOB_RETRIES, MAX_NAME, noNul, nulText } from './fields';
import { z } from './zod';

/**
 * The fields of each settings section as a partial update sends them (both doors): a field left
 * out or null stays as it is; a field no section has is refused naming it.
 */

/** Longest IANA zone name is about 30 characters; 64 leaves room and bounds the lookup. */
const MAX_ZONE = 64;

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

const zoneText = 'an IANA time zone such as "Asia/Shanghai" or "UTC"';
const timeZone = () => z.string(expect(zoneText)).max(MAX_ZONE, expect(zoneText)).refine(noNul, nulText).refine(isTimeZone, expect(zoneText)).nullish();

/** A check of the files section (src/files owns those rules) as a schema. */
const fromCheck = (check: (value: unknown) => string | null) =>
  z
    .unknown()
    .superRefine((value, ctx) => {
      const expected = check(value);
      if (expected) ctx.addIssue({ code: 'custom', message: `expected ${expected}`, input: value });
    })
    .nullish();

export const settingsFields = {
  general: {
    managementServerTimeZone: timeZone(),
    communicationServerTimeZone: timeZone(),
    region: f.str(MAX_NAME).nullish(),
    /** Minutes; a year at most. */
    adminTimeOut: f.int(1, 525_600).nullish(),
  },
  job: {
    enable: f.bool().nullish(),
    maxRetried: f.int(0, MAX_JOB_RETRIES).nullish(),
    retryWait: f.int(0).nullish(),
    maxConcurrentSession: f.int(1).nullish(),
  },
  task: {
    enable: f.bool().nullish(),
    priority: f.int32().nullish(),
    disableValidation: f.bool().nullish(),
  },
  client: {
    autoEnableNewClient: f.bool().nullish(),
  },
  files: {
    maxAgeDays: fromCheck(FILE_STORE_CHECKS.maxAgeDays),
    maxTotalBytes: fromCheck(FILE_STORE_CHECKS.maxTotalBytes),
    partialGraceHours: fromCheck(FILE_STORE_CHECKS.partialGraceHours),
  },
} satisfies Record<SettingKey, z.ZodRawShape>;

/** One section's partial update; any other field is refused by its name. */
export function settingsPatchSchema(key: SettingKey) {
  const fields = settingsFields[key];
  const names = Object.keys(fields).join(', ');
  return z.looseObject(fields, expect('an object of settings fields')).superRefine((patch, ctx) => {
    for (const field of Object.keys(patch)) {
      if (!(field in fields)) ctx.addIssue({ code: 'custom', path: [field], message: `expected one of the ${key} settings (${names})`, input: patch });
    }
  });
}
