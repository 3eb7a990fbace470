import { Arg, Args, Ctx, Int, Mutation, Query, Resolver } from 'type-graphql';
import type { Attribute } from '../entities';
import type { GraphqlContext } from '../graphql/context';
import { Requires } from '../graphql/requires';
import type { AttributeInput } from '../services/attribute.service';
import { withFieldsRenamed } from '../services/errors';
import { AttributePage, AttributeObject } from './attribute.type';
import { CreateAttributeInput, UpdateAttributeInput } from './attribute.input';
import { checkPageArgs, PageArgs, pageRequest, toPage } from './common.type';
import { AttributeOrderInput, orderBy as orderOf } from './ordering.input';

function attributeInput(input: CreateAttributeInput | UpdateAttributeInput): AttributeInput {
  return { attributeName: input.name, type: input.type, defaultValue: input.defaultValue, display: input.display, readOnly: input.readOnly };
}

/** The service names the name `attributeName`, GraphQL's input `name`. */
const graphqlName = (err: unknown) => withFieldsRenamed(err, (field) => (field === 'attributeName' ? 'name' : field));

@Resolver(() => AttributeObject)
export class AttributeResolver {
  @Requires('read')
  @Query(() => AttributeObject, { description: 'One attribute definition by id (NOT_FOUND when there is none).' })
  attribute(@Arg('id', () => Int) id: number, @Ctx() { services }: GraphqlContext): Promise<Attribute> {
    return services.attributes.get(id);
  }

  @Requires('read')
  @Query(() => AttributePage, { description: 'Attribute definitions, sorted (by id unless orderBy says otherwise) and paged.' })
  async attributes(
    @Arg('orderBy', () => AttributeOrderInput, { nullable: true }) order: AttributeOrderInput | null,
    @Args({ validateFn: checkPageArgs }) page: PageArgs,
    @Ctx() { services }: GraphqlContext,
  ) {
    return toPage(await services.attributes.list({ orderBy: orderOf(order), page: pageRequest(page) }), page);
  }

  @Requires('config.write')
  @Mutation(() => AttributeObject, { description: 'Defines a client attribute; names are unique.' })
  createAttribute(@Arg('input') input: CreateAttributeInput, @Ctx() { services }: GraphqlContext): Promise<Attribute> {
    return services.attributes.create(attributeInput(input)).catch((err) => {
      throw graphqlName(err);
    });
  }

  @Requires('config.write')
  @Mutation(() => AttributeObject, { description: 'Changes a definition; dynamic groups that query it are re-evaluated.' })
  updateAttribute(@Arg('input') input: UpdateAttributeInput, @Ctx() { services }: GraphqlContext): Promise<Attribute> {
    return services.attributes.update(input.id, attributeInput(input)).catch((err) => {
      throw graphqlName(err);
    });
  }

  @Requires('config.write')
  @Mutation(() => Int, { description: "Deletes a definition and every client's value of it; returns its id." })
  async deleteAttribute(@Arg('id', () => Int) id: number, @Ctx() { services }: GraphqlContext): Promise<number> {
    await services.attributes.delete(id);
    return id;
  }
}
