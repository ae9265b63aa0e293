package cocaine.wire;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.msgpack.value.Value;

/**
 * The positional arguments a method takes, read as the original runtime's tuple decoder reads them
 * (docs/protocol.md 2.6): a missing or mistyped required argument is refused with {@code [7, 2]}
 * naming it; arguments beyond the declared ones are ignored; {@code nil} or nothing in an optional
 * position means "absent". The connection layer decodes every call with its method's signature before
 * the service sees it, so a service reads its arguments without checking their count or types again.
 */
public final class Signature {
  /** What an argument must be; {@link #shape} is how the signature names it in an error. */
  public enum Type {
    STR("str", Value::isRawValue),
    INT("int", Value::isIntegerValue),
    BOOL("bool", Value::isBooleanValue),
    /** A number of seconds or the like: a float, or an integer as many clients send it. */
    NUMBER("float", v -> v.isFloatValue() || v.isIntegerValue()),
    MAP("map", Value::isMapValue),
    ARRAY("array", Value::isArrayValue),
    STRS("[str]", v -> v.isArrayValue() && v.asArrayValue().list().stream().allMatch(Value::isRawValue)),
    /** A list of strings, or one string as 0.11 clients send it. */
    STR_OR_STRS("[str]", v -> v.isRawValue() || STRS.accepts(v)),
    ANY("any", v -> true);

    private final String shape;
    private final Predicate<Value> check;

    Type(String shape, Predicate<Value> check) {
      this.shape = shape;
      this.check = check;
    }

    public boolean accepts(Value v) {
      return check.test(v);
    }

    public String shape() {
      return shape;
    }
  }

  /** One argument: its name, its type, how an error shows its shape, and whether it may be absent. */
  public record Param(String name, Type type, String shape, boolean optional) {
    @Override
    public String toString() {
      return name + ": " + shape + (optional ? "?" : "");
    }
  }

  /**
   * A call's arguments after decoding: the declared ones, with absent optional arguments at the end
   * left out (an absent one before a present one is {@code nil}), and the ignored extras.
   */
  public record Decoded(List<Value> args, List<Value> ignored) {
    public Decoded {
      args = List.copyOf(args);
      ignored = List.copyOf(ignored);
    }
  }

  /** No declaration: every call passes as it came, extras included (a foreign service's graph). */
  public static final Signature UNCHECKED = new Signature(null);
  /** A method that takes nothing; whatever a caller sends is ignored. */
  public static final Signature NONE = new Signature(List.of());

  private final List<Param> params;

  private Signature(List<Param> params) {
    this.params = params;
  }

  /** Required parameters must come before optional ones, as in the original's tuples. */
  public static Signature of(Param... params) {
    boolean optionalSeen = false;
    for (Param p : params) {
      if (optionalSeen && !p.optional()) {
        throw new IllegalArgumentException("required argument '" + p.name() + "' after an optional one");
      }
      optionalSeen |= p.optional();
    }
    return new Signature(List.of(params));
  }

  public static Param required(String name, Type type) {
    return new Param(name, type, type.shape(), false);
  }

  /** @param shape what the argument looks like in an error, e.g. {@code [[host: str, port: int]]} */
  public static Param required(String name, Type type, String shape) {
    return new Param(name, type, shape, false);
  }

  public static Param optional(String name, Type type) {
    return new Param(name, type, type.shape(), true);
  }

  public static Param optional(String name, Type type, String shape) {
    return new Param(name, type, shape, true);
  }

  /**
   * Decodes one call.
   *
   * @param method {@code service.method}, for the error
   * @throws CocaineException {@code [7, 2]} naming the first required argument that is missing or an
   *     argument of the wrong type, with the signature and what came
   */
  public Decoded decode(String method, List<Value> args) {
    if (params == null) {
      return new Decoded(args, List.of());
    }
    List<Value> out = new ArrayList<>(params.size());
    int present = 0;
    for (int i = 0; i < params.size(); i++) {
      Param p = params.get(i);
      Value v = i < args.size() ? args.get(i) : null;
      if (v == null || (v.isNilValue() && p.optional())) {
        if (!p.optional()) {
          throw invalid(method, args, "missing '" + p.name() + "'");
        }
        out.add(Values.nil());
        continue;
      }
      if (!p.type().accepts(v)) {
        throw invalid(method, args, "'" + p.name() + "' must be " + p.shape() + ", got " + describe(v));
      }
      out.add(v);
      present = i + 1;
    }
    List<Value> ignored = args.size() > params.size() ? args.subList(params.size(), args.size()) : List.of();
    return new Decoded(out.subList(0, present), ignored);
  }

  /** The error for arguments that do not fit; services use it for checks deeper than a type. */
  public CocaineException invalid(String method, List<Value> args, String reason) {
    return new CocaineException(ErrorCode.INVALID_ARGUMENT, method + " expects " + this + ", got " + describe(args)
        + (reason.isEmpty() ? "" : ": " + reason));
  }

  public List<Param> params() {
    return params == null ? List.of() : params;
  }

  /** {@code (name: str, seed: str?)}. */
  @Override
  public String toString() {
    return params == null ? "(...)" : params.stream().map(Param::toString).collect(Collectors.joining(", ", "(", ")"));
  }

  /** The argument types as a reader of an error wants them: {@code (str, int, [str])}. */
  public static String describe(List<Value> args) {
    return args.stream().map(Signature::describe).collect(Collectors.joining(", ", "(", ")"));
  }

  /** One value's type: {@code str}, {@code int}, {@code [str|int]}, {@code map}, {@code nil}, ... */
  public static String describe(Value v) {
    switch (v.getValueType()) {
      case STRING:
      case BINARY:
        return "str";
      case INTEGER:
        return "int";
      case BOOLEAN:
        return "bool";
      case ARRAY:
        return v.asArrayValue().list().stream().map(Signature::describe).distinct()
            .collect(Collectors.joining("|", "[", "]"));
      default:
        return v.getValueType().name().toLowerCase(Locale.ROOT);
    }
  }
}
