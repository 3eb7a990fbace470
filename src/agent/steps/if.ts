import { sortSteps } from '../../protocol';
import { failed, succeeded, type StepExecutor } from './step-executor';

/**
 * IF: every condition must hold (evaluated in order, stopping at the first that does not;
 * no conditions = true), then the `true` or the `false` branch runs. The IF fails when a
 * blocking step of the branch fails; the IF itself is never retried, its branch steps are.
 */
export const ifStep: StepExecutor = async (step, { evaluate, runBranch, message, clock }) => {
  let holds = true;
  for (const [index, condition] of sortSteps(step.conditions).entries()) {
    const start = clock.now().getTime();
    holds = await evaluate(condition);
    const subject = condition.filePath ? ` ${condition.filePath}` : '';
    message(`condition ${index + 1} ${condition.type}${subject}: ${holds}`, start);
    if (!holds) break;
  }
  const branch = holds ? 'true' : 'false';
  const steps = (holds ? step.true : step.false) ?? [];
  message(`running the ${branch} branch (${steps.length} step${steps.length === 1 ? '' : 's'})`);
  const ok = await runBranch(steps);
  return ok ? succeeded(`the ${branch} branch completed`) : failed(`a blocking step of the ${branch} branch failed`, false);
};
