package io.cohort.destination;

import com.fasterxml.jackson.annotation.JsonTypeInfo;
import io.dropwizard.jackson.Discoverable;

/**
 * A destination's configuration (config key {@code destinations.<id>}), chosen by {@code type:}
 * (marketo | linkedin | webhook | file) and listed in
 * META-INF/services/io.cohort.destination.DestinationFactory. Validates itself (Jakarta
 * validation annotations) and builds the runtime {@link Destination}.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
public interface DestinationFactory extends Discoverable {

    Destination build(String destinationId, DestinationContext context);
}
