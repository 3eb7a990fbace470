import { Field, InputType, Int, registerEnumType } from 'type-graphql';

export enum AssociationKind {
  JOB = 0,
  TASK = 1,
  GROUP = 2,
  CLIENT = 3,
}
registerEnumType(AssociationKind, {
  name: 'AssociationKind',
  description: "What an association names (the REST maintenance route's 0 job, 1 task, 2 group, 3 client).",
});

@InputType({
  description:
    'The REST maintenance association: associate (or, with add: false, dissociate) each of optionIds with targetId. Pairs: job–task, job–group, job–client, group–client (static groups), in either direction.',
})
export class AssociationInput {
  @Field(() => AssociationKind)
  optionType!: AssociationKind;

  @Field(() => [Int])
  optionIds!: number[];

  @Field(() => AssociationKind)
  targetType!: AssociationKind;

  @Field(() => Int)
  targetId!: number;

  @Field({ defaultValue: true, description: 'true: associate; false: remove the association.' })
  add: boolean = true;
}
