import { Migration } from '@mikro-orm/migrations';

/**
 * Operators' accounts, their sessions, API keys, the audit log, and the table the login limits
 * count failures in (rate-limiter-flexible's RateLimiterPostgres layout, created here rather than
 * by the library so that every table comes from a migration).
 */
export class OperatorAccounts20261201 extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "operator_user" ("id" serial primary key, "username" varchar(255) not null, "password_hash" text not null, "role" varchar(255) not null check ("role" in ('admin', 'operator', 'viewer')), "banned" boolean not null default false, "initial_password_file" text null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "password_changed_at" timestamptz null, "last_login_at" timestamptz null);`,
    );
    this.addSql(`create unique index "operator_user_username_lower_unique" on "operator_user" (lower("username"));`);
    this.addSql(
      `create table "operator_session" ("id" serial primary key, "token_hash" varchar(255) not null, "user_id" int not null, "created_at" timestamptz not null, "last_seen_at" timestamptz not null, "ended_at" timestamptz null, "end_reason" varchar(255) null, "address" varchar(255) null);`,
    );
    this.addSql(`alter table "operator_session" add constraint "operator_session_token_hash_unique" unique ("token_hash");`);
    this.addSql(`create index "operator_session_user_id_index" on "operator_session" ("user_id");`);
    this.addSql(`create index "operator_session_ended_at_index" on "operator_session" ("ended_at");`);
    this.addSql(
      `alter table "operator_session" add constraint "operator_session_user_id_foreign" foreign key ("user_id") references "operator_user" ("id") on update cascade on delete cascade;`,
    );
    this.addSql(
      `create table "api_key" ("id" serial primary key, "key_id" varchar(255) not null, "secret_hash" varchar(255) not null, "name" varchar(255) not null, "role" varchar(255) not null check ("role" in ('admin', 'operator', 'viewer')), "created_by" varchar(255) not null, "created_at" timestamptz not null, "last_used_at" timestamptz null, "revoked_at" timestamptz null);`,
    );
    this.addSql(`alter table "api_key" add constraint "api_key_key_id_unique" unique ("key_id");`);
    this.addSql(
      `create table "audit_entry" ("id" bigserial primary key, "at" timestamptz not null, "actor_kind" varchar(255) not null, "actor" varchar(255) not null, "role" varchar(255) null, "address" varchar(255) null, "door" varchar(255) not null, "action" varchar(255) not null, "outcome" varchar(255) not null, "error_code" varchar(255) null, "detail" jsonb null);`,
    );
    this.addSql(`create index "audit_entry_at_index" on "audit_entry" ("at");`);
    this.addSql(`create index "audit_entry_actor_index" on "audit_entry" ("actor");`);
    this.addSql(`create index "audit_entry_action_index" on "audit_entry" ("action");`);
    this.addSql(`create table "login_limit" ("key" varchar(255) primary key, "points" integer not null default 0, "expire" bigint);`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "login_limit" cascade;`);
    this.addSql(`drop table if exists "audit_entry" cascade;`);
    this.addSql(`drop table if exists "api_key" cascade;`);
    this.addSql(`drop table if exists "operator_session" cascade;`);
    this.addSql(`drop table if exists "operator_user" cascade;`);
  }
}
