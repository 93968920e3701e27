package io.cohort.destination;

import com.fasterxml.jackson.annotation.JsonProperty;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One entry of config key {@code activations}: a segment pushed to a destination.
 * <ul>
 *   <li>{@code id}: stable id (letters, digits, '.', '_', '-'); it keys the outbox rows and
 *       names files and metrics, so renaming it starts the activation afresh;</li>
 *   <li>{@code segment}: the segment id (rule name);</li>
 *   <li>{@code destination}: a key of {@code destinations};</li>
 *   <li>{@code params}: destination-specific parameters, e.g. {@code listId} (marketo),
 *       {@code adAccount}, {@code segmentName} (linkedin), {@code url} (webhook, optional).</li>
 * </ul>
 */
public class ActivationConfig {
    @NotEmpty @Pattern(regexp = "[A-Za-z0-9][A-Za-z0-9._-]{0,199}")
    private String id;
    @NotEmpty
    private String segment;
    @NotEmpty
    private String destination;
    @NotNull
    private Map<String, String> params = new LinkedHashMap<>();

    public ActivationConfig() {}

    public ActivationConfig(String id, String segment, String destination, Map<String, String> params) {
        this.id = id;
        this.segment = segment;
        this.destination = destination;
        this.params = new LinkedHashMap<>(params);
    }

    @JsonProperty public String getId() { return id; }
    @JsonProperty public void setId(String id) { this.id = id; }
    @JsonProperty public String getSegment() { return segment; }
    @JsonProperty public void setSegment(String segment) { this.segment = segment; }
    @JsonProperty public String getDestination() { return destination; }
    @JsonProperty public void setDestination(String destination) { this.destination = destination; }
    @JsonProperty public Map<String, String> getParams() { return params; }
    @JsonProperty public void setParams(Map<String, String> params) { this.params = params; }

    public Activation toActivation() {
        return new Activation(id, segment, destination, Map.copyOf(params));
    }
}
