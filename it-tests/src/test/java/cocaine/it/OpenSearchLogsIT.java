package cocaine.it;

import org.junit.jupiter.api.Tag;

/** Issue 7's log scenario against OpenSearch 2.19.1 ({@code scripts/opensearch.sh}). */
@Tag("opensearch")
class OpenSearchLogsIT extends SearchLogsScenario {
  OpenSearchLogsIT() {
    super("opensearch");
  }
}
