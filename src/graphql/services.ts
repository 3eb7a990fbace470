import { AgentCredentialService } from '../services/agent-credential.service';
import { ApiKeyService } from '../services/api-key.service';
import { EnrolmentTokenService } from '../services/enrolment-token.service';
import { AttributeService } from '../services/attribute.service';
import { AuditService } from '../services/audit.service';
import { BindingService } from '../services/binding.service';
import { DashboardService } from '../services/dashboard.service';
import { ExecutionLogService } from '../services/execution-log.service';
import { ExecutionService } from '../services/execution.service';
import { ClientService } from '../services/client.service';
import { GroupService } from '../services/group.service';
import { JobService } from '../services/job.service';
import type { ServiceContext } from '../services/service-context';
import { SettingsService } from '../services/settings.service';
import { SessionService } from '../services/session.service';
import { TaskService } from '../services/task.service';
import { UserService } from '../services/user.service';

/** The services of one operation, built on first use over the operation's ServiceContext. */
export interface Services {
  readonly ctx: ServiceContext;
  readonly clients: ClientService;
  readonly attributes: AttributeService;
  readonly groups: GroupService;
  readonly settings: SettingsService;
  readonly jobs: JobService;
  readonly tasks: TaskService;
  readonly bindings: BindingService;
  readonly execution: ExecutionService;
  readonly executionLogs: ExecutionLogService;
  readonly dashboard: DashboardService;
  readonly users: UserService;
  readonly sessions: SessionService;
  readonly apiKeys: ApiKeyService;
  readonly audit: AuditService;
  readonly agentCredentials: AgentCredentialService;
  readonly enrolmentTokens: EnrolmentTokenService;
}

export function createServices(ctx: ServiceContext): Services {
  const made = new Map<string, unknown>();
  const lazy = <T>(name: string, make: () => T): T => {
    if (!made.has(name)) made.set(name, make());
    return made.get(name) as T;
  };
  return {
    ctx,
    get clients() {
      return lazy('clients', () => new ClientService(ctx));
    },
    get attributes() {
      return lazy('attributes', () => new AttributeService(ctx));
    },
    get groups() {
      return lazy('groups', () => new GroupService(ctx));
    },
    get settings() {
      return lazy('settings', () => new SettingsService(ctx));
    },
    get jobs() {
      return lazy('jobs', () => new JobService(ctx));
    },
    get tasks() {
      return lazy('tasks', () => new TaskService(ctx));
    },
    get bindings() {
      return lazy('bindings', () => new BindingService(ctx));
    },
    get execution() {
      return lazy('execution', () => new ExecutionService(ctx));
    },
    get executionLogs() {
      return lazy('executionLogs', () => new ExecutionLogService(ctx));
    },
    get dashboard() {
      return lazy('dashboard', () => new DashboardService(ctx));
    },
    get users() {
      return lazy('users', () => new UserService(ctx));
    },
    get sessions() {
      return lazy('sessions', () => new SessionService(ctx));
    },
    get apiKeys() {
      return lazy('apiKeys', () => new ApiKeyService(ctx));
    },
    get audit() {
      return lazy('audit', () => new AuditService(ctx));
    },
    get agentCredentials() {
      return lazy('agentCredentials', () => new AgentCredentialService(ctx));
    },
    get enrolmentTokens() {
      return lazy('enrolmentTokens', () => new EnrolmentTokenService(ctx));
    },
  };
}
