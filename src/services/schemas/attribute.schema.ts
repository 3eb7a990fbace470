import { z } from './zod';
import { ATTRIBUTE_TYPES } from '../../entities';
import { expect, f, MAX_DESCRIPTION } from './fields';

/** The longest attribute value (and default value): a property an operator reads, not a document. */
export const MAX_ATTRIBUTE_VALUE = MAX_DESCRIPTION;

const typeText = ATTRIBUTE_TYPES.map((t, i) => `${i} (${t})`).join(', ');

/**
 * An attribute definition's fields as both doors send them (GraphQL names the name `name`, its
 * resolver renames it). `type` is the index (0 STRING, 1 NUMBER, 2 BOOLEAN, 3 DATE) or the name;
 * it parses to the index. `null` means "not given", except for defaultValue, where it clears it.
 */
export const attributeFields = {
  attributeName: f.name(),
  type: z
    .union([f.int(0, ATTRIBUTE_TYPES.length - 1), f.enum(ATTRIBUTE_TYPES)], expect(typeText))
    .transform((t) => (typeof t === 'number' ? t : ATTRIBUTE_TYPES.indexOf(t)))
    .nullish(),
  defaultValue: f.str(MAX_ATTRIBUTE_VALUE).nullish(),
  display: f.bool().nullish(),
  readOnly: f.bool().nullish(),
};

export const attributeCreateSchema = z.object(attributeFields);
export const attributeUpdateSchema = z.object({ ...attributeFields, attributeName: attributeFields.attributeName.nullish() });

/** What AttributeService's create and update take, unchecked (the schemas decide; create needs the name). */
export interface AttributeInput {
  attributeName?: string | null;
  /** 0 STRING, 1 NUMBER, 2 BOOLEAN, 3 DATE, or the name. */
  type?: number | string | null;
  defaultValue?: string | null;
  display?: boolean | null;
  readOnly?: boolean | null;
}

/**
 * The values set on one client, all or none: null or "" clears the client's own value (the
 * default shows again). REST may send numbers and booleans, which are taken as text.
 */
export const attributeValueFields = {
  attributeId: f.id(),
  attributeValue: z
    .union(
      [f.str(MAX_ATTRIBUTE_VALUE), z.number(), z.boolean(), z.null()],
      expect(`a string of at most ${MAX_ATTRIBUTE_VALUE} characters (numbers and booleans are taken as text) or null`),
    )
    .transform((v) => (v === null ? null : String(v))),
};
export const MAX_ATTRIBUTE_VALUES = 10_000;
export const attributeValuesSchema = z
  .array(z.object(attributeValueFields), expect('a list of { attributeId, attributeValue }'))
  .max(MAX_ATTRIBUTE_VALUES, expect(`at most ${MAX_ATTRIBUTE_VALUES} values`));

export type AttributeValuesInput = readonly z.input<typeof attributeValuesSchema>[number][];
