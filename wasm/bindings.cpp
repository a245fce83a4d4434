// Registrations only: the conversions live in conversions.cpp, the behaviour in src/.
#include <emscripten/bind.h>

#include "core_handle.hpp"

EMSCRIPTEN_BINDINGS(syncore) {
  using syncore::CoreHandle;
  emscripten::function("heapBytesInUse", &syncore::heapBytesInUse);
  emscripten::class_<CoreHandle>("CoreHandle")
      .constructor<>()
      .function("configure", &CoreHandle::configure)
      .function("defineCollection", &CoreHandle::defineCollection)
      .function("apply", &CoreHandle::apply)
      .function("get", &CoreHandle::get)
      .function("getMany", &CoreHandle::getMany)
      .function("list", &CoreHandle::list)
      .function("count", &CoreHandle::count)
      .function("compact", &CoreHandle::compact)
      .function("openQuery", &CoreHandle::openQuery)
      .function("queryResult", &CoreHandle::queryResult)
      .function("closeQuery", &CoreHandle::closeQuery)
      .function("subscribe", &CoreHandle::subscribe)
      .function("unsubscribe", &CoreHandle::unsubscribe)
      .function("cacheSet", &CoreHandle::cacheSet)
      .function("cacheGet", &CoreHandle::cacheGet)
      .function("cacheInvalidate", &CoreHandle::cacheInvalidate)
      .function("cacheInvalidateTag", &CoreHandle::cacheInvalidateTag)
      .function("cacheRemove", &CoreHandle::cacheRemove)
      .function("cachePrune", &CoreHandle::cachePrune)
      .function("stats", &CoreHandle::stats)
      .function("configureClient", &CoreHandle::configureClient)
      .function("clientId", &CoreHandle::clientId)
      .function("mutate", &CoreHandle::mutate)
      .function("setOnline", &CoreHandle::setOnline)
      .function("tick", &CoreHandle::tick)
      .function("batchTimedOut", &CoreHandle::batchTimedOut)
      .function("resumeQueue", &CoreHandle::resumeQueue)
      .function("setServerLimits", &CoreHandle::setServerLimits)
      .function("pendingMutations", &CoreHandle::pendingMutations)
      .function("deadLetters", &CoreHandle::deadLetters)
      .function("conflicts", &CoreHandle::conflicts)
      .function("retryDeadLetter", &CoreHandle::retryDeadLetter)
      .function("editDeadLetter", &CoreHandle::editDeadLetter)
      .function("discardDeadLetter", &CoreHandle::discardDeadLetter)
      .function("resolveConflict", &CoreHandle::resolveConflict)
      .function("exportRecords", &CoreHandle::exportRecords)
      .function("restore", &CoreHandle::restore)
      .function("reserveIdBlock", &CoreHandle::reserveIdBlock)
      .function("setCustomResolver", &CoreHandle::setCustomResolver)
      .function("errorCode", &CoreHandle::errorCode)
      .function("errorMessage", &CoreHandle::errorMessage);
}
