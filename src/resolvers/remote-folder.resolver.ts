import { GraphQLSafeInt } from 'graphql-scalars';
import { Arg, Ctx, Field, Int, Mutation, ObjectType, Query, Resolver } from 'type-graphql';
import type { StoredFileRow } from '../files';
import type { GraphqlContext } from '../graphql/context';
import { Requires } from '../graphql/requires';
import { remoteFoldersOf } from '../services/service-context';
import type { RemoteFolderListing } from '../services/transfer';
import { StoredFileObject } from './stored-file.type';

@ObjectType({ description: "One entry of a folder on an agent's machine." })
export class RemoteFolderEntry {
  @Field()
  name!: string;

  @Field({ description: 'file, folder or other (links and special files).' })
  type!: string;

  @Field(() => GraphQLSafeInt, { description: 'Bytes (files; 0 otherwise).' })
  size!: number;

  @Field(() => GraphQLSafeInt, { description: 'Last modification, epoch ms on the agent.' })
  modifiedAt!: number;
}

@ObjectType({ description: "A folder of an ONLINE agent's machine, within its roots." })
export class RemoteFolder {
  @Field(() => Int)
  clientId!: number;

  @Field({ description: 'The folder as the agent resolved it (absolute).' })
  path!: string;

  @Field(() => [RemoteFolderEntry])
  entries!: RemoteFolderEntry[];

  @Field({ description: 'More than the 1000 entries listed are there.' })
  truncated!: boolean;
}

/** Remote folders (the original's `dir` and `download`), the same service as /v1/clients/{clientId}/folder. */
@Resolver()
export class RemoteFolderResolver {
  @Requires('read')
  @Query(() => RemoteFolder, {
    description:
      'Lists a folder of an ONLINE client (empty path: its first root). CONFLICT when it is offline, UNAVAILABLE when it does not answer within 10 s.',
  })
  remoteFolder(
    @Arg('clientId', () => Int) clientId: number,
    @Arg('path', () => String, { defaultValue: '' }) path: string,
    @Ctx() { services }: GraphqlContext,
  ): Promise<RemoteFolderListing> {
    return remoteFoldersOf(services.ctx).list(clientId, path);
  }

  @Requires('files.write')
  @Mutation(() => StoredFileObject, {
    description: 'Fetches one file of an ONLINE client into the file store; answers when it is there (COMPLETE, SHA-256 checked).',
  })
  fetchRemoteFile(
    @Arg('clientId', () => Int) clientId: number,
    @Arg('path', () => String) path: string,
    @Ctx() { services }: GraphqlContext,
  ): Promise<StoredFileRow> {
    return remoteFoldersOf(services.ctx).fetch(clientId, path);
  }
}
