package cocaine.logging;

import java.time.Clock;
import java.util.Map;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * Turns the lines a worker prints (stdout and stderr) into records of source {@code app/<name>} for
 * the {@link Logging} actor, so they reach the sinks (the search engine among them) like the
 * frameworks' own {@code emit}s. Called on the isolate's output-reader threads; never blocks: past
 * the actor's bounded mailbox a line goes to dead letters.
 */
public final class AppOutput {
  private final ActorRef<Logging.Command> logging;
  private final Clock clock;

  public AppOutput(ActorRef<Logging.Command> logging) {
    this(logging, Clock.systemUTC());
  }

  AppOutput(ActorRef<Logging.Command> logging, Clock clock) {
    this.logging = logging;
    this.clock = clock;
  }

  /** The log source of an app's lines, as the frameworks name it. */
  public static String source(String app) {
    return "app/" + app;
  }

  /**
   * One complete line of a worker's output.
   *
   * @param worker the worker's uuid (or pid), kept as the {@code worker} attribute
   */
  public void line(String app, String worker, String line) {
    logging.tell(new Logging.Emit(new LogRecord(clock.instant(), Severity.INFO, source(app), line,
        Map.of("worker", worker, "stream", "output"))));
  }
}
