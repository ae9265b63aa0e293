package cocaine.metrics;

import cocaine.rpc.transport.WireBudget;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;

/**
 * The meters of the process's {@link WireBudget}s, tagged {@code budget=read} (bytes read, not yet
 * decoded) and {@code budget=messages} (decoded messages not yet taken, replies not yet written):
 * bytes held now, the most held at once, the ceiling, and how many times a connection's reads were
 * held back by the budget. A pause count that grows tells "paused by the budget" from a slow peer,
 * which pauses nothing here.
 */
public final class WireBudgetMeters {
  private WireBudgetMeters() {}

  /** Binds the meters of the process's budgets, read anew at each scrape (the runtime sets them at start). */
  public static MeterRegistry bind(MeterRegistry registry) {
    return bind(registry, WireBudget::process, WireBudget::messages);
  }

  /** Binds the meters of the budgets {@code read} and {@code messages} give. */
  public static MeterRegistry bind(MeterRegistry registry, Supplier<WireBudget> read, Supplier<WireBudget> messages) {
    bind(registry, "read", read);
    bind(registry, "messages", messages);
    return registry;
  }

  private static void bind(MeterRegistry registry, String budget, Supplier<WireBudget> of) {
    gauge(registry, "cocaine.wire.budget.held", "bytes held now", budget, of, WireBudget::held);
    gauge(registry, "cocaine.wire.budget.peak", "the most bytes held at once so far", budget, of, WireBudget::peak);
    gauge(registry, "cocaine.wire.budget.limit", "the ceiling of the bytes held", budget, of, WireBudget::ceiling);
    FunctionCounter.builder("cocaine.wire.budget.pauses", of, s -> s.get().pauses())
        .description("times a connection's reads were held back by the budget").tag("budget", budget)
        .register(registry);
  }

  private static void gauge(MeterRegistry registry, String name, String description, String budget,
      Supplier<WireBudget> of, ToDoubleFunction<WireBudget> value) {
    Gauge.builder(name, of, s -> value.applyAsDouble(s.get())).description(description).baseUnit("bytes")
        .tag("budget", budget).strongReference(true).register(registry);
  }
}
