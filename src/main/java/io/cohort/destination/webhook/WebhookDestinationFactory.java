package io.cohort.destination.webhook;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonTypeName;
import io.cohort.destination.Destination;
import io.cohort.destination.DestinationContext;
import io.cohort.destination.DestinationFactory;
import io.dropwizard.util.Duration;
import io.dropwizard.validation.ValidationMethod;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code type: webhook} — POSTs each batch as signed JSON.
 * <ul>
 *   <li>{@code url}: absolute http(s) URL (an activation may override it with param {@code url});</li>
 *   <li>{@code secret}: HMAC-SHA256 key; the receiver checks
 *       {@code X-Cohort-Signature: sha256=<hex>} over the exact body. Pass as {@code ${WEBHOOK_SECRET}};</li>
 *   <li>{@code headers}: extra request headers (e.g. an API key);</li>
 *   <li>{@code batchSize} (500), {@code requestTimeout} (30s).</li>
 * </ul>
 */
@JsonTypeName("webhook")
public class WebhookDestinationFactory implements DestinationFactory {
    @NotEmpty private String url;
    @NotEmpty private String secret;
    @NotNull private Map<String, String> headers = new LinkedHashMap<>();
    @Min(1) @Max(10_000) private int batchSize = 500;
    @NotNull private Duration requestTimeout = Duration.seconds(30);

    @Override
    public Destination build(String destinationId, DestinationContext context) {
        return new WebhookDestination(this, context);
    }

    @JsonIgnore
    @ValidationMethod(message = "url must be an absolute http(s) URL")
    public boolean isUrlValid() { return url == null || WebhookDestination.validUrl(url); }

    @JsonProperty public String getUrl() { return url; }
    @JsonProperty public void setUrl(String v) { url = v; }
    @JsonProperty public String getSecret() { return secret; }
    @JsonProperty public void setSecret(String v) { secret = v; }
    @JsonProperty public Map<String, String> getHeaders() { return headers; }
    @JsonProperty public void setHeaders(Map<String, String> v) { headers = v; }
    @JsonProperty public int getBatchSize() { return batchSize; }
    @JsonProperty public void setBatchSize(int v) { batchSize = v; }
    @JsonProperty public Duration getRequestTimeout() { return requestTimeout; }
    @JsonProperty public void setRequestTimeout(Duration v) { requestTimeout = v; }
}
