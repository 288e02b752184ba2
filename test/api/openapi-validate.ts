// Checks observed HTTP responses against an OpenAPI 3.1 document: the operation of the route, the status (or its
// NXX range), the content type, and the JSON body against the schema (JSON Schema 2020-12, as OpenAPI 3.1 uses).
import { Ajv2020 } from 'ajv/dist/2020.js';

export interface Observed {
  method: string;
  /** Fastify's route template (`/v1/ekyc/:userCode`); undefined when no route matched. */
  route: string | undefined;
  status: number;
  contentType: string;
  body: string | undefined;
}

const openapiPath = (url: string) => url.replace(/:([A-Za-z]+)/g, '{$1}');

type Json = Record<string, unknown>;

/** The schema with every local `$ref` (`#/components/…`) replaced by what it points at. */
function inline(node: unknown, doc: Json, depth = 0): unknown {
  if (depth > 20 || node === null || typeof node !== 'object') return node;
  if (Array.isArray(node)) return node.map((n) => inline(n, doc, depth + 1));
  const ref = (node as Json).$ref;
  if (typeof ref === 'string' && ref.startsWith('#/')) {
    const target = ref
      .slice(2)
      .split('/')
      .reduce<unknown>((at, key) => (at as Json)?.[key], doc);
    return inline(target, doc, depth + 1);
  }
  return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, inline(v, doc, depth + 1)]));
}

/** One line per response that the document does not describe; empty when all match. */
export function responseViolations(doc: Json, responses: Observed[]): string[] {
  const ajv = new Ajv2020({ strict: false, validateFormats: false, allErrors: true });
  const paths = doc.paths as Record<string, Record<string, Json>>;
  const out: string[] = [];
  for (const r of responses) {
    // Unmatched URLs (answered by the not-found handler), the page's static files and HEAD have no operation.
    if (!r.route || r.route.includes('*') || r.method === 'HEAD' || r.method === 'OPTIONS') continue;
    const where = `${r.method} ${r.route} → ${r.status}`;
    const operation = paths[openapiPath(r.route)]?.[r.method.toLowerCase()];
    if (!operation) {
      out.push(`${where}: no operation in the document`);
      continue;
    }
    const responsesOf = operation.responses as Record<string, Json>;
    const spec = responsesOf[String(r.status)] ?? responsesOf[`${String(r.status)[0]}XX`] ?? responsesOf.default;
    if (!spec) {
      out.push(`${where}: status not documented`);
      continue;
    }
    if (!r.body) continue;
    const mediaType = r.contentType.split(';')[0].trim();
    const content = spec.content as Record<string, { schema?: unknown }> | undefined;
    const media = content?.[mediaType];
    if (!media) {
      out.push(`${where}: content type ${mediaType} not documented`);
      continue;
    }
    if (!mediaType.endsWith('json') || !media.schema) continue;
    const validate = ajv.compile(inline(media.schema, doc) as Json);
    if (!validate(JSON.parse(r.body))) out.push(`${where}: ${ajv.errorsText(validate.errors)}`);
  }
  return out;
}
