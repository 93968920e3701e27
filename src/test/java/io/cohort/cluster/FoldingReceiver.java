package io.cohort.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A webhook receiver on {@code /hook} that keeps, per "activation/person", the newest change it
 * was sent by {@code seq}: deliveries are at least once, and in any order after a dispatcher's
 * takeover, so this is what a receiver that follows the documented contract ends up holding.
 */
final class FoldingReceiver implements AutoCloseable {
    private final HttpServer server;
    /** "activation/person" → [seq, 1 add | 0 remove] of the newest change. */
    private final Map<String, long[]> newest = new ConcurrentHashMap<>();

    FoldingReceiver() throws IOException {
        ObjectMapper json = new ObjectMapper();
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
        server.createContext("/hook", ex -> {
            byte[] body = ex.getRequestBody().readAllBytes();
            if ("POST".equals(ex.getRequestMethod())) {
                JsonNode b = json.readTree(body);
                for (JsonNode c : b.get("changes")) {
                    long[] change = {c.get("seq").asLong(), "add".equals(c.get("action").asText()) ? 1 : 0};
                    newest.merge(b.get("activation").asText() + "/" + c.get("personId").asText(), change,
                            (old, now) -> now[0] >= old[0] ? now : old);
                }
            }
            ex.sendResponseHeaders(200, -1);
            ex.close();
        });
        server.start();
    }

    /** The URL to configure as the webhook destination's {@code url}. */
    String url() { return "http://127.0.0.1:" + server.getAddress().getPort() + "/hook"; }

    /** "activation/person" of everyone whose newest change was an add. */
    Set<String> members() {
        Set<String> now = new TreeSet<>();
        for (var e : newest.entrySet()) if (e.getValue()[1] == 1) now.add(e.getKey());
        return now;
    }

    /** {@link #members()} once it equals {@code wanted}, or as it is after 60 s. */
    Set<String> awaitMembers(Set<String> wanted) throws InterruptedException {
        long until = System.nanoTime() + 60_000_000_000L;
        Set<String> now;
        do {
            now = members();
            if (now.equals(wanted)) return now;
            Thread.sleep(200);
        } while (System.nanoTime() < until);
        return now;
    }

    @Override public void close() { server.stop(0); }
}
