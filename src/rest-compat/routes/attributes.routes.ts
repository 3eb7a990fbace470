import { ATTRIBUTE_TYPES } from '../../entities';
import { AttributeService } from '../../services/attribute.service';
import { attributeFields as attribute } from '../../services/schemas/attribute.schema';
import { pagingQuery, q } from '../params';
import { pageOfQuery } from '../queries';
import { defineRoute, type AnyRoute } from '../route';
import { flag, pageOf, SUCCESS, successText, toPage } from '../shapes/common';
import { z } from '../zod';

/*
 * Attribute definitions. The document types `type` two ways: an integer in the create body and
 * answer, a string in the list. Both are honoured: the create answer carries the index
 * (0 STRING, 1 NUMBER, 2 BOOLEAN, 3 DATE), the list carries the name; the create body takes either.
 * The create answer's `display` and `readOnly` are 1/0 integers and its id is `attributesId`,
 * as documented.
 */

const typeText = ATTRIBUTE_TYPES.map((t, i) => `${i} (${t})`).join(', ');

export const attributeRoutes: AnyRoute[] = [
  defineRoute({
    method: 'get',
    path: '/settings/attributes',
    permission: 'read',
    summary: 'Attributes List',
    tag: 'settings',
    query: z.object(pagingQuery),
    response: pageOf(
      z.object({
        attributeName: z.string(),
        attributeId: z.int(),
        type: z.enum(ATTRIBUTE_TYPES).openapi({ description: 'The type name (the create route takes and answers its index).' }),
        defaultValue: z.string().nullable(),
        display: z.boolean(),
        readOnly: z.boolean(),
      }),
    ),
    handler: async (ctx, { query }) =>
      toPage(await new AttributeService(ctx).list({ page: pageOfQuery(query) }), (a) => ({
        attributeName: a.name,
        attributeId: a.id,
        type: ATTRIBUTE_TYPES[a.type] ?? 'STRING',
        defaultValue: a.defaultValue,
        display: a.display,
        readOnly: a.readOnly,
      })),
  }),
  defineRoute({
    method: 'post',
    path: '/settings/attributes',
    permission: 'config.write',
    summary: 'Add attributes',
    tag: 'settings',
    // The service's fields (services/schemas/attribute.schema.ts): refused here as the service would.
    body: z.object({
      attributeName: attribute.attributeName,
      type: attribute.type.openapi({ description: `${typeText}; default 0. The name is accepted too.` }),
      defaultValue: attribute.defaultValue,
      display: attribute.display.openapi({ description: 'Default true.' }),
      readOnly: attribute.readOnly.openapi({ description: 'Default false.' }),
    }),
    response: z.object({
      attributeName: z.string(),
      attributesId: z.int(),
      type: z.int(),
      defaultValue: z.string().nullable(),
      display: z.int().openapi({ description: '1 or 0.' }),
      readOnly: z.int().openapi({ description: '1 or 0.' }),
    }),
    handler: async (ctx, { body }) => {
      const a = await new AttributeService(ctx).create(body);
      return { attributeName: a.name, attributesId: a.id, type: a.type, defaultValue: a.defaultValue, display: flag(a.display), readOnly: flag(a.readOnly) };
    },
  }),
  defineRoute({
    method: 'delete',
    path: '/settings/attributes/:attributeId',
    permission: 'config.write',
    summary: 'Delete Attributes',
    tag: 'settings',
    description: "Also deletes every client's value of the attribute; dynamic groups that query it then match nobody.",
    params: z.object({ attributeId: q.id() }),
    response: successText,
    handler: async (ctx, { params }) => {
      await new AttributeService(ctx).delete(params.attributeId);
      return SUCCESS;
    },
  }),
];
