package io.cohort.vendor;

import java.net.URI;
import java.time.Duration;
import java.util.Locale;

/**
 * Marketo's documented per-instance limits: 100 calls per 20 s (sliding) and 10 concurrent calls,
 * counted per Marketo subscription whatever integration calls it. The Marketo destination and a
 * Marketo source connector of the same instance share one budget:
 * <pre>{@code
 * CallLimits.Budget budget = MarketoLimits.budget(callLimits, "https://123-ABC-456.mktorest.com", MarketoLimits.DEFAULT);
 * JsonNode leads = budget.call(() -> fetchLeads(...));   // waits for a slot and a permit
 * }</pre>
 * Lower the limits (config keys {@code maxCallsPerWindow}, {@code rateWindow},
 * {@code maxConcurrentCalls}) when integrations outside Cohort use the same instance.
 */
public final class MarketoLimits {
    /** 100 calls per 20 s, 10 concurrent; a call waits up to a window for its permit. */
    public static final CallLimits.Limits DEFAULT =
            new CallLimits.Limits(100, Duration.ofSeconds(20), 10, Duration.ofSeconds(20));

    private MarketoLimits() {}

    /**
     * The registry key of an instance: {@code marketo:<host>[:port]} of its REST base URL, lower
     * case, so {@code https://123-ABC-456.mktorest.com/rest/} and {@code https://123-abc-456.mktorest.com}
     * are the same instance.
     */
    public static String key(String baseUrl) {
        URI u = URI.create(baseUrl.trim());
        if (u.getHost() == null) throw new IllegalArgumentException("not an absolute URL: " + baseUrl);
        return "marketo:" + u.getHost().toLowerCase(Locale.ROOT) + (u.getPort() < 0 ? "" : ":" + u.getPort());
    }

    /** The shared budget of the instance at {@code baseUrl}. */
    public static CallLimits.Budget budget(CallLimits registry, String baseUrl, CallLimits.Limits limits) {
        return registry.budget(key(baseUrl), limits);
    }
}
