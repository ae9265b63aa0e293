package cocaine.proxy;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.pekko.http.javadsl.model.ContentType;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.ResponseEntity;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;

/**
 * The body of an app's whole answer (one the app sent complete at once) as the entity the client
 * gets. Up to {@link #STRICT_BYTES} it is a strict entity, not counted: pekko-http writes one
 * response at a time per connection, so those are bounded by the connections. A bigger one is held
 * within the process's {@link BodyBudget}, beside the request bodies, until it is written to the
 * client, and refused with 503 and {@code Retry-After} when the budget has no room for it. A body
 * whose writing never starts (the client left first) is given back after the app's timeout.
 */
final class ResponseBody {
  /** The largest answer body sent without being counted in the budget. */
  static final int STRICT_BYTES = 64 * 1024;

  private final BodyBudget budget;
  private final Deadlines deadlines;

  ResponseBody(BodyBudget budget, Deadlines deadlines) {
    this.budget = budget;
    this.deadlines = deadlines;
  }

  /**
   * The entity for {@code body}. The request's own body, if it held one, is given back first: the
   * app has it, and an echo of a big body must not be refused for the body it echoes.
   *
   * @throws ProxyError 503 when a big body does not fit the budget
   */
  ResponseEntity entity(Call call, ContentType type, ByteString body) {
    if (body.size() <= STRICT_BYTES) {
      return HttpEntities.create(type, body);
    }
    budget.give(call.bodyHeld().getAndSet(0));
    long size = body.size();
    if (!budget.tryTake(size)) {
      throw new ProxyError(StatusFor.NO_ROOM_FOR_RESPONSE.status(), "the proxy holds as many bodies as it may ("
          + budget.held() + " of " + budget.budget() + " bytes, cocaine.proxy.body-budget): no room for the answer of "
          + size + " bytes of app '" + call.app() + "'; try again shortly", RequestBody.RETRY_AFTER_SECONDS, false);
    }
    Held held = new Held(size);
    held.guard = deadlines.add(System.nanoTime() + call.timeout().toNanos(), held::unlessStarted);
    return HttpEntities.create(type, size, Source.single(body)
        .mapMaterializedValue(notUsed -> {
          held.started();
          return notUsed;
        })
        .watchTermination((notUsed, done) -> {
          done.whenCompleteAsync((d, failure) -> held.giveBack(), Exchange.SAME_THREAD);
          return notUsed;
        }));
  }

  /** One big body's bytes in the budget: given back once, when written, or when never started. */
  private final class Held {
    private final AtomicLong bytes;
    private final AtomicBoolean started = new AtomicBoolean();
    private volatile Deadlines.Entry guard;

    Held(long bytes) {
      this.bytes = new AtomicLong(bytes);
    }

    void started() {
      started.set(true);
      Deadlines.Entry g = guard;
      if (g != null) {
        g.cancel();
      }
    }

    void unlessStarted() {
      if (!started.get()) {
        giveBack();
      }
    }

    void giveBack() {
      budget.give(bytes.getAndSet(0));
    }
  }
}
