import { Entity, ManyToOne, Opt, PrimaryKey, Property, t, Unique } from '@mikro-orm/core';
import { Client } from './client.entity';
import { Group } from './group.entity';
import { Job } from './job.entity';
import { Task } from './task.entity';

/** A task's place in a job; `position` orders the job's tasks. */
@Entity({ tableName: 'job_task' })
@Unique({ properties: ['job', 'task'] })
export class JobTask {
  @PrimaryKey({ type: t.integer })
  id!: number;

  @ManyToOne(() => Job, { deleteRule: 'cascade' })
  job!: Job;

  @ManyToOne(() => Task, { deleteRule: 'cascade', index: true })
  task!: Task;

  @Property({ type: t.integer })
  position: number & Opt = 0;
}

/** A group a job is aimed at. */
@Entity({ tableName: 'job_group' })
@Unique({ properties: ['job', 'group'] })
export class JobGroup {
  @PrimaryKey({ type: t.integer })
  id!: number;

  @ManyToOne(() => Job, { deleteRule: 'cascade' })
  job!: Job;

  @ManyToOne(() => Group, { deleteRule: 'cascade', index: true })
  group!: Group;
}

/** A client a job is aimed at directly. */
@Entity({ tableName: 'job_client' })
@Unique({ properties: ['job', 'client'] })
export class JobClient {
  @PrimaryKey({ type: t.integer })
  id!: number;

  @ManyToOne(() => Job, { deleteRule: 'cascade' })
  job!: Job;

  @ManyToOne(() => Client, { deleteRule: 'cascade', index: true })
  client!: Client;
}
