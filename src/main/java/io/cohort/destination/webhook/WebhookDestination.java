package io.cohort.destination.webhook;

import io.cohort.destination.Activation;
import io.cohort.destination.AudienceChange;
import io.cohort.destination.ConnectionCheck;
import io.cohort.destination.DeliveryException;
import io.cohort.destination.DeliveryResult;
import io.cohort.destination.Destination;
import io.cohort.destination.DestinationContext;
import io.cohort.destination.HttpSupport;
import io.cohort.vendor.HttpReply;
import java.net.URI;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * POSTs {@code {"deliveryId","activation","segment","changes":[{"seq","personId","action",
 * "email","at"}]}} signed with HMAC-SHA256. {@code deliveryId} ({@code <activation>:<firstSeq>-<lastSeq>})
 * is the same when a batch is redelivered, so receivers can deduplicate. 2xx: delivered;
 * 408/429/5xx/network: retry; other 4xx: fatal (the receiver refuses what we send).
 */
final class WebhookDestination implements Destination {
    private final WebhookDestinationFactory config;
    private final DestinationContext ctx;
    private final Clock clock;

    WebhookDestination(WebhookDestinationFactory config, DestinationContext ctx) {
        this.config = config;
        this.ctx = ctx;
        this.clock = ctx.clock();
    }

    @Override public int maxBatchSize() { return config.getBatchSize(); }

    @Override
    public List<String> validateActivation(Map<String, String> params) {
        String url = params.get("url");
        return url == null || validUrl(url) ? List.of() : List.of("param 'url' must be an absolute http(s) URL, was '" + url + "'");
    }

    /**
     * Any HTTP answer to a HEAD proves the receiver is reachable (many answer 405 to it), except a
     * redirect: deliveries to that URL fail until it is corrected (redirects are not followed).
     */
    @Override
    public ConnectionCheck check() {
        try {
            HttpReply r = HttpSupport.send(ctx.http(), "HEAD", URI.create(config.getUrl()), config.getHeaders(), null, null, timeout());
            if (r.status() >= 300 && r.status() < 400) return ConnectionCheck.failed("HTTP " + r.status() + " to HEAD" + r.redirectNote());
            return ConnectionCheck.healthy("reachable (HTTP " + r.status() + " to HEAD)");
        } catch (DeliveryException e) {
            return ConnectionCheck.failed(e.getMessage());
        }
    }

    @Override
    public DeliveryResult deliver(Activation activation, List<AudienceChange> changes) throws DeliveryException {
        String deliveryId = activation.id() + ":" + changes.get(0).seq() + "-" + changes.get(changes.size() - 1).seq();
        List<Map<String, Object>> items = new ArrayList<>();
        for (AudienceChange c : changes) {
            Map<String, Object> item = new LinkedHashMap<>();
            item.put("seq", c.seq());
            item.put("personId", c.personId());
            item.put("action", c.action().name().toLowerCase(Locale.ROOT));
            item.put("email", c.email());
            item.put("at", c.at().toString());
            items.add(item);
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("deliveryId", deliveryId);
        body.put("activation", activation.id());
        body.put("segment", activation.segmentId());
        body.put("changes", items);
        byte[] bytes;
        try {
            bytes = ctx.mapper().writeValueAsBytes(body);
        } catch (Exception e) {
            throw new DeliveryException.Fatal("cannot encode webhook body: " + e.getMessage(), e);
        }
        String url = activation.params().getOrDefault("url", config.getUrl());
        URI uri;
        try {
            uri = URI.create(url);
        } catch (IllegalArgumentException e) {
            throw new DeliveryException.Fatal("invalid webhook URL: " + e.getMessage(), e);
        }
        Map<String, String> headers = new LinkedHashMap<>(config.getHeaders());
        headers.put("X-Cohort-Signature", "sha256=" + sign(bytes));
        headers.put("X-Cohort-Delivery", deliveryId);
        HttpReply r = HttpSupport.send(ctx.http(), "POST", uri, headers, bytes, "application/json", timeout());
        int s = r.status();
        if (s >= 200 && s < 300) return DeliveryResult.ok();
        String msg = "webhook HTTP " + s + " for " + deliveryId + r.redirectNote() + ": " + HttpSupport.excerpt(r.body());
        // A redirect does not go away by itself: as a wrong URL, the operator's to fix.
        if (s >= 300 && s < 500 && s != 408 && s != 429) throw new DeliveryException.Fatal(msg);
        throw new DeliveryException.Retriable(msg, HttpSupport.retryAfter(r, clock), null);
    }

    /** Hex HMAC-SHA256 of the exact bytes sent. */
    String sign(byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(config.getSecret().getBytes(java.nio.charset.StandardCharsets.UTF_8), "HmacSHA256"));
            return HexFormat.of().formatHex(mac.doFinal(body));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private Duration timeout() { return Duration.ofMillis(config.getRequestTimeout().toMilliseconds()); }

    static boolean validUrl(String url) {
        try {
            URI u = URI.create(url);
            return u.isAbsolute() && u.getHost() != null
                    && ("http".equalsIgnoreCase(u.getScheme()) || "https".equalsIgnoreCase(u.getScheme()));
        } catch (IllegalArgumentException e) {
            return false;
        }
    }
}
