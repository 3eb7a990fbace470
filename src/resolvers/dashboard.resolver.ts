import { Arg, Ctx, Extensions, FieldResolver, Int, Query, Resolver } from 'type-graphql';
import { SERVICE_CALL } from '../graphql/cost';
import { MAX_CHART_POINTS } from '../services/dashboard.service';
import type { GraphqlContext } from '../graphql/context';
import { Requires } from '../graphql/requires';
import { Dashboard, DashboardInfo, DashboardLogsCount, DashboardReports, OnlineClientsPoint, ScheduledJobEntry } from './dashboard.type';

const DASHBOARD = {};

/** Each figure is a service call of its own (aggregates, not batched): costed like a root field (src/graphql/cost.ts). */
const FIGURE = SERVICE_CALL;

@Resolver(() => Dashboard)
export class DashboardResolver {
  @Requires('read')
  @Query(() => Dashboard, { description: 'Dashboard figures: totals, basic info, the online-clients chart and the job calendar.' })
  dashboard(): object {
    return DASHBOARD;
  }

  @FieldResolver(() => DashboardReports, FIGURE)
  reports(@Arg('startedAfter', () => Date, { nullable: true }) startedAfter: Date | null, @Ctx() { services }: GraphqlContext) {
    return services.dashboard.reports({ startAt: startedAfter?.getTime() });
  }

  @FieldResolver(() => DashboardInfo, FIGURE)
  info(@Ctx() { services }: GraphqlContext) {
    return services.dashboard.basicInfo();
  }

  @FieldResolver(() => DashboardLogsCount, FIGURE)
  logsCount(@Arg('startedAfter', () => Date, { nullable: true }) startedAfter: Date | null, @Ctx() { services }: GraphqlContext) {
    return services.dashboard.logsCount({ startAt: startedAfter?.getTime() });
  }

  @FieldResolver(() => [OnlineClientsPoint], { ...FIGURE, description: 'Online clients per interval (default: the last 24 hours, hourly).' })
  @Extensions({ maxItems: MAX_CHART_POINTS })
  onlineClients(
    @Arg('from', () => Date, { nullable: true }) from: Date | null,
    @Arg('to', () => Date, { nullable: true }) to: Date | null,
    @Arg('intervalSeconds', () => Int, { nullable: true }) intervalSeconds: number | null,
    @Ctx() { services }: GraphqlContext,
  ) {
    return services.dashboard.onlineClients({
      startTime: from?.getTime(),
      endTime: to?.getTime(),
      interval: intervalSeconds == null ? undefined : intervalSeconds * 1000,
    });
  }

  @FieldResolver(() => [ScheduledJobEntry], { ...FIGURE, description: 'The job calendar between from and to: past runs and upcoming fires.' })
  scheduledJobs(@Arg('from', () => Date) from: Date, @Arg('to', () => Date) to: Date, @Ctx() { services }: GraphqlContext) {
    return services.dashboard.scheduledJobs({ start: from.getTime(), end: to.getTime() });
  }
}
