import { JobService } from '../../src/services/job.service';
import { useServiceHarness } from '../support/services';

describe('row pages (relation-pages.ts)', () => {
  const h = useServiceHarness();
  const jobs = () => new JobService(h.ctx());

  beforeAll(async () => {
    h.clock.set(Date.UTC(2026, 0, 1));
    for (const name of ['alpha-1', 'alpha-2', 'beta-1']) await jobs().create({ name });
    h.clock.set(Date.UTC(2026, 5, 1));
    for (const name of ['alpha-3', 'gamma-1']) await jobs().create({ name });
  });

  const names = async (request: Parameters<JobService['list']>[0]) => (await jobs().list(request)).items.map((j) => j.name);

  it('answers each filter with its own values when the compiled page of the same shape is reused', async () => {
    expect(await names({ filter: { nameContains: 'alpha' } })).toEqual(['alpha-1', 'alpha-2', 'alpha-3']);
    expect(await names({ filter: { nameContains: 'beta' } })).toEqual(['beta-1']);
    expect(await names({ filter: { nameContains: 'alpha' }, page: { pageNo: 2, pageSize: 2 } })).toEqual(['alpha-3']);
    const early = { createdAt: { gte: Date.UTC(2025, 11, 31), lte: Date.UTC(2026, 0, 2) } };
    const late = { createdAt: { gte: Date.UTC(2026, 4, 1), lte: Date.UTC(2026, 6, 1) } };
    expect(await names({ filter: early })).toEqual(['alpha-1', 'alpha-2', 'beta-1']);
    expect(await names({ filter: late })).toEqual(['alpha-3', 'gamma-1']);
    expect(await names({ filter: early, orderBy: { field: 'name', direction: 'desc' } })).toEqual(['beta-1', 'alpha-2', 'alpha-1']);
  });

  it('reads only the asked columns, and every column otherwise', async () => {
    const pruned = await jobs().list({ filter: { nameContains: 'gamma' }, fields: ['name'] });
    expect(pruned.items[0]).toEqual({ id: expect.any(Number), name: 'gamma-1' });
    const whole = await jobs().list({ filter: { nameContains: 'gamma' }, fields: ['name', 'noSuchField'] });
    expect(whole.items[0]).toMatchObject({ name: 'gamma-1', enabled: true, duration: 3600, createdAt: new Date(Date.UTC(2026, 5, 1)) });
  });
});
