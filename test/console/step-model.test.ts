import { fieldErrors, normalizeField } from '../../src/console/forms';
import { fromApi, move, newStep, STEP_OPTIONS, STEP_TYPES, stepPath, toInput, type ApiStep } from '../../src/console/pages/step-model';
import { STEP_TYPES as PROTOCOL_STEP_TYPES } from '../../src/protocol/step.schema';

/** The step editor's model and the error mapping, without a browser: what the editor sends and where an error lands. */
describe('console step model', () => {
  it('knows the same ten step types as the protocol', () => {
    expect([...STEP_TYPES]).toEqual([...PROTOCOL_STEP_TYPES]);
    expect(Object.keys(STEP_OPTIONS).sort()).toEqual([...PROTOCOL_STEP_TYPES].sort());
  });

  it('sends only the options of the step type, positions as order, and leaves empty inputs out', () => {
    const copy = { ...newStep('COPY_FILE'), filePath: 'a', targetFilePath: '', duration: 5, interval: 7 };
    const wait = { ...newStep('WAIT_FLAG_FILE'), filePath: 'flag', interval: 7, retryTimes: 2 };
    expect(toInput([copy, wait])).toEqual([
      { type: 'COPY_FILE', order: 0, block: true, filePath: 'a', createFilePath: false },
      { type: 'WAIT_FLAG_FILE', order: 1, block: true, filePath: 'flag', interval: 7, retryTimes: 2 },
    ]);
  });

  it('starts an IF with one condition and sends its branches as whenTrue and whenFalse', () => {
    const iff = newStep('IF');
    expect(iff.conditions.map((c) => c.type)).toEqual(['GET_FILE_STATUS']);
    iff.whenTrue = [{ ...newStep('DELETE_FILE'), filePath: 'x' }];
    const [sent] = toInput([iff]);
    expect(sent).toMatchObject({
      type: 'IF',
      conditions: [{ type: 'GET_FILE_STATUS', order: 0 }],
      whenTrue: [{ type: 'DELETE_FILE', filePath: 'x' }],
      whenFalse: [],
    });
    expect(sent).not.toHaveProperty('filePath');
  });

  it('saves a read script back with its ids and the options it does not show', () => {
    const read: ApiStep[] = [
      {
        id: 7,
        type: 'SEND_FILE',
        filePath: 'out/a',
        recvFileScriptId: 9,
        transferOption: { chunk: 1 },
        maxRetryTime: 60,
        block: false,
      },
      {
        id: 8,
        type: 'IF',
        conditions: [{ id: 10, type: 'GET_FILE_STATUS', filePath: 'f' }],
        whenTrue: [],
        whenFalse: [{ id: 11, type: 'EXECUTE_FILE', filePath: 'run.sh', duration: 30 }],
      },
    ];
    const [send, iff] = toInput(fromApi(read));
    expect(send).toEqual({
      id: 7,
      type: 'SEND_FILE',
      order: 0,
      block: false,
      filePath: 'out/a',
      recvFileScriptId: 9,
      transferOption: { chunk: 1 },
      maxRetryTime: 60,
      createFilePath: false,
      ignoreHiddenFile: false,
      compressFile: false,
    });
    expect(iff).toMatchObject({ id: 8, conditions: [{ id: 10, filePath: 'f' }], whenFalse: [{ id: 11, filePath: 'run.sh', duration: 30 }] });
  });

  it.each([
    ['', null, 2, '[2]'],
    ['[1]', 'whenTrue', 0, '[1].true[0]'],
    ['[1].true[0]', 'whenFalse', 3, '[1].true[0].false[3]'],
    ['[0]', 'conditions', 1, '[0].conditions[1]'],
  ] as const)('names the step in %j, %s, %i as the server does: %s', (parent, branch, index, path) => {
    expect(stepPath(parent, branch, index)).toBe(path);
  });

  it('moves a step within its list', () => {
    expect(move(['a', 'b', 'c'], 2, 0)).toEqual(['c', 'a', 'b']);
  });
});

describe('console field errors', () => {
  it.each([
    ['[0].true[1].filePath', '[0].true[1].filePath'],
    ['input.name', 'name'],
    ['query.queryProperty', 'queryProperty'],
    ['executionTime', 'executionTime'],
  ])('reads %s as %s', (field, form) => {
    expect(normalizeField(field)).toBe(form);
  });

  it('puts a service error and each validation problem on its input, with the form’s own names', () => {
    const error = {
      graphQLErrors: [
        { message: 'groupName: expected a non-empty string', extensions: { code: 'BAD_USER_INPUT', field: 'groupName' } },
        { message: 'two problems', extensions: { code: 'BAD_USER_INPUT', fields: [{ field: 'input.description', problems: ['too long'] }] } },
        { message: 'no field', extensions: { code: 'CONFLICT' } },
      ],
    };
    expect(fieldErrors(error as never, { groupName: 'name' })).toEqual({ name: 'groupName: expected a non-empty string', description: 'too long' });
  });
});
