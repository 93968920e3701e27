package io.cohort.engine.sandbox;

import io.cohort.model.*;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.time.Instant;
import java.time.LocalDate;
import java.util.*;

/**
 * What rule files may name: the fact types of {@code io.cohort.model} with their fields and
 * {@link Helper} methods, the types the files declare, and a short allow-list of String, number,
 * date and collection methods. Everything not listed here is refused by the sandbox.
 */
final class FactModel {
    /** The facts the engine inserts, by simple name. */
    static final Map<String, Class<?>> FACTS = facts(Person.class, Account.class, AccountPerson.class, Opportunity.class,
            OpportunityPerson.class, Activity.class, Campaign.class, CampaignMember.class, MarketingList.class,
            MarketingListMember.class, Now.class, Qualified.class);
    /** Not facts of their own, but the elements of a fact's collection, matched with {@code from}. */
    static final Map<String, Class<?>> VALUES = facts(Event.class);

    /** A readable field of a type. {@code accessor} is how Java code (a consequence) reads it. */
    record Property(String name, TypeRef type, Entity ref, String accessor) {}

    /** A callable method: a fact-model helper or an allowed JDK method. */
    record Callable(String name, List<TypeRef> params, TypeRef returns, String description) {
        String signature() {
            return name + "(" + String.join(", ", params.stream().map(TypeRef::display).toList()) + ")";
        }
    }

    private static final Map<Class<?>, List<String>> JDK_METHODS = Map.of(
            String.class, List.of("startsWith", "endsWith", "contains", "equals", "equalsIgnoreCase", "toLowerCase",
                    "toUpperCase", "trim", "strip", "length", "isEmpty", "isBlank", "indexOf", "substring", "compareTo"),
            Collection.class, List.of("contains", "size", "isEmpty"),
            Map.class, List.of("get", "containsKey", "getOrDefault", "size", "isEmpty"),
            Number.class, List.of("intValue", "longValue", "doubleValue"),
            Instant.class, List.of("isBefore", "isAfter", "equals", "toEpochMilli", "compareTo"),
            LocalDate.class, List.of("isBefore", "isAfter", "isEqual", "equals", "minusDays", "plusDays", "minusWeeks",
                    "plusWeeks", "minusMonths", "plusMonths", "minusYears", "plusYears", "getYear", "getMonthValue",
                    "getDayOfMonth", "compareTo"),
            Boolean.class, List.of("booleanValue"));
    /** Static methods by class simple name. */
    private static final Map<String, Map<String, Class<?>>> STATICS = Map.of(
            "Math", Map.of("min", Math.class, "max", Math.class, "abs", Math.class, "round", Math.class,
                    "floor", Math.class, "ceil", Math.class),
            "LocalDate", Map.of("of", LocalDate.class, "parse", LocalDate.class),
            "Instant", Map.of("parse", Instant.class));

    /**
     * The fields and helpers of the fact model's classes, read once: the checker asks for them at
     * every operand (some 40,000 times for a set at its bound of conditions), and reflection
     * (record components, annotations, generic types, {@code getMethods()} copies) was a tenth of
     * a check's time. Declared types are not here: their id fields are learnt while checking.
     */
    private static final Map<Class<?>, List<Property>> PROPERTIES = modelClasses(FactModel::reflectProperties);
    private static final Map<Class<?>, Map<String, Property>> PROPERTY = modelClasses(c -> byName(PROPERTIES.get(c)));
    private static final Map<Class<?>, List<Callable>> HELPERS = modelClasses(FactModel::reflectHelpers);
    private static final Map<Class<?>, List<Method>> JDK_PUBLIC = jdkPublicMethods();

    private final Map<String, DeclaredType> declared;

    FactModel(Map<String, DeclaredType> declared) {
        this.declared = declared;
    }

    private static Map<String, Class<?>> facts(Class<?>... cs) {
        Map<String, Class<?>> m = new LinkedHashMap<>();
        for (Class<?> c : cs) m.put(c.getSimpleName(), c);
        return Collections.unmodifiableMap(m);
    }

    /** The type a pattern may match, by the name the file uses; empty when it is not a fact. */
    Optional<TypeRef> factType(String name) {
        String simple = name.startsWith("io.cohort.model.") ? name.substring("io.cohort.model.".length()) : name;
        if (FACTS.containsKey(simple)) return Optional.of(TypeRef.of(FACTS.get(simple)));
        if (declared.containsKey(name)) return Optional.of(TypeRef.declared(declared.get(name)));
        return Optional.empty();
    }

    Optional<TypeRef> valueType(String name) {
        return Optional.ofNullable(VALUES.get(name)).map(TypeRef::of);
    }

    Map<String, DeclaredType> declared() { return declared; }

    static boolean isLink(TypeRef t) { return !t.isDeclared() && t.raw().isAnnotationPresent(Link.class); }

    /** The fields of a type that rules may read (record components and getters; declared fields). */
    List<Property> properties(TypeRef t) {
        if (t.isDeclared()) {
            List<Property> out = new ArrayList<>();
            DeclaredType d = t.declared();
            d.fields().forEach((n, ft) -> out.add(new Property(n, ft, d.refs().get(n), "get" + capitalize(n) + "()")));
            return out;
        }
        return PROPERTIES.getOrDefault(t.raw(), List.of());
    }

    Optional<Property> property(TypeRef t, String name) {
        if (t.isDeclared()) return properties(t).stream().filter(p -> p.name().equals(name)).findFirst();
        return Optional.ofNullable(PROPERTY.getOrDefault(t.raw(), Map.of()).get(name));
    }

    private static <V> Map<Class<?>, V> modelClasses(java.util.function.Function<Class<?>, V> read) {
        Map<Class<?>, V> out = new HashMap<>();
        for (Class<?> c : FACTS.values()) out.put(c, read.apply(c));
        for (Class<?> c : VALUES.values()) out.put(c, read.apply(c));
        return Map.copyOf(out);
    }

    private static List<Property> reflectProperties(Class<?> c) {
        List<Property> out = new ArrayList<>();
        if (c.isRecord()) {
            for (RecordComponent rc : c.getRecordComponents()) {
                Ref ref = rc.getAnnotation(Ref.class);
                out.add(new Property(rc.getName(), typeOf(rc.getGenericType()), ref == null ? null : ref.value(), rc.getName() + "()"));
            }
        } else {
            for (Method m : c.getMethods()) {
                if (m.getParameterCount() != 0 || Modifier.isStatic(m.getModifiers()) || m.getDeclaringClass() == Object.class) continue;
                String n = m.getName();
                String prop = n.startsWith("get") && n.length() > 3 ? decapitalize(n.substring(3))
                        : n.startsWith("is") && n.length() > 2 && TypeRef.box(m.getReturnType()) == Boolean.class ? decapitalize(n.substring(2)) : null;
                if (prop == null || m.isAnnotationPresent(Helper.class)) continue;
                Ref ref = m.getAnnotation(Ref.class);
                out.add(new Property(prop, typeOf(m.getGenericReturnType()), ref == null ? null : ref.value(), n + "()"));
            }
        }
        return List.copyOf(out);
    }

    /** The first property of each name, as a search of the list by name finds it. */
    private static Map<String, Property> byName(List<Property> properties) {
        Map<String, Property> out = new HashMap<>();
        for (Property p : properties) out.putIfAbsent(p.name(), p);
        return Map.copyOf(out);
    }

    /** The fact model's helpers of that name on a fact type (several when overloaded). */
    List<Callable> helpers(TypeRef t, String name) {
        List<Callable> out = new ArrayList<>();
        for (Callable c : allHelpers(t)) if (c.name().equals(name)) out.add(c);
        out.sort(Comparator.comparingInt(c -> c.params().size()));
        return out;
    }

    /** Every helper of a fact type, for "did you mean" and the signatures in messages. */
    List<Callable> allHelpers(TypeRef t) {
        if (t.isDeclared()) return List.of();
        return HELPERS.getOrDefault(t.raw(), List.of());
    }

    private static List<Callable> reflectHelpers(Class<?> c) {
        List<Callable> out = new ArrayList<>();
        for (Method m : c.getMethods()) {
            Helper h = m.getAnnotation(Helper.class);
            if (h != null) out.add(callable(m, h.value()));
        }
        return List.copyOf(out);
    }

    private static Map<Class<?>, List<Method>> jdkPublicMethods() {
        Map<Class<?>, List<Method>> out = new HashMap<>();
        for (Class<?> c : JDK_METHODS.keySet()) out.put(c, List.of(c.getMethods()));
        return Map.copyOf(out);
    }

    /** Allowed JDK methods of a value's type. */
    List<Callable> jdkMethods(TypeRef t, String name) {
        List<Callable> out = new ArrayList<>();
        for (var e : JDK_METHODS.entrySet()) {
            if (!e.getKey().isAssignableFrom(t.raw()) || !e.getValue().contains(name)) continue;
            for (Method m : JDK_PUBLIC.get(e.getKey())) {
                if (!m.getName().equals(name) || Modifier.isStatic(m.getModifiers())) continue;
                TypeRef ret = returnOf(t, m);
                out.add(new Callable(name, params(m), ret, ""));
            }
        }
        return out;
    }

    List<String> jdkMethodNames(TypeRef t) {
        List<String> out = new ArrayList<>();
        JDK_METHODS.forEach((c, names) -> { if (c.isAssignableFrom(t.raw())) out.addAll(names); });
        return out;
    }

    /** Allowed static methods: Math.min/max/abs/round/floor/ceil, LocalDate.of/parse, Instant.parse. */
    List<Callable> statics(String owner, String name) {
        Class<?> c = STATICS.getOrDefault(owner, Map.of()).get(name);
        if (c == null) return List.of();
        List<Callable> out = new ArrayList<>();
        for (Method m : c.getMethods()) {
            if (m.getName().equals(name) && Modifier.isStatic(m.getModifiers())) {
                out.add(new Callable(name, params(m), TypeRef.of(m.getReturnType()), ""));
            }
        }
        return out;
    }

    static boolean isStaticOwner(String name) { return STATICS.containsKey(name); }

    private static TypeRef returnOf(TypeRef owner, Method m) {
        // Map.get/getOrDefault return the map's value type; everything else its declared class.
        if (owner.isMap() && (m.getName().equals("get") || m.getName().equals("getOrDefault")) && owner.element() != null) {
            return owner.element();
        }
        if (m.getReturnType() == Object.class && owner.element() != null) return owner.element();
        return TypeRef.of(m.getReturnType());
    }

    private static Callable callable(Method m, String description) {
        return new Callable(m.getName(), params(m), typeOf(m.getGenericReturnType()), description);
    }

    private static List<TypeRef> params(Method m) {
        return Arrays.stream(m.getParameterTypes()).map(TypeRef::of).toList();
    }

    static TypeRef typeOf(Type t) {
        if (t instanceof Class<?> c) return TypeRef.of(c);
        if (t instanceof ParameterizedType p && p.getRawType() instanceof Class<?> raw) {
            Type[] args = p.getActualTypeArguments();
            Type elem = Map.class.isAssignableFrom(raw) ? args[args.length - 1] : args[0];
            return TypeRef.collection(raw, typeOf(elem));
        }
        return TypeRef.OBJECT;
    }

    static String capitalize(String s) { return s.isEmpty() ? s : Character.toUpperCase(s.charAt(0)) + s.substring(1); }

    static String decapitalize(String s) { return s.isEmpty() ? s : Character.toLowerCase(s.charAt(0)) + s.substring(1); }

    /** Declared field types a rule file may use. */
    static Optional<TypeRef> declarableFieldType(String name) {
        return Optional.ofNullable(switch (name) {
            case "String", "java.lang.String" -> String.class;
            case "int", "Integer" -> Integer.class;
            case "long", "Long" -> Long.class;
            case "double", "Double" -> Double.class;
            case "boolean", "Boolean" -> Boolean.class;
            case "Instant", "java.time.Instant" -> Instant.class;
            case "LocalDate", "java.time.LocalDate" -> LocalDate.class;
            default -> null;
        }).map(TypeRef::of);
    }
}
