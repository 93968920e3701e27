package io.cohort.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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
 * {@code Expect: 100-continue} (RFC 9110 §10.1.1): a client asks whether to send its body, and a
 * request the service will refuse on its headers alone is answered with its final status, never
 * {@code 100 Continue}. The hostile-input campaign found a body declared over
 * {@code ingest.maxBodyBytes} invited with {@code 100 Continue}, uploaded, and only then refused.
 *
 * <p>Each request's head is written by hand and the first answer read before any body is sent.
 */
class ExpectContinueIT {
    static final String RECORDS = "/v1/sources/crm-1/records";
    static final int LIMIT = 20_000;
    static final ObjectMapper JSON = new ObjectMapper();
    @TempDir static java.nio.file.Path tmp;
    static CohortApp app;

    @BeforeAll static void start() throws Exception {
        app = new CohortApp(tmp, ConfigOverride.config("ingest.maxBodyBytes", String.valueOf(LIMIT))).start();
    }

    @AfterAll static void stop() { if (app != null) app.stop(); }

    @Test
    void aBodyDeclaredOverTheLimitIsA413WithoutContinue() throws Exception {
        String[][] endpoints = {{RECORDS, "application/json"}, {"/v1/sources/marketo-1/native/leads", "application/json"},
                {"/v1/rules/validate", "text/plain"}, {"/v1/rules/preview", "application/json"}, {"/v1/rules/preview", "text/plain"}};
        for (String[] e : endpoints) {
            for (long length : new long[] {LIMIT + 1, 10L * 1024 * 1024 * 1024}) {
                refusedBeforeTheBody(app.port(), "POST " + e[0], 413, "ingest.maxBodyBytes",
                        "Content-Type: " + e[1], "Content-Length: " + length, "Expect: 100-continue", bearer());
            }
        }
    }

    /** Refusals decided on other headers: the final status at once as well, as JSON. */
    @Test
    void otherRefusalsOnTheHeadersComeWithoutContinue() throws Exception {
        String json = "Content-Type: application/json";
        String small = "Content-Length: 14";
        String expect = "Expect: 100-continue";
        refusedBeforeTheBody(app.port(), "POST " + RECORDS, 401, "", json, small, expect);
        refusedBeforeTheBody(app.port(), "POST " + RECORDS, 403, "ingest", json, small, expect,
                "Authorization: Bearer test-token-reader");
        refusedBeforeTheBody(app.port(), "POST " + RECORDS, 415, "", "Content-Type: text/csv", small, expect, bearer());
        refusedBeforeTheBody(app.port(), "POST " + RECORDS, 415, "Content-Encoding", json, small, expect, bearer(),
                "Content-Encoding: br");
        refusedBeforeTheBody(app.port(), "POST " + RECORDS, 400, "Content-Type", "Content-Type: ;;;==//", small, expect, bearer());
        refusedBeforeTheBody(app.port(), "POST /v1/nowhere", 404, "no such endpoint", json, small, expect, bearer());
        refusedBeforeTheBody(app.port(), "POST /v1/sources/nope/records", 404, "nope", json, small, expect, bearer());
        refusedBeforeTheBody(app.port(), "PUT " + RECORDS, 405, "POST", json, small, expect, bearer());
        refusedBeforeTheBody(app.port(), "TRACE " + RECORDS, 405, "TRACE", json, small, expect, bearer());
    }

    /** Only 100-continue is defined: any other expectation is a 417, before the body. */
    @Test
    void anExpectationOtherThanContinueIsA417() throws Exception {
        for (String value : new String[] {"200-ok", "100-continue-please", "x"}) {
            refusedBeforeTheBody(app.port(), "POST " + RECORDS, 417, "Expect", "Content-Type: application/json",
                    "Content-Length: 14", "Expect: " + value, bearer());
        }
    }

    /** Within the limit, the client is invited, sends its body, and the batch is accepted. */
    @Test
    void aBodyWithinTheLimitIsInvitedAndAccepted() throws Exception {
        byte[] body = "{\"records\":[{\"type\":\"person\",\"id\":\"expect-1\",\"email\":\"expect@x.com\"}]}"
                .getBytes(StandardCharsets.UTF_8);
        try (Socket s = connect(app.port())) {
            writeHead(s, "POST " + RECORDS, "Content-Type: application/json", "Content-Length: " + body.length,
                    "Expect: 100-continue", bearer());
            InputStream in = s.getInputStream();
            assertThat(Answer.read(in).status()).isEqualTo(100);
            s.getOutputStream().write(body);
            s.getOutputStream().flush();
            Answer done = Answer.read(in);
            assertThat(done.status()).as(done.toString()).isEqualTo(200);
            // The connection stays usable.
            writeHead(s, "GET /v1/segments", bearer());
            assertThat(Answer.read(in).status()).isEqualTo(200);
        }
    }

    /**
     * A client may send its body without waiting for 100 Continue (or after waiting a while, as
     * RFC 9110 lets it): it is refused all the same, and its body, here a run of requests, is never
     * read as the next request on the connection.
     */
    @Test
    void aBodySentWithoutWaitingIsNotReadAsTheNextRequest() throws Exception {
        byte[] body = "GET /v1/segments HTTP/1.1\r\nHost: localhost\r\n\r\n".repeat(LIMIT / 40).getBytes(StandardCharsets.US_ASCII);
        String[] headers = {"Content-Type: application/json", "Content-Length: " + body.length, "Expect: 100-continue", bearer()};
        for (boolean readFirst : new boolean[] {true, false}) {
            try (Socket s = connect(app.port())) {
                writeHead(s, "POST " + RECORDS, headers);
                Answer first = readFirst ? Answer.read(s.getInputStream()) : null;
                try {
                    s.getOutputStream().write(body);
                    s.getOutputStream().flush();
                } catch (IOException e) {
                    // Closed after the refusal: the body never reaches a parser.
                }
                if (first == null) first = Answer.read(s.getInputStream());
                assertRefused(first, 413, "ingest.maxBodyBytes");
                assertThat(first.headers()).as(first.toString()).containsEntry("connection", "close");
                assertClosed(s.getInputStream());
            }
        }
    }

    /** A chunked body declares no length: it is invited, and refused once it passes the limit, on a closed connection. */
    @Test
    void aChunkedBodyIsInvitedAndRefusedWhenItPassesTheLimit() throws Exception {
        try (Socket s = connect(app.port())) {
            writeHead(s, "POST " + RECORDS, "Content-Type: application/json", "Transfer-Encoding: chunked",
                    "Expect: 100-continue", bearer());
            InputStream in = s.getInputStream();
            assertThat(Answer.read(in).status()).isEqualTo(100);
            String chunk = "x".repeat(LIMIT / 4);
            OutputStream out = s.getOutputStream();
            try {
                for (int i = 0; i < 5; i++) {
                    out.write((Integer.toHexString(chunk.length()) + "\r\n" + chunk + "\r\n").getBytes(StandardCharsets.US_ASCII));
                }
                out.flush();
            } catch (IOException e) {
                // Refused and closed while sending: the answer is still to be read.
            }
            Answer refused = Answer.read(in);
            assertRefused(refused, 413, "ingest.maxBodyBytes");
            assertThat(refused.headers()).as(refused.toString()).containsEntry("connection", "close");
        }
    }

    /** The admin port refuses a task's body (tasks take query parameters) before inviting it too. */
    @Test
    void theAdminPortRefusesBeforeContinueToo() throws Exception {
        String head = "POST /tasks/gc";
        String admin = CohortApp.ADMIN_HEADER + ": 1";
        String form = "Content-Type: application/x-www-form-urlencoded";
        String expect = "Expect: 100-continue";
        refusedBeforeTheBody(app.adminPort(), head, 413, "query parameters", form, "Content-Length: 5000000", expect, admin);
        refusedBeforeTheBody(app.adminPort(), head, 403, CohortApp.ADMIN_HEADER, form, "Content-Length: 10", expect);
        refusedBeforeTheBody(app.adminPort(), "POST /tasks/nosuch", 404, "nosuch", form, "Content-Length: 10", expect, admin);
        refusedBeforeTheBody(app.adminPort(), head, 417, "Expect", form, "Content-Length: 10", "Expect: x", admin);
    }

    /**
     * Writes the request's head only and reads the first answer with a timeout: it must be the
     * refusal (as JSON, with {@code Connection: close}), after which the connection closes.
     */
    static void refusedBeforeTheBody(int port, String requestLine, int status, String messagePart, String... headers)
            throws Exception {
        try (Socket s = connect(port)) {
            writeHead(s, requestLine, headers);
            Answer first = Answer.read(s.getInputStream());
            assertRefused(first, status, messagePart);
            assertThat(first.headers()).as(requestLine + ": " + first).containsEntry("connection", "close");
            assertClosed(s.getInputStream());
        }
    }

    static void assertRefused(Answer a, int status, String messagePart) throws IOException {
        assertThat(a.status()).as(a.toString()).isEqualTo(status);
        assertThat(a.headers().get("content-type")).as(a.toString()).startsWith("application/json");
        JsonNode body = JSON.readTree(a.body());
        assertThat(body.get("code").asInt()).as(a.toString()).isEqualTo(status);
        assertThat(body.get("message").asText()).as(a.toString()).contains(messagePart);
    }

    /** The server closed the connection (a reset counts: the client's unread body was left). */
    static void assertClosed(InputStream in) throws IOException {
        try {
            assertThat(in.read()).as("the connection closed").isEqualTo(-1);
        } catch (java.net.SocketException e) {
            assertThat(e.getMessage()).containsIgnoringCase("reset");
        }
    }

    static Socket connect(int port) throws IOException {
        Socket s = new Socket("localhost", port);
        s.setSoTimeout(10_000);
        return s;
    }

    static void writeHead(Socket s, String requestLine, String... headers) throws IOException {
        StringBuilder head = new StringBuilder(requestLine).append(" HTTP/1.1\r\nHost: localhost\r\n");
        for (String h : headers) head.append(h).append("\r\n");
        OutputStream out = s.getOutputStream();
        out.write(head.append("\r\n").toString().getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    static String bearer() { return "Authorization: Bearer " + CohortApp.TOKEN; }
}
