package cocaine.it;

/** Issue 7's log scenario against Elasticsearch 7.10.2 ({@code scripts/elasticsearch.sh}). */
class ElasticsearchLogsIT extends SearchLogsScenario {
  ElasticsearchLogsIT() {
    super("elasticsearch");
  }
}
