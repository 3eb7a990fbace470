/** The SDES wire protocol shared by the gateway and the agent. See docs/protocol.md. */
export * from './protocol.topics';
export * from './step.schema';
export * from './status.schema';
export * from './event.schema';
export * from './command.schema';
export * from './live-relay.schema';
export * from './seq-ranges';
export * from './protocol.parse';
export * from './protocol.build';
export * from './ack-batcher';
export * from './text';
export * from './storable';
export * from './transfer.frame';
export * from './transfer.schema';
export * from './message-auth';
export * from './enrolment';
export * from './topic-acl';
