import { z } from './zod';
import { f, intSchema } from './fields';

const type = () => intSchema(0, 3, '0 (job), 1 (task), 2 (group) or 3 (client)');

/**
 * `PUT /v1/config/maintenance` and GraphQL's `associate`: each of `optionIds` is associated with
 * (opt 1) or removed from (opt 0) `targetId`. Types: 0 job, 1 task, 2 group, 3 client.
 */
export const maintenanceSchema = z.object({
  optionType: type(),
  optionIds: f.ids(),
  targetType: type(),
  targetId: f.id(),
  opt: intSchema(0, 1, '0 (remove) or 1 (add)'),
});

/** What BindingService.maintenance takes, unchecked (the schema decides). */
export type MaintenanceInput = z.input<typeof maintenanceSchema>;
