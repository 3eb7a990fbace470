import type { StepType } from '../../protocol';
import { broadcast } from './broadcast';
import { copyFile } from './copy-file';
import { deleteFile } from './delete-file';
import { executeFile } from './execute-file';
import { getFileStatus } from './get-file-status';
import { ifStep } from './if';
import type { StepExecutor } from './step-executor';
import { uploadToServer } from './upload-to-server';
import { recvFile } from './recv-file';
import { sendFile } from './send-file';
import { waitFlagFile } from './wait-flag-file';

/** One executor per step type; the Record makes a new step type fail the type check until it has one. */
const executors: Record<StepType, StepExecutor> = {
  COPY_FILE: copyFile,
  DELETE_FILE: deleteFile,
  EXECUTE_FILE: executeFile,
  WAIT_FLAG_FILE: waitFlagFile,
  GET_FILE_STATUS: getFileStatus,
  IF: ifStep,
  SEND_FILE: sendFile,
  RECV_FILE: recvFile,
  BROADCAST: broadcast,
  UPLOAD_TO_SERVER: uploadToServer,
};

export const executorFor = (type: StepType): StepExecutor => executors[type];
