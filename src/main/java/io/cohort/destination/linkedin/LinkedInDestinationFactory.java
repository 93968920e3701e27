package io.cohort.destination.linkedin;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonTypeName;
import io.cohort.destination.Destination;
import io.cohort.destination.DestinationContext;
import io.cohort.destination.DestinationFactory;
import io.dropwizard.util.Duration;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;

/**
 * {@code type: linkedin} — a Matched Audiences DMP segment of type USER, fed with SHA-256 hashed
 * emails through the versioned Marketing API.
 * <ul>
 *   <li>{@code baseUrl} ({@code https://api.linkedin.com/rest});</li>
 *   <li>{@code accessToken}: an OAuth token with {@code rw_dmp_segments}; pass it as
 *       {@code ${LINKEDIN_ACCESS_TOKEN}};</li>
 *   <li>{@code linkedinVersion}: the {@code LinkedIn-Version} header, YYYYMM (e.g. 202411);</li>
 *   <li>{@code sourcePlatform} (required): the {@code sourcePlatform} enum value LinkedIn
 *       assigns to an integration when it grants access to the Audiences (DMP segment) APIs,
 *       upper-case letters, digits and underscores (Segment's integration, for example, sends
 *       {@code SEGMENT}). Sent when a segment is created: LinkedIn answers 400 "Required
 *       field(s) missing: /sourcePlatform" without it, so the service refuses to start
 *       without it;</li>
 *   <li>{@code segmentReadyDelay} (5s): LinkedIn asks to wait this long after creating a
 *       segment before adding users;</li>
 *   <li>{@code batchSize} (5000, the API's maximum), {@code requestTimeout} (30s).</li>
 * </ul>
 * Activation params: {@code adAccount} ({@code urn:li:sponsoredAccount:123} or {@code 123}) and
 * {@code segmentName} (found by name in the account, created when missing).
 */
@JsonTypeName("linkedin")
public class LinkedInDestinationFactory implements DestinationFactory {
    @NotEmpty private String baseUrl = "https://api.linkedin.com/rest";
    @NotEmpty private String accessToken;
    @NotEmpty @Pattern(regexp = "\\d{6}(\\.\\d{2})?") private String linkedinVersion;
    @NotEmpty(message = "is required: the DMP source platform value LinkedIn assigned to your integration "
            + "(see docs/destinations.md, linkedin)")
    @Pattern(regexp = "\\s*[A-Z][A-Z0-9_]{0,63}\\s*",
            message = "must be LinkedIn's enum value for your integration: upper-case letters, digits and '_' (e.g. COHORT)")
    private String sourcePlatform;
    @NotNull private Duration segmentReadyDelay = Duration.seconds(5);
    @Min(1) @Max(5000) private int batchSize = 5000;
    @NotNull private Duration requestTimeout = Duration.seconds(30);

    @Override
    public Destination build(String destinationId, DestinationContext context) {
        return new LinkedInDestination(this, context);
    }

    @JsonProperty public String getBaseUrl() { return baseUrl; }
    @JsonProperty public void setBaseUrl(String v) { baseUrl = v; }
    @JsonProperty public String getAccessToken() { return accessToken; }
    @JsonProperty public void setAccessToken(String v) { accessToken = v; }
    @JsonProperty public String getLinkedinVersion() { return linkedinVersion; }
    @JsonProperty public void setLinkedinVersion(String v) { linkedinVersion = v; }
    @JsonProperty public String getSourcePlatform() { return sourcePlatform; }
    @JsonProperty public void setSourcePlatform(String v) { sourcePlatform = v; }
    @JsonProperty public Duration getSegmentReadyDelay() { return segmentReadyDelay; }
    @JsonProperty public void setSegmentReadyDelay(Duration v) { segmentReadyDelay = v; }
    @JsonProperty public int getBatchSize() { return batchSize; }
    @JsonProperty public void setBatchSize(int v) { batchSize = v; }
    @JsonProperty public Duration getRequestTimeout() { return requestTimeout; }
    @JsonProperty public void setRequestTimeout(Duration v) { requestTimeout = v; }
}
