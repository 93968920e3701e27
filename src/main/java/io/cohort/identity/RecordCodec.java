package io.cohort.identity;

import io.cohort.record.SourceRecord;
import io.cohort.record.SourceRef;
import java.io.IOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.Method;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes and reads every {@link SourceRecord} type component by component, derived from the
 * record declarations themselves, so that a field added to a record is in the snapshot without
 * anyone remembering to add it. {@link #schema()} describes those declarations: a snapshot written
 * under another schema is not read (the start loads from the store instead).
 */
final class RecordCodec {
    private final List<RecordType> types = new ArrayList<>();
    private final Map<Class<?>, Integer> index = new java.util.HashMap<>();
    private final String schema;

    RecordCodec() {
        List<Class<?>> classes = new ArrayList<>(Arrays.asList(SourceRecord.class.getPermittedSubclasses()));
        classes.sort(Comparator.comparing(Class::getName));
        StringBuilder s = new StringBuilder();
        for (Class<?> c : classes) {
            index.put(c, types.size());
            types.add(new RecordType(c, "record"));
            s.append(describe(c)).append(';');
        }
        schema = s.toString();
    }

    /** The record declarations this codec encodes, as text (compared on read). */
    String schema() { return schema; }

    void write(SnapshotIo.Out out, SourceRecord r) throws IOException {
        Integer i = index.get(r.getClass());
        if (i == null) throw new IllegalArgumentException("not a source record type: " + r.getClass());
        out.varLong(i);
        types.get(i).write(out, r);
    }

    SourceRecord read(SnapshotIo.In in) throws IOException {
        long i = in.varLong();
        if (i < 0 || i >= types.size()) throw new IOException("unknown record type " + i);
        return (SourceRecord) types.get((int) i).read(in);
    }

    private static String describe(Class<?> c) {
        StringBuilder s = new StringBuilder(c.getSimpleName()).append('(');
        for (RecordComponent rc : c.getRecordComponents()) {
            s.append(rc.getName()).append(':').append(rc.getGenericType().getTypeName()
                    .replace("java.lang.", "").replace("java.util.", "").replace("java.time.", "")).append(',');
        }
        return s.append(')').toString();
    }

    /** How one value of a declared type is written. */
    private interface Codec {
        void write(SnapshotIo.Out out, Object v) throws IOException;

        Object read(SnapshotIo.In in) throws IOException;
    }

    private static Codec codecOf(Type t, String path) {
        if (t instanceof Class<?> c) {
            if (c == String.class) {
                return new Codec() {
                    SnapshotIo.Slot slot;

                    public void write(SnapshotIo.Out out, Object v) throws IOException {
                        if (slot == null || !slot.of(out)) slot = out.slot(path);
                        out.string((String) v, slot);
                    }

                    public Object read(SnapshotIo.In in) throws IOException { return in.string(); }
                };
            }
            if (c == Boolean.class) {
                return new Codec() {
                    public void write(SnapshotIo.Out out, Object v) throws IOException {
                        out.out.writeByte(v == null ? 0 : (Boolean) v ? 2 : 1);
                    }

                    public Object read(SnapshotIo.In in) throws IOException {
                        int b = in.in.readUnsignedByte();
                        return b == 0 ? null : b == 2;
                    }
                };
            }
            if (c == Long.class || c == Integer.class) {
                boolean isInt = c == Integer.class;
                return nullable((out, v) -> out.zigZag(((Number) v).longValue()),
                        in -> isInt ? (Object) (int) in.zigZag() : (Object) in.zigZag());
            }
            if (c == Double.class) return nullable((out, v) -> out.out.writeDouble((Double) v), in -> in.in.readDouble());
            if (c == Instant.class) {
                return nullable((out, v) -> {
                    out.zigZag(((Instant) v).getEpochSecond());
                    out.varLong(((Instant) v).getNano());
                }, in -> Instant.ofEpochSecond(in.zigZag(), in.varLong()));
            }
            if (c == LocalDate.class) {
                return nullable((out, v) -> out.zigZag(((LocalDate) v).toEpochDay()), in -> LocalDate.ofEpochDay(in.zigZag()));
            }
            if (c.isEnum()) {
                Object[] constants = c.getEnumConstants();
                return nullable((out, v) -> out.varLong(((Enum<?>) v).ordinal()), in -> {
                    long o = in.varLong();
                    if (o >= constants.length) throw new IOException("enum ordinal " + o + " out of range for " + c.getSimpleName());
                    return constants[(int) o];
                });
            }
            if (c == SourceRef.class) {
                // Written as when it was a record: (source, id), each string shared by its slot.
                Codec source = codecOf(String.class, "SourceRef.source");
                Codec id = codecOf(String.class, "SourceRef.id");
                return nullable((out, v) -> {
                    source.write(out, ((SourceRef) v).source());
                    id.write(out, ((SourceRef) v).id());
                }, in -> new SourceRef((String) source.read(in), (String) id.read(in)));
            }
            if (c.isRecord()) {
                RecordType rt = new RecordType(c, path);
                return nullable(rt::write, rt::read);
            }
        } else if (t instanceof ParameterizedType p && p.getRawType() == List.class) {
            Codec item = codecOf(p.getActualTypeArguments()[0], path + "[]");
            return nullable((out, v) -> {
                List<?> l = (List<?>) v;
                out.varLong(l.size());
                for (Object o : l) item.write(out, o);
            }, in -> {
                int n = in.count(1_000_000);
                List<Object> l = new ArrayList<>(n);
                for (int i = 0; i < n; i++) l.add(item.read(in));
                return Collections.unmodifiableList(l);
            });
        } else if (t instanceof ParameterizedType p && p.getRawType() == Map.class) {
            Codec key = codecOf(p.getActualTypeArguments()[0], path + ".key");
            Codec value = codecOf(p.getActualTypeArguments()[1], path + ".value");
            return nullable((out, v) -> {
                Map<?, ?> m = (Map<?, ?>) v;
                out.varLong(m.size());
                for (var e : m.entrySet()) {
                    key.write(out, e.getKey());
                    value.write(out, e.getValue());
                }
            }, in -> {
                int n = in.count(1_000_000);
                if (n == 0) return Map.of();
                Map<Object, Object> m = new LinkedHashMap<>(n * 2);
                for (int i = 0; i < n; i++) m.put(key.read(in), value.read(in));
                return Collections.unmodifiableMap(m);
            });
        }
        // A test (GraphSnapshotTest) writes every record type: a new kind of field fails there first.
        throw new IllegalStateException("the graph snapshot cannot encode " + t.getTypeName() + " (" + path + ")");
    }

    private interface Writer {
        void write(SnapshotIo.Out out, Object v) throws IOException;
    }

    private interface Reader {
        Object read(SnapshotIo.In in) throws IOException;
    }

    private static Codec nullable(Writer w, Reader r) {
        return new Codec() {
            public void write(SnapshotIo.Out out, Object v) throws IOException {
                if (v == null) {
                    out.out.writeByte(0);
                } else {
                    out.out.writeByte(1);
                    w.write(out, v);
                }
            }

            public Object read(SnapshotIo.In in) throws IOException {
                return in.in.readUnsignedByte() == 0 ? null : r.read(in);
            }
        };
    }

    /** One record class: its components' accessors and codecs, and its canonical constructor. */
    private static final class RecordType {
        private final Method[] accessors;
        private final Codec[] codecs;
        private final Constructor<?> constructor;

        RecordType(Class<?> c, String path) {
            RecordComponent[] rcs = c.getRecordComponents();
            accessors = new Method[rcs.length];
            codecs = new Codec[rcs.length];
            Class<?>[] params = new Class<?>[rcs.length];
            for (int i = 0; i < rcs.length; i++) {
                accessors[i] = rcs[i].getAccessor();
                codecs[i] = codecOf(rcs[i].getGenericType(), c.getSimpleName() + "." + rcs[i].getName());
                params[i] = rcs[i].getType();
            }
            try {
                constructor = c.getDeclaredConstructor(params);
            } catch (NoSuchMethodException e) {
                throw new IllegalStateException("record " + c + " has no canonical constructor", e);
            }
        }

        void write(SnapshotIo.Out out, Object r) throws IOException {
            try {
                for (int i = 0; i < accessors.length; i++) codecs[i].write(out, accessors[i].invoke(r));
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException(e);
            }
        }

        Object read(SnapshotIo.In in) throws IOException {
            Object[] args = new Object[codecs.length];
            for (int i = 0; i < codecs.length; i++) args[i] = codecs[i].read(in);
            try {
                return constructor.newInstance(args);
            } catch (java.lang.reflect.InvocationTargetException e) {
                // The record's own checks refused the values: the file is not what we wrote.
                throw new IOException("a stored record does not construct: " + e.getCause(), e.getCause());
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException(e);
            }
        }
    }
}
