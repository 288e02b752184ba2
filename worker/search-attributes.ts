// The worker's start-up check that the namespace has every search attribute the workflows upsert, with its type.
// Without it, each session's first upsertSearchAttributes would fail its workflow task over and over; with it the
// worker refuses to start with one line that names what is missing and how to add it.
import type { NativeConnection } from '@temporalio/worker';
import proto from '@temporalio/proto';
import { AGENT_STATE_SA, DAILY_AUTH_DATE_SA, EKO_USER_CODE_SA, EKYC_STAGE_SA } from '../workflows/messages.js';
import { WEBHOOK_FAILURES_SA } from '../events/model.js';

// @temporalio/proto is CommonJS: under Node's own ESM loader (the built CLI) only its default export exists.
const { IndexedValueType } = proto.temporal.api.enums.v1;

/** Every search attribute a workflow of this worker upserts. */
export const REQUIRED_SEARCH_ATTRIBUTES = [
  EKYC_STAGE_SA,
  EKO_USER_CODE_SA,
  AGENT_STATE_SA,
  DAILY_AUTH_DATE_SA,
  WEBHOOK_FAILURES_SA,
].map((key) => ({
  name: key.name,
  type: key.type,
}));

// SDK search attribute types (KEYWORD, TEXT, …) against the server's IndexedValueType enum names.
const indexedName = (type: string) => `INDEXED_VALUE_TYPE_${type.toUpperCase()}`;
const display = (type: string) => type.charAt(0).toUpperCase() + type.slice(1).toLowerCase();

export class NamespaceSetupError extends Error {
  readonly code = 'NAMESPACE_SETUP';
  constructor(message: string) {
    super(message);
    this.name = 'NamespaceSetupError';
  }
}

/** What the namespace lacks (or has with another type), as `Name (Type)`; empty when all is there. */
export function missingSearchAttributes(registered: Record<string, unknown>): { name: string; type: string }[] {
  return REQUIRED_SEARCH_ATTRIBUTES.filter(({ name, type }) => {
    const have = registered[name];
    const haveName = typeof have === 'number' ? IndexedValueType[have] : have;
    return haveName !== indexedName(type);
  });
}

export async function checkSearchAttributes(
  connection: NativeConnection,
  namespace: string,
  warn: (message: string) => void,
): Promise<void> {
  let registered: Record<string, unknown>;
  try {
    const response = await connection.operatorService.listSearchAttributes({ namespace });
    registered = (response.customAttributes ?? {}) as Record<string, unknown>;
  } catch (err) {
    const code = (err as { code?: number }).code;
    // 7 PERMISSION_DENIED, 12 UNIMPLEMENTED: a host (e.g. Temporal Cloud with a restricted key) that does not let
    // workers list them. Go on, but say so; anything else (the server is down) stops the worker.
    if (code === 7 || code === 12) {
      warn(`could not list the search attributes of namespace "${namespace}" (${(err as Error).message}); not checked`);
      return;
    }
    throw err;
  }
  const missing = missingSearchAttributes(registered);
  if (missing.length === 0) return;
  const names = missing.map((a) => `${a.name} (${display(a.type)})`).join(', ');
  const commands = missing
    .map(
      (a) =>
        `temporal operator search-attribute create --namespace ${namespace} --name ${a.name} --type ${display(a.type)}`,
    )
    .join(' && ');
  throw new NamespaceSetupError(
    `namespace "${namespace}" lacks the search attributes ${names}: add them with \`${commands}\` (or run deploy/temporal/init-namespace.sh), then start the worker again`,
  );
}
