import type { Maker } from './support/maker';
import type { Seed } from './support/seed';
import type { Shape } from './support/shape';

/**
 * The 93 routes of ../shared/spec/emqx-sdes-api.md, written from the document (not from the code):
 * method, path as documented, sample parameters from the seeded fleet, and the documented response
 * field names with their JSON types. Where the document's type is impossible or contradicts itself,
 * the type here is the decision recorded in docs/rest-compat.md (marked "decision").
 * Moments that may not have happened (never run, never connected) are `number|null`; strings the
 * model may lack (description, username, ip, default value) are `string|null`.
 */
export interface DocumentedRoute {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** As the document spells it, parameters in braces. */
  path: string;
  request?: (seed: Seed, make: Maker) => RouteRequest | Promise<RouteRequest>;
  response: Shape;
  /** The answer may be an empty list (e.g. a time window with nothing in it). */
  allowEmpty?: boolean;
}

export interface RouteRequest {
  path?: Record<string, number | string>;
  query?: Record<string, string | number | boolean | (string | number)[]>;
  body?: unknown;
}

const S = 'string';
const N = 'number';
const B = 'boolean';
const SN = 'string|null';
const NN = 'number|null';
const BN = 'boolean|null';
const SUCCESS: Shape = { $literal: 'success' };
const NULL: Shape = { $literal: null };
const DESC_NULL: Shape = { desc: { $literal: null } };
const COUNT: Shape = { count: N };
const page = (item: Shape): Shape => ({ total: N, list: [item] });
const paging = { pageNo: 1, pageSize: 20 };

const reportTaskLog: Shape = {
  status: S,
  startTime: NN,
  endTime: NN,
  nowTime: N,
  taskId: N,
  taskName: S,
  taskDesc: SN,
  order: N,
  priority: N,
  disableValidation: B,
};
const reportScriptLog: Shape = {
  code: { $literal: 'SUCCESS' },
  data: {
    total: N,
    list: [
      {
        reportId: S,
        filePath: SN,
        type: S,
        messages: [{ startTime: N, endTime: N, message: S }],
        scriptId: N,
        targetFilePath: SN,
        block: B,
        id: N,
        createFilePath: BN,
        order: N,
      },
    ],
  },
};
const jobListItem: Shape = {
  jobId: N,
  jobName: S,
  tasks: N,
  description: SN,
  enabled: B,
  maxRetryTimes: N,
  priority: N,
  cycleType: N,
  executionTime: SN,
  created: N,
  lastEditedAt: N,
  lastRun: NN,
  assignmentsChanged: NN,
  retryWait: N,
};
// decision: `disableValidation`, `lastRunAt`, `assignmentsChangedAt` are null in the example; the values are given.
const taskListItem: Shape = {
  taskName: S,
  priority: N,
  lastEditedAt: N,
  taskId: N,
  enabled: B,
  disableValidation: B,
  lastRunAt: NN,
  assignmentsChangedAt: NN,
  description: SN,
  createdAt: N,
};
const jobSummary: Shape = { jobId: N, jobName: S, targetClientGroup: N, tasks: N, jobScheduler: N, maxRetryTime: N, maxJobDuration: N };
const clientListItem: Shape = { clientId: N, username: SN, enable: B, status: S, createAt: N, role: S };
const generalSettings: Shape = { managementServerTimeZone: S, communicationServerTimeZone: S, region: S, adminTimeOut: N };
const jobSettings: Shape = { enable: B, maxRetried: N, retryWait: N, maxConcurrentSession: N };
const clientSettings: Shape = { clientSettingsId: N, autoEnableNewClient: B };
const ids = (list: number[]) => list;

export const DOCUMENTED_ROUTES: DocumentedRoute[] = [
  // ---- JobLogApi
  {
    method: 'GET',
    path: '/v1/logs/clients/jobs',
    request: () => ({ query: { status: 'ALL', ...paging } }),
    response: page({ status: S, startTime: NN, endTime: NN, nowTime: N, reportId: S, jobId: N, jobName: S, jobDesc: SN }),
  },
  // Documented twice (getJobLogsByClient, client logs): the union of both forms' fields.
  {
    method: 'GET',
    path: '/v1/logs/clients',
    request: (s) => ({ query: { status: 'ALL', clientId: s.serverClientId, ...paging } }),
    response: page({
      status: S,
      mqttClientId: S,
      clientId: N,
      ipAddress: SN,
      username: SN,
      role: S,
      startTime: NN,
      endTime: NN,
      jobId: N,
      jobName: S,
      jobDesc: SN,
    }),
  },
  {
    method: 'GET',
    path: '/v1/logs/clients/jobs/tasks',
    request: (s) => ({ query: { clientId: s.serverClientId, jobId: s.jobId, reportId: s.reportId, ...paging } }),
    response: page(reportTaskLog),
  },
  {
    method: 'GET',
    path: '/v1/logs/clients/jobs/tasks/scripts',
    request: (s) => ({ query: { clientId: s.serverClientId, jobId: s.jobId, taskId: s.taskId, reportId: s.reportId, ...paging } }),
    response: reportScriptLog,
  },
  // Documented twice (getJobsByStatus, job logs): the union. decision: LastEditedAt is epoch ms (the example shows "").
  {
    method: 'GET',
    path: '/v1/logs/jobs',
    request: () => ({ query: { status: 'ALL', ...paging } }),
    response: page({ status: S, startTime: N, endTime: NN, jobId: N, jobName: S, jobDesc: SN, LastEditedAt: NN, priority: N, executionTime: SN, duration: NN }),
  },
  {
    method: 'GET',
    path: '/v1/logs/jobs/clients',
    request: (s) => ({ query: { status: 'ALL', jobId: s.jobId, ...paging } }),
    response: page({ status: S, mqttClientId: S, clientId: N, username: SN, ipAddress: SN, reportId: S }),
  },
  {
    method: 'GET',
    path: '/v1/logs/jobs/clients/tasks',
    request: (s) => ({ query: { clientId: s.serverClientId, jobId: s.jobId, reportId: s.reportId, ...paging } }),
    response: page(reportTaskLog),
  },
  {
    method: 'GET',
    path: '/v1/logs/jobs/clients/tasks/scripts',
    request: (s) => ({ query: { clientId: s.serverClientId, jobId: s.jobId, taskId: s.taskId, reportId: s.reportId, ...paging } }),
    response: reportScriptLog,
  },
  // ---- dashboard
  { method: 'GET', path: '/v1/dashboard/logs/count', response: { clients: N, jobs: N } },
  {
    method: 'GET',
    path: '/v1/logs/tasks',
    request: (s) => ({ query: { clientId: s.serverClientId, jobId: s.jobId } }),
    response: { list: [{ status: S, startTime: NN, endTime: NN, taskId: N, taskName: S, reportId: S, order: N, priority: N, disableValidation: B }], total: N },
  },
  {
    method: 'GET',
    path: '/v1/logs/scripts',
    request: (s) => ({ query: { clientId: s.serverClientId, jobId: s.jobId, taskId: s.taskId } }),
    response: page({
      transferOperation: 'null',
      filePath: SN,
      type: S,
      message: S,
      ignoreHiddenFile: BN,
      recvFileScriptId: NN,
      scriptId: N,
      targetFilePath: SN,
      maxRetryTime: NN,
      isItem: B,
      startTime: NN,
      endTime: NN,
      createFilePath: BN,
      order: N,
      status: S,
    }),
  },
  {
    method: 'GET',
    path: '/v1/logs/clients/overview',
    response: { list: [{ status: S, mqttClientId: S, clientId: N, username: SN, ipAddress: SN }], total: N },
  },
  {
    method: 'GET',
    path: '/v1/dashboard/reports',
    response: {
      clients: N,
      Groups: N,
      jobs: N,
      tasks: N,
      clientsOnline: N,
      clientsOffline: N,
      clientsDisabled: N,
      jobFailed: N,
      jobSuccess: N,
      jobNotExecuted: N,
    },
  },
  { method: 'GET', path: '/v1/dashboard/info', response: { clients: N, tasks: N, jobs: N, groups: N, tasksHistory: N, alerts: N } },
  { method: 'GET', path: '/v1/dashboard/onlineClients', response: [{ clientCount: N, time: N }] },
  // ---- config
  {
    method: 'GET',
    path: '/v1/jobs',
    request: () => ({ query: { ...paging, jobNameContain: 'sales', enabled: 'true' } }),
    response: { list: [jobListItem], total: N },
  },
  {
    method: 'POST',
    path: '/v1/jobs',
    request: () => ({
      body: {
        jobName: 'weekly stock',
        description: 'stock levels',
        enabled: true,
        maxRetries: 2,
        priority: 1,
        cycleType: 2,
        executionTime: '0 3 * * 1',
        retryWait: 30,
        lastRunAt: 0,
        assignmentsChangedAt: 0,
      },
    }),
    response: {
      jobId: N,
      jobName: S,
      description: SN,
      enable: B,
      maxRetries: N,
      retryWait: N,
      tasks: N,
      enabled: B,
      maxRetryTimes: N,
      priority: N,
      cycleType: N,
      executionTime: SN,
      createdAt: N,
      lastEditedAt: N,
      lastRunAt: NN,
      assignmentsChanged: NN,
    },
  },
  {
    method: 'PUT',
    path: '/v1/jobs',
    request: (s) => ({
      body: {
        jobId: s.spareJobId,
        jobName: 'spare job',
        description: 'edited',
        enabled: true,
        maxRetries: 1,
        priority: 0,
        cycleType: 0,
        executionTime: '',
        retryWait: 10,
        lastRunAt: 0,
        assignmentsChangedAt: 0,
      },
    }),
    response: { desc: S },
  },
  { method: 'GET', path: '/v1/tasks', request: () => ({ query: { ...paging, taskNameContain: 'copy' } }), response: { list: [taskListItem], total: N } },
  {
    method: 'POST',
    path: '/v1/tasks',
    request: () => ({
      body: { taskName: 'archive', priority: 0, disableValidation: false, lastRunAt: 0, assignmentsChangedAt: 0, enabled: true, description: 'archives' },
    }),
    response: { taskId: N, name: S, priority: N, disableValidation: B, lastRunAt: NN, assignmentsChangedAt: NN, enabled: B, description: SN },
  },
  {
    method: 'PUT',
    path: '/v1/tasks',
    request: (s) => ({
      body: {
        taskId: s.spareTaskId,
        name: 'spare task',
        priority: 3,
        disableValidation: true,
        lastRunAt: 0,
        assignmentsChangedAt: 0,
        enabled: true,
        description: 'x',
      },
    }),
    response: DESC_NULL,
  },
  {
    method: 'GET',
    path: '/v1/jobs/{jobId}/details',
    request: (s) => ({ path: { jobId: s.jobId } }),
    response: {
      general: { jobName: S, description: SN, createdAt: N, lastEditedAt: N, lastRunAt: NN, enabled: B, assignmentsChanged: NN },
      executionOpt: { priority: N, maxRetries: N, cycleType: N, retryWait: N, duration: N, executionTime: SN },
    },
  },
  {
    method: 'GET',
    path: '/v1/jobs/{jobId}/groups',
    request: (s) => ({ path: { jobId: s.jobId }, query: paging }),
    response: {
      list: [
        {
          groupId: N,
          groupName: S,
          type: N,
          lastEditedAt: N,
          enabled: B,
          queryProperty: SN,
          queryOperation: SN,
          queryValue: SN,
          assignmentsChangedAt: NN,
          membershipChangedAt: NN,
          lastRefreshedAt: NN,
          description: SN,
          createdAt: N,
        },
      ],
      total: N,
    },
  },
  { method: 'PUT', path: '/v1/jobs/{jobId}/groups', request: (s) => ({ path: { jobId: s.spareJobId }, body: ids([s.spareGroupId]) }), response: NULL },
  {
    method: 'GET',
    path: '/v1/jobs/{jobId}/clients',
    request: (s) => ({ path: { jobId: s.jobId }, query: { ...paging, mqttClientId: ['hq-server-1', 'store-001'] } }),
    response: { total: N, list: [{ clientId: N, mqttClientId: S, username: SN, enable: B, status: S, connectAt: NN, disconnectAt: NN, createAt: N }] },
  },
  { method: 'PUT', path: '/v1/jobs/{jobId}/clients', request: (s) => ({ path: { jobId: s.spareJobId }, body: ids([s.storeClientId]) }), response: NULL },
  {
    method: 'GET',
    path: '/v1/jobs/{jobId}/tasks',
    request: (s) => ({ path: { jobId: s.jobId }, query: paging }),
    response: { list: [taskListItem], total: N },
  },
  { method: 'PUT', path: '/v1/jobs/{jobId}/tasks', request: (s) => ({ path: { jobId: s.spareJobId }, body: ids([s.secondTaskId]) }), response: NULL },
  // decision: `enabled` is 1/0 here, as documented (a boolean elsewhere).
  {
    method: 'GET',
    path: '/v1/tasks/{taskId}/details',
    request: (s) => ({ path: { taskId: s.taskId } }),
    response: {
      name: S,
      taskId: N,
      enabled: N,
      priority: N,
      disableValidation: B,
      lastEditedAt: N,
      lastRunAt: NN,
      assignmentsChangedAt: NN,
      description: SN,
      createdAt: N,
    },
  },
  { method: 'GET', path: '/v1/tasks/{taskId}/scripts', request: (s) => ({ path: { taskId: s.taskId } }), response: { script: S } },
  {
    method: 'POST',
    path: '/v1/tasks/{taskId}/scripts',
    // The document's request example, with overWrite given one of its values.
    request: async (_s, make) => ({
      path: { taskId: await make.task() },
      body: [
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
      ],
    }),
    response: [{ scriptId: N, scriptType: S }],
  },
  {
    method: 'GET',
    path: '/v1/tasks/{taskId}/jobs',
    request: (s) => ({ path: { taskId: s.taskId }, query: paging }),
    response: { list: [jobSummary], total: N },
  },
  { method: 'PUT', path: '/v1/tasks/{taskId}/jobs', request: (s) => ({ path: { taskId: s.spareTaskId }, body: ids([s.spareJobId]) }), response: NULL },
  {
    method: 'GET',
    path: '/v1/groups',
    request: () => ({ query: { ...paging, groupName: 'stor' } }),
    response: { total: N, list: [{ groupId: N, groupName: S, type: N, lastEditedAt: N }] },
  },
  {
    method: 'POST',
    path: '/v1/groups',
    request: () => ({
      body: {
        type: 1,
        groupName: 'north',
        description: 'north region',
        enabled: true,
        queryProperty: 'region',
        queryOperation: 'EQ',
        queryValue: 'north',
        assignmentsChangedAt: 0,
        membershipChangedAt: 0,
        lastRefreshedAt: 0,
      },
    }),
    response: {
      type: N,
      groupName: S,
      description: SN,
      groupId: N,
      enabled: B,
      queryProperty: SN,
      queryOperation: SN,
      queryValue: SN,
      assignmentsChangedAt: NN,
      membershipChangedAt: NN,
      lastRefreshedAt: NN,
    },
  },
  {
    method: 'PUT',
    path: '/v1/groups',
    request: (s) => ({ body: { groupId: s.spareGroupId, type: 0, groupName: 'spare group', description: 'edited' } }),
    response: DESC_NULL,
  },
  {
    method: 'PUT',
    path: '/v1/config/maintenance',
    request: (s) => ({ body: { optionType: 3, optionIds: [s.storeClientId], targetType: 0, targetId: s.spareJobId, opt: 1 } }),
    response: { optionType: N, optionIds: [N], targetType: N, targetId: N, opt: N },
  },
  { method: 'PUT', path: '/v1/jobs/{jobId}/enable', request: (s) => ({ path: { jobId: s.spareJobId } }), response: SUCCESS },
  { method: 'PUT', path: '/v1/jobs/{jobId}/disable', request: (s) => ({ path: { jobId: s.spareJobId } }), response: SUCCESS },
  { method: 'DELETE', path: '/v1/tasks/{taskId}', request: async (_s, make) => ({ path: { taskId: await make.task() } }), response: SUCCESS },
  { method: 'DELETE', path: '/v1/jobs/{jobId}', request: async (_s, make) => ({ path: { jobId: await make.job() } }), response: SUCCESS },
  { method: 'DELETE', path: '/v1/groups/{groupId}', request: async (_s, make) => ({ path: { groupId: await make.group() } }), response: SUCCESS },
  {
    method: 'PUT',
    path: '/v1/groups/{groupId}/clients',
    request: (s) => ({ path: { groupId: s.spareGroupId }, body: ids([s.storeClientId]) }),
    response: NULL,
  },
  {
    method: 'GET',
    path: '/v1/groups/{groupId}/clients',
    request: (s) => ({ path: { groupId: s.staticGroupId }, query: paging }),
    response: { total: N, list: [clientListItem] },
  },
  {
    method: 'GET',
    path: '/v1/jobs/{jobId}/run',
    request: async (s, make) => ({ path: { jobId: await make.runnableJob(s.serverClientId) } }),
    response: SUCCESS,
  },
  { method: 'PUT', path: '/v1/jobs/{jobId}/groups/remove', request: (s) => ({ path: { jobId: s.spareJobId }, body: ids([s.spareGroupId]) }), response: NULL },
  { method: 'PUT', path: '/v1/jobs/{jobId}/tasks/remove', request: (s) => ({ path: { jobId: s.spareJobId }, body: ids([s.secondTaskId]) }), response: NULL },
  { method: 'PUT', path: '/v1/jobs/{jobId}/clients/remove', request: (s) => ({ path: { jobId: s.spareJobId }, body: ids([s.storeClientId]) }), response: NULL },
  { method: 'GET', path: '/v1/jobs/{jobId}/groups/count', request: (s) => ({ path: { jobId: s.jobId } }), response: COUNT },
  { method: 'GET', path: '/v1/jobs/{jobId}/tasks/count', request: (s) => ({ path: { jobId: s.jobId } }), response: COUNT },
  { method: 'GET', path: '/v1/jobs/{jobId}/clients/count', request: (s) => ({ path: { jobId: s.jobId } }), response: COUNT },
  { method: 'GET', path: '/v1/tasks/{taskId}/jobs/count', request: (s) => ({ path: { taskId: s.taskId } }), response: COUNT },
  {
    method: 'PUT',
    path: '/v1/clients/{clientsId}/jobs',
    request: (s) => ({ path: { clientsId: s.storeClientId }, body: ids([s.spareJobId]) }),
    response: NULL,
  },
  {
    method: 'PUT',
    path: '/v1/clients/{clientsId}/jobs/remove',
    request: (s) => ({ path: { clientsId: s.storeClientId }, body: ids([s.spareJobId]) }),
    response: NULL,
  },
  { method: 'PUT', path: '/v1/tasks/{taskId}/jobs/remove', request: (s) => ({ path: { taskId: s.spareTaskId }, body: ids([s.spareJobId]) }), response: NULL },
  { method: 'GET', path: '/v1/jobs/{jobId}/countInfo', request: (s) => ({ path: { jobId: s.jobId } }), response: { groups: N, tasks: N, clients: N } },
  {
    method: 'GET',
    path: '/v1/tasks/{taskId}/clients',
    request: (s) => ({ path: { taskId: s.taskId }, query: { ...paging, createAtLte: [Date.now() + 86_400_000] } }),
    response: { total: N, list: [{ clientId: N, username: SN, enable: B, status: S, createAt: N }] },
  },
  // Documented twice ({clientId} and {clientsId}): one route.
  {
    method: 'PUT',
    path: '/v1/clients/{clientId}/groups',
    request: (s) => ({ path: { clientId: s.storeClientId }, body: ids([s.spareGroupId]) }),
    response: NULL,
  },
  // decision: the example is `{}`; the answer carries the counts of the task all-info list.
  { method: 'GET', path: '/v1/tasks/{taskId}/countInfo', request: (s) => ({ path: { taskId: s.taskId } }), response: { jobs: N, clients: N, scripts: N } },
  {
    method: 'GET',
    path: '/v1/jobs/allInfo',
    request: () => ({ query: paging }),
    response: { list: [{ jobId: N, jobName: S, tasks: N, groups: N, clients: N, maxRetryTime: N }], total: N },
  },
  {
    method: 'GET',
    path: '/v1/tasks/allInfo',
    request: () => ({ query: paging }),
    response: {
      total: N,
      list: [{ taskId: N, taskName: S, enable: B, priority: N, description: SN, lastEditedAt: N, lastTimeRun: NN, jobs: N, clients: N, scripts: N }],
    },
  },
  { method: 'PUT', path: '/v1/tasks/{taskId}/enable', request: (s) => ({ path: { taskId: s.spareTaskId } }), response: SUCCESS },
  { method: 'PUT', path: '/v1/tasks/{taskId}/disable', request: (s) => ({ path: { taskId: s.spareTaskId } }), response: SUCCESS },
  {
    method: 'GET',
    path: '/v1/dashboard/scheduledJobs',
    request: (s) => ({ query: { start: s.runStartedAt - 3_600_000, end: s.runStartedAt + 3 * 86_400_000, now: s.runStartedAt + 60_000 } }),
    response: [{ jobId: N, startAt: N, endAt: N, result: S, clients: N, actualStartAt: NN, actualEndAt: NN }],
  },
  // ---- monitoring
  {
    method: 'GET',
    path: '/v1/clients',
    request: () => ({ query: { ...paging, usernameContain: 'store', status: 'OFFLINE', enabled: 'true' } }),
    response: { total: N, list: [clientListItem] },
  },
  {
    method: 'POST',
    path: '/v1/clients',
    request: () => ({
      body: {
        mqttClientId: 'store-002',
        username: 'store2',
        enable: true,
        status: 'OFFLINE',
        connnectedAt: 0,
        disconnnetedAt: 0,
        ip: '10.1.0.2',
        role: 'STORE',
      },
    }),
    response: { clientId: N, mqttClientId: S, username: SN, enable: B, status: S, connnectedAt: NN, disconnnetedAt: NN, ip: SN, role: S },
  },
  {
    method: 'PUT',
    path: '/v1/clients',
    request: (s) => ({
      body: {
        clientId: s.storeClientId,
        mqttClientId: 'store-001',
        username: 'store one',
        enable: true,
        status: 'OFFLINE',
        connnectedAt: 0,
        disconnnetedAt: 0,
      },
    }),
    response: DESC_NULL,
  },
  {
    method: 'GET',
    path: '/v1/clients/{clientId}/attributes',
    request: (s) => ({ path: { clientId: s.serverClientId }, query: paging }),
    response: { list: [{ type: N, attributeId: N, attributeName: S, attributeValue: SN, display: B, readOnly: B }], total: N },
  },
  // decision: `list` is an array (the example shows one object).
  {
    method: 'GET',
    path: '/v1/clients/{clientId}/groups',
    request: (s) => ({ path: { clientId: s.serverClientId }, query: paging }),
    response: { list: [{ groupId: N, type: N, lastEditedAt: N }], total: N },
  },
  {
    method: 'GET',
    path: '/v1/clients/{clientId}/jobs',
    request: (s) => ({ path: { clientId: s.serverClientId }, query: paging }),
    response: { list: [jobSummary], total: N },
  },
  { method: 'DELETE', path: '/v1/clients/{clientId}', request: async (_s, make) => ({ path: { clientId: await make.client() } }), response: { clientId: N } },
  {
    method: 'GET',
    path: '/v1/tasks/histories',
    request: () => ({ query: { ...paging, mqttClientId: 'hq-server-1' } }),
    response: { list: [{ mqttClientId: S, taskName: S, enabled: N, taskScript: S, priority: N, ts: N, result: S }], total: N },
  },
  { method: 'GET', path: '/v1/clients/{clientId}/attributes/count', request: (s) => ({ path: { clientId: s.serverClientId } }), response: COUNT },
  { method: 'GET', path: '/v1/clients/{clientId}/groups/count', request: (s) => ({ path: { clientId: s.serverClientId } }), response: COUNT },
  { method: 'GET', path: '/v1/clients/{clientId}/jobs/count', request: (s) => ({ path: { clientId: s.serverClientId } }), response: COUNT },
  // decision: the example repeats the client-jobs one; the answer is the task list shape.
  {
    method: 'GET',
    path: '/v1/clients/{clientId}/tasks',
    request: (s) => ({ path: { clientId: s.serverClientId }, query: paging }),
    response: { list: [taskListItem], total: N },
  },
  {
    method: 'GET',
    path: '/v1/clients/{clientId}/details',
    request: (s) => ({ path: { clientId: s.serverClientId } }),
    response: { clientId: N, username: SN, enable: B, status: S, connectedAt: NN, disconnectedAt: NN, createAt: N },
  },
  {
    method: 'GET',
    path: '/v1/clients/{clientId}/countInfo',
    request: (s) => ({ path: { clientId: s.serverClientId } }),
    response: { attributes: N, jobs: N, tasks: N, group: N },
  },
  {
    method: 'GET',
    path: '/v1/clients/allInfo',
    request: () => ({ query: paging }),
    response: { total: N, list: [{ clientId: N, username: SN, enable: B, status: S, role: S, createAt: N, groups: N, jobs: N, tasks: N }] },
  },
  { method: 'PUT', path: '/v1/clients/{clientId}/enable', request: (s) => ({ path: { clientId: s.spareClientId } }), response: DESC_NULL },
  { method: 'PUT', path: '/v1/clients/{clientId}/disable', request: (s) => ({ path: { clientId: s.spareClientId } }), response: DESC_NULL },
  // ---- settings
  {
    method: 'POST',
    path: '/v1/clients/{clientId}/attributes',
    request: (s) => ({ path: { clientId: s.storeClientId }, body: [{ clientId: s.storeClientId, attributeId: s.attributeId, attributeValue: 'east' }] }),
    response: DESC_NULL,
  },
  {
    method: 'POST',
    path: '/v1/settings',
    request: () => ({ body: { managementServerTimeZone: 'UTC', communicationServerTimeZone: 'Asia/Shanghai', region: 'cn-east', adminTimeOut: 45 } }),
    response: generalSettings,
  },
  { method: 'GET', path: '/v1/settings', response: generalSettings },
  { method: 'GET', path: '/v1/jobs/settings', response: jobSettings },
  {
    method: 'POST',
    path: '/v1/jobs/settings',
    request: () => ({ body: { enable: true, maxRetried: 2, retryWait: 60, maxConcurrentSession: 50 } }),
    response: jobSettings,
  },
  { method: 'GET', path: '/v1/tasks/settings', response: { enable: B, priority: N, disableValidation: B, jobsSettingId: N } },
  {
    method: 'POST',
    path: '/v1/tasks/settings',
    request: () => ({ body: { enable: true, priority: 0, disableValidation: false } }),
    response: { enable: B, priority: N, disableValidation: B, tasksSettingId: S },
  },
  { method: 'GET', path: '/v1/clients/settings', response: clientSettings },
  { method: 'POST', path: '/v1/clients/settings', request: () => ({ body: { autoEnableNewClient: false } }), response: clientSettings },
  // decision: `type` is the type name here (a string, as documented), the index in the create answer.
  {
    method: 'GET',
    path: '/v1/settings/attributes',
    request: () => ({ query: paging }),
    response: { list: [{ attributeName: S, attributeId: N, type: S, defaultValue: SN, display: B, readOnly: B }], total: N },
  },
  {
    method: 'POST',
    path: '/v1/settings/attributes',
    request: () => ({ body: { attributeName: 'storeFormat', type: 0, defaultValue: 'mall', display: true, readOnly: false } }),
    response: { attributeName: S, attributesId: N, type: N, defaultValue: SN, display: N, readOnly: N },
  },
  {
    method: 'DELETE',
    path: '/v1/settings/attributes/{attributeId}',
    request: async (_s, make) => ({ path: { attributeId: await make.attribute() } }),
    response: SUCCESS,
  },
];

/** `GET /v1/jobs/{jobId}` and `GET /v1/jobs/{id}` are the same route: parameter names do not count. */
export function routeKey(method: string, path: string): string {
  return `${method.toUpperCase()} ${path.replace(/\{[^}]+\}|:[A-Za-z0-9_]+/g, '{}')}`;
}
