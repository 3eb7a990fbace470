import type { Logger } from '../../runtime/logger';
import type { Clock } from '../../runtime/clock';
import type { EventSender } from '../event-sender';
import type { ReportQueue } from '../report-queue';
import type { ReportRegistry } from '../report-registry';

/** What every command handler may use. */
export interface CommandDeps {
  queue: ReportQueue;
  registry: ReportRegistry;
  sender: EventSender;
  clock: Clock;
  logger: Logger;
}
