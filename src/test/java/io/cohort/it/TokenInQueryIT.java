package io.cohort.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 11, item 13: the API token is accepted only in the Authorization header. {@code
 * ?access_token=} (which Dropwizard's OAuth filter took) is refused on every endpoint, and no token
 * in a query string reaches a log: the access log is written with the shipped config.yml's format
 * to a file, and read back.
 */
class TokenInQueryIT {
    @TempDir Path tmp;

    /** test-config.yml with the access log of the shipped config.yml written to {@code file}. */
    static String configWithAccessLog(Path file) throws Exception {
        JsonNode shipped = new ObjectMapper(new YAMLFactory()).readTree(Path.of("config.yml").toFile());
        String format = shipped.at("/server/requestLog/appenders/0/logFormat").asText();
        assertThat(format).contains("%r");
        String yaml = CohortApp.testConfig();
        String line = "  requestLog: {appenders: []}";
        assertThat(yaml).contains(line);
        return yaml.replace(line, "  requestLog:\n    appenders:\n      - type: file\n        currentLogFilename: " + file.toAbsolutePath()
                + "\n        archive: false\n        logFormat: '" + format.replace("'", "''") + "'");
    }

    @Test
    void accessTokenInTheQueryIsRefusedOnEveryEndpointAndNeverLogged() throws Exception {
        Path accessLog = tmp.resolve("access.log");
        // The application log: Dropwizard's console appender, which writes to System.out.
        java.io.PrintStream stdout = System.out;
        java.io.ByteArrayOutputStream appLog = new java.io.ByteArrayOutputStream();
        List<String> secrets = new ArrayList<>();
        try (CohortApp app = new CohortApp(tmp).withConfig(configWithAccessLog(accessLog))) {
            System.setOut(new java.io.PrintStream(appLog, true, java.nio.charset.StandardCharsets.UTF_8));
            app.start();
            Map<String, java.util.Set<String>> endpoints = AuthIT.discover(app);
            assertThat(endpoints).hasSizeGreaterThan(10);
            for (String endpoint : endpoints.keySet()) {
                String method = endpoint.substring(0, endpoint.indexOf(' '));
                String path = endpoint.substring(endpoint.indexOf(' ') + 1).replace("{sourceId}", "crm-1").replaceAll("\\{[^}]+}", "x");
                // A real token in the query, with and without the header: refused, and the caller told why.
                for (String token : new String[] {null, CohortApp.TOKEN}) {
                    String secret = CohortApp.TOKEN;
                    Http.Reply r = Http.send(app.port(), method, path + "?limit=5&access_token=" + secret,
                            method.equals("POST") ? "{}" : null, token == null ? Map.of("Content-Type", "application/json")
                                    : Map.of("Content-Type", "application/json", "Authorization", "Bearer " + token));
                    assertThat(r.status()).as(endpoint + " " + r).isEqualTo(401);
                    assertThat(r.isJson()).isTrue();
                    assertThat(r.json().get("message").asText()).contains("Authorization: Bearer").contains("query string");
                    assertThat(r.header("WWW-Authenticate")).startsWith("Bearer");
                }
            }
            // Other spellings and places of the same parameter.
            int n = 0;
            for (String query : new String[] {"ACCESS_TOKEN=%s", "access%%5Ftoken=%s", "a=1&access_token=%s&b=2", "access_token=%s&access_token=x"}) {
                String secret = "secret-" + (++n) + "-" + "q".repeat(20);
                secrets.add(secret);
                Http.Reply r = Http.send(app.port(), "GET", "/v1/segments?" + query.formatted(secret), null, Map.of());
                assertThat(r.status()).as(query + " " + r).isEqualTo(401);
            }
            // Secret-looking parameters the API does not know are not logged either; unknown paths too.
            for (String path : new String[] {"/v1/segments?token=%s", "/v1/no-such?api_key=%s", "/nowhere?access_token=%s"}) {
                String secret = "secret-" + (++n) + "-" + "q".repeat(20);
                secrets.add(secret);
                Http.send(app.port(), "GET", path.formatted(secret), null, Map.of("Authorization", "Bearer " + CohortApp.TOKEN));
            }
            secrets.add(CohortApp.TOKEN);
            Http.Reply ok = Http.send(app.port(), "GET", "/v1/segments?limit=1", null, Map.of("Authorization", "Bearer " + CohortApp.TOKEN));
            assertThat(ok.status()).isEqualTo(200);
        } finally {
            System.setOut(stdout);
        }
        String application = appLog.toString(java.nio.charset.StandardCharsets.UTF_8);
        stdout.print(application);
        String log = Files.readString(accessLog);
        assertThat(log).contains("GET /v1/segments?limit=1 HTTP/1.1\" 200").contains("access_token=REDACTED").contains("token=REDACTED")
                .contains("api_key=REDACTED").contains(" 401 ");
        assertThat(application).as("the application log is captured").contains("INFO");
        for (String secret : secrets) {
            assertThat(log).as("access log").doesNotContain(secret);
            assertThat(application).as("application log").doesNotContain(secret);
        }
    }
}
