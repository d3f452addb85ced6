// GraphQL answers as the console shows them: a typed ValidationError names its
// field; anything else is one sentence for an error banner.
import type { CombinedError } from "urql";

export interface FieldProblem {
  field: string;
  errorCode: string;
  message: string;
}

export interface ValidationLike {
  __typename?: string;
  field: string;
  errorCode: string;
  message: string;
  errors?: FieldProblem[];
}

export function isValidationError(value: unknown): value is ValidationLike {
  return (
    typeof value === "object" &&
    value !== null &&
    (value as { __typename?: string }).__typename === "ValidationError"
  );
}

/** Every problem of a ValidationError by field path (the first one per field). */
export function problemsByField(error: ValidationLike | null | undefined): Record<string, string> {
  if (!error) return {};
  const found: Record<string, string> = {};
  const all = error.errors && error.errors.length > 0 ? error.errors : [error];
  for (const problem of all) found[problem.field] ??= problem.message;
  return found;
}

/** A sentence for an error that is not about one field. */
export function describeError(error: CombinedError | Error | null | undefined): string | null {
  if (!error) return null;
  if ("networkError" in error && error.networkError) {
    return "The server could not be reached. Check your connection and try again.";
  }
  if ("graphQLErrors" in error && error.graphQLErrors.length > 0) {
    const first = error.graphQLErrors[0];
    const code = first.extensions?.code as string | undefined;
    if (code === "FORBIDDEN") return "Your key's role may not do this.";
    if (code === "RATE_LIMITED") return "Too many requests: wait a moment and try again.";
    if (code === "DATABASE_UNAVAILABLE") return "The database is unavailable right now; try again shortly.";
    return first.message;
  }
  return error.message;
}
