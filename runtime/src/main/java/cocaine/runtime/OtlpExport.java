package cocaine.runtime;

import cocaine.tracing.Span;
import cocaine.tracing.Tracing;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.common.InstrumentationLibraryInfo;
import io.opentelemetry.sdk.common.InstrumentationScopeInfo;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.data.EventData;
import io.opentelemetry.sdk.trace.data.LinkData;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.data.StatusData;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.pekko.Done;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.stream.BoundedSourceQueue;
import org.apache.pekko.stream.QueueOfferResult;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends this process's spans to an OpenTelemetry collector over OTLP/HTTP (protobuf), with the
 * OpenTelemetry SDK's exporter. Spans wait in a bounded queue and go out in batches, one request at
 * a time; what does not fit while the collector is slow or down is dropped and counted in a log line.
 * Our 64-bit ids become the low halves of OTLP's 128-bit trace ids, as the proxy reads them from
 * {@code traceparent}.
 */
final class OtlpExport {
  private static final Logger log = LoggerFactory.getLogger(OtlpExport.class);
  static final int BATCH = 512;
  static final Duration FLUSH = Duration.ofSeconds(1);
  private static final InstrumentationScopeInfo SCOPE = InstrumentationScopeInfo.create("cocaine");

  private OtlpExport() {}

  /** Starts exporting every later span of tracing to endpoint (e.g. http://127.0.0.1:4318/v1/traces). */
  static void start(ActorSystem<?> system, Tracing tracing, String endpoint, int queueSize) {
    SpanExporter exporter = OtlpHttpSpanExporter.builder().setEndpoint(endpoint).setTimeout(Duration.ofSeconds(10))
        .build();
    Resource resource = Resource.getDefault().merge(Resource.create(Attributes.of(
        AttributeKey.stringKey("service.name"), "cocaine-runtime",
        AttributeKey.stringKey("service.instance.id"), tracing.node())));
    AtomicLong dropped = new AtomicLong();
    AtomicLong reported = new AtomicLong();
    BoundedSourceQueue<Span> queue = Source.<Span>queue(queueSize)
        .groupedWithin(BATCH, FLUSH)
        .mapAsync(1, batch -> send(exporter, resource, batch, endpoint))
        .map(sent -> {
          long lost = dropped.get();
          if (lost > reported.get()) {
            log.warn("OTLP export to {}: {} spans dropped so far (queue of {} full)", endpoint, lost, queueSize);
            reported.set(lost);
          }
          return sent;
        })
        .to(Sink.ignore())
        .run(system);
    Runnable unsubscribe = tracing.subscribe(span -> {
      if (queue.offer(span) != QueueOfferResult.enqueued()) {
        dropped.incrementAndGet();
      }
    });
    CoordinatedShutdown.get(system).addTask(CoordinatedShutdown.PhaseBeforeActorSystemTerminate(), "stop-otlp-export",
        () -> {
          unsubscribe.run();
          queue.complete();
          return CompletableFuture.supplyAsync(() -> {
            exporter.shutdown().join(5, TimeUnit.SECONDS);
            return Done.getInstance();
          });
        });
    log.info("exporting spans over OTLP/HTTP to {}", endpoint);
  }

  private static CompletionStage<Boolean> send(SpanExporter exporter, Resource resource, List<Span> batch,
      String endpoint) {
    List<SpanData> data = new ArrayList<>(batch.size());
    for (Span s : batch) {
      data.add(new Data(s, resource));
    }
    CompletableFuture<Boolean> done = new CompletableFuture<>();
    CompletableResultCode result = exporter.export(data);
    result.whenComplete(() -> {
      if (!result.isSuccess()) {
        log.warn("OTLP export of {} spans to {} failed; they are dropped", batch.size(), endpoint);
      }
      done.complete(result.isSuccess());
    });
    return done;
  }

  static String traceHex(long id) {
    return "0000000000000000" + Span.hex(id);
  }

  /** One of our spans as the SDK's exporter reads it. */
  private record Data(Span span, Resource resource) implements SpanData {
    @Override
    public String getName() {
      return span.name();
    }

    @Override
    public SpanKind getKind() {
      return span.name().equals(Span.PROXY) || span.name().equals(Span.APP_SERVICE) ? SpanKind.SERVER
          : span.name().equals(Span.CONNECTION) ? SpanKind.CLIENT : SpanKind.INTERNAL;
    }

    @Override
    public SpanContext getSpanContext() {
      return SpanContext.create(traceHex(span.traceId()), Span.hex(span.spanId()), TraceFlags.getSampled(),
          TraceState.getDefault());
    }

    @Override
    public SpanContext getParentSpanContext() {
      return span.parentId() == 0 ? SpanContext.getInvalid()
          : SpanContext.create(traceHex(span.traceId()), Span.hex(span.parentId()), TraceFlags.getSampled(),
              TraceState.getDefault());
    }

    @Override
    public StatusData getStatus() {
      return span.failed() ? StatusData.create(StatusCode.ERROR, span.error()) : StatusData.unset();
    }

    @Override
    public long getStartEpochNanos() {
      return span.startMicros() * 1000;
    }

    @Override
    public Attributes getAttributes() {
      AttributesBuilder b = Attributes.builder()
          .put("cocaine.node", span.node())
          .put("cocaine.app", span.app());
      if (!span.slot().isEmpty()) {
        b.put("cocaine.slot", span.slot());
      }
      for (Map.Entry<String, Object> e : span.attributes().entrySet()) {
        if (e.getValue() instanceof Number n) {
          b.put("cocaine." + e.getKey(), n.longValue());
        } else {
          b.put("cocaine." + e.getKey(), String.valueOf(e.getValue()));
        }
      }
      return b.build();
    }

    @Override
    public List<EventData> getEvents() {
      return List.of();
    }

    @Override
    public List<LinkData> getLinks() {
      return List.of();
    }

    @Override
    public long getEndEpochNanos() {
      return (span.startMicros() + span.durationMicros()) * 1000;
    }

    @Override
    public boolean hasEnded() {
      return true;
    }

    @Override
    public int getTotalRecordedEvents() {
      return 0;
    }

    @Override
    public int getTotalRecordedLinks() {
      return 0;
    }

    @Override
    public int getTotalAttributeCount() {
      return getAttributes().size();
    }

    @Override
    @SuppressWarnings("deprecation")
    public InstrumentationLibraryInfo getInstrumentationLibraryInfo() {
      return InstrumentationLibraryInfo.create("cocaine", null);
    }

    @Override
    public InstrumentationScopeInfo getInstrumentationScopeInfo() {
      return SCOPE;
    }

    @Override
    public Resource getResource() {
      return resource;
    }
  }
}
