package cocaine.it;

import org.junit.jupiter.api.Tag;

/** Issue 7's log scenario against Elasticsearch 7.10.2 ({@code scripts/elasticsearch.sh}). */
@Tag("elasticsearch")
class ElasticsearchLogsIT extends SearchLogsScenario {
  ElasticsearchLogsIT() {
    super("elasticsearch");
  }
}
