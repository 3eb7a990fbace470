import { IsInt, IsOptional, Length, MaxLength, Min } from 'class-validator';
import { Field, InputType, Int } from 'type-graphql';
import { AttributeType } from './enums';

@InputType()
export class CreateAttributeInput {
  @Field()
  @Length(1, 255)
  name!: string;

  @Field(() => AttributeType, { defaultValue: AttributeType.STRING })
  type: AttributeType = AttributeType.STRING;

  @Field(() => String, { nullable: true, description: 'Must suit the type (a number for NUMBER, "true"/"false" for BOOLEAN, a date for DATE).' })
  @IsOptional()
  @MaxLength(4096)
  defaultValue?: string | null;

  @Field({ defaultValue: true })
  display: boolean = true;

  @Field({ defaultValue: false })
  readOnly: boolean = false;
}

@InputType({ description: 'Changes to an attribute definition; fields left out stay as they are.' })
export class UpdateAttributeInput {
  @Field(() => Int)
  @IsInt()
  @Min(1)
  id!: number;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @Length(1, 255)
  name?: string | null;

  @Field(() => AttributeType, { nullable: true })
  type?: AttributeType | null;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @MaxLength(4096)
  defaultValue?: string | null;

  @Field(() => Boolean, { nullable: true })
  display?: boolean | null;

  @Field(() => Boolean, { nullable: true })
  readOnly?: boolean | null;
}
