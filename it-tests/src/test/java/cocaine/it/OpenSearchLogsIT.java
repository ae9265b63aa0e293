package cocaine.it;

/** Issue 7's log scenario against OpenSearch 2.19.1 ({@code scripts/opensearch.sh}). */
class OpenSearchLogsIT extends SearchLogsScenario {
  OpenSearchLogsIT() {
    super("opensearch");
  }
}
