// One extended zod for the whole gateway (see services/schemas/zod.ts); the REST layer imports `z` from here.
export { z } from '../services/schemas/zod';
