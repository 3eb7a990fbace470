export * from './scheduler';
export * from './fire-plan';
