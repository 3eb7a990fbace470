import { Attribute, ATTRIBUTE_TYPES, Group, GROUP_TYPES } from '../entities';
import { errors } from './errors';
import { refreshDynamicGroups } from './group-membership';
import { orderByOf, type AttributeOrderField, type OrderBy } from './ordering';
import type { Page, PageRequest } from './paging';
import { entityPage } from './relation-pages';
import { publishChange, type ServiceContext } from './service-context';

export interface AttributeInput {
  attributeName?: string;
  /** 0 STRING, 1 NUMBER, 2 BOOLEAN, 3 DATE; the name is accepted too. */
  type?: number | string;
  defaultValue?: string | null;
  display?: boolean;
  readOnly?: boolean;
}

/** Accepts the index or the name of an attribute type. */
export function attributeTypeIndex(type: number | string): number {
  if (typeof type === 'number' && Number.isInteger(type) && type >= 0 && type < ATTRIBUTE_TYPES.length) return type;
  if (typeof type === 'string') {
    const byName = ATTRIBUTE_TYPES.indexOf(type.toUpperCase() as (typeof ATTRIBUTE_TYPES)[number]);
    if (byName >= 0) return byName;
    if (/^\d+$/.test(type)) return attributeTypeIndex(Number(type));
  }
  throw errors.invalid('type', ATTRIBUTE_TYPES.map((t, i) => `${i} (${t})`).join(', '), type);
}

/**
 * Throws INVALID_INPUT unless `value` fits the attribute type `typeIndex`: NUMBER a finite
 * number, BOOLEAN "true" or "false", DATE an ISO date or epoch milliseconds; STRING anything.
 * null, undefined and "" always pass (no value). `name`, when given, is the attribute's, for the message.
 */
export function checkValue(field: string, typeIndex: number, value: string | null | undefined, name?: string): void {
  if (value === null || value === undefined || value === '') return;
  const type = ATTRIBUTE_TYPES[typeIndex];
  const of = name === undefined ? '' : ` (attribute "${name}" is ${type})`;
  if (type === 'NUMBER' && !(value.trim() !== '' && Number.isFinite(Number(value)))) throw errors.invalid(field, `a number${of}`, value);
  if (type === 'BOOLEAN' && value !== 'true' && value !== 'false') throw errors.invalid(field, `"true" or "false"${of}`, value);
  if (type === 'DATE' && Number.isNaN(Date.parse(value)) && !/^\d+$/.test(value)) throw errors.invalid(field, `an ISO date or epoch milliseconds${of}`, value);
}

/** Attribute definitions: operator-defined client properties. */
export class AttributeService {
  constructor(private readonly ctx: ServiceContext) {}

  /** One page of the definitions, sorted by `orderBy` (default id ascending). */
  async list(page: PageRequest = {}, orderBy?: OrderBy<AttributeOrderField>): Promise<Page<Attribute>> {
    return entityPage(this.ctx.em, Attribute, {}, orderByOf('attribute', orderBy), page);
  }

  async get(id: number): Promise<Attribute> {
    const attribute = await this.ctx.em.findOne(Attribute, { id });
    if (!attribute) throw errors.notFound('attribute', id);
    return attribute;
  }

  async create(input: AttributeInput): Promise<Attribute> {
    const name = input.attributeName?.trim();
    if (!name) throw errors.invalid('attributeName', 'a non-empty string');
    if (await this.ctx.em.count(Attribute, { name })) throw errors.conflict('attributeName', `an attribute named "${name}" already exists`);
    const type = attributeTypeIndex(input.type ?? 0);
    checkValue('defaultValue', type, input.defaultValue);
    const attribute = await this.ctx.em.transactional(async (em) => {
      const created = em.create(Attribute, {
        name,
        type,
        defaultValue: input.defaultValue ?? null,
        display: input.display ?? true,
        readOnly: input.readOnly ?? false,
        createdAt: this.ctx.clock.now(),
      });
      await em.flush();
      // A dynamic group may already query this name (created before the attribute existed).
      await refreshDynamicGroups({ ...this.ctx, em }, { attributeNames: [name] });
      return created;
    });
    publishChange(this.ctx, 'ATTRIBUTE', 'CREATED', attribute.id);
    return attribute;
  }

  async update(id: number, input: AttributeInput): Promise<Attribute> {
    const attribute = await this.get(id);
    const oldName = attribute.name;
    if (input.attributeName !== undefined) {
      const name = input.attributeName.trim();
      if (!name) throw errors.invalid('attributeName', 'a non-empty string');
      if (await this.ctx.em.count(Attribute, { name, id: { $ne: id } })) throw errors.conflict('attributeName', `an attribute named "${name}" already exists`);
      attribute.name = name;
    }
    if (input.type !== undefined) attribute.type = attributeTypeIndex(input.type);
    if (input.defaultValue !== undefined) {
      checkValue('defaultValue', attribute.type, input.defaultValue);
      attribute.defaultValue = input.defaultValue;
    }
    if (input.display !== undefined) attribute.display = input.display;
    if (input.readOnly !== undefined) attribute.readOnly = input.readOnly;
    await this.ctx.em.transactional(async (em) => {
      await em.flush();
      await refreshDynamicGroups({ ...this.ctx, em }, { attributeNames: [oldName, attribute.name] });
    });
    publishChange(this.ctx, 'ATTRIBUTE', 'UPDATED', id);
    return attribute;
  }

  /** Deletes the definition and every client's value of it; dynamic groups on it then match nobody. */
  async delete(id: number): Promise<void> {
    const attribute = await this.get(id);
    const name = attribute.name;
    await this.ctx.em.transactional(async (em) => {
      em.remove(attribute);
      await em.flush();
      await refreshDynamicGroups({ ...this.ctx, em }, { attributeNames: [name] });
    });
    publishChange(this.ctx, 'ATTRIBUTE', 'DELETED', id);
  }

  /** Dynamic groups whose query reads this attribute (shown to an operator before a delete). */
  async groupsUsing(id: number): Promise<Group[]> {
    const attribute = await this.get(id);
    return this.ctx.em.find(Group, { type: GROUP_TYPES.DYNAMIC, queryProperty: attribute.name });
  }
}
