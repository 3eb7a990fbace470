import { Field, InputType, Int } from 'type-graphql';

@InputType({ description: 'Changes to the general settings; fields left out stay as they are.' })
export class GeneralSettingsInput {
  @Field(() => String, { nullable: true, description: 'An IANA time zone such as "Asia/Shanghai" or "UTC".' })
  managementServerTimeZone?: string | null;

  @Field(() => String, { nullable: true })
  communicationServerTimeZone?: string | null;

  @Field(() => String, { nullable: true })
  region?: string | null;

  @Field(() => Int, { nullable: true, description: 'Minutes, from 1.' })
  adminTimeOut?: number | null;
}

@InputType({ description: 'Changes to the job settings; fields left out stay as they are.' })
export class JobSettingsInput {
  @Field(() => Boolean, { nullable: true })
  enable?: boolean | null;

  @Field(() => Int, { nullable: true })
  maxRetried?: number | null;

  @Field(() => Int, { nullable: true, description: 'Seconds.' })
  retryWait?: number | null;

  @Field(() => Int, { nullable: true })
  maxConcurrentSession?: number | null;
}

@InputType({ description: 'Changes to the task settings; fields left out stay as they are.' })
export class TaskSettingsInput {
  @Field(() => Boolean, { nullable: true })
  enable?: boolean | null;

  @Field(() => Int, { nullable: true })
  priority?: number | null;

  @Field(() => Boolean, { nullable: true })
  disableValidation?: boolean | null;
}

@InputType({ description: 'Changes to the client settings.' })
export class ClientSettingsInput {
  @Field(() => Boolean, { nullable: true })
  autoEnableNewClient?: boolean | null;
}
