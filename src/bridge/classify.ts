// Why Temporal did not take a signal, and whether trying again can help. Permanent: the request
// itself is wrong (INVALID_ARGUMENT, a payload the converter cannot encode, a message over gRPC's
// size limit) — it is dead-lettered as `rejected:`. Everything else is transient: the server is
// unreachable or overloaded, or the bridge is misconfigured (PERMISSION_DENIED, UNAUTHENTICATED, an
// unknown namespace) — dead-lettering would empty the subscription into the dead-letter topic, so
// those are nacked, and the delivery cap bounds them. Unreachable and misconfigured alike mean no
// signal gets through: both count as an outage (the bridge's `temporal-unreachable` alert, /readyz).
import { NamespaceNotFoundError, ValueError } from '@temporalio/client';
import { errorMessage } from '../platform/errors';
import { grpcStatus } from '../platform/grpc';

const statusNames = new Map<number, string>(Object.entries(grpcStatus).map(([name, code]) => [code, name]));

export interface Classified {
  permanent: boolean;
  /**
   * No signal can get through: the server could not be reached or did not answer in time, or it
   * refuses the bridge itself (unknown namespace, permission denied, not authenticated).
   */
  unreachable: boolean;
  /** For the dead-letter reason and the log: `INVALID_ARGUMENT: <server's details>`. */
  description: string;
}

interface GrpcLike {
  code: number;
  details: string;
}

const isGrpcLike = (value: unknown): value is GrpcLike =>
  value instanceof Error &&
  typeof (value as Partial<GrpcLike>).code === 'number' &&
  typeof (value as Partial<GrpcLike>).details === 'string';

/** The first gRPC status in the cause chain (the client wraps it in a ServiceError). */
function grpcCause(error: unknown): GrpcLike | undefined {
  for (let current: unknown = error, depth = 0; current instanceof Error && depth < 10; depth += 1) {
    if (isGrpcLike(current)) return current;
    current = current.cause;
  }
  return undefined;
}

export function classifyTemporalError(error: unknown): Classified {
  if (error instanceof NamespaceNotFoundError) {
    return {
      permanent: false,
      unreachable: true,
      description: `namespace not found: ${error.namespace} (check TEMPORAL_NAMESPACE)`,
    };
  }
  // The data converter could not encode the completion: it never will.
  if (error instanceof ValueError) {
    return { permanent: true, unreachable: false, description: `payload not encodable: ${error.message}` };
  }
  const grpc = grpcCause(error);
  if (!grpc) return { permanent: false, unreachable: false, description: errorMessage(error) };
  const description = `${statusNames.get(grpc.code) ?? `gRPC status ${grpc.code}`}: ${grpc.details || errorMessage(grpc)}`;
  const unreachable =
    grpc.code === grpcStatus.UNAVAILABLE ||
    grpc.code === grpcStatus.DEADLINE_EXCEEDED ||
    grpc.code === grpcStatus.PERMISSION_DENIED ||
    grpc.code === grpcStatus.UNAUTHENTICATED ||
    (grpc.code === grpcStatus.NOT_FOUND && /namespace/i.test(grpc.details));
  switch (grpc.code) {
    case grpcStatus.INVALID_ARGUMENT:
      return { permanent: true, unreachable, description };
    case grpcStatus.RESOURCE_EXHAUSTED:
      // Rate limits are transient; a request over gRPC's message size is not.
      return {
        permanent: /larger than max|message too large|exceeds.*limit/i.test(grpc.details),
        unreachable,
        description,
      };
    default:
      return { permanent: false, unreachable, description };
  }
}
