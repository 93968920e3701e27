package io.cohort.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.auth.Role;
import io.dropwizard.testing.ConfigOverride;
import jakarta.annotation.security.PermitAll;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Path;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.glassfish.jersey.server.model.Resource;
import org.glassfish.jersey.server.model.ResourceMethod;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every /v1 endpoint × every role's token, over HTTP on the running app: no token or an unknown
 * one is 401, a token without the needed role 403 (naming the role), the right role gets through.
 */
class AuthIT {
    /** The roles each endpoint is meant to need: the spec the annotations are checked against. */
    static final Map<String, Set<String>> TABLE = new LinkedHashMap<>();
    static final Set<String> READERS = Set.of(Role.READER, Role.ANALYST, Role.OPERATOR);

    static {
        TABLE.put("GET /v1/sources", Set.of(Role.INGEST, Role.READER, Role.OPERATOR));
        TABLE.put("POST /v1/sources/{sourceId}/records", Set.of(Role.INGEST));
        TABLE.put("POST /v1/sources/{sourceId}/native/{object}", Set.of(Role.INGEST));
        TABLE.put("GET /v1/profiles", READERS);
        TABLE.put("GET /v1/profiles/{id}", READERS);
        TABLE.put("GET /v1/accounts/{id}", READERS);
        TABLE.put("GET /v1/rules", READERS);
        TABLE.put("POST /v1/rules/validate", Set.of(Role.ANALYST));
        TABLE.put("GET /v1/segments", READERS);
        TABLE.put("GET /v1/segments/{id}", READERS);
        TABLE.put("GET /v1/segments/{id}/members", READERS);
        TABLE.put("GET /v1/segments/{id}/changes", READERS);
        TABLE.put("GET /v1/sources/quarantine", Set.of(Role.OPERATOR));
        TABLE.put("DELETE /v1/sources/quarantine/{id}", Set.of(Role.OPERATOR));
        TABLE.put("GET /v1/sources/{sourceId}/records/{type}", Set.of(Role.READER, Role.OPERATOR));
        TABLE.put("GET /v1/sources/{sourceId}/records/{type}/{key}", Set.of(Role.READER, Role.OPERATOR));
    }

    /** Token of test-config.yml → its roles. */
    static final Map<String, Set<String>> TOKENS = Map.of(
            "test-token-ingest", Set.of(Role.INGEST),
            "test-token-reader", Set.of(Role.READER),
            "test-token-analyst", Set.of(Role.ANALYST),
            "test-token-operator", Set.of(Role.OPERATOR),
            "test-token-all-roles", Role.ALL);

    @TempDir static java.nio.file.Path tmp;
    static CohortApp app; // also set by OpenApiIT, which reuses discover()

    @BeforeAll static void start() throws Exception { app = new CohortApp(tmp).start(); }

    @AfterAll static void stop() { if (app != null) app.stop(); }

    @Test
    void everyEndpointTimesEveryToken() {
        Map<String, Set<String>> endpoints = discover();
        assertThat(endpoints).as("the table names endpoints that exist").containsAllEntriesOf(TABLE);
        List<String> checked = new ArrayList<>();
        endpoints.forEach((endpoint, roles) -> {
            String method = endpoint.substring(0, endpoint.indexOf(' '));
            String path = endpoint.substring(endpoint.indexOf(' ') + 1).replace("{sourceId}", "crm-1")
                    .replaceAll("\\{[^}]+}", "x");
            assertThat(call(method, path, null)).as(endpoint + " without token").satisfies(r -> {
                assertThat(r.status()).isEqualTo(401);
                assertThat(r.json().get("message").asText()).contains("bearer token");
                assertThat(r.header("WWW-Authenticate")).startsWith("Bearer");
            });
            assertThat(call(method, path, "Bearer not-a-configured-token").status()).as(endpoint + " unknown").isEqualTo(401);
            assertThat(call(method, path, "Basic dGVzdC10b2tlbi1hbGwtcm9sZXM=").status()).as(endpoint + " basic").isEqualTo(401);
            TOKENS.forEach((token, has) -> {
                Http.Reply r = call(method, path, "Bearer " + token);
                if (has.stream().anyMatch(roles::contains)) {
                    assertThat(r.status()).as(endpoint + " with " + has + ": " + r).isNotIn(401, 403);
                } else {
                    assertThat(r.status()).as(endpoint + " with " + has).isEqualTo(403);
                    assertThat(r.isJson()).isTrue();
                    assertThat(r.json().get("code").asInt()).isEqualTo(403);
                    roles.forEach(role -> assertThat(r.json().get("message").asText()).contains(role));
                }
            });
            checked.add(endpoint);
        });
        assertThat(checked).hasSizeGreaterThanOrEqualTo(TABLE.size());
    }

    @Test
    void healthAndAdminStayOpenWithoutToken() {
        assertThat(app.admin("/healthcheck").status()).isEqualTo(200);
        assertThat(app.admin("/ping").status()).isEqualTo(200);
    }

    private static Http.Reply call(String method, String path, String authorization) {
        Map<String, String> h = new TreeMap<>();
        if (authorization != null) h.put("Authorization", authorization);
        h.put("Content-Type", "application/json");
        return Http.send(app.port(), method, path, method.equals("POST") ? "{}" : null, h);
    }

    /**
     * Every resource method the running app registered, with the roles its annotations allow, so
     * an endpoint added later is checked too without being listed. None may be @PermitAll.
     */
    static Map<String, Set<String>> discover() { return discover(app); }

    /** Every resource method of {@code app}, as for {@link #discover()}. */
    static Map<String, Set<String>> discover(CohortApp app) {
        Map<String, Set<String>> out = new TreeMap<>();
        var config = app.environment().jersey().getResourceConfig();
        List<Class<?>> classes = new ArrayList<>(config.getClasses());
        config.getInstances().forEach(o -> classes.add(o.getClass()));
        for (Class<?> c : classes) {
            if (!c.isAnnotationPresent(Path.class)) continue;
            Resource r = Resource.from(c);
            collect(r, "", out);
        }
        return out;
    }

    private static void collect(Resource r, String prefix, Map<String, Set<String>> out) {
        String path = join(prefix, r.getPath());
        for (ResourceMethod m : r.getResourceMethods()) {
            Method jm = m.getInvocable().getHandlingMethod();
            assertThat(jm.isAnnotationPresent(PermitAll.class)).as(path + " must not be @PermitAll").isFalse();
            RolesAllowed ra = jm.isAnnotationPresent(RolesAllowed.class) ? jm.getAnnotation(RolesAllowed.class)
                    : jm.getDeclaringClass().getAnnotation(RolesAllowed.class);
            assertThat(ra).as(m.getHttpMethod() + " " + path + " has no @RolesAllowed").isNotNull();
            out.put(m.getHttpMethod() + " " + path.replaceAll("\\{(\\w+)\\s*:[^}]*}", "{$1}"), new TreeSet<>(List.of(ra.value())));
        }
        for (Resource child : r.getChildResources()) collect(child, path, out);
    }

    private static String join(String a, String b) {
        if (b == null || b.isEmpty()) return a;
        return (a + "/" + b).replaceAll("/+", "/").replaceAll("(.)/$", "$1");
    }

    @Test
    void shortTokenRefusesToStart() throws Exception {
        CohortApp bad = new CohortApp(tmp.resolve("short"), ConfigOverride.config("auth.tokens[1].token", "short"));
        try {
            org.assertj.core.api.Assertions.assertThatThrownBy(bad::start)
                    .hasMessageContaining("auth.tokens[1].token must be at least 12 characters");
        } finally {
            bad.stop();
        }
    }

    @Test
    void unsetEnvironmentVariableIsNotAToken() throws Exception {
        CohortApp bad = new CohortApp(tmp.resolve("unset"),
                ConfigOverride.config("auth.tokens[1].token", "${COHORT_NOT_SET_TOKEN}"));
        try {
            org.assertj.core.api.Assertions.assertThatThrownBy(bad::start)
                    .hasMessageContaining("environment variable it names is not set");
        } finally {
            bad.stop();
        }
    }

    @Test
    void developmentTokenStartsWithALoudWarning() throws Exception {
        PrintStream out = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        CohortApp dev = new CohortApp(tmp.resolve("dev"), ConfigOverride.config("auth.tokens[1].token", "cohort-dev-token"));
        try {
            System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
            dev.start();
        } finally {
            System.setOut(out);
            dev.stop();
        }
        String log = captured.toString(StandardCharsets.UTF_8);
        out.print(log);
        assertThat(log).contains("WARN").contains("*** WARNING: auth token 'ingest-only' is the documented development token");
    }
}
