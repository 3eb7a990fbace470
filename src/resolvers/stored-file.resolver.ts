import { Arg, Args, Ctx, FieldResolver, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { Client } from '../entities';
import { contentPathOf, type StoredFileRow } from '../files';
import type { GraphqlContext } from '../graphql/context';
import { SERVICE_CALL } from '../graphql/cost';
import { Requires } from '../graphql/requires';
import { fileStoreOf } from '../services/service-context';
import type { FileStoreSettings as FileStoreSettingsValue } from '../services/settings.service';
import { ClientType } from './client.type';
import { checkPageArgs, defined, listFilter, PageArgs, pageRequest, toPage } from './common.type';
import { Settings } from './settings.type';
import { FileStoreSettingsInput, StoredFileFilterInput, StoredFileOrderInput } from './stored-file.input';
import { FileStoreSettings, FileStoreUsage, StoredFileObject, StoredFilePage } from './stored-file.type';

/** Stored files (src/files): the same FileStoreService methods as the /v1/files routes. */
@Resolver(() => StoredFileObject)
export class StoredFileResolver {
  @Requires('read')
  @Query(() => StoredFileObject, { description: 'One stored file by id (NOT_FOUND when there is none).' })
  storedFile(@Arg('id', () => Int) id: number, @Ctx() { services }: GraphqlContext): Promise<StoredFileRow> {
    return fileStoreOf(services.ctx).get(id);
  }

  @Requires('read')
  @Query(() => StoredFilePage, { description: 'Stored files, newest first unless orderBy says otherwise, filtered and paged.' })
  async storedFiles(
    @Arg('filter', () => StoredFileFilterInput, { nullable: true }) filter: StoredFileFilterInput | null,
    @Arg('orderBy', () => StoredFileOrderInput, { nullable: true }) order: StoredFileOrderInput | null,
    @Args({ validateFn: checkPageArgs }) page: PageArgs,
    @Ctx() { services }: GraphqlContext,
  ) {
    const orderBy = order ? { field: order.field, direction: order.direction ?? 'asc' } : undefined;
    return toPage(await fileStoreOf(services.ctx).list(listFilter(filter), pageRequest(page), orderBy), page);
  }

  @Requires('read')
  @Query(() => FileStoreUsage, { description: 'How many files and bytes the store holds.' })
  fileStoreUsage(@Ctx() { services }: GraphqlContext) {
    return fileStoreOf(services.ctx).usage();
  }

  @Requires('files.write')
  @Mutation(() => Int, { description: 'Deletes a stored file (the record, then the bytes); returns its id.' })
  async deleteStoredFile(@Arg('id', () => Int) id: number, @Ctx() { services }: GraphqlContext): Promise<number> {
    await fileStoreOf(services.ctx).delete(id);
    return id;
  }

  @FieldResolver(() => ClientType, { nullable: true, description: 'The sending client; null when none, or its record was deleted.' })
  client(@Root() file: StoredFileRow, @Ctx() { loaders }: GraphqlContext): Promise<Client | null> | null {
    return file.client ? loaders.client().load(file.client.id) : null;
  }

  @FieldResolver(() => String, { description: 'Where the bytes are downloaded (GET, Range requests), relative to the gateway: /v1/files/{id}/content.' })
  downloadUrl(@Root() file: StoredFileRow): string {
    return contentPathOf(file.id);
  }
}

/** The `files` settings section, beside the others of `settings`. */
@Resolver(() => Settings)
export class FileStoreSettingsResolver {
  @FieldResolver(() => FileStoreSettings, { ...SERVICE_CALL, description: 'Retention of the file store.' })
  files(@Ctx() { services }: GraphqlContext): Promise<FileStoreSettingsValue> {
    return services.settings.get('files');
  }

  @Requires('settings.write')
  @Mutation(() => FileStoreSettings, { description: 'Merges the given fields into the file store retention settings.' })
  async updateFileStoreSettings(@Arg('input') input: FileStoreSettingsInput, @Ctx() { services }: GraphqlContext) {
    return (await services.settings.update('files', defined(input))).value;
  }
}
