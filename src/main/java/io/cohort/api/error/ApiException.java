package io.cohort.api.error;

import io.cohort.record.FieldError;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.WebApplicationException;
import java.util.List;

/** A client error with a JSON {@link ApiError} body. */
public class ApiException extends WebApplicationException {
    public ApiException(int status, String message) {
        this(status, message, List.of());
    }

    public ApiException(int status, String message, List<FieldError> errors) {
        super(message, Response.status(status).type(MediaType.APPLICATION_JSON_TYPE)
                .entity(new ApiError(status, message, errors)).build());
    }

    public static ApiException notFound(String what) { return new ApiException(404, what); }

    public static ApiException badRequest(String message) { return new ApiException(400, message); }

    /** 429 with Retry-After: the request is fine, the service runs as many of its kind as it allows. */
    public static ApiException tooManyRequests(String message, int retryAfterSeconds) {
        return new ApiException(Response.fromResponse(new ApiException(429, message).getResponse())
                .header("Retry-After", Integer.toString(retryAfterSeconds)).build(), message);
    }

    private ApiException(Response response, String message) {
        super(message, response);
    }
}
