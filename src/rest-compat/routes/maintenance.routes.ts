import { BindingService } from '../../services/binding.service';
import { maintenanceSchema } from '../../services/schemas/binding.schema';
import { defineRoute, type AnyRoute } from '../route';
import { z } from '../zod';

/*
 * PUT /config/maintenance associates records of one kind with a record of another, e.g. clients
 * with a job. Types: 0 job, 1 task, 2 group, 3 client (optionType and targetType alike);
 * opt 0 removes, 1 adds. The pairs that exist are job–task, job–group, job–client and
 * group–client, in either direction; any other pair is refused (400). It answers the request as
 * the document's example shows.
 */

// The service's schema (services/schemas/binding.schema.ts), documented.
const typeCode = { description: '0 job, 1 task, 2 group, 3 client.' };
const { shape } = maintenanceSchema;
const maintenance = z.object({
  ...shape,
  optionType: shape.optionType.openapi(typeCode),
  targetType: shape.targetType.openapi(typeCode),
  opt: shape.opt.openapi({ description: '0 remove, 1 add.' }),
});

export const maintenanceRoutes: AnyRoute[] = [
  defineRoute({
    method: 'put',
    path: '/config/maintenance',
    permission: 'config.write',
    summary: 'Maintenence',
    tag: 'config',
    description: 'E.g. `{"optionType":3,"optionIds":[5,6],"targetType":0,"targetId":2,"opt":1}` binds clients 5 and 6 to job 2.',
    body: maintenance,
    response: z.object({ optionType: z.int(), optionIds: z.array(z.int()), targetType: z.int(), targetId: z.int(), opt: z.int() }),
    handler: async (ctx, { body }) => new BindingService(ctx).maintenance(body),
  }),
];
