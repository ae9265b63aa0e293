package cocaine.logging;

import cocaine.wire.Values;
import java.util.List;
import java.util.Objects;
import org.msgpack.value.Value;

/**
 * A logging v2 filter (docs/protocol.md 2.6), as the original's {@code set_filter} takes it: an
 * array whose first item names the test, e.g. {@code ["severity", 2]}, {@code ["==", "app", "echo"]},
 * {@code ["&&", ["e", "trace_id"], ["!=", "worker", "w1"]]}. A record passes when the test holds for
 * its severity and attributes.
 */
public sealed interface LogFilter {
  /** Most tests in one filter: a filter is checked for every record, so it stays small. */
  int MAX_NODES = 64;

  boolean accepts(LogRecord record);

  /** The array it was made from. */
  Value toValue();

  /** {@code ["empty"]}: every record. */
  record Empty() implements LogFilter {
    @Override
    public boolean accepts(LogRecord record) {
      return true;
    }

    @Override
    public Value toValue() {
      return Values.array(Values.str("empty"));
    }
  }

  /** {@code ["severity", level]}: records at least this severe. */
  record AtLeast(int level) implements LogFilter {
    @Override
    public boolean accepts(LogRecord record) {
      return record.severity().level() >= level;
    }

    @Override
    public Value toValue() {
      return Values.array(Values.str("severity"), Values.integer(level));
    }
  }

  /** {@code ["e", name]} (present) or {@code ["!e", name]} (absent). */
  record Exists(String attribute, boolean present) implements LogFilter {
    @Override
    public boolean accepts(LogRecord record) {
      return record.attributes().containsKey(attribute) == present;
    }

    @Override
    public Value toValue() {
      return Values.array(Values.str(present ? "e" : "!e"), Values.str(attribute));
    }
  }

  /**
   * {@code [op, name, value]} with op one of {@code == != > < >= <=}: a string value compares with
   * string attributes, a number with numeric (and boolean, as 0/1) ones. A missing or other-typed
   * attribute fails every test but {@code !=}.
   */
  record Compare(String op, String attribute, Object value) implements LogFilter {
    static final List<String> OPS = List.of("==", "!=", ">", "<", ">=", "<=");

    @Override
    public boolean accepts(LogRecord record) {
      Integer order = order(record.attributes().get(attribute));
      if (order == null) {
        return op.equals("!=");
      }
      return switch (op) {
        case "==" -> order == 0;
        case "!=" -> order != 0;
        case ">" -> order > 0;
        case "<" -> order < 0;
        case ">=" -> order >= 0;
        default -> order <= 0;
      };
    }

    /** The attribute compared with the value, or null when they do not compare. */
    private Integer order(Object actual) {
      if (value instanceof String s) {
        return actual instanceof String a ? Integer.signum(a.compareTo(s)) : null;
      }
      Double number = actual instanceof Number n ? Double.valueOf(n.doubleValue())
          : actual instanceof Boolean b ? Double.valueOf(b ? 1 : 0) : null;
      return number == null ? null : Integer.signum(Double.compare(number, ((Number) value).doubleValue()));
    }

    @Override
    public Value toValue() {
      return Values.array(Values.str(op), Values.str(attribute), Values.fromJava(value));
    }
  }

  /** {@code ["&&" | "||" | "xor", left, right]}. */
  record Combine(String op, LogFilter left, LogFilter right) implements LogFilter {
    static final List<String> OPS = List.of("&&", "||", "xor");

    @Override
    public boolean accepts(LogRecord record) {
      return switch (op) {
        case "&&" -> left.accepts(record) && right.accepts(record);
        case "||" -> left.accepts(record) || right.accepts(record);
        default -> left.accepts(record) != right.accepts(record);
      };
    }

    @Override
    public Value toValue() {
      return Values.array(Values.str(op), left.toValue(), right.toValue());
    }
  }

  /**
   * The filter an array stands for.
   *
   * @throws IllegalArgumentException naming the part that is wrong, or when it has more than
   *     {@link #MAX_NODES} tests
   */
  static LogFilter parse(Value v) {
    int[] budget = {MAX_NODES};
    return parse(v, budget);
  }

  private static LogFilter parse(Value v, int[] budget) {
    if (--budget[0] < 0) {
      throw new IllegalArgumentException("a filter may hold at most " + MAX_NODES + " tests");
    }
    if (!v.isArrayValue() || v.asArrayValue().size() == 0 || !v.asArrayValue().get(0).isRawValue()) {
      throw new IllegalArgumentException("a filter is an array [op, ...] with op a string, got " + v);
    }
    List<Value> a = v.asArrayValue().list();
    String op = Values.asString(a.get(0));
    if (op.equals("empty") && a.size() == 1) {
      return new Empty();
    }
    if (op.equals("severity") && a.size() == 2 && a.get(1).isIntegerValue()
        && Severity.ofLevel(a.get(1).asIntegerValue().isInLongRange() ? a.get(1).asIntegerValue().toLong() : -1) != null) {
      return new AtLeast((int) a.get(1).asIntegerValue().toLong());
    }
    if ((op.equals("e") || op.equals("!e")) && a.size() == 2 && a.get(1).isRawValue()) {
      return new Exists(Values.asString(a.get(1)), op.equals("e"));
    }
    if (Compare.OPS.contains(op) && a.size() == 3 && a.get(1).isRawValue()) {
      Value operand = a.get(2);
      if (operand.isRawValue() || operand.isIntegerValue() || operand.isFloatValue()) {
        return new Compare(op, Values.asString(a.get(1)), Objects.requireNonNull(Values.toJava(operand)));
      }
      throw new IllegalArgumentException("'" + op + "' compares with a string or a number, got " + operand);
    }
    if (Combine.OPS.contains(op) && a.size() == 3) {
      return new Combine(op, parse(a.get(1), budget), parse(a.get(2), budget));
    }
    throw new IllegalArgumentException("not a filter: " + v + " (tests: [\"empty\"], [\"severity\", 0-3], [\"e\"|\"!e\", name],"
        + " [\"==\"|\"!=\"|\">\"|\"<\"|\">=\"|\"<=\", name, value], [\"&&\"|\"||\"|\"xor\", filter, filter])");
  }
}
