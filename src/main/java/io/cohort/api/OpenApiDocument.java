package io.cohort.api;

import io.cohort.api.error.ApiError;
import io.cohort.auth.Role;
import io.swagger.v3.core.converter.ModelConverters;
import io.swagger.v3.core.util.Json;
import io.swagger.v3.core.util.Yaml;
import io.swagger.v3.jaxrs2.Reader;
import io.swagger.v3.oas.integration.SwaggerConfiguration;
import io.swagger.v3.oas.models.Components;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.Operation;
import io.swagger.v3.oas.models.info.Info;
import io.swagger.v3.oas.models.info.License;
import io.swagger.v3.oas.models.media.Content;
import io.swagger.v3.oas.models.media.MediaType;
import io.swagger.v3.oas.models.media.Schema;
import io.swagger.v3.oas.models.responses.ApiResponse;
import io.swagger.v3.oas.models.responses.ApiResponses;
import io.swagger.v3.oas.models.security.SecurityRequirement;
import io.swagger.v3.oas.models.security.SecurityScheme;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Application;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.Response;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * {@code GET /v1/openapi.json} and {@code /v1/openapi.yaml}: the OpenAPI 3 document of the whole
 * {@code /v1} API, generated (swagger-core) from the JAX-RS resources the application registered
 * and their typed answers ({@link Views}), with the bearer scheme and the {@link ApiError} body
 * of every error answer. Built on the first request, when every resource is registered, and kept.
 */
@Path("/v1")
@RolesAllowed({Role.INGEST, Role.ANALYST, Role.READER, Role.OPERATOR})
@io.swagger.v3.oas.annotations.Hidden
public class OpenApiDocument {
    static final String BEARER = "bearer";
    /** Every operation may answer these; each answer's body is an {@link ApiError}. */
    private static final Map<String, String> ERRORS = new LinkedHashMap<>();

    static {
        ERRORS.put("400", "bad input: malformed JSON, a wrong parameter, a limit (message and per-field errors say what and where)");
        ERRORS.put("401", "no bearer token, or an unknown one");
        ERRORS.put("403", "the token lacks the role this endpoint needs (the message names it)");
        ERRORS.put("404", "no such object or endpoint");
        ERRORS.put("500", "a fault of ours, logged with the request id the message gives");
    }

    private final String version;
    private volatile OpenAPI document;

    public OpenApiDocument(String version) {
        this.version = version;
    }

    @GET
    @Path("openapi.json")
    @Produces(jakarta.ws.rs.core.MediaType.APPLICATION_JSON)
    public Response json(@Context Application application) throws Exception {
        return Response.ok(Json.pretty(document(application)), jakarta.ws.rs.core.MediaType.APPLICATION_JSON).build();
    }

    @GET
    @Path("openapi.yaml")
    @Produces("application/yaml")
    public Response yaml(@Context Application application) throws Exception {
        return Response.ok(Yaml.pretty(document(application)), "application/yaml").build();
    }

    private OpenAPI document(Application application) {
        OpenAPI d = document;
        if (d == null) {
            synchronized (this) {
                if (document == null) document = build(resources(application), version);
                d = document;
            }
        }
        return d;
    }

    /** The application's own resource classes (not Dropwizard's or Jersey's), as registered. */
    static Set<Class<?>> resources(Application application) {
        Set<Class<?>> out = new LinkedHashSet<>();
        Stream.concat(application.getClasses().stream(), application.getSingletons().stream().map(Object::getClass))
                .filter(c -> c.isAnnotationPresent(Path.class) && c.getName().startsWith("io.cohort."))
                .forEach(out::add);
        return out;
    }

    /** The document of these resources: paths and schemas from swagger-core, then auth and errors on every operation. */
    static OpenAPI build(Set<Class<?>> resources, String version) {
        OpenAPI base = new OpenAPI()
                .info(new Info().title("Cohort API").version(version)
                        .description("Real-time B2B segmentation: sources, unified profiles, segments, rules, destinations. "
                                + "Every endpoint needs Authorization: Bearer <token> with one of the roles it names; "
                                + "errors are {\"code\", \"message\", \"errors\"} (docs/api.md).")
                        .license(new License().name("Apache-2.0")))
                .components(new Components().addSecuritySchemes(BEARER, new SecurityScheme()
                        .type(SecurityScheme.Type.HTTP).scheme("bearer")
                        .description("A token of auth.tokens in config.yml (docs/operations.md#auth)")))
                .addSecurityItem(new SecurityRequirement().addList(BEARER));
        OpenAPI doc = new Reader(new SwaggerConfiguration().openAPI(base).prettyPrint(true)).read(resources);
        ModelConverters.getInstance().read(ApiError.class).forEach(doc.getComponents()::addSchemas);
        Schema<?> error = new Schema<>().$ref("#/components/schemas/" + ApiError.class.getSimpleName());
        doc.getPaths().forEach((path, item) -> item.readOperations().forEach(op -> addErrors(op, error)));
        return doc;
    }

    private static void addErrors(Operation op, Schema<?> error) {
        ApiResponses responses = op.getResponses() == null ? new ApiResponses() : op.getResponses();
        // swagger-core files the return type under "default"; every success of this API is a 200.
        ApiResponse success = responses.remove("default");
        if (success != null && !responses.containsKey("200")) responses.addApiResponse("200", success.description("OK"));
        ERRORS.forEach((code, why) -> {
            if (!responses.containsKey(code)) {
                responses.addApiResponse(code, new ApiResponse().description(why).content(new Content()
                        .addMediaType(jakarta.ws.rs.core.MediaType.APPLICATION_JSON, new MediaType().schema(error))));
            }
        });
        op.setResponses(responses);
    }
}
