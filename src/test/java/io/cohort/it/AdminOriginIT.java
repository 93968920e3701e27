package io.cohort.it;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * Issue 11, item 13: the admin port (no authentication, loopback) refuses what a web page on the
 * host could send: a cross-origin text/plain POST, a request without the custom header, a Host
 * header that is not this host's (DNS rebinding). The observable task is Dropwizard's built-in
 * {@code log-level}: a refused request leaves the level as it was.
 */
class AdminOriginIT {
    static final String PROBE = "io.cohort.admin-origin-probe";
    @TempDir static java.nio.file.Path tmp;
    static CohortApp app;

    @BeforeAll static void start() throws Exception { app = new CohortApp(tmp).start(); }

    @AfterAll static void stop() { if (app != null) app.stop(); }

    static Level probeLevel() { return ((Logger) LoggerFactory.getLogger(PROBE)).getLevel(); }

    static Http.Reply admin(String method, String path, String body, String... headers) {
        Map<String, String> h = new HashMap<>();
        for (int i = 0; i < headers.length; i += 2) h.put(headers[i], headers[i + 1]);
        return Http.send(app.adminPort(), method, path, body, h);
    }

    static void refused(Http.Reply r, int status, String... parts) {
        assertThat(r.status()).as(r.toString()).isEqualTo(status);
        assertThat(r.isJson()).as(r.toString()).isTrue();
        for (String p : parts) assertThat(r.json().get("message").asText()).contains(p);
        assertThat(probeLevel()).as("the task did not run").isNull();
    }

    static final String SET_DEBUG = "/tasks/log-level?logger=" + PROBE + "&level=DEBUG";

    @Test
    void crossOriginTextPlainPostToATaskIsRefused() {
        refused(admin("POST", SET_DEBUG, "x", "Content-Type", "text/plain", "Origin", "http://evil.example"), 403, "Origin");
        refused(admin("POST", SET_DEBUG, "x", "Content-Type", "text/plain", "Origin", "http://evil.example", "X-Cohort-Admin", "1"),
                403, "Origin");
        refused(admin("POST", SET_DEBUG, "x", "Content-Type", "text/plain", "Origin", "null", "X-Cohort-Admin", "1"), 403, "Origin");
        for (String site : new String[] {"cross-site", "same-site"}) {
            refused(admin("POST", SET_DEBUG, null, "Sec-Fetch-Site", site, "X-Cohort-Admin", "1"), 403, "Sec-Fetch-Site");
        }
        for (String task : new String[] {"/tasks/replay-activation?activation=high-value-files", "/tasks/re-evaluate", "/tasks/gc",
                "/tasks/reload-rules", "/tasks/clock?advance=P1D"}) {
            refused(admin("POST", task, "x", "Content-Type", "text/plain", "Origin", "http://evil.example"), 403);
        }
    }

    /** From the host, with the header: a task's parameters outside its allow-list are a 400 (404, 413) as JSON, and it does not run. */
    @Test
    void badTaskParametersAreRefusedAsJsonAndNothingRuns() {
        String[] h = {"X-Cohort-Admin", "1"};
        refused(admin("POST", "/tasks/log-level?logger=" + PROBE + "&level=BOGUS", null, h), 400, "'level' must be one of", "BOGUS");
        refused(admin("POST", SET_DEBUG + "&duration=garbage", null, h), 400, "'duration'");
        refused(admin("POST", SET_DEBUG + "&duration=-PT1S", null, h), 400, "'duration'");
        refused(admin("POST", SET_DEBUG + "&duration=PT1S&duration=PT2S", null, h), 400, "once");
        refused(admin("POST", "/tasks/log-level?logger=&level=DEBUG", null, h), 400, "'logger'");
        refused(admin("POST", SET_DEBUG + "&colour=red", null, h), 400, "no parameter 'colour'");
        refused(admin("POST", "/tasks/gc?runs=abc", null, h), 400, "'runs'");
        refused(admin("POST", "/tasks/reload-rules?now=1", null, h), 400, "takes no parameter 'now'");
        refused(admin("POST", "/tasks/replay-activation", null, h), 400, "needs the parameter 'activation'");
        refused(admin("POST", "/tasks/replay-activation?activation=../x", null, h), 400, "'activation'");
        refused(admin("POST", "/tasks/source-sync?from=garbage", null, h), 400, "'from'");
        refused(admin("POST", "/tasks/clock?set=yesterday", null, h), 400, "'set'");
        // Parsed, but past what a clock's millis hold: every evaluation after it failed.
        refused(admin("POST", "/tasks/clock?set=%2B1000000000-01-01T00:00:00Z", null, h), 400, "'set'", "from 1900 to 9999");
        refused(admin("POST", "/tasks/clock?advance=P999999999D", null, h), 400, "'advance'", "at most a century");
        refused(admin("POST", "/tasks/clock?advance=-P36526D", null, h), 400, "'advance'");
        refused(admin("POST", "/tasks/nosuch", null, h), 404, "no admin task 'nosuch'", "reload-rules");
        // A task of cluster mode is not listed in single mode: the 404 lists what this process has.
        Http.Reply clusterOnly = admin("POST", "/tasks/apply-activations", null, h);
        refused(clusterOnly, 404, "no admin task 'apply-activations'", "clock, gc, log-level, re-evaluate, reload-rules, "
                + "replay-activation, source-sync");
        bodyRefusedOnItsHeaders();
        // What the list allows still runs.
        String other = PROBE + "-allowed";
        var ok = admin("POST", "/tasks/log-level?logger=" + other + "&level=warn&duration=PT1M", null, h);
        assertThat(ok.status()).as(ok.toString()).isEqualTo(200);
        assertThat(((Logger) LoggerFactory.getLogger(other)).getLevel()).isEqualTo(Level.WARN);
    }

    /**
     * A 5 MB form body is refused on its Content-Length, before a byte of it is read. Only the
     * headers are sent: uploading the body would race the refusal, which closes the connection
     * (the client then sees a broken pipe, not the answer), and Java 17's client hangs on a final
     * answer to Expect: 100-continue.
     */
    private static void bodyRefusedOnItsHeaders() {
        String reply;
        try {
            reply = raw("POST /tasks/gc HTTP/1.1\r\nHost: localhost\r\nX-Cohort-Admin: 1\r\n"
                    + "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 5000005\r\n\r\nruns=");
        } catch (Exception e) {
            throw new AssertionError("no answer to a task with a 5 MB body", e);
        }
        assertThat(reply).startsWith("HTTP/1.1 413").containsIgnoringCase("Connection: close")
                .contains("application/json").contains("admin tasks take query parameters");
        assertThat(probeLevel()).isNull();
    }

    @Test
    void aTaskWithoutTheAdminHeaderIsRefused() {
        refused(admin("POST", SET_DEBUG, "x", "Content-Type", "text/plain"), 403, "X-Cohort-Admin: 1");
        refused(admin("POST", SET_DEBUG, null, "X-Cohort-Admin", "yes"), 403, "X-Cohort-Admin: 1");
        refused(admin("GET", SET_DEBUG, null, "X-Cohort-Admin", "1"), 405, "POST");
        refused(admin("OPTIONS", SET_DEBUG, null, "Origin", "http://evil.example", "Access-Control-Request-Method", "POST",
                "Access-Control-Request-Headers", "x-cohort-admin"), 405);
    }

    @Test
    void aForeignHostHeaderIsRefused() throws Exception {
        for (String host : new String[] {"evil.example", "evil.example:" + app.adminPort(), "127.0.0.1.evil.example", "localhost.evil.example"}) {
            String reply = raw("POST " + SET_DEBUG + " HTTP/1.1\r\nHost: " + host + "\r\nX-Cohort-Admin: 1\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
            assertThat(reply).as(host).startsWith("HTTP/1.1 403").contains("Host");
            assertThat(probeLevel()).isNull();
        }
    }

    @Test
    void readsStayOpenAndAPostFromTheHostWithTheHeaderRuns() throws Exception {
        assertThat(admin("GET", "/healthcheck", null, "Origin", "http://evil.example").status()).isEqualTo(200);
        assertThat(admin("GET", "/ping", null).status()).isEqualTo(200);
        assertThat(admin("GET", "/metrics", null, "Sec-Fetch-Site", "cross-site").status()).isEqualTo(200);
        for (String host : new String[] {"localhost:" + app.adminPort(), "127.0.0.1:" + app.adminPort(), "[::1]:" + app.adminPort(), "LOCALHOST"}) {
            String reply = raw("POST /tasks/log-level?logger=" + PROBE + ".h&level=INFO HTTP/1.1\r\nHost: " + host
                    + "\r\nX-Cohort-Admin: 1\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
            assertThat(reply).as(host).startsWith("HTTP/1.1 200");
        }
        try {
            Http.Reply r = admin("POST", SET_DEBUG, null, "X-Cohort-Admin", "1");
            assertThat(r.status()).as(r.toString()).isEqualTo(200);
            assertThat(probeLevel()).isEqualTo(Level.DEBUG);
            assertThat(app.task("re-evaluate").status()).isEqualTo(200);
        } finally {
            ((Logger) LoggerFactory.getLogger(PROBE)).setLevel(null);
        }
    }

    /** A request written by hand: the JDK client does not let a test set the Host header. */
    static String raw(String request) throws Exception {
        try (Socket s = new Socket("localhost", app.adminPort())) {
            OutputStream out = s.getOutputStream();
            out.write(request.getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }
}
