import { IsInt, IsOptional, Length, Max, MaxLength, Min } from 'class-validator';
import { Field, InputType, Int } from 'type-graphql';

@InputType({ description: 'Changes to the general settings; fields left out stay as they are.' })
export class GeneralSettingsInput {
  @Field(() => String, { nullable: true, description: 'An IANA time zone such as "Asia/Shanghai" or "UTC".' })
  @IsOptional()
  @Length(1, 64)
  managementServerTimeZone?: string | null;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @Length(1, 64)
  communicationServerTimeZone?: string | null;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @MaxLength(255)
  region?: string | null;

  @Field(() => Int, { nullable: true, description: 'Minutes, from 1.' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(525600)
  adminTimeOut?: number | null;
}

@InputType({ description: 'Changes to the job settings; fields left out stay as they are.' })
export class JobSettingsInput {
  @Field(() => Boolean, { nullable: true })
  enable?: boolean | null;

  @Field(() => Int, { nullable: true })
  @IsOptional()
  @IsInt()
  @Min(0)
  maxRetried?: number | null;

  @Field(() => Int, { nullable: true, description: 'Seconds.' })
  @IsOptional()
  @IsInt()
  @Min(0)
  retryWait?: number | null;

  @Field(() => Int, { nullable: true })
  @IsOptional()
  @IsInt()
  @Min(1)
  maxConcurrentSession?: number | null;
}

@InputType({ description: 'Changes to the task settings; fields left out stay as they are.' })
export class TaskSettingsInput {
  @Field(() => Boolean, { nullable: true })
  enable?: boolean | null;

  @Field(() => Int, { nullable: true })
  @IsOptional()
  @IsInt()
  priority?: number | null;

  @Field(() => Boolean, { nullable: true })
  disableValidation?: boolean | null;
}

@InputType({ description: 'Changes to the client settings.' })
export class ClientSettingsInput {
  @Field(() => Boolean, { nullable: true })
  autoEnableNewClient?: boolean | null;
}
