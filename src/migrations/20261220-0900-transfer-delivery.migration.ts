import { Migration } from '@mikro-orm/migrations';

/**
 * `transfer_delivery`: one row per store a BROADCAST file goes to (docs/protocol.md §12). In the
 * database, not a gateway's memory, so a store that connects later (within the run's duration),
 * to any gateway of the installation, still gets its offer, and the sender's step can count results.
 */
export class TransferDelivery20261220 extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "transfer_delivery" ("id" varchar(64) primary key, "file_id" int not null, "run_id" int not null, "sender_report_id" varchar(255) not null, "task_id" int not null, "step_id" int not null, "client_id" int not null, "mqtt_client_id" varchar(255) not null, "status" text check ("status" in ('PENDING', 'OFFERED', 'DONE', 'FAILED')) not null default 'PENDING', "message" text null, "target" jsonb not null, "deadline_at" timestamptz not null, "created_at" timestamptz not null, "updated_at" timestamptz not null);`,
    );
    this.addSql(`create index "transfer_delivery_file_id_index" on "transfer_delivery" ("file_id");`);
    this.addSql(`create index "transfer_delivery_client_status_index" on "transfer_delivery" ("client_id", "status");`);
    this.addSql(`alter table "transfer_delivery" add constraint "transfer_delivery_file_client_unique" unique ("file_id", "client_id");`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "transfer_delivery";`);
  }
}
