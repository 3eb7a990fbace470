import { Migration } from '@mikro-orm/migrations';

/** The whole domain: clients, attributes, groups, tasks and their scripts, jobs and their
 * bindings, execution records on four levels, settings, online samples, stored files. */
export class InitialSchema20261129 extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "attribute" ("id" serial primary key, "name" varchar(255) not null, "type" smallint not null default 0, "default_value" text null, "display" boolean not null default true, "read_only" boolean not null default false, "created_at" timestamptz not null);`,
    );
    this.addSql(`alter table "attribute" add constraint "attribute_name_unique" unique ("name");`);
    this.addSql(
      `create table "client" ("id" serial primary key, "mqtt_client_id" varchar(255) not null, "username" varchar(255) null, "ip" varchar(255) null, "hostname" varchar(255) null, "agent_version" varchar(255) null, "role" text check ("role" in ('SERVER', 'STORE')) not null default 'STORE', "enable" boolean not null default false, "status" text check ("status" in ('ONLINE', 'OFFLINE')) not null default 'OFFLINE', "connected_at" timestamptz null, "disconnected_at" timestamptz null, "created_at" timestamptz not null, "updated_at" timestamptz not null);`,
    );
    this.addSql(`alter table "client" add constraint "client_mqtt_client_id_unique" unique ("mqtt_client_id");`);
    this.addSql(`create index "client_username_index" on "client" ("username");`);
    this.addSql(`create index "client_enable_index" on "client" ("enable");`);
    this.addSql(`create index "client_status_index" on "client" ("status");`);
    this.addSql(`create index "client_connected_at_index" on "client" ("connected_at");`);
    this.addSql(`create index "client_disconnected_at_index" on "client" ("disconnected_at");`);
    this.addSql(`create index "client_created_at_index" on "client" ("created_at");`);
    this.addSql(`create table "client_attribute_value" ("id" serial primary key, "client_id" int not null, "attribute_id" int not null, "value" text null);`);
    this.addSql(`create index "client_attribute_value_attribute_id_index" on "client_attribute_value" ("attribute_id");`);
    this.addSql(
      `alter table "client_attribute_value" add constraint "client_attribute_value_client_id_attribute_id_unique" unique ("client_id", "attribute_id");`,
    );
    this.addSql(
      `create table "client_group" ("id" serial primary key, "name" varchar(255) not null, "description" text null, "type" smallint not null default 0, "enabled" boolean not null default true, "query_property" varchar(255) null, "query_operation" varchar(255) null, "query_value" text null, "created_at" timestamptz not null, "last_edited_at" timestamptz not null, "assignments_changed_at" timestamptz null, "membership_changed_at" timestamptz null, "last_refreshed_at" timestamptz null);`,
    );
    this.addSql(`create index "client_group_name_index" on "client_group" ("name");`);
    this.addSql(
      `create table "group_client" ("group_id" int not null, "client_id" int not null, constraint "group_client_pkey" primary key ("group_id", "client_id"));`,
    );
    this.addSql(
      `create table "job" ("id" serial primary key, "name" varchar(255) not null, "description" text null, "enabled" boolean not null default true, "priority" int not null default 0, "cycle_type" smallint not null default 0, "execution_time" varchar(255) null, "max_retries" int not null default 0, "retry_wait" int not null default 0, "duration" int not null default 3600, "created_at" timestamptz not null, "last_edited_at" timestamptz not null, "last_run_at" timestamptz null, "assignments_changed_at" timestamptz null, "next_run_at" timestamptz null);`,
    );
    this.addSql(`create index "job_name_index" on "job" ("name");`);
    this.addSql(`create index "job_enabled_index" on "job" ("enabled");`);
    this.addSql(`create index "job_created_at_index" on "job" ("created_at");`);
    this.addSql(`create index "job_last_edited_at_index" on "job" ("last_edited_at");`);
    this.addSql(`create index "job_last_run_at_index" on "job" ("last_run_at");`);
    this.addSql(`create index "job_assignments_changed_at_index" on "job" ("assignments_changed_at");`);
    this.addSql(`create index "job_next_run_at_index" on "job" ("next_run_at");`);
    this.addSql(`create table "job_client" ("id" serial primary key, "job_id" int not null, "client_id" int not null);`);
    this.addSql(`create index "job_client_client_id_index" on "job_client" ("client_id");`);
    this.addSql(`alter table "job_client" add constraint "job_client_job_id_client_id_unique" unique ("job_id", "client_id");`);
    this.addSql(`create table "job_group" ("id" serial primary key, "job_id" int not null, "group_id" int not null);`);
    this.addSql(`create index "job_group_group_id_index" on "job_group" ("group_id");`);
    this.addSql(`alter table "job_group" add constraint "job_group_job_id_group_id_unique" unique ("job_id", "group_id");`);
    this.addSql(
      `create table "job_run" ("id" serial primary key, "job_id" int not null, "job_name" varchar(255) not null, "job_description" text null, "trigger" text check ("trigger" in ('MANUAL', 'SCHEDULE')) not null default 'MANUAL', "status" text check ("status" in ('PENDING', 'RUNNING', 'SUCCESS', 'FAILED', 'NOT_EXECUTE')) not null default 'RUNNING', "priority" int not null default 0, "max_retries" int not null default 0, "retry_wait" int not null default 0, "scheduled_at" timestamptz not null, "started_at" timestamptz not null, "deadline_at" timestamptz not null, "ended_at" timestamptz null);`,
    );
    this.addSql(`create index "job_run_job_id_index" on "job_run" ("job_id");`);
    this.addSql(`create index "job_run_status_index" on "job_run" ("status");`);
    this.addSql(`create index "job_run_started_at_index" on "job_run" ("started_at");`);
    this.addSql(`create index "job_run_deadline_at_index" on "job_run" ("deadline_at");`);
    this.addSql(`create index "job_run_job_id_started_at_index" on "job_run" ("job_id", "started_at");`);
    this.addSql(`create table "online_sample" ("id" serial primary key, "time" timestamptz not null, "count" int not null);`);
    this.addSql(`create index "online_sample_time_index" on "online_sample" ("time");`);
    this.addSql(
      `create table "report" ("id" serial primary key, "report_id" varchar(255) not null, "run_id" int not null, "client_id" int not null, "status" text check ("status" in ('PENDING', 'RUNNING', 'SUCCESS', 'FAILED', 'NOT_EXECUTE')) not null default 'PENDING', "attempt" int not null default 0, "created_at" timestamptz not null, "dispatched_at" timestamptz null, "started_at" timestamptz null, "ended_at" timestamptz null, "retry_at" timestamptz null, "message" text null);`,
    );
    this.addSql(`alter table "report" add constraint "report_report_id_unique" unique ("report_id");`);
    this.addSql(`create index "report_status_index" on "report" ("status");`);
    this.addSql(`create index "report_retry_at_index" on "report" ("retry_at");`);
    this.addSql(`create index "report_client_id_started_at_index" on "report" ("client_id", "started_at");`);
    this.addSql(`alter table "report" add constraint "report_run_id_client_id_unique" unique ("run_id", "client_id");`);
    this.addSql(`create table "setting" ("id" serial primary key, "key" varchar(255) not null, "value" jsonb not null, "updated_at" timestamptz not null);`);
    this.addSql(`alter table "setting" add constraint "setting_key_unique" unique ("key");`);
    this.addSql(
      `create table "stored_file" ("id" serial primary key, "client_id" int null, "report_id" varchar(255) null, "name" text not null, "storage_path" text not null, "size" bigint not null, "sha256" varchar(255) not null, "created_at" timestamptz not null);`,
    );
    this.addSql(`create index "stored_file_client_id_index" on "stored_file" ("client_id");`);
    this.addSql(
      `create table "task" ("id" serial primary key, "name" varchar(255) not null, "description" text null, "priority" int not null default 0, "enabled" boolean not null default true, "disable_validation" boolean not null default false, "created_at" timestamptz not null, "last_edited_at" timestamptz not null, "last_run_at" timestamptz null, "assignments_changed_at" timestamptz null);`,
    );
    this.addSql(`create index "task_name_index" on "task" ("name");`);
    this.addSql(`create index "task_enabled_index" on "task" ("enabled");`);
    this.addSql(`create index "task_created_at_index" on "task" ("created_at");`);
    this.addSql(`create index "task_last_edited_at_index" on "task" ("last_edited_at");`);
    this.addSql(`create index "task_last_run_at_index" on "task" ("last_run_at");`);
    this.addSql(`create index "task_assignments_changed_at_index" on "task" ("assignments_changed_at");`);
    this.addSql(
      `create table "step" ("id" serial primary key, "task_id" int not null, "parent_id" int null, "branch" varchar(255) null, "order" int not null default 0, "type" varchar(255) not null, "block" boolean not null default true, "retry_times" int null, "retry_interval" int null, "max_retry_time" int null, "file_path" text null, "target_file_path" text null, "create_file_path" boolean null, "ignore_hidden_file" boolean null, "over_write" varchar(255) null, "interval" int null, "time_out" int null, "duration" int null, "compress_file" boolean null, "groups" jsonb null, "transfer_option" jsonb null, "recv_file_script_id" int null);`,
    );
    this.addSql(`create index "step_task_id_parent_id_branch_order_index" on "step" ("task_id", "parent_id", "branch", "order");`);
    this.addSql(`create table "job_task" ("id" serial primary key, "job_id" int not null, "task_id" int not null, "position" int not null default 0);`);
    this.addSql(`create index "job_task_task_id_index" on "job_task" ("task_id");`);
    this.addSql(`alter table "job_task" add constraint "job_task_job_id_task_id_unique" unique ("job_id", "task_id");`);
    this.addSql(
      `create table "task_result" ("id" serial primary key, "report_id" int not null, "task_id" int not null, "task_name" varchar(255) not null, "task_description" text null, "order" int not null default 0, "priority" int not null default 0, "disable_validation" boolean not null default false, "script" jsonb null, "status" text check ("status" in ('PENDING', 'RUNNING', 'SUCCESS', 'FAILED', 'NOT_EXECUTE')) not null default 'PENDING', "started_at" timestamptz null, "ended_at" timestamptz null);`,
    );
    this.addSql(`create index "task_result_task_id_index" on "task_result" ("task_id");`);
    this.addSql(`create index "task_result_started_at_index" on "task_result" ("started_at");`);
    this.addSql(`alter table "task_result" add constraint "task_result_report_id_task_id_unique" unique ("report_id", "task_id");`);
    this.addSql(
      `create table "step_result" ("id" serial primary key, "task_result_id" int not null, "step_id" int not null, "parent_step_id" int null, "type" varchar(255) not null, "order" int not null default 0, "step" jsonb not null, "status" text check ("status" in ('PENDING', 'RUNNING', 'SUCCESS', 'FAILED', 'NOT_EXECUTE')) not null default 'RUNNING', "started_at" timestamptz null, "ended_at" timestamptz null);`,
    );
    this.addSql(`alter table "step_result" add constraint "step_result_task_result_id_step_id_unique" unique ("task_result_id", "step_id");`);
    this.addSql(
      `create table "step_message" ("id" serial primary key, "step_result_id" int not null, "seq" int not null, "start_time" timestamptz not null, "end_time" timestamptz not null, "message" text not null);`,
    );
    this.addSql(`alter table "step_message" add constraint "step_message_step_result_id_seq_unique" unique ("step_result_id", "seq");`);
    this.addSql(
      `alter table "client_attribute_value" add constraint "client_attribute_value_client_id_foreign" foreign key ("client_id") references "client" ("id") on update cascade on delete cascade;`,
    );
    this.addSql(
      `alter table "client_attribute_value" add constraint "client_attribute_value_attribute_id_foreign" foreign key ("attribute_id") references "attribute" ("id") on update cascade on delete cascade;`,
    );
    this.addSql(
      `alter table "group_client" add constraint "group_client_group_id_foreign" foreign key ("group_id") references "client_group" ("id") on update cascade on delete cascade;`,
    );
    this.addSql(
      `alter table "group_client" add constraint "group_client_client_id_foreign" foreign key ("client_id") references "client" ("id") on update cascade on delete cascade;`,
    );
    this.addSql(
      `alter table "job_client" add constraint "job_client_job_id_foreign" foreign key ("job_id") references "job" ("id") on update cascade on delete cascade;`,
    );
    this.addSql(
      `alter table "job_client" add constraint "job_client_client_id_foreign" foreign key ("client_id") references "client" ("id") on update cascade on delete cascade;`,
    );
    this.addSql(
      `alter table "job_group" add constraint "job_group_job_id_foreign" foreign key ("job_id") references "job" ("id") on update cascade on delete cascade;`,
    );
    this.addSql(
      `alter table "job_group" add constraint "job_group_group_id_foreign" foreign key ("group_id") references "client_group" ("id") on update cascade on delete cascade;`,
    );
    this.addSql(
      `alter table "report" add constraint "report_run_id_foreign" foreign key ("run_id") references "job_run" ("id") on update cascade on delete cascade;`,
    );
    this.addSql(
      `alter table "report" add constraint "report_client_id_foreign" foreign key ("client_id") references "client" ("id") on update cascade on delete cascade;`,
    );
    this.addSql(
      `alter table "stored_file" add constraint "stored_file_client_id_foreign" foreign key ("client_id") references "client" ("id") on update cascade on delete set null;`,
    );
    this.addSql(
      `alter table "step" add constraint "step_task_id_foreign" foreign key ("task_id") references "task" ("id") on update cascade on delete cascade;`,
    );
    this.addSql(
      `alter table "step" add constraint "step_parent_id_foreign" foreign key ("parent_id") references "step" ("id") on update cascade on delete cascade;`,
    );
    this.addSql(
      `alter table "job_task" add constraint "job_task_job_id_foreign" foreign key ("job_id") references "job" ("id") on update cascade on delete cascade;`,
    );
    this.addSql(
      `alter table "job_task" add constraint "job_task_task_id_foreign" foreign key ("task_id") references "task" ("id") on update cascade on delete cascade;`,
    );
    this.addSql(
      `alter table "task_result" add constraint "task_result_report_id_foreign" foreign key ("report_id") references "report" ("id") on update cascade on delete cascade;`,
    );
    this.addSql(
      `alter table "step_result" add constraint "step_result_task_result_id_foreign" foreign key ("task_result_id") references "task_result" ("id") on update cascade on delete cascade;`,
    );
    this.addSql(
      `alter table "step_message" add constraint "step_message_step_result_id_foreign" foreign key ("step_result_id") references "step_result" ("id") on update cascade on delete cascade;`,
    );
    this.addSql(`create index "group_client_client_id_index" on "group_client" ("client_id");`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "step_message" cascade;`);
    this.addSql(`drop table if exists "step_result" cascade;`);
    this.addSql(`drop table if exists "task_result" cascade;`);
    this.addSql(`drop table if exists "report" cascade;`);
    this.addSql(`drop table if exists "job_run" cascade;`);
    this.addSql(`drop table if exists "job_task" cascade;`);
    this.addSql(`drop table if exists "job_group" cascade;`);
    this.addSql(`drop table if exists "job_client" cascade;`);
    this.addSql(`drop table if exists "step" cascade;`);
    this.addSql(`drop table if exists "group_client" cascade;`);
    this.addSql(`drop table if exists "client_attribute_value" cascade;`);
    this.addSql(`drop table if exists "stored_file" cascade;`);
    this.addSql(`drop table if exists "online_sample" cascade;`);
    this.addSql(`drop table if exists "setting" cascade;`);
    this.addSql(`drop table if exists "job" cascade;`);
    this.addSql(`drop table if exists "task" cascade;`);
    this.addSql(`drop table if exists "client_group" cascade;`);
    this.addSql(`drop table if exists "attribute" cascade;`);
    this.addSql(`drop table if exists "client" cascade;`);
  }
}
