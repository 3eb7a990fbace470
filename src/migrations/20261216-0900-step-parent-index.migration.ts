import { Migration } from '@mikro-orm/migrations';

/**
 * An index on `step.parent_id`: the cascade from a deleted step to its children looks them up by
 * parent, and without it every deleted step scanned the table, so replacing a script of n steps
 * cost n scans (quadratic: 10,000 steps took seconds).
 */
export class StepParentIndex20261216 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create index if not exists "step_parent_id_index" on "step" ("parent_id");`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop index if exists "step_parent_id_index";`);
  }
}
