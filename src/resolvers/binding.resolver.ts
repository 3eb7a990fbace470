import { Arg, Ctx, Mutation, Resolver } from 'type-graphql';
import type { GraphqlContext } from '../graphql/context';
import { Requires } from '../graphql/requires';
import { MAINTENANCE_OPTS } from '../services/binding.service';
import { AssociationInput } from './binding.type';

/** The generic association of `PUT /v1/config/maintenance`; the typed bind/unbind mutations do the same per pair. */
@Resolver()
export class BindingResolver {
  @Requires('config.write')
  @Mutation(() => Boolean, { description: 'Associates or dissociates objects of two kinds (see AssociationInput); true when done.' })
  async associate(@Arg('input') input: AssociationInput, @Ctx() { services }: GraphqlContext): Promise<boolean> {
    await services.bindings.maintenance({
      optionType: input.optionType,
      optionIds: input.optionIds,
      targetType: input.targetType,
      targetId: input.targetId,
      opt: input.add ? MAINTENANCE_OPTS.ADD : MAINTENANCE_OPTS.REMOVE,
    });
    return true;
  }
}
