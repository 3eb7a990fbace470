// The REST router parses paths, queries and bodies with the parser the services use for their
// inputs, so a refusal reads the same whichever layer finds it.
export { fieldName, issueToError, parsePart, type InputPart } from '../services/schemas/parse';
