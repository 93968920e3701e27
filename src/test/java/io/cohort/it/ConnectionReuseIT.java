package io.cohort.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.it.RawHttp.Answer;
import io.dropwizard.testing.ConfigOverride;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A refused request never poisons the client's kept-alive connection. Clients (the JDK's, Apache's,
 * most SDKs) put a connection back in their pool after a complete response; if the server answered
 * before reading the body and then closes that connection, the client's next request on it fails
 * with no response at all, and a POST is not retried. So either the connection stays usable, or the
 * response says {@code Connection: close}.
 *
 * <p>The body is sent a moment after the headers, as a real client on a real network often does:
 * the refusal is decided before the body has arrived.
 */
class ConnectionReuseIT {
    @TempDir static java.nio.file.Path tmp;
    static CohortApp app;

    @BeforeAll static void start() throws Exception {
        app = new CohortApp(tmp, ConfigOverride.config("ingest.maxBodyBytes", "20000")).start();
    }

    @AfterAll static void stop() { if (app != null) app.stop(); }

    @Test
    void unknownSource() throws Exception {
        assertReusableAfter("POST", "/v1/sources/nope/records", "application/json", true, "{\"records\":[]}", 404);
    }

    @Test
    void missingToken() throws Exception {
        assertReusableAfter("POST", "/v1/sources/crm-1/records", "application/json", false, "{\"records\":[]}", 401);
    }

    @Test
    void unsupportedContentType() throws Exception {
        assertReusableAfter("POST", "/v1/sources/crm-1/records", "text/csv", true, "a,b\n1,2\n", 415);
    }

    @Test
    void unknownPath() throws Exception {
        assertReusableAfter("POST", "/v1/nowhere", "application/json", true, "{\"x\":1}", 404);
    }

    @Test
    void unsupportedContentEncoding() throws Exception {
        assertReusableAfter("POST", "/v1/sources/crm-1/records", "application/json", true, "{\"records\":[]}", 415,
                "Content-Encoding", "br");
    }

    @Test
    void tokenInTheQueryString() throws Exception {
        assertReusableAfter("POST", "/v1/sources/crm-1/records?access_token=x", "application/json", false,
                "{\"records\":[]}", 401);
    }

    /**
     * A client that waits for {@code 100 Continue} sends no body after a refusal. Were the
     * connection kept, the bytes of its next request would be read as the refused body.
     */
    @Test
    void refusedWhileTheClientAwaitsContinue() throws Exception {
        try (Socket s = new Socket("localhost", app.port())) {
            s.setSoTimeout(20_000);
            s.getOutputStream().write(("POST /v1/sources/nope/records HTTP/1.1\r\nHost: localhost\r\n"
                    + "Content-Type: application/json\r\nContent-Length: 14\r\nExpect: 100-continue\r\n"
                    + "Authorization: Bearer " + CohortApp.TOKEN + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
            Answer first = Answer.read(s.getInputStream());
            assertThat(first.status()).as(first.toString()).isEqualTo(404);
            assertThat(first.headers()).as(first.toString()).containsEntry("connection", "close");
        }
    }

    @Test
    void bodyOverTheLimit() throws Exception {
        String big = "{\"records\":[{\"type\":\"person\",\"id\":\"a\",\"title\":\"" + "x".repeat(200_000) + "\"}]}";
        assertReusableAfter("POST", "/v1/sources/crm-1/records", "application/json", true, big, 413);
    }

    /**
     * Refused by Jetty's parser before any handler: Jetty closes the connection after the answer,
     * which must say so (the JDK's client reused it and the next request failed with no answer).
     */
    @Test
    void uriTooLong() throws Exception {
        assertReusableAfter("POST", "/v1/rules/validate?file=" + "f".repeat(100_000) + ".drl", "text/plain", true,
                "rule", 414);
    }

    @Test
    void headersTooLarge() throws Exception {
        assertReusableAfter("POST", "/v1/sources/crm-1/records", "application/json", true, "{\"records\":[]}", 431,
                "X-Padding", "p".repeat(100_000));
    }

    @Test
    void acceptedBatch() throws Exception {
        assertReusableAfter("POST", "/v1/sources/crm-1/records", "application/json", true,
                "{\"records\":[{\"type\":\"person\",\"id\":\"reuse-1\",\"email\":\"reuse@x.com\"}]}", 200);
    }

    /**
     * Sends a request whose body follows its headers after a pause, reads the answer, then either
     * finds {@code Connection: close} (and the connection closed) or sends a second request on the
     * same connection and gets an answer to it.
     */
    private static void assertReusableAfter(String method, String path, String contentType, boolean token, String body,
                                            int expectedStatus, String... headers) throws Exception {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        try (Socket s = new Socket("localhost", app.port())) {
            s.setSoTimeout(20_000);
            OutputStream out = s.getOutputStream();
            InputStream in = s.getInputStream();
            StringBuilder head = new StringBuilder(method + " " + path + " HTTP/1.1\r\nHost: localhost\r\n")
                    .append("Content-Type: ").append(contentType).append("\r\n")
                    .append("Content-Length: ").append(bytes.length).append("\r\n");
            if (token) head.append("Authorization: Bearer ").append(CohortApp.TOKEN).append("\r\n");
            for (int i = 0; i < headers.length; i += 2) head.append(headers[i]).append(": ").append(headers[i + 1]).append("\r\n");
            out.write(head.append("\r\n").toString().getBytes(StandardCharsets.US_ASCII));
            out.flush();
            Thread.sleep(300);
            try {
                out.write(bytes);
                out.flush();
            } catch (IOException e) {
                // The server may already have answered and closed: allowed only with Connection: close (below).
            }
            Answer first = Answer.read(in);
            assertThat(first.status()).as(first.toString()).isEqualTo(expectedStatus);
            if ("close".equalsIgnoreCase(first.headers().get("connection"))) {
                assertThat(in.read()).as("closed after Connection: close").isEqualTo(-1);
                return;
            }
            out.write(("GET /v1/segments HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + CohortApp.TOKEN
                    + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            Answer second = Answer.read(in);
            assertThat(second.status()).as("the next request on the kept-alive connection after " + first).isEqualTo(200);
        }
    }
}
