import { Attribute, ATTRIBUTE_TYPES, Group, GROUP_TYPES } from '../entities';
import { errors } from './errors';
import { refreshDynamicGroups } from './group-membership';
import { orderByOf, type AttributeOrderField } from './ordering';
import { pageWindow, type ListRequest, type Page } from './paging';
import { rowPage, type EntityRow } from './relation-pages';
import { publishChange, type ServiceContext } from './service-context';
import { attributeCreateSchema, attributeUpdateSchema, type AttributeInput } from './schemas/attribute.schema';
import { parseInput } from './schemas/parse';

export type { AttributeInput };

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

  /** The attribute list of both doors: one page of the definitions as plain rows, sorted by `orderBy` (default id ascending); no filter. */
  async list({ orderBy, page, fields }: ListRequest<never, AttributeOrderField> = {}): Promise<Page<EntityRow<Attribute>>> {
    const { items, total } = await rowPage(this.ctx.em, Attribute, {}, orderByOf('attribute', orderBy), pageWindow(page), {}, fields);
    return { items, total };
  }

  async get(id: number): Promise<Attribute> {
    const attribute = await this.ctx.em.findOne(Attribute, { id });
    if (!attribute) throw errors.notFound('attribute', id);
    return attribute;
  }

  /** Left out: type STRING, display true, readOnly false. */
  async create(raw: AttributeInput): Promise<Attribute> {
    const input = parseInput(attributeCreateSchema, raw);
    const name = input.attributeName;
    if (await this.ctx.em.count(Attribute, { name })) throw errors.conflict('attributeName', `an attribute named "${name}" already exists`);
    const type = input.type ?? 0;
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

  async update(id: number, raw: AttributeInput): Promise<Attribute> {
    const input = parseInput(attributeUpdateSchema, raw);
    const attribute = await this.get(id);
    const oldName = attribute.name;
    if (input.attributeName != null) {
      const name = input.attributeName;
      if (await this.ctx.em.count(Attribute, { name, id: { $ne: id } })) throw errors.conflict('attributeName', `an attribute named "${name}" already exists`);
      attribute.name = name;
    }
    if (input.type != null) attribute.type = input.type;
    if (input.defaultValue !== undefined) {
      checkValue('defaultValue', attribute.type, input.defaultValue);
      attribute.defaultValue = input.defaultValue;
    }
    if (input.display != null) attribute.display = input.display;
    if (input.readOnly != null) attribute.readOnly = input.readOnly;
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
