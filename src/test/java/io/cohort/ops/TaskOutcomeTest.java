package io.cohort.ops;

import static org.assertj.core.api.Assertions.assertThat;

import com.codahale.metrics.MetricRegistry;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dropwizard.servlets.tasks.TaskServlet;
import jakarta.servlet.DispatcherType;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeoutException;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What an admin task answers when it cannot do what was asked, or fails: Dropwizard's task servlet
 * (the real one, in a real Jetty, behind {@link TaskParameters} as on the admin port) answers any
 * exception with a 500 and the stack trace. A {@link TaskRefusal} is answered with its own status
 * and JSON instead, a failure with a JSON 500 that keeps the stack trace in the log.
 */
class TaskOutcomeTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static Server server;
    private static int port;

    /** A task running {@code body}. */
    private static CheckedTask task(String name, Body body) {
        return new CheckedTask(name) {
            @Override public Map<String, TaskParameters.Param> parameters() { return Map.of(); }

            @Override protected void run(Map<String, List<String>> parameters, PrintWriter out) throws Exception {
                body.run(out);
            }
        };
    }

    private interface Body {
        void run(PrintWriter out) throws Exception;
    }

    @BeforeAll static void start() throws Exception {
        TaskParameters filter = new TaskParameters();
        TaskServlet servlet = new TaskServlet(new MetricRegistry());
        for (CheckedTask t : List.of(
                task("fine", out -> out.println("done: 3 rows")),
                task("busy", out -> {
                    out.println("half written");
                    throw TaskRefusal.unavailable("the evaluation did not finish within PT1M (it goes on)");
                }),
                task("bad-rules", out -> {
                    throw TaskRefusal.unprocessable("NOT applied; still serving v1", "rules", List.of("a.drl:3:1: error: x", "b.drl:9:4: error: y"));
                }),
                task("broken", out -> {
                    throw new IllegalStateException("boom in the task");
                }),
                new ClockTask((set, advance) -> {
                    throw new TimeoutException("the cluster's time is 2026-12-01T00:00:00Z, but no process handled it within PT1M");
                }))) {
            filter.declare(t);
            servlet.add(t);
        }
        ServletContextHandler ctx = new ServletContextHandler("/");
        ctx.addServlet(new ServletHolder(servlet), "/tasks/*");
        ctx.addFilter(new FilterHolder(filter), "/*", EnumSet.of(DispatcherType.REQUEST));
        server = new Server(0);
        server.setHandler(ctx);
        server.start();
        port = ((ServerConnector) server.getConnectors()[0]).getLocalPort();
    }

    @AfterAll static void stop() throws Exception { server.stop(); }

    private static HttpResponse<String> post(String path) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode json(HttpResponse<String> r) throws Exception {
        assertThat(r.headers().firstValue("Content-Type")).as(r.body()).hasValueSatisfying(v -> assertThat(v).startsWith("application/json"));
        return JSON.readTree(r.body());
    }

    @Test
    void aTaskThatDidItsWorkAnswersItsTextAsBefore() throws Exception {
        var r = post("/tasks/fine");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("done: 3 rows\n");
        assertThat(r.headers().firstValue("Content-Type").orElseThrow()).startsWith("text/plain");
    }

    @Test
    void aRefusalIsItsStatusWithJsonAndNothingOfWhatTheTaskWroteBefore() throws Exception {
        var r = post("/tasks/busy");
        assertThat(r.statusCode()).isEqualTo(503);
        assertThat(r.headers().firstValue("Retry-After")).isPresent();
        assertThat(json(r).get("message").asText()).isEqualTo("the evaluation did not finish within PT1M (it goes on)");
        assertThat(r.body()).doesNotContain("half written");

        JsonNode rules = json(post("/tasks/bad-rules"));
        assertThat(rules.get("code").asInt()).isEqualTo(422);
        assertThat(rules.get("message").asText()).isEqualTo("NOT applied; still serving v1");
        assertThat(rules.get("errors")).hasSize(2);
        assertThat(rules.get("errors").get(1).get("field").asText()).isEqualTo("rules");
        assertThat(rules.get("errors").get(1).get("message").asText()).isEqualTo("b.drl:9:4: error: y");
    }

    @Test
    void theClockWaitingInVainIsA503() throws Exception {
        var r = post("/tasks/clock?advance=P1D");
        assertThat(r.statusCode()).isEqualTo(503);
        assertThat(json(r).get("message").asText()).contains("no process handled it within PT1M");
    }

    @Test
    void aFailureIsAJson500WithoutTheStackTrace() throws Exception {
        var r = post("/tasks/broken");
        assertThat(r.statusCode()).isEqualTo(500);
        assertThat(json(r).get("message").asText()).isEqualTo("task broken failed: boom in the task (the service log has the details)");
        assertThat(r.body()).doesNotContain("at io.cohort").doesNotContain("IllegalStateException");
        // The next request on the same server thread starts clean.
        assertThat(post("/tasks/fine").statusCode()).isEqualTo(200);
    }
}
