import { Migration } from '@mikro-orm/migrations';

/**
 * Enrolment tokens an admin creates and revokes, beside SDES_ENROLMENT_TOKEN (docs/protocol.md
 * 9.1). The token is kept as is: the gateway checks an enrolment request's HMAC proof with it.
 */
export class EnrolmentTokens20261220 extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "enrolment_token" ("id" serial primary key, "name" varchar(100) not null, "token" text not null, "created_by" varchar(255) not null, "created_at" timestamptz not null, "revoked_at" timestamptz null);`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "enrolment_token" cascade;`);
  }
}
