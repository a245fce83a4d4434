// The core's facade: collections of confirmed entities, live queries, subscriptions and the
// query cache behind one deterministic API. Input arrives in batches (one commit each); every
// commit answers with what changed, which subscriptions to notify and which query results moved.
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "change_set.hpp"
#include "collection.hpp"
#include "errors.hpp"
#include "json_util.hpp"
#include "live_query.hpp"
#include "query_cache.hpp"
#include "subscriptions.hpp"

namespace syncore {

struct QueryUpdate {
  std::uint32_t query = 0;
  std::vector<std::string> ids;  // the query's window, in order
  std::size_t total = 0;         // matches before offset / limit
};

struct Commit {
  ChangeSet changes;
  std::vector<std::uint32_t> notify;  // subscriptions whose collection or entity changed
  std::vector<QueryUpdate> queries;   // live queries whose window or window entities changed
  std::int64_t cursor = 0;            // the server cursor after this commit
};

json commitToJson(const Commit& commit);

class SyncCore {
 public:
  explicit SyncCore(ParseLimits limits = {});

  const ParseLimits& limits() const { return limits_; }
  void setLimits(const ParseLimits& limits) { limits_ = limits; }

  // options: {"idField": "id"}. Redefining an existing collection with the same options is a
  // no-op; with other options it is an InvalidArgument error.
  Status defineCollection(const std::string& name, const json& options);
  bool hasCollection(const std::string& name) const { return collections_.count(name) != 0; }

  // Server data. batch: an array of operations, or {"ops": [...], "cursor": n}. Operations:
  //   {"op":"upsert","collection":c,"id":i?,"version":v,"data":{...}}
  //   {"op":"delete","collection":c,"id":i,"version":v}
  //   {"op":"load","collection":c,"entities":[{"id":i?,"version":v,"data":{...}}, ...]}
  // The whole batch is validated before anything is applied: on error the store is unchanged.
  Status applyServer(json batch, Commit& out);

  Status get(const std::string& collection, const std::string& id, const json*& out) const;
  Status list(const std::string& collection, json& out) const;
  Status count(const std::string& collection, std::size_t& out) const;
  Status entityVersion(const std::string& collection, const std::string& id,
                       std::int64_t& out) const;
  Status compact(const std::string& collection, std::int64_t upToVersion, std::size_t& dropped);
  std::int64_t cursor() const { return cursor_; }

  Status openQuery(const json& spec, QueryUpdate& out);
  Status queryResult(std::uint32_t query, QueryUpdate& out) const;
  Status closeQuery(std::uint32_t query);

  Status subscribe(const std::string& collection, const std::string& id, std::uint32_t& out);
  Status unsubscribe(std::uint32_t sub);

  QueryCache& cache() { return cache_; }
  const QueryCache& cache() const { return cache_; }

  json stats() const;

 private:
  struct OpenQuery {
    std::unique_ptr<LiveQuery> query;
    std::vector<std::string> lastWindow;
    std::size_t lastTotal = 0;
  };
  Collection* findCollection(const std::string& name);
  const Collection* findCollection(const std::string& name) const;
  Status unknownCollection(const std::string& name) const;
  void finishCommit(Commit& out);

  ParseLimits limits_;
  std::map<std::string, Collection> collections_;
  std::map<std::uint32_t, OpenQuery> queries_;
  std::uint32_t nextQuery_ = 1;
  SubscriptionRegistry subscriptions_;
  QueryCache cache_;
  std::int64_t cursor_ = 0;
};

}  // namespace syncore
