import { Field, Int, ObjectType } from 'type-graphql';

@ObjectType({ description: 'General settings.' })
export class GeneralSettings {
  @Field({ description: 'IANA time zone the schedules (cron expressions) are read in.' })
  managementServerTimeZone!: string;

  @Field({ description: 'IANA time zone of the communication server.' })
  communicationServerTimeZone!: string;

  @Field()
  region!: string;

  @Field(() => Int, { description: "Minutes of inactivity before an operator's session expires." })
  adminTimeOut!: number;
}

@ObjectType({ description: 'Job defaults and the scheduler switch.' })
export class JobSettings {
  @Field({ description: 'The scheduler switch: false stops scheduled runs (manual runs still work).' })
  enable!: boolean;

  @Field(() => Int, { description: 'Default retries of a failed client execution.' })
  maxRetried!: number;

  @Field(() => Int, { description: 'Default seconds between retries.' })
  retryWait!: number;

  @Field(() => Int, { description: 'How many client executions (transfer sessions) may run at once; agents over the bound are told to wait.' })
  maxConcurrentSession!: number;
}

@ObjectType({ description: 'Task defaults.' })
export class TaskSettings {
  @Field()
  enable!: boolean;

  @Field(() => Int)
  priority!: number;

  @Field()
  disableValidation!: boolean;
}

@ObjectType({ description: 'Client defaults.' })
export class ClientSettings {
  @Field({ description: 'Whether an agent that connects for the first time starts enabled.' })
  autoEnableNewClient!: boolean;
}

@ObjectType({ description: 'Every settings section (each read on demand, defaults filled in on first read).' })
export class Settings {
  // The sections are resolved by SettingsResolver.
}
