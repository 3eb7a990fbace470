import { errors } from '../errors';
import type { ServiceContext } from '../service-context';
import { closeStepResult } from './close';
import { createProgressOutbox, reportKeys } from './progress-events';
import { queryBound } from './sql';

/** One step result of one report, as the gateway's own services name it. */
export interface StepRef {
  /** The report's `reportId` (uuid). */
  reportId: string;
  taskId: number;
  stepId: number;
}

/** What closeStep did. */
export type CloseStepOutcome =
  /** The step result ended with the status and message given. */
  | 'CLOSED'
  /** It was final already (its agent or the gateway ended it first): nothing changed. */
  | 'ALREADY_FINAL'
  /** The report is not RUNNING: a PENDING one has not started (the deadline ends it), a final one has no open child. */
  | 'REPORT_NOT_RUNNING';

/**
 * Transitions the gateway makes on its own, for states that span several reports of one run
 * (transfers: a RECV_FILE whose sender never sent, a delivery that cannot complete). Each call is
 * one transaction that locks the report as ingestion does, so it never interleaves with the
 * agent's events of that report; its progress is published after the commit.
 */
export class ExecutionStateService {
  constructor(private readonly ctx: ServiceContext) {}

  /**
   * Ends one step result of a RUNNING report (FAILED unless told otherwise) with `message` as
   * its last message, unless it is already final. A step the agent has not reported yet is
   * recorded from the script snapshot. Throws NOT_FOUND for an unknown report, INVALID_INPUT for
   * a task or step that is not part of it.
   */
  async closeStep(step: StepRef & { message: string; status?: 'FAILED' | 'SUCCESS' }): Promise<CloseStepOutcome> {
    const now = this.ctx.clock.now();
    const outbox = createProgressOutbox(now);
    const outcome = await this.ctx.em.transactional(async (em) => {
      const [report] = await queryBound<{ id: number; status: string }[]>(em, 'select id, status from report where report_id = ? for update', [step.reportId]);
      if (!report) throw errors.notFound('report', step.reportId);
      if (report.status !== 'RUNNING') return 'REPORT_NOT_RUNNING' as const;
      const key = (await reportKeys(em, [report.id])).get(report.id)!;
      const before = outbox.size();
      const known = await closeStepResult(
        em,
        { reportRowId: report.id, taskId: step.taskId, stepId: step.stepId, status: step.status ?? 'FAILED', message: step.message, at: now },
        key,
        outbox,
      );
      if (!known) throw errors.invalid('stepId', `a step of task ${step.taskId} in report ${step.reportId}`, step.stepId);
      return outbox.size() > before ? ('CLOSED' as const) : ('ALREADY_FINAL' as const);
    });
    outbox.publish(this.ctx.pubsub);
    return outcome;
  }
}
