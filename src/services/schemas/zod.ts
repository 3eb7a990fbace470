import { extendZodWithOpenApi } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';

// The input schemas of the services are also the REST route table's (which documents them with
// `.openapi()`). zod copies the methods a schema has when it is built, so the extension must run
// before the first schema is: every module that builds schemas imports `z` from here.
extendZodWithOpenApi(z);

export { z };
