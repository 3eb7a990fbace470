import { z } from './zod';
import { CLIENT_ROLES, CLIENT_STATUSES } from '../../entities';
import { expect, f, MAX_NAME } from './fields';

/**
 * A client's fields as the services take them (GraphQL's `enabled` and Date times are renamed and
 * converted by its resolver; REST's misspelt `connnectedAt`/`disconnnetedAt` by its route).
 * `null` means "not given", except for username, ip and the two times, where it clears the value;
 * a time of 0 means "never", and `status: ""` means "not given".
 */
export const clientFields = {
  mqttClientId: f.name(),
  username: f.str(MAX_NAME).nullish(),
  ip: z.union([z.ipv4(), z.ipv6(), z.literal('')], expect('an IPv4 or IPv6 address, or "" or null for none')).nullish(),
  enable: f.bool().nullish(),
  status: z.union([f.enum(CLIENT_STATUSES), z.literal('')], expect(`one of ${CLIENT_STATUSES.join(', ')}`)).nullish(),
  role: f.enum(CLIENT_ROLES).nullish(),
  connectedAt: f.epochMs().nullish(),
  disconnectedAt: f.epochMs().nullish(),
};

export const clientCreateSchema = z.object(clientFields);
export const clientUpdateSchema = z.object({ ...clientFields, mqttClientId: clientFields.mqttClientId.nullish() });

/** What ClientService's create and update take, unchecked (the schemas decide): the strings are checked there. */
export interface ClientInput {
  mqttClientId?: string | null;
  username?: string | null;
  ip?: string | null;
  enable?: boolean | null;
  status?: string | null;
  role?: string | null;
  /** Epoch ms; 0 or null: never. */
  connectedAt?: number | null;
  disconnectedAt?: number | null;
}
