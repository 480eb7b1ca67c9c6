// Schemas shared by every route file: the problem document and the error answers a route declares.
import { Type } from 'typebox'

export const ProblemSchema = Type.Object(
  {
    type: Type.String(),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.String(),
    code: Type.String({ description: 'stable machine-readable error code' }),
    permission: Type.Optional(Type.String({ description: 'forbidden: the missing permission' })),
    errors: Type.Optional(
      Type.Array(
        Type.Object({
          in: Type.String(),
          path: Type.String({ description: 'JSON pointer to the field' }),
          message: Type.String(),
        }),
      ),
    ),
  },
  { description: 'An RFC 9457 problem document (application/problem+json)' },
)

type ErrorStatus = 400 | 401 | 403 | 404 | 409 | 410 | 413 | 415 | 429 | 502 | 503

/** The error answers of a route, for the OpenAPI document. */
export function problems(...statuses: ErrorStatus[]): Record<number, typeof ProblemSchema> {
  return Object.fromEntries(statuses.map((status) => [status, ProblemSchema]))
}

/** An answer without a body (202, 204). */
export const NoContent = Type.Unsafe<void>({ description: 'No content' })
export const Accepted = Type.Unsafe<void>({ description: 'Accepted' })
