import { Group, Step, Task } from '../../src/entities';
import { parseScript as checkScript } from '../../src/services/schemas/step-script.schema';
import { TaskService } from '../../src/services/task.service';
import { useServiceHarness } from '../support/services';

/** The request example of `POST /v1/tasks/{taskId}/scripts`, with a valid overWrite. */
const DOCUMENT_EXAMPLE = [
  {
    type: 'IF',
    order: 0,
    conditions: [{ type: 'GET_FILE_STATUS', order: 0, filePath: '/a/mock/path', block: true }],
    true: [
      {
        type: 'SEND_FILE',
        order: 0,
        maxRetryTime: 0,
        filePath: '/a/mock/path',
        targetFilePath: '/a/mock/path',
        createFilePath: true,
        ignoreHiddenFile: true,
        transferOption: {},
        block: true,
        retryTimes: 4,
        retryInterval: 20,
        overWrite: 'OVERWRITE',
      },
    ],
    false: [{ type: 'EXECUTE_FILE', order: 3, filePath: '/a/mokc/path', block: true }],
  },
];

function errorOf(fn: () => unknown): { code?: string; field?: string; message: string } {
  try {
    fn();
  } catch (err) {
    return err as { code: string; field: string; message: string };
  }
  throw new Error('expected an error');
}

describe('step scripts', () => {
  const h = useServiceHarness();
  const tasks = () => new TaskService(h.ctx());

  it.each([
    [{ type: 'MOVE_FILE', filePath: '/a' }, '[0].type', 'one of COPY_FILE'],
    [{ type: 'COPY_FILE', filePath: '/a' }, '[0].targetFilePath', 'a non-empty path'],
    [{ type: 'RECV_FILE' }, '[0].targetFilePath', 'a non-empty path'],
    [{ type: 'DELETE_FILE', filePath: '' }, '[0].filePath', 'a non-empty path'],
    [{ type: 'EXECUTE_FILE', filePath: '/x', retryTimes: -1 }, '[0].retryTimes', 'a non-negative integer'],
    [{ type: 'EXECUTE_FILE', filePath: '/x', retryInterval: 1.5 }, '[0].retryInterval', 'a non-negative integer'],
    [{ type: 'COPY_FILE', filePath: '/a', targetFilePath: '/b', overWrite: 'ALWAYS' }, '[0].overWrite', 'OVERWRITE, NOT_OVERWRITE, COMPARE_OVERWRITE'],
    [{ type: 'BROADCAST', filePath: '/a' }, '[0].groups', 'a non-empty array of group ids'],
    [{ type: 'COPY_FILE', filePath: '/a', targetFilePath: '/b', groups: [1] }, '[0].groups', 'groups only on BROADCAST'],
    [{ type: 'IF', true: [{ type: 'DELETE_FILE', filePath: '/a' }] }, '[0].conditions', 'at least one GET_FILE_STATUS condition'],
    [{ type: 'IF', conditions: [{ type: 'GET_FILE_STATUS', filePath: '/a' }] }, '[0].true', 'an IF needs at least one branch'],
    [{ type: 'IF', conditions: [{ type: 'DELETE_FILE', filePath: '/a' }], true: [] }, '[0].conditions[0].type', 'GET_FILE_STATUS'],
    [{ type: 'DELETE_FILE', filePath: '/a', true: [{ type: 'DELETE_FILE', filePath: '/b' }] }, '[0].true', 'only on IF steps'],
    [{ type: 'DELETE_FILE', filePath: '/a', block: 'yes' }, '[0].block', 'true or false'],
    [{ type: 'COPY_FILE', filePath: '/a', targetFilePath: '/b', recvFileScriptId: 3 }, '[0].recvFileScriptId', 'only on SEND_FILE'],
    ['COPY_FILE', '[0]', 'a step object'],
  ])('refuses %j naming the step by its position', (step, field, expected) => {
    const err = errorOf(() => checkScript([step]));
    expect(err).toMatchObject({ code: 'INVALID_INPUT', field });
    expect(err.message).toContain(expected);
  });

  it('names nested steps by their path', () => {
    const script = [
      { type: 'DELETE_FILE', filePath: '/ok' },
      {
        type: 'IF',
        conditions: [{ type: 'GET_FILE_STATUS', filePath: '/flag' }],
        true: [{ type: 'DELETE_FILE', filePath: '/a' }, { type: 'DELETE_FILE' }],
      },
    ];
    const err = errorOf(() => checkScript(script));
    expect(err.field).toBe('[1].true[1].filePath');
    expect(err.message).toBe('[1].true[1].filePath: expected a non-empty path');
    expect(errorOf(() => checkScript({} as unknown[])).field).toBe('script');
  });

  it('saves the document example and reads it back as a nested tree with defaults', async () => {
    const task = await tasks().create({ name: 'example' });
    const saved = await tasks().saveScript(task.id, DOCUMENT_EXAMPLE);
    expect(saved).toEqual([{ scriptId: expect.any(Number), scriptType: 'IF' }]);
    const [root] = await tasks().script(task.id);
    expect(root).toMatchObject({ scriptId: saved[0].scriptId, type: 'IF', order: 0 });
    expect(root.conditions).toHaveLength(1);
    expect(root.conditions![0]).toMatchObject({ type: 'GET_FILE_STATUS', filePath: '/a/mock/path', retryTimes: 4, retryInterval: 20 });
    expect(root.true![0]).toMatchObject({ type: 'SEND_FILE', overWrite: 'OVERWRITE', transferOption: {}, maxRetryTime: 0, createFilePath: true });
    // Sibling orders are renumbered from 0 (the example's lone "order": 3 reads back as 0).
    expect(root.false![0]).toMatchObject({ type: 'EXECUTE_FILE', order: 0, block: true });
    expect((await tasks().countInfo(task.id)).scripts).toBe(4);
  });

  it('replaces the whole tree, keeping the ids sent back and deleting the rest', async () => {
    const task = await tasks().create({ name: 'replace' });
    h.clock.advance(60_000);
    await tasks().saveScript(task.id, DOCUMENT_EXAMPLE);
    const [root] = await tasks().script(task.id);
    const send = root.true![0];
    // The SEND_FILE step moves out of the IF to the root; the IF is dropped.
    const saved = await tasks().saveScript(task.id, [
      { type: 'DELETE_FILE', filePath: '/first' },
      { ...send, scriptId: send.scriptId, filePath: '/moved' },
    ]);
    expect(saved.map((s) => s.scriptType)).toEqual(['DELETE_FILE', 'SEND_FILE']);
    expect(saved[1].scriptId).toBe(send.scriptId);
    const tree = await tasks().script(task.id);
    expect(tree.map((s) => [s.type, s.filePath])).toEqual([
      ['DELETE_FILE', '/first'],
      ['SEND_FILE', '/moved'],
    ]);
    const em = h.em();
    expect(await em.count(Step, { task: task.id })).toBe(2);
    expect((await em.findOneOrFail(Task, task.id)).lastEditedAt.getTime()).toBe(h.clock.now().getTime());
    // An empty script clears it.
    expect(await tasks().saveScript(task.id, [])).toEqual([]);
    expect(await tasks().script(task.id)).toEqual([]);
  });

  it('refuses ids of other tasks, repeated ids, unknown groups and bad pairs without changing anything', async () => {
    const a = await tasks().create({ name: 'a' });
    const b = await tasks().create({ name: 'b' });
    const [savedA] = await tasks().saveScript(a.id, [{ type: 'RECV_FILE', targetFilePath: '/in/x' }]);
    const [savedB] = await tasks().saveScript(b.id, [{ type: 'DELETE_FILE', filePath: '/x' }]);
    await expect(tasks().saveScript(b.id, [{ scriptId: savedA.scriptId, type: 'DELETE_FILE', filePath: '/y' }])).rejects.toMatchObject({
      field: '[0].scriptId',
    });
    await expect(
      tasks().saveScript(b.id, [
        { id: savedB.scriptId, type: 'DELETE_FILE', filePath: '/y' },
        { id: savedB.scriptId, type: 'DELETE_FILE', filePath: '/z' },
      ]),
    ).rejects.toMatchObject({ field: '[1].scriptId', message: expect.stringContaining('each step id once') });
    await expect(tasks().saveScript(b.id, [{ type: 'BROADCAST', filePath: '/f', groups: [424242] }])).rejects.toMatchObject({ field: '[0].groups' });
    await expect(tasks().saveScript(b.id, [{ type: 'SEND_FILE', filePath: '/f', recvFileScriptId: savedB.scriptId }])).rejects.toMatchObject({
      field: '[0].recvFileScriptId',
    });
    expect((await tasks().script(b.id)).map((s) => s.scriptId)).toEqual([savedB.scriptId]);
    // A valid pair and a valid broadcast are accepted.
    const em = h.em();
    const group = em.create(Group, { name: 'stores' });
    await em.flush();
    const ok = await tasks().saveScript(b.id, [
      { type: 'SEND_FILE', filePath: '/f', recvFileScriptId: savedA.scriptId },
      { type: 'BROADCAST', filePath: '/f', groups: [group.id, group.id] },
    ]);
    expect(ok.map((s) => s.scriptType)).toEqual(['SEND_FILE', 'BROADCAST']);
    expect((await tasks().script(b.id))[1].groups).toEqual([group.id]);
  });

  it('saves nested IFs several levels deep', async () => {
    const task = await tasks().create({ name: 'deep' });
    const cond = [{ type: 'GET_FILE_STATUS', filePath: '/flag' }];
    await tasks().saveScript(task.id, [
      {
        type: 'IF',
        conditions: cond,
        true: [{ type: 'IF', conditions: cond, false: [{ type: 'WAIT_FLAG_FILE', filePath: '/w', interval: 500, timeOut: 10000 }] }],
      },
    ]);
    const [root] = await tasks().script(task.id);
    expect(root.true![0].false![0]).toMatchObject({ type: 'WAIT_FLAG_FILE', interval: 500, timeOut: 10000 });
    expect(root.true![0].true).toEqual([]);
  });

  it('orders siblings by their order, then by their place in the array', async () => {
    const task = await tasks().create({ name: 'ordered' });
    const saved = await tasks().saveScript(task.id, [
      { type: 'DELETE_FILE', filePath: '/c', order: 5 },
      { type: 'DELETE_FILE', filePath: '/a', order: 1 },
      { type: 'DELETE_FILE', filePath: '/b', order: 1 },
    ]);
    expect(saved).toHaveLength(3);
    expect((await tasks().script(task.id)).map((s) => [s.filePath, s.order])).toEqual([
      ['/a', 0],
      ['/b', 1],
      ['/c', 2],
    ]);
  });

  it('refuses an unknown task', async () => {
    await expect(tasks().saveScript(999999, [])).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(tasks().script(999999)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
