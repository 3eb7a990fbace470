import { actorName } from '../auth/actor';
import { newSecret } from '../auth/secrets';
import { errors } from './errors';
import type { ServiceContext } from './service-context';

export interface EnrolmentTokenInfo {
  id: number;
  name: string;
  createdBy: string;
  createdAt: Date;
  revokedAt: Date | null;
}

interface Row {
  id: number;
  name: string;
  token: string;
  created_by: string;
  created_at: Date;
  revoked_at: Date | null;
}

const info = (r: Row): EnrolmentTokenInfo => ({
  id: r.id,
  name: r.name,
  createdBy: r.created_by,
  createdAt: new Date(r.created_at),
  revokedAt: r.revoked_at ? new Date(r.revoked_at) : null,
});

/**
 * Enrolment tokens an admin creates (shown once) and revokes, accepted beside SDES_ENROLMENT_TOKEN
 * by the embedded broker, the EMQX hook and every gateway's enrolment (within ~2 s). Mosquitto's
 * password file holds one enrolment password only: there, use SDES_ENROLMENT_TOKEN.
 */
export class EnrolmentTokenService {
  constructor(private readonly ctx: ServiceContext) {}

  async create({ name }: { name?: string }): Promise<{ token: EnrolmentTokenInfo; secret: string }> {
    const label = typeof name === 'string' ? name.trim() : '';
    if (!label || label.length > 100) throw errors.invalid('name', '1 to 100 characters naming what the token is for', name);
    const secret = `et_${newSecret()}`;
    const [row] = await this.ctx.em
      .getConnection()
      .execute<Row[]>(`insert into enrolment_token (name, token, created_by, created_at) values (?, ?, ?, ?) returning *`, [
        label,
        secret,
        actorName(this.ctx.actor),
        this.ctx.clock.now(),
      ]);
    return { token: info(row), secret };
  }

  /** Agents can no longer enrol with it (those enrolled keep their credentials); twice is not an error. */
  async revoke(id: number): Promise<EnrolmentTokenInfo> {
    const [row] = await this.ctx.em
      .getConnection()
      .execute<Row[]>(`update enrolment_token set revoked_at = coalesce(revoked_at, ?) where id = ? returning *`, [this.ctx.clock.now(), id]);
    if (!row) throw errors.notFound('enrolment token', id);
    return info(row);
  }

  async list(): Promise<EnrolmentTokenInfo[]> {
    return (await this.ctx.em.getConnection().execute<Row[]>(`select * from enrolment_token order by id desc`)).map(info);
  }

  /** The tokens enrolments may use now (for the gateways). */
  async active(): Promise<string[]> {
    return (await this.ctx.em.getConnection().execute<Row[]>(`select token from enrolment_token where revoked_at is null`)).map((r) => r.token);
  }
}
