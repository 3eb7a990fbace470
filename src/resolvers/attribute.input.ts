import { Field, InputType, Int } from 'type-graphql';
import { AttributeType } from './enums';

@InputType()
export class CreateAttributeInput {
  @Field()
  name!: string;

  @Field(() => AttributeType, { defaultValue: AttributeType.STRING })
  type: AttributeType = AttributeType.STRING;

  @Field(() => String, { nullable: true, description: 'Must suit the type (a number for NUMBER, "true"/"false" for BOOLEAN, a date for DATE).' })
  defaultValue?: string | null;

  @Field({ defaultValue: true })
  display: boolean = true;

  @Field({ defaultValue: false })
  readOnly: boolean = false;
}

@InputType({ description: 'Changes to an attribute definition; fields left out stay as they are.' })
export class UpdateAttributeInput {
  @Field(() => Int)
  id!: number;

  @Field(() => String, { nullable: true })
  name?: string | null;

  @Field(() => AttributeType, { nullable: true })
  type?: AttributeType | null;

  @Field(() => String, { nullable: true })
  defaultValue?: string | null;

  @Field(() => Boolean, { nullable: true })
  display?: boolean | null;

  @Field(() => Boolean, { nullable: true })
  readOnly?: boolean | null;
}
