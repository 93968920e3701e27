package io.cohort.destination;

import java.util.List;

/** The outcome of one delivered batch: the members the destination refused, one reason each. */
public record DeliveryResult(List<Rejection> rejections) {
    public static DeliveryResult ok() { return new DeliveryResult(List.of()); }
}
