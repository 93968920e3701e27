package io.cohort.engine.sandbox;

import io.cohort.model.Describe;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The fact model as analysts discover it ({@code GET /v1/fields}, the {@code fields} command):
 * every type a rule may match, its fields with their types and descriptions, and its helpers. Read
 * from the same {@link FactModel} the sandbox checks rules against, so what is listed is exactly
 * what a rule may write.
 */
public final class FactCatalog {
    private static final FactModel MODEL = new FactModel(Map.of());

    /** @param joins the entity the field holds the id of (person, account, …), null when none */
    public record Field(String name, String type, String description, String joins) {}

    public record HelperMethod(String signature, String returns, String description) {}

    /** @param kind "fact" (matched by a pattern) or "value" (an element of a fact's collection, matched with from) */
    public record FactType(String name, String kind, String description, List<Field> fields, List<HelperMethod> helpers) {
        public Optional<Field> field(String name) { return fields.stream().filter(f -> f.name().equals(name)).findFirst(); }
    }

    private FactCatalog() {}

    public static List<FactType> types() {
        List<FactType> out = new ArrayList<>();
        FactModel.FACTS.forEach((n, c) -> out.add(type(n, c, "fact")));
        FactModel.VALUES.forEach((n, c) -> out.add(type(n, c, "value")));
        return List.copyOf(out);
    }

    public static Optional<FactType> type(String name) {
        return types().stream().filter(t -> t.name().equals(name)).findFirst();
    }

    /** "; did you mean 'x'?" when a known name is close to {@code name}, as the compiler's messages say it. */
    public static String suggest(String name, Collection<String> known) { return ExpressionChecker.suggest(name, known); }

    private static FactType type(String name, Class<?> c, String kind) {
        TypeRef t = TypeRef.of(c);
        List<Field> fields = new ArrayList<>();
        for (FactModel.Property p : MODEL.properties(t)) {
            fields.add(new Field(p.name(), p.type().display(), describe(c, p), p.ref() == null ? null
                    : p.ref().name().toLowerCase(java.util.Locale.ROOT)));
        }
        List<HelperMethod> helpers = MODEL.allHelpers(t).stream()
                .sorted(java.util.Comparator.comparing(FactModel.Callable::name).thenComparingInt(h -> h.params().size()))
                .map(h -> new HelperMethod(h.signature(), h.returns().display(), h.description())).toList();
        Describe d = c.getAnnotation(Describe.class);
        return new FactType(name, kind, d == null ? "" : d.value(), List.copyOf(fields), helpers);
    }

    private static String describe(Class<?> c, FactModel.Property p) {
        Describe d = null;
        if (c.isRecord()) {
            for (RecordComponent rc : c.getRecordComponents()) if (rc.getName().equals(p.name())) d = rc.getAnnotation(Describe.class);
        } else {
            try {
                d = c.getMethod(p.accessor().replace("()", "")).getAnnotation(Describe.class);
            } catch (NoSuchMethodException e) {
                d = null;
            }
        }
        return d == null ? "" : d.value();
    }
}
