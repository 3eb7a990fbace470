import {
  GraphQLError,
  Kind,
  getOperationAST,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLObjectType,
  type GraphQLSchema,
  type SelectionSetNode,
} from 'graphql';
import { Extensions, UseMiddleware, type MiddlewareFn } from 'type-graphql';
import { authorize, runOperation } from '../auth/operation';
import { isPermission, type Permission } from '../auth/permissions';
import { errors, isAppError } from '../services/errors';
import type { ServiceContext } from '../services/service-context';
import type { GraphqlContext } from './context';
import { graphqlCode } from './errors';

/**
 * Declares who may call a root field (query, mutation or subscription): the permission goes into
 * the field's `extensions.permission`, where the pre-check and the tests read it, and a middleware
 * runs the field through `runOperation` (src/auth/operation.ts), which authorises and audits it.
 * Every root field carries one; test/auth/roles.test.ts fails on a field without.
 */
export function Requires(permission: Permission): MethodDecorator {
  const guard: MiddlewareFn<GraphqlContext> = ({ context, info, args }, next) =>
    runOperation(context.services.ctx, { name: info.fieldName, permission, input: Object.keys(args).length ? args : undefined }, next);
  return (target, key, descriptor) => {
    Extensions({ permission })(target, key, descriptor);
    UseMiddleware(guard)(target, key, descriptor);
  };
}

/** The permission a root field declares, or undefined. Introspection needs `read`. */
export function permissionOf(type: GraphQLObjectType, field: string): Permission | undefined {
  if (field === '__schema' || field === '__type') return 'read';
  const declared = type.getFields()[field]?.extensions?.permission;
  return isPermission(declared) ? declared : undefined;
}

function collectRootFields(selections: SelectionSetNode, fragments: Map<string, FragmentDefinitionNode>, out: Set<string>, seen = new Set<string>()): void {
  for (const s of selections.selections) {
    if (s.kind === Kind.FIELD) out.add(s.name.value);
    else if (s.kind === Kind.INLINE_FRAGMENT) collectRootFields(s.selectionSet, fragments, out, seen);
    else if (!seen.has(s.name.value)) {
      seen.add(s.name.value);
      const fragment = fragments.get(s.name.value);
      if (fragment) collectRootFields(fragment.selectionSet, fragments, out, seen);
    }
  }
}

/** The root fields an operation of the document selects (through fragments too), `__typename` left out. */
export function rootFieldsOf(
  document: DocumentNode,
  operationName?: string | null,
): { type: 'query' | 'mutation' | 'subscription'; fields: string[] } | undefined {
  const operation = getOperationAST(document, operationName);
  if (!operation) return undefined;
  const fragments = new Map(document.definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION).map((d) => [d.name.value, d]));
  const fields = new Set<string>();
  collectRootFields(operation.selectionSet, fragments, fields);
  fields.delete('__typename');
  return { type: operation.operation, fields: [...fields] };
}

/**
 * Authorises a whole operation before any of it runs, so that a document whose second mutation
 * is forbidden does not run its first, and so that HTTP can answer 401 or 403. Returns the
 * GraphQLError to answer with, or undefined when every root field is allowed.
 */
export async function precheckOperation(
  schema: GraphQLSchema,
  ctx: ServiceContext,
  document: DocumentNode,
  operationName?: string | null,
): Promise<GraphQLError | undefined> {
  const root = rootFieldsOf(document, operationName);
  if (!root) return undefined;
  const type = root.type === 'query' ? schema.getQueryType() : root.type === 'mutation' ? schema.getMutationType() : schema.getSubscriptionType();
  if (!type) return undefined;
  try {
    for (const field of root.fields) {
      const permission = permissionOf(type, field);
      // A root field without a declaration is refused to everyone rather than open to everyone.
      if (!permission) throw errors.forbidden(`${field}: declares no permission, so nobody may call it`);
      await authorize(ctx, { name: field, permission });
    }
  } catch (err) {
    if (!isAppError(err)) throw err;
    const status = err.code === 'UNAUTHENTICATED' ? 401 : err.code === 'FORBIDDEN' ? 403 : undefined;
    return new GraphQLError(err.message, { extensions: { code: graphqlCode(err.code), ...(status ? { http: { status } } : {}) } });
  }
  return undefined;
}
