import { extendZodWithOpenApi } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';

// `.openapi()` (descriptions, examples) must exist on every schema the route table builds, so the
// extension runs once here and the REST layer imports `z` from this module only.
extendZodWithOpenApi(z);

export { z };
