import { z } from './zod';
import { f } from './fields';

/**
 * A task's fields as both doors send them (REST's create body names the name `taskName`, see
 * tasks.routes.ts). `null` means "not given" except for description, where it clears it.
 */
export const taskFields = {
  name: f.name(),
  description: f.description(),
  priority: f.int32().nullish(),
  enabled: f.bool().nullish(),
  disableValidation: f.bool().nullish(),
};

export const taskCreateSchema = z.object(taskFields);
export const taskUpdateSchema = z.object({ ...taskFields, name: taskFields.name.nullish() });

/**
 * What the task service's create and update take, unchecked: the schemas decide. Create needs the
 * name; update leaves out what is not given.
 */
export type TaskInput = Partial<z.input<typeof taskUpdateSchema>>;
