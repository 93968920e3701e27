package io.cohort.api;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import io.cohort.api.error.ApiError;
import io.cohort.record.FieldError;
import io.cohort.store.TransientFailures;
import io.dropwizard.jersey.validation.ConstraintMessage;
import io.dropwizard.jersey.validation.JerseyViolationException;
import jakarta.ws.rs.NotAcceptableException;
import jakarta.ws.rs.NotAllowedException;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.NotSupportedException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Request;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import jakarta.ws.rs.ext.ExceptionMapper;
import java.util.List;
import java.util.TreeSet;
import org.glassfish.jersey.server.ParamException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Replaces Dropwizard's and Jersey's default error bodies with {@link ApiError}s that say what
 * went wrong and how to fix it, and makes every unexpected failure a logged 500 carrying the
 * request id (the same as the X-Request-Id response header and the requestId in the log).
 * Registering a mapper for the same type as one of Dropwizard's defaults overrides that default.
 */
public final class FrameworkErrors {
    private static final Logger LOG = LoggerFactory.getLogger(FrameworkErrors.class);

    private FrameworkErrors() {}

    /** Every mapper here, for registration in one go. */
    public static List<Object> all() {
        return List.of(new ClientErrors(), new Unexpected(), new IllegalState(), new Json(), new Violations());
    }

    /**
     * The 500 answer: logged with the request id, which the body and header repeat. A failure of
     * the database that a later attempt may not meet (a lock wait timed out, a lost connection:
     * {@link TransientFailures}) is a 503 with Retry-After instead: the request was fine.
     */
    static Response unexpected(Throwable e) {
        String id = RequestIds.current();
        var reason = TransientFailures.reason(e);
        if (reason.isPresent()) {
            String why = reason.get();
            // One line each (TransientFailures.reason); the stack at DEBUG.
            LOG.warn("request {}: the database could not complete it now ({}); answered 503", id, why);
            LOG.debug("request {}: the database's failure", id, e);
            return ErrorMappers.retryLater(5, "the database could not complete this request now (" + why + "); send it "
                    + "again in a few seconds. A batch answered so was not acknowledged: sending it again is safe, records "
                    + "are keyed (request id " + id + ")");
        }
        LOG.error("request {} failed unexpectedly", id, e);
        return ErrorMappers.json(500, new ApiError(500, "internal error; it was logged with request id " + id
                + ": quote it when reporting the problem"));
    }

    /**
     * Jersey's own client errors (404 no such path, 405, 406, 415, bad query parameters) arrive
     * as WebApplicationExceptions without a body. ApiExceptions carry their body and never get here.
     */
    public static final class ClientErrors implements ExceptionMapper<WebApplicationException> {
        @Context private UriInfo uri;
        @Context private Request request;
        @Context private HttpHeaders headers;

        @Override public Response toResponse(WebApplicationException e) {
            Response r = e.getResponse();
            if (r.hasEntity()) return r;
            int status = r.getStatus();
            if (status >= 500) return unexpected(e);
            String message;
            if (e instanceof ParamException pe && !(e instanceof ParamException.PathParamException)) {
                // JAX-RS says a query parameter that cannot be converted is a 404; it is a client mistake: 400.
                status = 400;
                message = kind(pe) + " '" + pe.getParameterName() + "' is not valid: " + rootMessage(e);
            } else if (e instanceof NotAllowedException) {
                message = notAllowed(request.getMethod(), "/" + uri.getPath(), r.getAllowedMethods());
            } else if (e instanceof NotSupportedException) {
                String endpoint = request.getMethod() + " /" + uri.getPath();
                message = "Content-Type " + headers.getHeaderString(HttpHeaders.CONTENT_TYPE) + " is not supported by " + endpoint
                        + "; docs/api.md, section \"" + endpoint + "\", describes what it accepts";
            } else if (e instanceof NotAcceptableException) {
                message = "this endpoint answers application/json; the Accept header asks for "
                        + headers.getHeaderString(HttpHeaders.ACCEPT);
            } else if (e instanceof NotFoundException) {
                message = "no such endpoint: " + request.getMethod() + " /" + uri.getPath() + " (see docs/api.md)";
            } else {
                message = r.getStatusInfo().getReasonPhrase() + (e.getMessage() == null ? "" : ": " + JsonBodies.withoutJacksonHints(e.getMessage()));
            }
            return Response.fromResponse(r).status(status).type(MediaType.APPLICATION_JSON_TYPE)
                    .entity(new ApiError(status, message)).build();
        }

        private static String kind(ParamException e) {
            if (e instanceof ParamException.QueryParamException) return "query parameter";
            if (e instanceof ParamException.HeaderParamException) return "header";
            if (e instanceof ParamException.CookieParamException) return "cookie";
            if (e instanceof ParamException.FormParamException) return "form field";
            return "parameter";
        }

        private static String rootMessage(Throwable e) {
            Throwable t = e;
            while (t.getCause() != null && t.getCause() != t) t = t.getCause();
            return t.getMessage() == null ? t.getClass().getSimpleName() : JsonBodies.withoutJacksonHints(t.getMessage());
        }
    }

    /** The message of a 405, also for the methods RequestChecks refuses before Jersey. */
    static String notAllowed(String method, String path, java.util.Collection<String> allowed) {
        return "method " + method + " is not allowed on " + path + "; allowed: " + String.join(", ", new TreeSet<>(allowed));
    }

    /** Anything else thrown by a resource is a fault of ours. */
    public static final class Unexpected implements ExceptionMapper<Throwable> {
        @Override public Response toResponse(Throwable e) { return unexpected(e); }
    }

    /** Overrides Dropwizard's IllegalStateException mapper, which would log without our request id. */
    public static final class IllegalState implements ExceptionMapper<IllegalStateException> {
        @Override public Response toResponse(IllegalStateException e) { return unexpected(e); }
    }

    /** A body Jackson could not read is the client's mistake; one it could not write is ours. */
    public static final class Json implements ExceptionMapper<JsonProcessingException> {
        @Override public Response toResponse(JsonProcessingException e) {
            if (e instanceof JsonParseException || e instanceof MismatchedInputException) {
                var loc = e.getLocation();
                String where = loc == null ? "" : " at line " + loc.getLineNr() + ", column " + loc.getColumnNr();
                return ErrorMappers.json(400, new ApiError(400, "malformed JSON" + where + ": " + JsonBodies.parseError(e)));
            }
            return unexpected(e);
        }
    }

    /** Bean-validation failures of request entities, in our shape (field → message). */
    public static final class Violations implements ExceptionMapper<JerseyViolationException> {
        @Override public Response toResponse(JerseyViolationException e) {
            int status = ConstraintMessage.determineStatus(e.getConstraintViolations(), e.getInvocable());
            List<FieldError> errors = e.getConstraintViolations().stream()
                    .map(v -> new FieldError(-1, String.valueOf(v.getPropertyPath()), v.getMessage())).toList();
            return ErrorMappers.json(status, new ApiError(status, "request is not valid", errors));
        }
    }
}
