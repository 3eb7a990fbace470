import { createPrivateKey } from 'node:crypto';
import {
  authenticateEvents,
  buildDispatch,
  buildEventBatch,
  commandsTopic,
  commandVerifyKey,
  encodeMessage,
  eventsTopic,
  generateCommandKeys,
  loadCommandKeys,
  signCommand,
  verifyCommand,
  verifyEvents,
  type AgentEvent,
} from '../../src/protocol';

/** CPU µs per message of each authentication step (src/protocol/message-auth.ts), on messages like the bench's. */
export interface MessageAuthCosts {
  rounds: number;
  perRound: number;
  dispatchBytes: number;
  eventsBytes: number;
  signCommandUs: number;
  signCommandNewKeyUs: number;
  verifyCommandUs: number;
  verifyCommandNewKeyUs: number;
  authenticateEventsUs: number;
  verifyEventsUs: number;
}

/** Times the real functions on a dispatch of the bench's 3-step task and a batch of one step's events. */
export function measureMessageAuth({ rounds = 9, perRound = 200 }: { rounds?: number; perRound?: number } = {}): MessageAuthCosts {
  const generated = generateCommandKeys();
  const keys = loadCommandKeys(generated.privateKeyPem);
  const verifyKey = commandVerifyKey(keys.publicKey);
  const clientId = 'bench-00000-000000';
  const topic = commandsTopic(clientId);
  const reportId = '123456.1';
  const dispatch = encodeMessage(
    buildDispatch({
      reportId,
      tasks: [
        {
          taskId: 1,
          steps: [
            { id: 1, type: 'COPY_FILE', order: 0, filePath: 'in/prices.csv', targetFilePath: 'out/', createFilePath: true },
            { id: 2, type: 'GET_FILE_STATUS', order: 1, filePath: 'out/prices.csv' },
            { id: 3, type: 'DELETE_FILE', order: 2, filePath: 'in/prices.csv' },
          ],
        },
      ],
    }),
  );
  const at = Date.now();
  const events = [
    { seq: 1, at, type: 'report.started', reportId, startTime: at },
    { seq: 2, at, type: 'task.started', reportId, taskId: 1, startTime: at },
    { seq: 3, at, type: 'step.started', reportId, taskId: 1, stepId: 1, stepType: 'COPY_FILE', startTime: at },
    { seq: 4, at, type: 'step.message', reportId, taskId: 1, stepId: 1, index: 0, startTime: at, endTime: at, message: 'simulated COPY_FILE: ok' },
    { seq: 5, at, type: 'step.finished', reportId, taskId: 1, stepId: 1, stepType: 'COPY_FILE', status: 'SUCCESS', startTime: at, endTime: at, attempts: 1 },
  ] as AgentEvent[];
  const eventTopic = eventsTopic(clientId);
  const batch = encodeMessage(buildEventBatch('6f1c0f5e-7b7e-4d55-9a53-1f4a1d7b2c10', events));
  const eventKey = Buffer.alloc(32, 7);
  const signed = signCommand(keys, topic, dispatch);
  const sealed = authenticateEvents(eventKey, eventTopic, batch);

  // CPU time, not wall-clock: on a shared machine the process is descheduled now and then, and a
  // wall-clock figure would count the other processes' work too.
  const cpuUs = () => {
    const { user, system } = process.cpuUsage();
    return user + system;
  };
  const time = (op: () => unknown) => {
    const perOp: number[] = [];
    for (let r = 0; r < rounds; r++) {
      const t0 = cpuUs();
      for (let i = 0; i < perRound; i++) op();
      perOp.push((cpuUs() - t0) / perRound);
    }
    perOp.sort((a, b) => a - b);
    return Math.round(perOp[Math.floor(rounds / 2)] * 10) / 10;
  };
  const mustPass = (ok: boolean) => {
    if (!ok) throw new Error('message authentication failed in the micro-benchmark');
  };
  return {
    rounds,
    perRound,
    dispatchBytes: signed.length,
    eventsBytes: sealed.length,
    signCommandUs: time(() => signCommand(keys, topic, dispatch)),
    signCommandNewKeyUs: time(() => signCommand({ ...keys, privateKey: createPrivateKey(generated.privateKeyPem) }, topic, dispatch)),
    verifyCommandUs: time(() => mustPass(verifyCommand(verifyKey, topic, signed).ok)),
    verifyCommandNewKeyUs: time(() => mustPass(verifyCommand(commandVerifyKey(keys.publicKey), topic, signed).ok)),
    authenticateEventsUs: time(() => authenticateEvents(eventKey, eventTopic, batch)),
    verifyEventsUs: time(() => mustPass(verifyEvents(eventKey, eventTopic, sealed).ok)),
  };
}
