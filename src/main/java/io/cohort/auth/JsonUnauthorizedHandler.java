package io.cohort.auth;

import io.cohort.api.error.ApiError;
import io.dropwizard.auth.UnauthorizedHandler;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/** 401 with a JSON body (Dropwizard's default is plain text). */
public final class JsonUnauthorizedHandler implements UnauthorizedHandler {
    @Override public Response buildResponse(String prefix, String realm) {
        return Response.status(401)
                .header(HttpHeaders.WWW_AUTHENTICATE, prefix + " realm=\"" + realm + "\"")
                .type(MediaType.APPLICATION_JSON_TYPE)
                .entity(new ApiError(401, "missing or unknown bearer token: send 'Authorization: Bearer <token>'"))
                .build();
    }
}
