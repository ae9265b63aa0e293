package cocaine.examples;

import cocaine.worker.Worker;

/**
 * The crash app, to see crashlogs and respawns: {@code crash} prints a few lines to stdout and
 * exits the JVM with status 3 in the middle of the request; {@code ping} echoes like the echo app.
 */
public final class Crash {
  public static final int EXIT_STATUS = 3;

  private Crash() {}

  public static void main(String[] args) {
    Worker.serve(args, Crash::register);
  }

  public static Worker register(Worker worker) {
    return worker
        .on("ping", Echo::echo)
        .on("crash", (req, resp) -> {
          System.out.println("crash: request on channel " + req.channel() + " received");
          System.out.println("crash: this worker will now exit with status " + EXIT_STATUS);
          System.out.println("crash: the runtime should keep these lines in a crashlog");
          System.out.flush();
          System.exit(EXIT_STATUS);
        });
  }
}
