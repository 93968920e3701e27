package io.cohort.vendor;

import java.net.URI;
import java.time.Duration;
import java.time.ZoneId;
import java.util.Locale;

/**
 * Marketo's documented per-instance limits: 100 calls per 20 s (sliding), 10 concurrent calls
 * and a daily quota (50,000 unless bought up, reset at midnight US Central), counted per Marketo
 * subscription whatever integration calls it. The Marketo destination and a Marketo source
 * connector of the same instance share one budget:
 * <pre>{@code
 * CallLimits.Budget budget = MarketoLimits.budget(callLimits, "https://123-ABC-456.mktorest.com", MarketoLimits.DEFAULT);
 * JsonNode leads = budget.call(() -> fetchLeads(...));   // waits for a slot and a permit
 * }</pre>
 * Lower the limits (config keys {@code maxCallsPerWindow}, {@code rateWindow},
 * {@code maxConcurrentCalls}, {@code dailyQuota}) when integrations outside Cohort use the same
 * instance.
 */
public final class MarketoLimits {
    /** The zone whose midnight resets Marketo's daily quota. */
    public static final ZoneId QUOTA_ZONE = ZoneId.of("America/Chicago");

    /** 100 calls per 20 s, 10 concurrent, 50,000 a day; a call waits up to a window for its permit. */
    public static final CallLimits.Limits DEFAULT = of(100, Duration.ofSeconds(20), 10, 50_000);

    private MarketoLimits() {}

    /** Limits as configured; a call waits up to one window for its permit. */
    public static CallLimits.Limits of(int maxCalls, Duration window, int maxConcurrent, long dailyQuota) {
        return new CallLimits.Limits(maxCalls, window, maxConcurrent, window, dailyQuota, QUOTA_ZONE);
    }

    /**
     * The registry key of an instance: {@code marketo:<host>[:port]} of its REST base URL, lower
     * case, so {@code https://123-ABC-456.mktorest.com/rest/} and {@code https://123-abc-456.mktorest.com}
     * are the same instance.
     */
    public static String key(String baseUrl) {
        URI u = URI.create(baseUrl.trim());
        if (u.getHost() == null) throw new IllegalArgumentException("not an absolute URL: " + baseUrl);
        int port = u.getPort();
        boolean defaultPort = port < 0 || ("https".equalsIgnoreCase(u.getScheme()) && port == 443)
                || ("http".equalsIgnoreCase(u.getScheme()) && port == 80);
        return "marketo:" + u.getHost().toLowerCase(Locale.ROOT) + (defaultPort ? "" : ":" + port);
    }

    /** The shared budget of the instance at {@code baseUrl}. */
    public static CallLimits.Budget budget(CallLimits registry, String baseUrl, CallLimits.Limits limits) {
        return registry.budget(key(baseUrl), limits);
    }
}
