import { useGraphqlServer } from './support';

/**
 * What the console's editors read: a schedule's next fire times before it is saved
 * (schedulePreview), the clients a dynamic group's query matches before it is saved
 * (groupQueryPreview), and a task's whole script as one value (Task.script).
 */
describe('GraphQL reads for editors', () => {
  const h = useGraphqlServer();

  const SCHEDULE = `query ($expr: String!, $cycle: CycleType, $count: Int) {
    schedulePreview(executionTime: $expr, cycleType: $cycle, count: $count) { timeZone fireTimes } }`;

  describe('schedulePreview', () => {
    beforeAll(() => h.clock.set(Date.UTC(2026, 10, 29, 12, 0, 0)));

    it('lists the next five daily fire times in the management time zone', async () => {
      await h.ok('mutation { updateGeneralSettings(input: { managementServerTimeZone: "Asia/Shanghai" }) { region } }');
      const { schedulePreview } = await h.ok(SCHEDULE, { expr: '30 2 * * *' });
      // 02:30 in Shanghai is 18:30 UTC the day before; 12:00 UTC on the 29th is 20:00 in Shanghai, so the 30th comes first.
      expect(schedulePreview).toEqual({
        timeZone: 'Asia/Shanghai',
        fireTimes: ['2026-11-29T18:30:00.000Z', '2026-11-30T18:30:00.000Z', '2026-12-01T18:30:00.000Z', '2026-12-02T18:30:00.000Z', '2026-12-03T18:30:00.000Z'],
      });
      await h.ok('mutation { updateGeneralSettings(input: { managementServerTimeZone: "UTC" }) { region } }');
    });

    it('gives a ONCE schedule its single fire time and honours count', async () => {
      expect((await h.ok(SCHEDULE, { expr: '0 9 1 * *', cycle: 'ONCE' })).schedulePreview.fireTimes).toEqual(['2026-12-01T09:00:00.000Z']);
      expect((await h.ok(SCHEDULE, { expr: '0 9 1 * *', cycle: 'MONTHLY', count: 2 })).schedulePreview.fireTimes).toEqual([
        '2026-12-01T09:00:00.000Z',
        '2027-01-01T09:00:00.000Z',
      ]);
    });

    it('answers what a saved job with the same schedule answers', async () => {
      const { createJob } = await h.ok(
        'mutation { createJob(input: { name: "preview twin", cycleType: WEEKLY, executionTime: "15 6 * * MON" }) { upcomingRuns } }',
      );
      expect((await h.ok(SCHEDULE, { expr: '15 6 * * MON', cycle: 'WEEKLY' })).schedulePreview.fireTimes).toEqual(createJob.upcomingRuns);
    });

    it.each([
      ['0 25 * * *', 'hour must be 0-23'],
      ['0 0 * *', 'expected 5 fields, got 4'],
    ])('refuses %j naming executionTime (%s)', async (expr, detail) => {
      const res = await h.gql(SCHEDULE, { expr });
      expect(res.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'executionTime' });
      expect(res.errors?.[0].message).toContain(detail);
    });

    it('refuses a count out of range naming count', async () => {
      const res = await h.gql(SCHEDULE, { expr: '0 1 * * *', count: 0 });
      expect(res.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'count' });
    });
  });

  describe('groupQueryPreview', () => {
    const PREVIEW = `query ($q: GroupQueryInput!, $first: Int) { groupQueryPreview(query: $q, first: $first) { totalCount clients { mqttClientId } } }`;

    beforeAll(async () => {
      const region = (await h.ok('mutation { createAttribute(input: { name: "previewRegion", defaultValue: "south" }) { id } }')).createAttribute.id;
      for (const name of ['pv-shop-1', 'pv-shop-2', 'pv-shop-3', 'pv-hq-1']) {
        const { createClient } = await h.ok(
          `mutation { createClient(input: { mqttClientId: "${name}", role: ${name.includes('hq') ? 'SERVER' : 'STORE'} }) { id } }`,
        );
        if (name === 'pv-shop-2')
          await h.ok(`mutation { setClientAttributes(clientId: ${createClient.id}, values: [{ attributeId: ${region}, value: "north" }]) { id } }`);
      }
    });

    it('matches a client field and lists the first clients by id with the full count', async () => {
      const res = await h.ok(PREVIEW, { q: { queryProperty: 'mqttClientId', queryOperation: 'STARTS_WITH', queryValue: 'pv-shop' }, first: 2 });
      expect(res.groupQueryPreview).toEqual({ totalCount: 3, clients: [{ mqttClientId: 'pv-shop-1' }, { mqttClientId: 'pv-shop-2' }] });
    });

    it('matches an attribute, its default standing in for clients without a value', async () => {
      const north = await h.ok(PREVIEW, { q: { queryProperty: 'previewRegion', queryOperation: 'EQ', queryValue: 'north' } });
      expect(north.groupQueryPreview).toEqual({ totalCount: 1, clients: [{ mqttClientId: 'pv-shop-2' }] });
      const south = await h.ok(PREVIEW, { q: { queryProperty: 'previewRegion', queryOperation: 'IN', queryValue: 'south,west' } });
      expect(south.groupQueryPreview.clients.map((c: { mqttClientId: string }) => c.mqttClientId)).toEqual(['pv-shop-1', 'pv-shop-3', 'pv-hq-1']);
    });

    it('saves no group', async () => {
      const before = (await h.ok('{ groups { totalCount } }')).groups.totalCount;
      await h.ok(PREVIEW, { q: { queryProperty: 'role', queryOperation: 'EQ', queryValue: 'SERVER' } });
      expect((await h.ok('{ groups { totalCount } }')).groups.totalCount).toBe(before);
    });

    it('holds the members a saved group with the same query gets', async () => {
      const q = { queryProperty: 'mqttClientId', queryOperation: 'ENDS_WITH', queryValue: '-1' };
      const saved = await h.ok(
        `mutation ($q: String!) { createGroup(input: { name: "pv twin", type: DYNAMIC, queryProperty: "mqttClientId", queryOperation: ENDS_WITH, queryValue: $q }) { clientsCount clients { mqttClientId } } }`,
        {
          q: q.queryValue,
        },
      );
      const preview = (await h.ok(PREVIEW, { q })).groupQueryPreview;
      expect(preview).toEqual({ totalCount: saved.createGroup.clientsCount, clients: saved.createGroup.clients });
    });

    it('refuses an unknown property naming queryProperty', async () => {
      const res = await h.gql(PREVIEW, { q: { queryProperty: 'noSuchThing', queryOperation: 'EQ', queryValue: 'x' } });
      expect(res.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'queryProperty' });
      expect(res.errors?.[0].message).toContain('an attribute name');
    });
  });

  describe('Task.script', () => {
    const SAVE = `mutation ($id: Int!, $steps: [StepInput!]!) { saveTaskScript(taskId: $id, steps: $steps) { script } }`;
    const leaf = (depth: number): Record<string, unknown> =>
      depth === 0
        ? { type: 'EXECUTE_FILE', filePath: 'bin/deep.sh', duration: 30 }
        : { type: 'IF', conditions: [{ type: 'GET_FILE_STATUS', filePath: `flag-${depth}` }], whenTrue: [leaf(depth - 1)], whenFalse: [] };

    it('answers a script nested deeper than a field-by-field query may ask, in the shape saveTaskScript takes', async () => {
      const id = (await h.ok('mutation { createTask(input: { name: "deep script" }) { id } }')).createTask.id;
      const saved = (await h.ok(SAVE, { id, steps: [leaf(8)] })).saveTaskScript.script;
      let at = saved[0];
      for (let depth = 8; depth > 0; depth--) {
        expect(at).toMatchObject({ type: 'IF', order: 0, block: true, conditions: [{ type: 'GET_FILE_STATUS', filePath: `flag-${depth}` }], whenFalse: [] });
        at = at.whenTrue[0];
      }
      expect(at).toMatchObject({ type: 'EXECUTE_FILE', filePath: 'bin/deep.sh', duration: 30 });
      expect(at).not.toHaveProperty('targetFilePath');
      // Saved back as read, every step keeps its id.
      const again = (await h.ok(SAVE, { id, steps: saved })).saveTaskScript.script;
      expect(again).toEqual(saved);
    });
  });
});
