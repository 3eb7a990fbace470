import type { EntityManager } from '@mikro-orm/postgresql';
import { Attribute, ClientAttributeValue, type Client } from '../entities';
import { checkValue } from './attribute.service';
import { attributeValuesSchema, type AttributeValuesInput } from './schemas/attribute.schema';
import { parseInput } from './schemas/parse';
import { errors } from './errors';
import { intArray } from './filters';
import { refreshDynamicGroups } from './group-membership';
import type { ServiceContext } from './service-context';

/**
 * Clients' attribute values: what ClientService reads and writes for `/v1/clients/{id}/attributes`
 * and `Client.attributes`. A client without a value of its own shows the attribute's default.
 */

export interface ClientAttributeView {
  attributeId: number;
  attributeName: string;
  type: number;
  /** The client's own value, else the attribute's default. */
  attributeValue: string | null;
  display: boolean;
  readOnly: boolean;
}

/** The values to set, unchecked (attributeValuesSchema decides). */
export type AttributeValueInput = AttributeValuesInput[number];

/** Every attribute definition with each client's value or the default, in the order of `ids` (two statements). */
export async function attributeViews(em: EntityManager, ids: readonly number[]): Promise<ClientAttributeView[][]> {
  if (!ids.length) return [];
  const [defs, values] = await Promise.all([
    em.find(Attribute, {}, { orderBy: { id: 'asc' } }),
    em.execute<{ client_id: number; attribute_id: number; value: string | null }[]>(
      'select client_id, attribute_id, value from client_attribute_value where client_id = any(?::int[])',
      [intArray(ids)],
    ),
  ]);
  const value = new Map(values.map((v) => [`${v.client_id}:${v.attribute_id}`, v.value]));
  return ids.map((cid) =>
    defs.map((a) => {
      const key = `${cid}:${a.id}`;
      return {
        attributeId: a.id,
        attributeName: a.name,
        type: a.type,
        attributeValue: value.has(key) ? value.get(key)! : a.defaultValue,
        display: a.display,
        readOnly: a.readOnly,
      };
    }),
  );
}

/**
 * Sets values of one client, all or none, and moves it in or out of the dynamic groups that
 * test those attributes, in the same transaction. Errors name the entry: `[1].attributeValue`.
 */
export async function setAttributeValues(ctx: ServiceContext, client: Client, raw: AttributeValuesInput): Promise<void> {
  const values = parseInput(attributeValuesSchema, raw);
  const ids = [...new Set(values.map((v) => v.attributeId))];
  const defs = await ctx.em.find(Attribute, { id: { $in: ids } });
  const known = new Map(defs.map((d) => [d.id, d]));
  values.forEach((v, i) => {
    const def = known.get(v.attributeId);
    if (!def) throw errors.invalid(`[${i}].attributeId`, 'the id of an existing attribute', v.attributeId);
    if (def.readOnly) throw errors.invalid(`[${i}].attributeId`, `a writable attribute ("${def.name}" is read-only)`, v.attributeId);
    checkValue(`[${i}].attributeValue`, def.type, v.attributeValue, def.name);
  });
  await ctx.em.transactional(async (em) => {
    for (const v of values) {
      await em.upsert(
        ClientAttributeValue,
        { client, attribute: known.get(v.attributeId)!, value: v.attributeValue ?? null },
        { onConflictFields: ['client', 'attribute'] },
      );
    }
    await refreshDynamicGroups({ ...ctx, em }, { attributeNames: defs.map((d) => d.name) });
  });
}
