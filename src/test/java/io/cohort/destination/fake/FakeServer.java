package io.cohort.destination.fake;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A small stateful HTTP server on the loopback interface (JDK httpserver), the base of the vendor
 * fakes. {@link #stop()} then {@link #start()} comes back on the same port, to simulate downtime.
 * State (lists, segments…) survives a restart, like the vendor's.
 */
public abstract class FakeServer implements AutoCloseable {
    /** What a handler answers. */
    protected record Reply(int status, Map<String, String> headers, String body) {
        public static Reply json(int status, String body) { return new Reply(status, Map.of("Content-Type", "application/json"), body); }

        /** For fakes in other packages (the record's constructor is protected there). */
        public static Reply of(int status, Map<String, String> headers, String body) { return new Reply(status, headers, body); }
    }

    /**
     * A reply header the fakes use to break a download: the full Content-Length is announced, only
     * this many bytes are sent, then the connection closes (the client sees a premature end).
     */
    public static final String TRUNCATE_AT = "X-Fake-Truncate-At";

    /**
     * A reply header the fakes use to hold a download midway: this many bytes are sent and flushed,
     * then the rest only once {@link #pauseBodiesUntil}'s condition holds (or after two minutes).
     */
    public static final String PAUSE_AT = "X-Fake-Pause-At";

    protected static final ObjectMapper JSON = new ObjectMapper();
    private volatile java.util.function.BooleanSupplier resumeWhen = () -> true;
    private volatile boolean pauseTimedOut;
    private final List<RecordedRequest> requests = new CopyOnWriteArrayList<>();
    private HttpServer server;
    private ExecutorService executor;
    private int port;

    /** Binds (a free port the first time, the same port after a stop). */
    public synchronized FakeServer start() {
        if (server != null) return this;
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 50);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot bind port " + port, e);
        }
        executor = Executors.newFixedThreadPool(16);
        server.setExecutor(executor);
        server.createContext("/", this::exchange);
        server.start();
        port = server.getAddress().getPort();
        return this;
    }

    /** Stops listening: clients get connection refused until {@link #start()}. */
    public synchronized void stop() {
        if (server == null) return;
        server.stop(0);
        executor.shutdownNow();
        server = null;
    }

    @Override public void close() { stop(); }

    public synchronized int port() { return port; }

    public String url() { return "http://127.0.0.1:" + port(); }

    public List<RecordedRequest> requests() { return new ArrayList<>(requests); }

    public List<RecordedRequest> requests(String method, String pathPrefix) {
        return requests.stream().filter(r -> r.method().equals(method) && r.path().startsWith(pathPrefix)).toList();
    }

    public void clearRequests() { requests.clear(); }

    /** When a reply held at {@link #PAUSE_AT} goes on. */
    public void pauseBodiesUntil(java.util.function.BooleanSupplier condition) { resumeWhen = condition; }

    /** Whether a held reply went on because two minutes passed rather than because its condition held. */
    public boolean pauseTimedOut() { return pauseTimedOut; }

    /** Answers one request; the body is already read. */
    protected abstract Reply handle(String method, String path, String query, Map<String, List<String>> headers, String body)
            throws Exception;

    private void exchange(HttpExchange ex) throws IOException {
        try (ex) {
            String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            Map<String, List<String>> headers = new LinkedHashMap<>();
            ex.getRequestHeaders().forEach((k, v) -> headers.put(k.toLowerCase(), List.copyOf(v)));
            String method = ex.getRequestMethod();
            String path = ex.getRequestURI().getRawPath();
            String query = ex.getRequestURI().getRawQuery();
            Reply reply;
            try {
                reply = handle(method, path, query, headers, body);
            } catch (Exception e) {
                reply = Reply.json(500, "{\"message\":\"fake failed: " + e.toString().replace('"', '\'') + "\"}");
            }
            requests.add(new RecordedRequest(method, path, query, headers, body, reply.status()));
            byte[] out = reply.body() == null ? new byte[0] : reply.body().getBytes(StandardCharsets.UTF_8);
            reply.headers().forEach((k, v) -> {
                if (!k.equals(TRUNCATE_AT) && !k.equals(PAUSE_AT)) ex.getResponseHeaders().add(k, v);
            });
            ex.sendResponseHeaders(reply.status(), out.length == 0 ? -1 : out.length);
            int send = reply.headers().containsKey(TRUNCATE_AT) ? Integer.parseInt(reply.headers().get(TRUNCATE_AT)) : out.length;
            int pause = reply.headers().containsKey(PAUSE_AT) ? Math.min(out.length, Integer.parseInt(reply.headers().get(PAUSE_AT))) : -1;
            if (pause >= 0) {
                ex.getResponseBody().write(out, 0, pause);
                ex.getResponseBody().flush();
                long until = System.nanoTime() + 120_000_000_000L;
                while (!resumeWhen.getAsBoolean()) {
                    if (System.nanoTime() > until) {
                        pauseTimedOut = true;
                        break;
                    }
                    try {
                        Thread.sleep(50);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                }
                ex.getResponseBody().write(out, pause, out.length - pause);
            } else if (out.length > 0) {
                ex.getResponseBody().write(out, 0, Math.min(send, out.length));
            }
        }
    }

    protected static String json(Object o) {
        try {
            return JSON.writeValueAsString(o);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
