#!/usr/bin/env bash
# One Elasticsearch 7.10.2 node for tests, from the Maven Central artifact
# org.codelibs:elasticsearch-cluster-runner (fetched by scripts/elasticsearch/pom.xml): the same
# commands as scripts/opensearch.sh (fetch | start DIR PORT | stop DIR | kill DIR).
COCAINE_SEARCH_ENGINE=elasticsearch exec "$(dirname "$(readlink -f "$0")")/opensearch.sh" "$@"
