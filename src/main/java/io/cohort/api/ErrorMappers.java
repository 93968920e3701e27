package io.cohort.api;

import io.cohort.api.error.ApiError;
import io.cohort.ingest.InvalidBatchException;
import io.cohort.ingest.NativeFormatException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.ExceptionMapper;

/** Maps the stages' error types to 4xx JSON bodies. */
public final class ErrorMappers {
    private ErrorMappers() {}

    public static final class InvalidBatch implements ExceptionMapper<InvalidBatchException> {
        @Override public Response toResponse(InvalidBatchException e) {
            return json(400, new ApiError(400, "batch rejected: nothing of it was stored", e.errors()));
        }
    }

    public static final class NativeFormat implements ExceptionMapper<NativeFormatException> {
        @Override public Response toResponse(NativeFormatException e) {
            return json(400, new ApiError(400, "native payload rejected: " + e.getMessage(), e.errors()));
        }
    }

    /** A batch arriving during shutdown: 503 with Retry-After, so clients send it again after the restart. */
    public static final class ShuttingDown implements ExceptionMapper<io.cohort.pipeline.Pipeline.ClosedException> {
        @Override public Response toResponse(io.cohort.pipeline.Pipeline.ClosedException e) {
            return retryLater(30, e.getMessage());
        }
    }

    /** 503 with Retry-After: the request was fine, the service cannot take it now. */
    static Response retryLater(int seconds, String message) {
        return Response.fromResponse(json(503, new ApiError(503, message))).header("Retry-After", Integer.toString(seconds)).build();
    }

    static Response json(int status, ApiError body) {
        return Response.status(status).type(MediaType.APPLICATION_JSON_TYPE).entity(body).build();
    }
}
