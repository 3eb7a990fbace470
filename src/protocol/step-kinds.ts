/*
 * The step types and overwrite modes, as plain lists with no dependency, so that the console's
 * bundle takes the same definition as the protocol, the entities and the GraphQL enums.
 */

export const STEP_TYPES = [
  'COPY_FILE',
  'DELETE_FILE',
  'EXECUTE_FILE',
  'WAIT_FLAG_FILE',
  'GET_FILE_STATUS',
  'IF',
  'SEND_FILE',
  'RECV_FILE',
  'BROADCAST',
  'UPLOAD_TO_SERVER',
] as const;
export type StepType = (typeof STEP_TYPES)[number];

export const OVERWRITE_MODES = ['OVERWRITE', 'NOT_OVERWRITE', 'COMPARE_OVERWRITE'] as const;
export type OverwriteMode = (typeof OVERWRITE_MODES)[number];
