package cocaine.bench.load;

import cocaine.client.ClientChannel;
import cocaine.client.Connection;
import cocaine.client.Locator;
import cocaine.client.ServiceClient;
import cocaine.wire.CocaineException;
import cocaine.wire.Graph;
import cocaine.wire.Message;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Many open sessions: opens N channels ({@code enqueue(EVENT)} + one {@code write}, never closed)
 * over K connections, waits until the app's info shows them all held (queued or on a worker),
 * and reads the runtime's heap and RSS before and with them open; then closes them all and checks
 * that each one ends with its echo and {@code close}.
 */
final class SessionsBench {
  private enum State { OPEN, ECHOED, FAILED, DONE }

  private SessionsBench() {}

  public static void main(String[] args) throws Exception {
    Opts o = new Opts(args);
    int locatorPort = o.integer("locator-port", 0);
    long runtimePid = o.longValue("runtime-pid", 0);
    String app = o.str("app", "hold");
    String event = o.str("event", "ping");
    int sessions = o.integer("sessions", 10_000);
    int connections = o.integer("connections", 10);
    byte[] payload = new byte[o.integer("payload", 1024)];
    Arrays.fill(payload, (byte) 'x');
    Duration settle = o.seconds("settle-timeout", 60);
    Duration closeTimeout = o.seconds("close-timeout", 20);

    Locator.Resolved resolved;
    try (Locator locator = AppClients.locator(locatorPort)) {
      resolved = locator.resolve(app);
    }
    // Client check: the same sessions against the baseline echo frame server (no runtime in the path).
    int baselinePort = o.integer("baseline-port", 0);
    boolean baseline = baselinePort > 0;
    if (baseline) {
      resolved = AppClients.elsewhere(resolved, baselinePort);
      runtimePid = ProcessHandle.current().pid(); // nothing else to measure: this JVM
    }
    List<ServiceClient> clients = new ArrayList<>();
    for (int i = 0; i < connections; i++) {
      clients.add(ServiceClient.connect(resolved, Connection.Settings.DEFAULT));
    }
    ServiceClient control = ServiceClient.connect(resolved, Connection.Settings.DEFAULT);
    AppClients.echo(control, event, payload, Duration.ofSeconds(60)); // spawns the first worker

    RuntimeMemory beforeRaw = RuntimeMemory.of(runtimePid, false);
    RuntimeMemory before = RuntimeMemory.of(runtimePid, true);
    long beforeWorkers = RuntimeMemory.childrenRssKb(runtimePid);

    long t0 = System.nanoTime();
    List<ClientChannel> chans = new ArrayList<>(sessions);
    State[] state = new State[sessions];
    String firstError = null;
    int openFailures = 0;
    for (int i = 0; i < sessions; i++) {
      try {
        ClientChannel ch = clients.get(i % connections).enqueue(event);
        ch.write(payload);
        chans.add(ch);
        state[i] = State.OPEN;
      } catch (RuntimeException e) {
        chans.add(null);
        state[i] = State.FAILED;
        openFailures++;
        firstError = firstError == null ? "opening: " + e : firstError;
      }
    }
    double openMs = (System.nanoTime() - t0) / 1e6;

    // Held = queued in the engine + assigned to a worker, from the app's own info.
    long deadline = System.nanoTime() + settle.toNanos();
    long held = 0;
    int failed = 0;
    Map<String, Object> info = Map.of();
    boolean settled = false;
    while (System.nanoTime() < deadline) {
      failed = 0;
      for (int i = 0; i < sessions; i++) {
        firstError = drain(chans.get(i), state, i, firstError);
        failed += state[i] == State.FAILED || state[i] == State.DONE ? 1 : 0;
      }
      if (baseline) {
        held = sessions - failed; // the baseline server holds whatever it was sent
        settled = true;
        break;
      }
      info = AppClients.info(control);
      held = held(info);
      // Settled: every session is held or ended, and none waits in the engine's queue (both
      // workers took theirs; the second one spawns only once the queue has grown).
      if (held + failed >= sessions && AppClients.number(info, "queue", "depth") == 0) {
        settled = true;
        break;
      }
      Thread.sleep(200);
    }
    double settleMs = (System.nanoTime() - t0) / 1e6;
    // Hold them open a while, taking what comes (the echoes of the sessions on handler threads).
    long holdEnd = System.nanoTime() + o.seconds("hold-seconds", 3).toNanos();
    do {
      for (int i = 0; i < sessions; i++) {
        firstError = drain(chans.get(i), state, i, firstError);
      }
      Thread.sleep(100);
    } while (System.nanoTime() < holdEnd);
    // What holds now, after the hold: the runtime's view and the sessions that ended meanwhile.
    failed = 0;
    for (State st : state) {
      failed += st == State.FAILED || st == State.DONE ? 1 : 0;
    }
    if (!baseline) {
      info = AppClients.info(control);
      held = held(info);
    }
    RuntimeMemory withRaw = RuntimeMemory.of(runtimePid, false);
    RuntimeMemory with = RuntimeMemory.of(runtimePid, true);
    long withWorkers = RuntimeMemory.childrenRssKb(runtimePid);
    long echoed = Arrays.stream(state).filter(s -> s == State.ECHOED).count();
    String poolLine = "engine queue depth " + AppClients.number(info, "queue", "depth") + ", worker loads "
        + loads(info) + ", requests accepted " + AppClients.number(info, "requests", "accepted") + ", rejected "
        + AppClients.number(info, "requests", "rejected");

    // Close them all, then each must end with its echo and close.
    long c0 = System.nanoTime();
    int done = 0;
    int timedOut = 0;
    int errors = 0;
    for (int i = 0; i < sessions; i++) {
      if (state[i] == State.OPEN || state[i] == State.ECHOED) {
        try {
          chans.get(i).close();
        } catch (RuntimeException e) {
          state[i] = State.FAILED;
          firstError = firstError == null ? "closing: " + e : firstError;
        }
      }
    }
    long closeDeadline = System.nanoTime() + closeTimeout.toNanos();
    for (int i = 0; i < sessions; i++) {
      ClientChannel ch = chans.get(i);
      while (state[i] == State.OPEN || state[i] == State.ECHOED) {
        long left = closeDeadline - System.nanoTime();
        Message m;
        try {
          // Past the deadline, still take what already came: one lost channel must not hide the others.
          m = ch.receive(Duration.ofNanos(Math.max(0, left)));
        } catch (CocaineException e) {
          state[i] = State.FAILED;
          firstError = firstError == null ? "after close: " + e.getMessage() : firstError;
          break;
        }
        if (m == null) {
          timedOut++;
          state[i] = State.FAILED;
          firstError = firstError == null ? "channel " + ch.id() + ": no close within " + closeTimeout.toSeconds() + " s after closing" : firstError;
        } else if (m.type() == Graph.CLOSE) {
          state[i] = State.DONE;
          done++;
        } else if (m.type() == Graph.ERROR) {
          state[i] = State.FAILED;
          errors++;
          firstError = firstError == null ? "after close: " + m.toException().getMessage() : firstError;
        }
      }
    }
    double closeMs = (System.nanoTime() - c0) / 1e6;
    String afterLine = "";
    if (!baseline) {
      try {
        Map<String, Object> end = AppClients.info(control);
        afterLine = "; the app's info then: engine queue depth " + AppClients.number(end, "queue", "depth")
            + ", worker loads " + loads(end) + ", workers crashed " + AppClients.number(end, "pool", "total:crashed");
      } catch (RuntimeException e) {
        afterLine = "; the app's info then failed: " + e.getMessage();
      }
    }
    RuntimeMemory after = RuntimeMemory.of(runtimePid, true);
    long afterWorkers = RuntimeMemory.childrenRssKb(runtimePid);
    control.close();
    clients.forEach(ServiceClient::close);

    System.out.println();
    System.out.printf("%d sessions of app '%s' (enqueue('%s') + write(%d B), not closed) over %d connections%n",
        sessions, app, event, payload.length, connections);
    System.out.printf("opened in %.0f ms; all held by the runtime after %.0f ms%s; after the %s s hold: %d held (%s)%n",
        openMs, settleMs, settled ? "" : " -- NOT SETTLED within " + settle.toSeconds() + " s: measured anyway",
        o.str("hold-seconds", "3"), held, poolLine);
    System.out.printf("ended (error or close) before the client closed: %d (of which failed to open: %d); echo received while held: %d%n",
        failed, openFailures, echoed);
    System.out.printf("after closing all: %d ended with close, %d errors, %d timed out, in %.0f ms%s%n", done, errors,
        timedOut, closeMs, afterLine);
    if (firstError != null) {
      System.out.println("first error: " + firstError);
    }
    Report t = new Report("runtime process", "heap used MB", "heap used after full GC MB", "heap committed MB",
        "RSS MB", "threads", "workers' RSS MB");
    t.row("before (app idle, 1 worker)", mb(beforeRaw.heapUsedKb()), mb(before.heapUsedKb()), mb(before.heapCommittedKb()),
        mb(before.rssKb()), before.threads(), mb(beforeWorkers));
    t.row("with " + held + " sessions open", mb(withRaw.heapUsedKb()), mb(with.heapUsedKb()), mb(with.heapCommittedKb()),
        mb(with.rssKb()), with.threads(), mb(withWorkers));
    t.row("after closing them", "", mb(after.heapUsedKb()), mb(after.heapCommittedKb()), mb(after.rssKb()),
        after.threads(), mb(afterWorkers));
    t.print();
    System.out.printf("heap with the sessions open, after full GC: %s MB (as is: %s MB); target < 300 MB; "
        + "per held session after GC: %.1f KB%n", mb(with.heapUsedKb()), mb(withRaw.heapUsedKb()),
        held > 0 ? (with.heapUsedKb() - before.heapUsedKb()) / (double) held : 0.0);
  }

  /** Takes what already came on a channel without waiting: an echo, or an error/close that ends it. */
  private static String drain(ClientChannel ch, State[] state, int i, String firstError) {
    while (ch != null && (state[i] == State.OPEN || state[i] == State.ECHOED)) {
      Message m;
      try {
        m = ch.receive(Duration.ZERO);
      } catch (CocaineException e) {
        state[i] = State.FAILED;
        return firstError == null ? e.getMessage() : firstError;
      }
      if (m == null) {
        return firstError;
      }
      if (m.type() == Graph.WRITE) {
        state[i] = State.ECHOED;
      } else if (m.type() == Graph.ERROR) {
        state[i] = State.FAILED;
        firstError = firstError == null ? "before closing: " + m.toException().getMessage() : firstError;
      } else {
        state[i] = State.DONE;
      }
    }
    return firstError;
  }

  @SuppressWarnings("unchecked")
  private static long held(Map<String, Object> info) {
    long n = Math.max(0, AppClients.number(info, "queue", "depth"));
    Object slaves = AppClients.path(info, "pool", "slaves");
    if (slaves instanceof Map<?, ?> m) {
      for (Object s : m.values()) {
        if (s instanceof Map<?, ?> slave && slave.get("load") instanceof Number load) {
          n += load.longValue();
        }
      }
    }
    return n;
  }

  static Map<String, Object> loads(Map<String, Object> info) {
    Map<String, Object> out = new TreeMap<>();
    Object slaves = AppClients.path(info, "pool", "slaves");
    if (slaves instanceof Map<?, ?> m) {
      for (var e : m.entrySet()) {
        if (e.getValue() instanceof Map<?, ?> slave) {
          out.put(String.valueOf(e.getKey()).substring(0, 8), slave.get("state") + ":" + slave.get("load"));
        }
      }
    }
    return out;
  }

  private static String mb(long kb) {
    return String.format("%.1f", kb / 1024.0);
  }
}
