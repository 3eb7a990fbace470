import { Migration } from '@mikro-orm/migrations';

/**
 * The file store (src/files): stored files get a kind, a status (bytes arrive in chunks, so a row
 * exists before its file is whole), the transfer session writing them, the sender's MQTT client
 * id (kept when the client is deleted), and the times retention reads. Rows written before this
 * migration were whole files: they become COMPLETE uploads.
 */
export class FileStore20261210 extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `alter table "stored_file" add column "mqtt_client_id" varchar(255) null, add column "session_id" varchar(255) null, add column "kind" text check ("kind" in ('upload', 'transfer', 'fetch')) not null default 'upload', add column "status" text check ("status" in ('PARTIAL', 'COMPLETE', 'FAILED')) not null default 'COMPLETE', add column "message" text null, add column "updated_at" timestamptz null, add column "completed_at" timestamptz null, add column "keep_until" timestamptz null;`,
    );
    this.addSql(`update "stored_file" set "updated_at" = "created_at", "completed_at" = "created_at";`);
    this.addSql(`update "stored_file" f set "mqtt_client_id" = c."mqtt_client_id" from "client" c where c."id" = f."client_id";`);
    this.addSql(`alter table "stored_file" alter column "updated_at" set not null, alter column "status" set default 'PARTIAL';`);
    this.addSql(`alter table "stored_file" add constraint "stored_file_storage_path_unique" unique ("storage_path");`);
    this.addSql(`create index "stored_file_mqtt_client_id_index" on "stored_file" ("mqtt_client_id");`);
    this.addSql(`create index "stored_file_report_id_index" on "stored_file" ("report_id");`);
    this.addSql(`create index "stored_file_session_id_index" on "stored_file" ("session_id");`);
    this.addSql(`create index "stored_file_created_at_index" on "stored_file" ("created_at");`);
    this.addSql(`create index "stored_file_status_completed_at_index" on "stored_file" ("status", "completed_at");`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop index if exists "stored_file_status_completed_at_index";`);
    this.addSql(`drop index if exists "stored_file_created_at_index";`);
    this.addSql(`drop index if exists "stored_file_session_id_index";`);
    this.addSql(`drop index if exists "stored_file_report_id_index";`);
    this.addSql(`drop index if exists "stored_file_mqtt_client_id_index";`);
    this.addSql(`alter table "stored_file" drop constraint if exists "stored_file_storage_path_unique";`);
    this.addSql(
      `alter table "stored_file" drop column "keep_until", drop column "completed_at", drop column "updated_at", drop column "message", drop column "status", drop column "kind", drop column "session_id", drop column "mqtt_client_id";`,
    );
  }
}
