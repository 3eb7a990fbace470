import type { AddressInfo } from 'node:net';
import { GraphQLNonNull, GraphQLObjectType, GraphQLSchema, GraphQLString, parse, type ExecutionArgs } from 'graphql';
import WebSocket, { WebSocketServer } from 'ws';
import type { Actor } from '../../src/auth/actor';
import { createSharedSubscriptions, sharedSubscriptionKey } from '../../src/graphql/shared-subscriptions';
import { createLivePubSub, type ClientStatusEvent } from '../../src/live/pubsub';

/**
 * The shared path with a payload that depends on who asks (the gateway's live types do not yet,
 * so a small schema stands in): `note` is shown to admins only, as a field-level rule would.
 */
const pubsub = createLivePubSub();
let executions = 0;
const Status = new GraphQLObjectType({
  name: 'Status',
  fields: { mqttClientId: { type: GraphQLString }, status: { type: GraphQLString }, note: { type: GraphQLString } },
});
const schema = new GraphQLSchema({
  query: new GraphQLObjectType({ name: 'Query', fields: { ok: { type: GraphQLString } } }),
  subscription: new GraphQLObjectType({
    name: 'Subscription',
    fields: {
      status: {
        type: Status,
        args: { mqttClientId: { type: new GraphQLNonNull(GraphQLString) } },
        subscribe: (_root, args: { mqttClientId: string }) => pubsub.subscribe('CLIENT_STATUS', args.mqttClientId),
        resolve: (event: ClientStatusEvent, _args, { actor }: { actor: Actor }) => {
          executions++;
          return { ...event, note: actor.role === 'admin' ? `${event.mqttClientId} seen by ${actor.role}` : null };
        },
      },
    },
  }),
});

const admin = (name: string): Actor => ({ kind: 'user', userId: 1, username: name, role: 'admin', sessionId: 1, door: 'graphql-ws' });
const viewer: Actor = { kind: 'user', userId: 2, username: 'vera', role: 'viewer', sessionId: 2, door: 'graphql-ws' };
const QUERY = 'subscription ($id: String!) { status(mqttClientId: $id) { mqttClientId status note } }';

describe('shared subscriptions', () => {
  let server: WebSocketServer;
  const serverSockets: WebSocket[] = [];
  const clients: { socket: WebSocket; frames: unknown[] }[] = [];
  const shared = createSharedSubscriptions({ serialize: (result) => JSON.stringify(result), maxPendingBytes: 1024 * 1024 });

  beforeAll(async () => {
    server = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    server.on('connection', (socket) => serverSockets.push(socket));
    await new Promise((resolve) => server.once('listening', resolve));
    for (let i = 0; i < 4; i++) {
      const socket = new WebSocket(`ws://127.0.0.1:${(server.address() as AddressInfo).port}`);
      const client = { socket, frames: [] as unknown[] };
      socket.on('message', (data) => client.frames.push(JSON.parse(String(data))));
      await new Promise((resolve) => socket.once('open', resolve));
      clients.push(client);
    }
    while (serverSockets.length < 4) await new Promise((resolve) => setTimeout(resolve, 10));
  });
  afterAll(async () => {
    for (const { socket } of clients) socket.close();
    await new Promise((resolve) => server.close(resolve));
  });

  const join = (actor: Actor, socket: number, id: string, mqttClientId: string) => {
    const variables = { id: mqttClientId };
    const args: ExecutionArgs = { schema, document: parse(QUERY), variableValues: variables, contextValue: { actor } };
    return shared.subscribe(args, { socket: serverSockets[socket]!, id, key: sharedSubscriptionKey(actor, { query: QUERY, variables }) });
  };
  const framesOf = async (client: number, count: number) => {
    for (let i = 0; i < 100 && clients[client]!.frames.length < count; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    return clients[client]!.frames;
  };

  it('executes once per scope, sends each scope its own answer and other clients nothing', async () => {
    const held = await Promise.all([
      join(admin('ada'), 0, 'a', 'shop-7'),
      join(admin('alan'), 1, 'b', 'shop-7'),
      join(viewer, 2, 'c', 'shop-7'),
      join(admin('ada'), 3, 'd', 'shop-1'),
    ]);
    expect(shared.stats()).toEqual({ groups: 3, subscribers: 4 });

    pubsub.publish('CLIENT_STATUS', { clientId: 7, mqttClientId: 'shop-7', status: 'ONLINE', at: 1 });
    const seenByAdmin = { data: { status: { mqttClientId: 'shop-7', status: 'ONLINE', note: 'shop-7 seen by admin' } } };
    expect(await framesOf(0, 1)).toEqual([{ id: 'a', type: 'next', payload: seenByAdmin }]);
    expect(await framesOf(1, 1)).toEqual([{ id: 'b', type: 'next', payload: seenByAdmin }]);
    expect(await framesOf(2, 1)).toEqual([{ id: 'c', type: 'next', payload: { data: { status: { mqttClientId: 'shop-7', status: 'ONLINE', note: null } } } }]);
    // Two admins, one execution; the viewer, another.
    expect(executions).toBe(2);

    pubsub.publish('CLIENT_STATUS', { clientId: 1, mqttClientId: 'shop-1', status: 'OFFLINE', at: 2 });
    expect(await framesOf(3, 1)).toEqual([
      { id: 'd', type: 'next', payload: { data: { status: { mqttClientId: 'shop-1', status: 'OFFLINE', note: 'shop-1 seen by admin' } } } },
    ]);

    for (const iterator of held) if (Symbol.asyncIterator in iterator) await iterator.return(undefined);
    expect(shared.stats()).toEqual({ groups: 0, subscribers: 0 });
  });

  it('stops sending to a subscriber once it has left, and keeps sending to the others', async () => {
    const first = await join(admin('ada'), 0, 'e', 'shop-8');
    const second = await join(admin('alan'), 1, 'f', 'shop-8');
    const before = [clients[0]!.frames.length, clients[1]!.frames.length];
    if (Symbol.asyncIterator in first) await first.return(undefined);
    pubsub.publish('CLIENT_STATUS', { clientId: 8, mqttClientId: 'shop-8', status: 'ONLINE', at: 3 });
    const frames = await framesOf(1, before[1]! + 1);
    expect(frames.at(-1)).toMatchObject({ id: 'f', payload: { data: { status: { mqttClientId: 'shop-8' } } } });
    expect(clients[0]!.frames.length).toBe(before[0]);
    if (Symbol.asyncIterator in second) await second.return(undefined);
  });
});
