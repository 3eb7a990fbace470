import { MAX_STEP_DEPTH, buildDispatch, encodeMessage, parseCommand, commandsTopic } from '../../src/protocol';
import { toDispatchTask } from '../../src/services/execution/dispatch-message';
import { MAX_SCRIPT_STEPS, parseScript as checkScript } from '../../src/services/schemas/step-script.schema';
import { TaskService } from '../../src/services/task.service';
import { captureSql } from '../graphql/support';
import { useServiceHarness } from '../support/services';

const cond = [{ type: 'GET_FILE_STATUS', filePath: '/flag' }];

/** `levels` levels of steps: IFs nested in each other's `true` branch, a DELETE_FILE at the bottom. */
function nestedIfs(levels: number): unknown[] {
  let steps: unknown[] = [{ type: 'DELETE_FILE', filePath: '/leaf' }];
  for (let i = 1; i < levels; i++) steps = [{ type: 'IF', conditions: cond, true: steps }];
  return steps;
}

/** `count` steps in all: root IFs, each with 9 DELETE_FILEs in its true branch. */
function wideScript(count: number): unknown[] {
  const roots: unknown[] = [];
  for (let i = 0; i < count / 10; i++)
    roots.push({ type: 'IF', conditions: cond, true: Array.from({ length: 8 }, (_, j) => ({ type: 'DELETE_FILE', filePath: `/d/${i}/${j}` })) });
  return roots;
}

function errorOf(fn: () => unknown): { code?: string; field?: string; message: string } {
  try {
    fn();
  } catch (err) {
    return err as { code: string; field: string; message: string };
  }
  throw new Error('expected an error');
}

describe('the depth and size of a script', () => {
  const h = useServiceHarness();
  const tasks = () => new TaskService(h.ctx());

  it('saves the deepest script the protocol dispatches, and that script reaches an agent intact', async () => {
    const task = await tasks().create({ name: `deepest` });
    await tasks().saveScript(task.id, nestedIfs(MAX_STEP_DEPTH));
    const script = await tasks().script(task.id);
    const wire = encodeMessage(
      buildDispatch({ reportId: 'r1', tasks: [toDispatchTask({ taskId: task.id, name: 'deepest', disableValidation: false, script })] }),
    );
    const parsed = parseCommand(commandsTopic('agent-1'), wire, 'agent-1');
    expect(parsed.ok).toBe(true);
  });

  it.each([MAX_STEP_DEPTH + 1, 70, 1_200, 6_000])('refuses a script %i levels deep, naming the limit', (levels) => {
    const e = errorOf(() => checkScript(nestedIfs(levels)));
    expect(e).toMatchObject({ code: 'INVALID_INPUT', field: 'script' });
    expect(e.message).toContain(`at most ${MAX_STEP_DEPTH} levels deep`);
    expect(e.message).toContain(`${levels} levels deep`);
  });

  it('refuses a script deeper than the limit even when it is otherwise broken (the depth is checked first)', () => {
    let steps: unknown[] = [{ type: 'NOPE' }];
    for (let i = 0; i < 100_000; i++) steps = [{ true: steps }];
    expect(errorOf(() => checkScript(steps)).field).toBe('script');
  });

  it('refuses more than MAX_SCRIPT_STEPS steps in all', () => {
    const e = errorOf(() => checkScript(wideScript(MAX_SCRIPT_STEPS + 10)));
    expect(e.message).toContain(`at most ${MAX_SCRIPT_STEPS} steps`);
  });

  it('saves with the same number of SQL statements whatever the size and depth of the script', async () => {
    const counts: number[] = [];
    for (const script of [nestedIfs(3), nestedIfs(MAX_STEP_DEPTH), wideScript(100), wideScript(MAX_SCRIPT_STEPS)]) {
      const task = await tasks().create({ name: `size ${counts.length}` });
      const { statements } = await captureSql(() => tasks().saveScript(task.id, script));
      counts.push(statements.length);
    }
    expect(new Set(counts).size).toBe(1);
  });

  it('saves the largest script without holding the event loop for long', async () => {
    const task = await tasks().create({ name: 'largest' });
    const script = wideScript(MAX_SCRIPT_STEPS);
    let longest = 0;
    let last = performance.now();
    const timer = setInterval(() => {
      const now = performance.now();
      longest = Math.max(longest, now - last);
      last = now;
    }, 5);
    try {
      await tasks().saveScript(task.id, script);
      await tasks().saveScript(task.id, script);
    } finally {
      clearInterval(timer);
    }
    expect((await tasks().script(task.id)).length).toBe(MAX_SCRIPT_STEPS / 10);
    // On a quiet machine the check and the JSON of 10,000 rows take a few tens of ms (the SQL runs
    // off the loop); the bound leaves room for a loaded CI machine and still catches the seconds
    // that entity hydration and per-level flushes used to cost.
    expect(longest).toBeLessThan(1_000);
  });
});
