import { Field, Int, ObjectType } from 'type-graphql';
import { PageOf } from './common.type';
import { AttributeType } from './enums';

@ObjectType('Attribute', { description: 'An operator-defined client property, such as "region" or "storeFormat".' })
export class AttributeObject {
  @Field(() => Int)
  id!: number;

  @Field({ description: 'Unique; dynamic groups refer to it by this name.' })
  name!: string;

  @Field(() => AttributeType)
  type!: AttributeType;

  @Field(() => String, { nullable: true, description: 'The value of clients that hold none.' })
  defaultValue!: string | null;

  @Field({ description: 'Shown in client lists.' })
  display!: boolean;

  @Field({ description: 'Values cannot be set through the API.' })
  readOnly!: boolean;

  @Field(() => Date)
  createdAt!: Date;
}

@ObjectType({ description: 'A page of attributes.' })
export class AttributePage extends PageOf(AttributeObject) {}
