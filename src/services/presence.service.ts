import type { PresenceChange, StatusUpdate } from '../live/agent-inbox';
import { refreshDynamicGroups } from './group-membership';
import { publishChange, type ServiceContext } from './service-context';
import { SettingsService } from './settings.service';

export type { PresenceChange, StatusUpdate };

/** Client fields a status changes: dynamic groups on them follow presence (both spellings the API uses). */
const PRESENCE_FIELDS = ['status', 'connectedAt', 'disconnectedAt', 'ip', 'ipAddress', 'hostname', 'role'];

/*
 * Staleness, by the agent's clock only (docs/protocol.md 2 and 7.4): every connection has one
 * time `at`, carried by its ONLINE and by its Will. An ONLINE applies when it is a later
 * connection than the stored one; an OFFLINE when it ends the stored connection or a later one.
 * So a retained status delivered again on resubscribe, or a late Will of an older connection,
 * changes nothing. `disconnectedAt` is our receive time, as the protocol asks.
 */
const ONLINE_SQL = `
  insert into client (mqtt_client_id, role, ip, hostname, agent_version, enable, status, connected_at, created_at, updated_at)
  values (?, ?, ?, ?, ?, ?, 'ONLINE', ?, ?, ?)
  on conflict (mqtt_client_id) do update set
    role = excluded.role, ip = excluded.ip, hostname = excluded.hostname, agent_version = excluded.agent_version,
    status = 'ONLINE', connected_at = excluded.connected_at, updated_at = excluded.updated_at
  where client.connected_at is null or client.connected_at < excluded.connected_at
  returning id, (xmax = 0) as created`;

const OFFLINE_SQL = `
  update client set status = 'OFFLINE', disconnected_at = ?, updated_at = ?
  where mqtt_client_id = ? and status = 'ONLINE' and (connected_at is null or connected_at <= ?)
  returning id`;

/**
 * Presence of agents from their retained status messages: registration of unknown clients,
 * ONLINE/OFFLINE with their times, dynamic groups on presence fields, the online-clients chart.
 */
export class PresenceService {
  constructor(private readonly ctx: ServiceContext) {}

  /**
   * Applies status messages in the order given, in one transaction, and returns what changed.
   * A new client is registered on its first ONLINE, enabled only when the client setting
   * `autoEnableNewClient` is true. OFFLINE of an unknown client is ignored.
   */
  async applyStatuses(updates: StatusUpdate[]): Promise<PresenceChange[]> {
    if (!updates.length) return [];
    const now = this.ctx.clock.now();
    const { changes, groups } = await this.ctx.em.transactional(async (em) => {
      const tx: ServiceContext = { ...this.ctx, em };
      const autoEnable = updates.some((u) => u.message.status === 'ONLINE') && (await new SettingsService(tx).get('client')).autoEnableNewClient;
      const changes: PresenceChange[] = [];
      for (const { mqttClientId, message } of updates) {
        const at = new Date(message.at);
        if (message.status === 'ONLINE') {
          const rows = await em.execute<{ id: number; created: boolean }[]>(ONLINE_SQL, [
            mqttClientId,
            message.role,
            message.ip,
            message.hostname,
            message.version,
            autoEnable,
            at,
            now,
            now,
          ]);
          if (rows[0]) changes.push({ clientId: rows[0].id, mqttClientId, status: 'ONLINE', at, created: rows[0].created });
        } else {
          const rows = await em.execute<{ id: number }[]>(OFFLINE_SQL, [now, now, mqttClientId, at]);
          if (rows[0]) changes.push({ clientId: rows[0].id, mqttClientId, status: 'OFFLINE', at: now, created: false });
        }
      }
      let groups: number[] = [];
      if (changes.length) {
        // A new client may match attribute groups through attribute defaults: refresh them all then.
        groups = await refreshDynamicGroups(tx, changes.some((c) => c.created) ? {} : { clientFields: PRESENCE_FIELDS });
      }
      return { changes, groups };
    });
    this.publish(changes, groups);
    return changes;
  }

  /**
   * Marks these clients OFFLINE (those still ONLINE): the gateway found no status of theirs on
   * the broker after (re)subscribing, so they are gone although no Will said so (a broker that
   * restarted without its retained messages while they were down).
   */
  async markGone(mqttClientIds: string[]): Promise<PresenceChange[]> {
    if (!mqttClientIds.length) return [];
    const now = this.ctx.clock.now();
    const { changes, groups } = await this.ctx.em.transactional(async (em) => {
      const rows = await em.execute<{ id: number; mqtt_client_id: string }[]>(
        `update client set status = 'OFFLINE', disconnected_at = ?, updated_at = ?
         where status = 'ONLINE' and mqtt_client_id in (select jsonb_array_elements_text(?::jsonb)) returning id, mqtt_client_id`,
        [now, now, JSON.stringify(mqttClientIds)],
      );
      const changes = rows.map((r): PresenceChange => ({ clientId: r.id, mqttClientId: r.mqtt_client_id, status: 'OFFLINE', at: now, created: false }));
      const groups = changes.length ? await refreshDynamicGroups({ ...this.ctx, em }, { clientFields: PRESENCE_FIELDS }) : [];
      return { changes, groups };
    });
    this.publish(changes, groups);
    return changes;
  }

  /** The MQTT client ids of the clients ONLINE now. */
  async onlineClientIds(): Promise<string[]> {
    return (await this.ctx.em.execute<{ mqtt_client_id: string }[]>(`select mqtt_client_id from client where status = 'ONLINE'`)).map((r) => r.mqtt_client_id);
  }

  private publish(changes: PresenceChange[], groups: number[]): void {
    for (const c of changes) {
      if (c.created) publishChange(this.ctx, 'CLIENT', 'CREATED', c.clientId);
      this.ctx.pubsub?.publish('CLIENT_STATUS', { clientId: c.clientId, mqttClientId: c.mqttClientId, status: c.status, at: c.at.getTime() });
    }
    for (const id of groups) publishChange(this.ctx, 'GROUP', 'UPDATED', id);
  }

  /** Records how many clients are ONLINE now (one point of the online-clients chart); returns the count. */
  async recordOnlineSample(): Promise<number> {
    const [row] = await this.ctx.em.execute<{ count: number }[]>(
      `insert into online_sample ("time", "count") select ?, count(*)::int from client where status = 'ONLINE' returning "count"`,
      [this.ctx.clock.now()],
    );
    return row.count;
  }

  /** How many clients are ONLINE now. */
  async onlineCount(): Promise<number> {
    const [row] = await this.ctx.em.execute<{ n: number }[]>(`select count(*)::int as n from client where status = 'ONLINE'`);
    return row.n;
  }
}
