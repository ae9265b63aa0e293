package cocaine.metrics;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import java.util.function.IntSupplier;

/**
 * The node's own meters that {@code metrics.fetch} and {@code cocaine metrics} read: the JVM's
 * memory, threads, GC, classes, CPU and uptime, the node's running apps, and the process's wire
 * budgets ({@link WireBudgetMeters}).
 */
public final class RuntimeMeters {
  private RuntimeMeters() {}

  /**
   * Binds the JVM's meters and the node's gauges into {@code registry}.
   *
   * @param runningApps how many apps run on this node now
   * @return the registry, for chaining
   */
  public static MeterRegistry bind(MeterRegistry registry, IntSupplier runningApps) {
    new JvmMemoryMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ClassLoaderMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
    // a JvmGcMetrics registers listeners that live with the registry; it is closed with the JVM
    new JvmGcMetrics().bindTo(registry);
    Gauge.builder("cocaine.node.apps.running", runningApps, s -> s.getAsInt())
        .description("apps running on this node").strongReference(true).register(registry);
    return WireBudgetMeters.bind(registry);
  }
}
