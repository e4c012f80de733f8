// What a user writes: the stack configuration keys (DESIGN section 4) and the
// component's arguments share these shapes. They are inferred from the one
// definition in config/schema.ts, which documents each field, its default and
// its rule; validation turns them into the resolved specs of types.ts.

import type { InputOf } from "./config/kit";
import type { createdBatchAccountSchema } from "./config/protection";
import type {
    batchAccountSchema,
    certificateSchema,
    configSchema,
    identitySchema,
    keyVaultExtensionSchema,
    keyVaultSchema,
    poolSchema,
} from "./config/schema";

export type CertificateInput = InputOf<typeof certificateSchema>;
export type KeyVaultInput = InputOf<typeof keyVaultSchema>;
export type IdentityInput = InputOf<typeof identitySchema>;
export type PoolInput = InputOf<typeof poolSchema>;
export type KeyVaultExtensionInput = InputOf<typeof keyVaultExtensionSchema>;
export type BatchAccountInput = InputOf<typeof batchAccountSchema>;
export type CreatedBatchAccountInput = InputOf<typeof createdBatchAccountSchema>;

/** Everything the stack configuration holds under the project's namespace. */
export type StackConfigInput = InputOf<typeof configSchema>;
