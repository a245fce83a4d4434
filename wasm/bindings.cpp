// Registrations only: the conversions live in conversions.cpp, the behaviour in src/.
#include <emscripten/bind.h>

#include "core_handle.hpp"

EMSCRIPTEN_BINDINGS(syncore) {
  using syncore::CoreHandle;
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
      .function("errorCode", &CoreHandle::errorCode)
      .function("errorMessage", &CoreHandle::errorMessage);
}
