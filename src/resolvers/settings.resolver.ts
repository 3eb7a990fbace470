import { Arg, Ctx, FieldResolver, Mutation, Query, Resolver } from 'type-graphql';
import type { GraphqlContext } from '../graphql/context';
import { SERVICE_CALL } from '../graphql/cost';
import { Requires } from '../graphql/requires';
import type { SettingsSections } from '../services/settings.service';
import { ClientSettingsInput, GeneralSettingsInput, JobSettingsInput, TaskSettingsInput } from './settings.input';
import { ClientSettings, GeneralSettings, JobSettings, Settings, TaskSettings } from './settings.type';

/** The root value of `settings`: the sections are read when asked for. */
const SETTINGS = {};

@Resolver(() => Settings)
export class SettingsResolver {
  @Requires('read')
  @Query(() => Settings, { description: 'Every settings section: general, job (with the scheduler switch), task and client defaults.' })
  settings(): object {
    return SETTINGS;
  }

  // Each section is a read of its own (src/graphql/cost.ts).
  @FieldResolver(() => GeneralSettings, SERVICE_CALL)
  general(@Ctx() { services }: GraphqlContext): Promise<SettingsSections['general']> {
    return services.settings.get('general');
  }

  @FieldResolver(() => JobSettings, SERVICE_CALL)
  job(@Ctx() { services }: GraphqlContext): Promise<SettingsSections['job']> {
    return services.settings.get('job');
  }

  @FieldResolver(() => TaskSettings, SERVICE_CALL)
  task(@Ctx() { services }: GraphqlContext): Promise<SettingsSections['task']> {
    return services.settings.get('task');
  }

  @FieldResolver(() => ClientSettings, SERVICE_CALL)
  client(@Ctx() { services }: GraphqlContext): Promise<SettingsSections['client']> {
    return services.settings.get('client');
  }

  @Requires('settings.write')
  @Mutation(() => GeneralSettings, { description: 'Merges the given fields into the general settings.' })
  async updateGeneralSettings(@Arg('input') input: GeneralSettingsInput, @Ctx() { services }: GraphqlContext) {
    return (await services.settings.update('general', input)).value;
  }

  @Requires('settings.write')
  @Mutation(() => JobSettings, { description: 'Merges the given fields into the job settings (enable is the scheduler switch).' })
  async updateJobSettings(@Arg('input') input: JobSettingsInput, @Ctx() { services }: GraphqlContext) {
    return (await services.settings.update('job', input)).value;
  }

  @Requires('settings.write')
  @Mutation(() => TaskSettings)
  async updateTaskSettings(@Arg('input') input: TaskSettingsInput, @Ctx() { services }: GraphqlContext) {
    return (await services.settings.update('task', input)).value;
  }

  @Requires('settings.write')
  @Mutation(() => ClientSettings)
  async updateClientSettings(@Arg('input') input: ClientSettingsInput, @Ctx() { services }: GraphqlContext) {
    return (await services.settings.update('client', input)).value;
  }
}
