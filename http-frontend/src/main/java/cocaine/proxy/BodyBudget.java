package cocaine.proxy;

/**
 * The bytes of request bodies the proxy holds at once, across every request and connection, for
 * apps that take a body whole ({@code cocaine.proxy.body-budget}). Bodies above a 64th of the budget
 * ("big") are admitted while the big ones held stay within the budget; every body, small ones too,
 * while all held stay within the budget and a reserve of an eighth above it. So small requests pass
 * beside big uploads, big uploads are not refused for the small ones in flight, and the total is
 * bounded. What is refused is answered 503 with {@code Retry-After}. Safe from any thread.
 */
final class BodyBudget {
  private final long budget;
  private final long small;
  private final long withReserve;
  private long held;
  private long bigHeld;
  private long refused;

  BodyBudget(long budget) {
    if (budget < 1) {
      throw new IllegalArgumentException("body budget must be at least 1 byte, got " + budget);
    }
    this.budget = budget;
    this.small = budget / 64;
    this.withReserve = budget + budget / 8;
  }

  /** Takes {@code bytes} if they fit; false when the caller must refuse the request. */
  synchronized boolean tryTake(long bytes) {
    boolean big = bytes > small;
    if (held + bytes > withReserve || (big && bigHeld + bytes > budget)) {
      refused++;
      return false;
    }
    held += bytes;
    if (big) {
      bigHeld += bytes;
    }
    return true;
  }

  /** Gives back what one {@link #tryTake} took: all of it, once. */
  synchronized void give(long bytes) {
    held -= bytes;
    if (bytes > small) {
      bigHeld -= bytes;
    }
  }

  /** Bytes held now. */
  synchronized long held() {
    return held;
  }

  /** Times {@link #tryTake} said no. */
  synchronized long refused() {
    return refused;
  }

  long budget() {
    return budget;
  }
}
