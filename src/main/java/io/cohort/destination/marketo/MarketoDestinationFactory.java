package io.cohort.destination.marketo;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonTypeName;
import io.cohort.destination.Destination;
import io.cohort.destination.DestinationContext;
import io.cohort.destination.DestinationFactory;
import io.cohort.vendor.CallLimits;
import io.cohort.vendor.MarketoLimits;
import io.dropwizard.util.Duration;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;

/**
 * {@code type: marketo} — static-list membership through the Marketo REST API.
 * <ul>
 *   <li>{@code baseUrl}: the REST endpoint host, e.g. {@code https://123-ABC-456.mktorest.com}
 *       (a trailing {@code /rest} is ignored); {@code /identity/oauth/token} and {@code /rest/v1/...} are
 *       appended;</li>
 *   <li>{@code clientId}, {@code clientSecret}: the LaunchPoint custom service; pass them as
 *       {@code ${MARKETO_CLIENT_ID}} etc.;</li>
 *   <li>{@code source}: the Cohort source id whose identities are Marketo lead ids
 *       (e.g. {@code marketo-1});</li>
 *   <li>{@code createMissingLeads} (false): a person with no lead id and no lead found by email
 *       is created (createOrUpdate on email) instead of being rejected;</li>
 *   <li>{@code maxCallsPerWindow} (100) per {@code rateWindow} (20s) and
 *       {@code maxConcurrentCalls} (10): Marketo's documented limits, enforced client-side in
 *       one budget per instance ({@link MarketoLimits}) that a Marketo source of the same
 *       instance shares; lower them when integrations outside Cohort use the instance;</li>
 *   <li>{@code dailyQuota} (50000): the subscription's daily API calls (reset at midnight US
 *       Central), counted with the source's calls; at a 607 both wait for the reset;</li>
 *   <li>{@code batchSize} (300, the API's maximum), {@code requestTimeout} (30s).</li>
 * </ul>
 * Activation params: {@code listId} (the static list id).
 */
@JsonTypeName("marketo")
public class MarketoDestinationFactory implements DestinationFactory {
    @NotEmpty private String baseUrl;
    @NotEmpty private String clientId;
    @NotEmpty private String clientSecret;
    @NotEmpty private String source;
    private boolean createMissingLeads;
    @Min(1) private int maxCallsPerWindow = 100;
    @NotNull private Duration rateWindow = Duration.seconds(20);
    @Min(1) private int maxConcurrentCalls = 10;
    @Min(0) private long dailyQuota = 50_000;
    @Min(1) @Max(300) private int batchSize = 300;
    @NotNull private Duration requestTimeout = Duration.seconds(30);

    /** The per-instance call budget these keys ask for; a call waits up to one window for a permit. */
    public CallLimits.Limits limits() {
        return MarketoLimits.of(maxCallsPerWindow, java.time.Duration.ofMillis(rateWindow.toMilliseconds()),
                maxConcurrentCalls, dailyQuota);
    }

    @Override
    public Destination build(String destinationId, DestinationContext context) {
        return new MarketoDestination(destinationId, this, context);
    }

    @JsonProperty public String getBaseUrl() { return baseUrl; }
    @JsonProperty public void setBaseUrl(String v) { baseUrl = v; }
    @JsonProperty public String getClientId() { return clientId; }
    @JsonProperty public void setClientId(String v) { clientId = v; }
    @JsonProperty public String getClientSecret() { return clientSecret; }
    @JsonProperty public void setClientSecret(String v) { clientSecret = v; }
    @JsonProperty public String getSource() { return source; }
    @JsonProperty public void setSource(String v) { source = v; }
    @JsonProperty public boolean isCreateMissingLeads() { return createMissingLeads; }
    @JsonProperty public void setCreateMissingLeads(boolean v) { createMissingLeads = v; }
    @JsonProperty public int getMaxCallsPerWindow() { return maxCallsPerWindow; }
    @JsonProperty public void setMaxCallsPerWindow(int v) { maxCallsPerWindow = v; }
    @JsonProperty public Duration getRateWindow() { return rateWindow; }
    @JsonProperty public void setRateWindow(Duration v) { rateWindow = v; }
    @JsonProperty public int getMaxConcurrentCalls() { return maxConcurrentCalls; }
    @JsonProperty public void setMaxConcurrentCalls(int v) { maxConcurrentCalls = v; }
    @JsonProperty public long getDailyQuota() { return dailyQuota; }
    @JsonProperty public void setDailyQuota(long v) { dailyQuota = v; }
    @JsonProperty public int getBatchSize() { return batchSize; }
    @JsonProperty public void setBatchSize(int v) { batchSize = v; }
    @JsonProperty public Duration getRequestTimeout() { return requestTimeout; }
    @JsonProperty public void setRequestTimeout(Duration v) { requestTimeout = v; }
}
