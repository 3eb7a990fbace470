import { Migration } from '@mikro-orm/migrations';

/**
 * Agents' own broker credentials (docs/protocol.md 9.1): one row per enrolled client id. The
 * secret is kept as an Argon2id hash (the embedded broker and EMQX's hook check it) and as the
 * PBKDF2-SHA512 `$7$` hash Mosquitto's password file takes; the event key (HMAC of the agent's
 * event batches) must be readable by the gateway, so it is kept as is. `updated_at` lets every
 * gateway pick up enrolments and revocations incrementally.
 */
export class AgentCredentials20261220 extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "agent_credential" ("id" serial primary key, "mqtt_client_id" varchar(128) not null, "secret_hash" text not null, "mosquitto_hash" text not null, "event_key" text not null, "enrol_public_key" text null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "revoked_at" timestamptz null, "revoked_by" varchar(255) null);`,
    );
    this.addSql(`alter table "agent_credential" add constraint "agent_credential_mqtt_client_id_unique" unique ("mqtt_client_id");`);
    this.addSql(`create index "agent_credential_updated_at_index" on "agent_credential" ("updated_at");`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "agent_credential" cascade;`);
  }
}
