package io.cohort.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The OpenAPI document served by the running app describes every /v1 endpoint the app
 * registered (found the way AuthIT finds them, so a new endpoint is checked without being
 * listed), each with the schema of its answer, the bearer scheme, and the error body.
 */
class OpenApiIT {
    @TempDir static Path tmp;
    static CohortApp app;

    @BeforeAll static void start() throws Exception {
        app = new CohortApp(tmp).start();
        AuthIT.app = app;
    }

    @AfterAll static void stop() {
        AuthIT.app = null;
        if (app != null) app.stop();
    }

    @Test
    void everyEndpointWithTheSchemaOfItsAnswer() throws Exception {
        CohortApp.Response r = app.get("/v1/openapi.json");
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        JsonNode doc = r.json();
        assertThat(doc.path("openapi").asText()).startsWith("3.");
        JsonNode paths = doc.path("paths");
        Map<String, Set<String>> endpoints = AuthIT.discover();
        assertThat(endpoints).hasSizeGreaterThan(12);
        for (String endpoint : endpoints.keySet()) {
            String method = endpoint.substring(0, endpoint.indexOf(' ')).toLowerCase(Locale.ROOT);
            String path = endpoint.substring(endpoint.indexOf(' ') + 1);
            if (path.startsWith("/v1/openapi.")) continue; // the document itself is not in it
            JsonNode op = paths.path(path).path(method);
            assertThat(op.isObject()).as(endpoint + " in the document; paths: " + paths.fieldNames()).isTrue();
            JsonNode ok = op.path("responses").path("200");
            JsonNode schema = ok.path("content").path("application/json").path("schema");
            assertThat(schema.isObject() && (schema.has("$ref") || schema.has("type")))
                    .as(endpoint + " has the schema of its 200 answer: " + ok).isTrue();
            for (String error : List.of("400", "401", "403", "404")) {
                assertThat(op.path("responses").path(error).path("content").path("application/json").path("schema")
                        .path("$ref").asText()).as(endpoint + " " + error).isEqualTo("#/components/schemas/ApiError");
            }
        }
        JsonNode schemas = doc.path("components").path("schemas");
        assertThat(schemas.path("PersonProfile").path("properties").fieldNames()).toIterable()
                .contains("id", "email", "accounts", "opportunityTotals", "segments");
        assertThat(schemas.path("ApiError").path("properties").fieldNames()).toIterable().contains("code", "message", "errors");
        assertThat(paths.path("/v1/profiles/{id}").path("get").path("responses").path("200").path("content")
                .path("application/json").path("schema").path("$ref").asText()).isEqualTo("#/components/schemas/PersonProfile");
        assertThat(doc.path("components").path("securitySchemes").path("bearer").path("scheme").asText()).isEqualTo("bearer");
        assertThat(doc.path("security").path(0).has("bearer")).isTrue();

        CohortApp.Response yaml = app.get("/v1/openapi.yaml");
        assertThat(yaml.status()).isEqualTo(200);
        JsonNode fromYaml = new ObjectMapper(new YAMLFactory()).readTree(yaml.body());
        assertThat(fromYaml.path("paths").size()).isEqualTo(paths.size());
    }

    @Test
    void theDocumentNeedsATokenLikeEveryV1Endpoint() {
        assertThat(app.send("GET", "/v1/openapi.json", null, null, null).status()).isEqualTo(401);
    }
}
