// Conversions between the JS boundary and the core: strings of JSON in, strings of JSON out, and
// a failed Status kept as the "last error" instead of thrown. An empty string (or false, 0, -1
// for non-string results) tells js/ to read errorCode() / errorMessage() and raise a SyncError.
#pragma once
#include <cstdint>
#include <string>

#include "sync_core.hpp"

namespace syncore {

class CoreHandle {
 public:
  CoreHandle();

  bool configure(const std::string& optionsJson);
  bool defineCollection(const std::string& name, const std::string& optionsJson);
  std::string apply(const std::string& batchJson);
  std::string get(const std::string& collection, const std::string& id);
  std::string getMany(const std::string& collection, const std::string& idsJson);
  std::string list(const std::string& collection);
  double count(const std::string& collection);
  double compact(const std::string& collection, double upToVersion);

  std::string openQuery(const std::string& specJson);
  std::string queryResult(std::uint32_t query);
  bool closeQuery(std::uint32_t query);

  std::uint32_t subscribe(const std::string& collection, const std::string& id);
  bool unsubscribe(std::uint32_t sub);

  bool cacheSet(const std::string& key, const std::string& valueJson,
                const std::string& optionsJson, double nowMs);
  std::string cacheGet(const std::string& key, double nowMs);
  bool cacheInvalidate(const std::string& key);
  double cacheInvalidateTag(const std::string& tag);
  bool cacheRemove(const std::string& key);
  double cachePrune(double nowMs);

  std::string stats();

  std::string errorCode() const { return errorCodeName(error_.code); }
  std::string errorMessage() const { return error_.message; }

 private:
  bool fail(Status s);
  bool parse(const std::string& text, json& out);

  SyncCore core_;
  Status error_;
};

}  // namespace syncore
