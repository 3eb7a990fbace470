import { Arg, Ctx, Extensions, FieldResolver, Int, Query, Resolver } from 'type-graphql';
import { SERVICE_CALL } from '../graphql/cost';
import { DashboardService, MAX_CHART_POINTS } from '../services/dashboard.service';
import type { GraphqlContext } from '../graphql/context';
import { Requires } from '../graphql/requires';
import { Dashboard, DashboardInfo, DashboardLogsCount, DashboardReports, OnlineClientsPoint, ScheduledJobEntry } from './dashboard.type';

const DASHBOARD = {};

/** Each figure is a service call of its own (aggregates, not batched): costed like a root field (src/graphql/cost.ts). */
const FIGURE = SERVICE_CALL;

/** The chart's arguments as the service takes them. */
const chartRange = ({ from, to, intervalSeconds }: { from?: Date | null; to?: Date | null; intervalSeconds?: number | null }) => ({
  startTime: from?.getTime(),
  endTime: to?.getTime(),
  interval: intervalSeconds == null ? undefined : intervalSeconds * 1000,
});

/** A date argument as the cost estimate sees it: coerced from a literal, raw (ISO text) from a variable. */
const dateArgument = (value: unknown): Date | null => (value == null ? null : value instanceof Date ? value : new Date(String(value)));

/** The cost estimate counts the points these arguments ask for, not the most a chart may have. */
const chartPointsOf = ({ from, to, intervalSeconds }: Record<string, unknown>) =>
  DashboardService.chartPoints(
    chartRange({ from: dateArgument(from), to: dateArgument(to), intervalSeconds: typeof intervalSeconds === 'number' ? intervalSeconds : null }),
    Date.now(),
  );

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
  @Extensions({ maxItems: MAX_CHART_POINTS, itemsOf: chartPointsOf })
  onlineClients(
    @Arg('from', () => Date, { nullable: true }) from: Date | null,
    @Arg('to', () => Date, { nullable: true }) to: Date | null,
    @Arg('intervalSeconds', () => Int, { nullable: true }) intervalSeconds: number | null,
    @Ctx() { services }: GraphqlContext,
  ) {
    return services.dashboard.onlineClients(chartRange({ from, to, intervalSeconds }));
  }

  @FieldResolver(() => [ScheduledJobEntry], { ...FIGURE, description: 'The job calendar between from and to: past runs and upcoming fires.' })
  scheduledJobs(@Arg('from', () => Date) from: Date, @Arg('to', () => Date) to: Date, @Ctx() { services }: GraphqlContext) {
    return services.dashboard.scheduledJobs({ start: from.getTime(), end: to.getTime() });
  }
}
