package io.cohort;

/** The build's version, from the jar manifest's Implementation-Version (set by the Maven build). */
public final class Version {
    private Version() {}

    /** "0.1.0-SNAPSHOT" from the shaded jar; "development" when run from classes (IDE, tests). */
    public static String of(Class<?> anchor) {
        String v = anchor.getPackage() == null ? null : anchor.getPackage().getImplementationVersion();
        return v == null || v.isBlank() ? "development" : v;
    }
}
