package io.cohort.vendor;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.codahale.metrics.MetricRegistry;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import java.io.IOException;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What a vendor, or whatever answers in its place (a proxy, a login page, an attacker's server
 * behind a misconfigured URL), may send back, through the one outbound client. Found by a hostile
 * campaign against the destination side: a POST answered with a redirect was followed as a GET
 * to the other host, whose 200 counted as the delivery.
 */
class VendorAnswersTest {
    final WireMockServer vendor = new WireMockServer(WireMockConfiguration.options().bindAddress("127.0.0.1").dynamicPort());
    final WireMockServer elsewhere = new WireMockServer(WireMockConfiguration.options().bindAddress("127.0.0.1").dynamicPort());
    final VendorHttp http = VendorHttp.build(new HttpClientSettings(), new MetricRegistry());

    VendorAnswersTest() {
        vendor.start();
        elsewhere.start();
        elsewhere.stubFor(any(anyUrl()).willReturn(aResponse().withStatus(200).withBody("{\"success\":true}")));
    }

    @AfterEach void stop() throws IOException {
        http.close();
        vendor.stop();
        elsewhere.stop();
    }

    private HttpReply send(String method, String path, Duration timeout) throws IOException {
        return http.send(method, URI.create(vendor.baseUrl() + path), Map.of("Authorization", "Bearer secret"),
                method.equals("GET") ? null : "{}".getBytes(), "application/json", timeout);
    }

    @Test
    void redirectsAreAnsweredAsTheyCameAndNeverFollowed() throws IOException {
        for (int status : new int[] {301, 302, 303, 307, 308}) {
            vendor.stubFor(any(anyUrl()).willReturn(aResponse().withStatus(status).withHeader("Location", elsewhere.baseUrl() + "/login")));
            for (String method : new String[] {"POST", "PUT", "GET", "DELETE"}) {
                HttpReply r = send(method, "/rest/v1/lists/1/leads.json", Duration.ofSeconds(5));
                assertThat(r.status()).as(method + " answered " + status).isEqualTo(status);
                assertThat(r.header("Location")).contains(elsewhere.baseUrl() + "/login");
            }
        }
        assertThat(elsewhere.findAll(anyRequestedFor(anyUrl()))).as("nothing reached the other host").isEmpty();
    }

    @Test
    void anAnswerLargerThanTheLimitIsAnIoErrorNotAHeapFull() {
        // Streamed in chunks, with and without a Content-Length: nothing holds it whole.
        byte[] big = new byte[VendorHttp.MAX_ANSWER_BYTES + 1];
        java.util.Arrays.fill(big, (byte) 'x');
        vendor.stubFor(post("/chunked").willReturn(aResponse().withStatus(200).withBody(big).withChunkedDribbleDelay(4, 10)));
        vendor.stubFor(post("/sized").willReturn(aResponse().withStatus(200).withBody(big)));
        for (String path : new String[] {"/chunked", "/sized"}) {
            assertThatThrownBy(() -> send("POST", path, Duration.ofSeconds(20))).as(path).isInstanceOf(IOException.class)
                    .hasMessageContaining("larger than " + VendorHttp.MAX_ANSWER_BYTES);
        }
        vendor.stubFor(post("/fits").willReturn(aResponse().withStatus(200).withBody(new byte[VendorHttp.MAX_ANSWER_BYTES])));
        assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> send("POST", "/fits", Duration.ofSeconds(20)))).isNull();
    }

    @Test
    void anAnswerTrickledSlowerThanTheTimeoutIsCutOffAtTheTimeout() throws Exception {
        // A byte every 200 ms, flushed: each read is well within the 2 s timeout, the whole 1,000 bytes never would be.
        try (java.net.ServerSocket trickler = new java.net.ServerSocket(0, 5, java.net.InetAddress.getLoopbackAddress())) {
            Thread t = new Thread(() -> {
                try (java.net.Socket s = trickler.accept()) {
                    s.getInputStream().read(new byte[8192]); // the request (small)
                    var out = s.getOutputStream();
                    out.write("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n".getBytes());
                    for (int i = 0; i < 1000; i++) {
                        out.write(' ');
                        out.flush();
                        Thread.sleep(200);
                    }
                } catch (IOException | InterruptedException closed) {
                    // the client gave up: what the test wants
                }
            });
            t.setDaemon(true);
            t.start();
            long started = System.nanoTime();
            assertThatThrownBy(() -> http.send("GET", URI.create("http://127.0.0.1:" + trickler.getLocalPort() + "/slow"), Map.of(), null,
                    "application/json", Duration.ofSeconds(2))).isInstanceOf(IOException.class).hasMessageContaining("within 2000 ms");
            // Not a speed check: without the deadline this call takes 200 s.
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(60));
        }
    }

    @Test
    void retryAfterIsReadAsSecondsOrADateAndNeverBeyondADay() {
        Clock clock = Clock.fixed(Instant.parse("2026-12-05T10:00:00Z"), ZoneOffset.UTC);
        assertThat(RetryAfter.of(reply("42"), clock)).isEqualTo(Duration.ofSeconds(42));
        assertThat(RetryAfter.of(reply(" 0 "), clock)).isEqualTo(Duration.ZERO);
        assertThat(RetryAfter.of(reply("Sat, 05 Dec 2026 10:01:30 GMT"), clock)).isEqualTo(Duration.ofSeconds(90));
        assertThat(RetryAfter.of(reply("Sat, 05 Dec 2026 09:00:00 GMT"), clock)).as("in the past").isEqualTo(Duration.ZERO);
        // A vendor's or a proxy's nonsense must neither pause a destination for years nor overflow into "now".
        for (String huge : new String[] {"9999999999", "9223372036854775807", "99999999999999999999999", "Fri, 31 Dec 9999 23:59:59 GMT"}) {
            assertThat(RetryAfter.of(reply(huge), clock)).as(huge).isEqualTo(RetryAfter.MAX);
        }
        for (String unreadable : new String[] {"-5", "soon", "1.5", "", "42s", "0x10"}) {
            assertThat(RetryAfter.of(reply(unreadable), clock)).as(unreadable).isNull();
        }
        assertThat(RetryAfter.of(new HttpReply(429, Map.of(), ""), clock)).isNull();
    }

    private static HttpReply reply(String retryAfter) {
        return new HttpReply(429, Map.of("retry-after", java.util.List.of(retryAfter)), "");
    }
}
