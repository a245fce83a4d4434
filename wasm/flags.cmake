# Every Emscripten flag of the wasm build, each with its reason. Included by the top-level
# CMakeLists.txt when configured with emcmake.

# Release optimisation level: -O2 measured against -Oz (see docs/build.md); override with
# -DSYNCORE_WASM_OPT=... to compare again.
set(SYNCORE_WASM_OPT "-O2" CACHE STRING "optimisation flag for the release wasm build")
# LLVM's inliner at -O2 (threshold 225) copied nlohmann's tree code into every caller: at 60 the
# wasm is 8.8 KiB brotli smaller and W1-W3 and the bulk load measured level (docs/build.md, stop 25).
set(SYNCORE_WASM_INLINE "SHELL:-mllvm -inline-threshold=60" CACHE STRING "LLVM inliner flags for the release wasm build")  # SHELL: CMake would fold a second -mllvm
# The link step's own level (binaryen's passes over the linked wasm, and the glue's minifier):
# -Os there keeps LLVM's -O2 code and saves 5 KiB brotli; W1-W3 unchanged (-Oz slowed W1 by 20 %).
set(SYNCORE_WASM_LINK_OPT "-Os" CACHE STRING "optimisation flag for the release wasm link step")

set(SYNCORE_WASM_LINK_FLAGS
  -lembind                           # bindings.cpp registers the API with embind
  -sMODULARIZE=1                     # a factory instead of a global Module: several cores per page
  -sEXPORT_ES6=1                     # an ES module, imported alike by browsers, bundlers and Node
  -sEXPORT_NAME=createSyncoreWasm    # the factory's name inside the glue
  -sENVIRONMENT=web,worker           # Node loads this same glue with wasmBinary read by js/node.js
  -sALLOW_MEMORY_GROWTH=1            # the store's size is not known up front
  -sINITIAL_MEMORY=16777216          # 16 MiB: room for a small store without a grow at start
  -sFILESYSTEM=0                     # no virtual FS: persistence lives in the JS shim (IndexedDB)
  -sDYNAMIC_EXECUTION=0              # no eval / new Function: runs under a strict CSP
  -sDISABLE_EXCEPTION_CATCHING=1     # the core reports errors as codes, never by throwing
  --js-library ${CMAKE_SOURCE_DIR}/wasm/idb_library.js  # stored records copied between JS and wasm memory (restore, and sealed writes)
)

# CMake's own per-config optimisation flags would fight ours; keep only NDEBUG.
set(CMAKE_CXX_FLAGS_RELEASE "-DNDEBUG")
set(CMAKE_CXX_FLAGS_DEBUG "")

if(CMAKE_BUILD_TYPE STREQUAL "Debug")
  set(SYNCORE_WASM_COMPILE_FLAGS -O0 -g)  # readable stacks in the browser's debugger
  set(SYNCORE_WASM_MODE_LINK_FLAGS
    -O0 -g
    -sASSERTIONS=2                   # checks on every glue call and on memory growth
    -sSAFE_HEAP=1                    # catches unaligned and out-of-bounds accesses
    -sSTACK_OVERFLOW_CHECK=2         # catches a blown stack instead of corrupting the heap
    -sENVIRONMENT=web,worker,node    # assertions check the environment, so name Node too
    -sNODEJS_CATCH_EXIT=0            # never install process-wide handlers in the host app
    -sNODEJS_CATCH_REJECTION=0       # idem, for unhandled rejections
  )
  set(SYNCORE_WASM_OUTPUT syncore-debug)
  set(SYNCORE_WASM_CORE_LINK syncore_core)
  set(SYNCORE_WASM_HANDLE_SOURCES ${CMAKE_SOURCE_DIR}/wasm/core_handle.cpp)
  set(SYNCORE_WASM_MODE_SOURCES "")
else()
  set(SYNCORE_WASM_COMPILE_FLAGS
    ${SYNCORE_WASM_OPT}
    ${SYNCORE_WASM_INLINE}
    -fno-rtti                        # nothing asks a type at run time: no typeinfo names for every std::function lambda
  )
  set(SYNCORE_WASM_BINDING_DEFINES
    EMSCRIPTEN_HAS_UNBOUND_TYPE_NAMES=0  # what lets embind (bindings.cpp) build without RTTI
  )
  # Cold paths at -Os: files that the hot workloads (W1-W3: local writes, remote apply, the
  # reactive loop) never enter: hydrate, redaction, the review API, id blocks, the query cache.
  # (sync_resync, sync_queue_control and outbox_queue_control hold per-commit code: they stay.)
  # The flag comes after the target's -O2, so it wins. docs/build.md has the bytes.
  set(SYNCORE_WASM_COLD_SOURCES
    src/records/restore.cpp src/records/redaction.cpp src/sync/sync_review.cpp
    src/sync/sync_incarnation.cpp src/store/query_cache.cpp
    src/records/outbox_records.cpp src/sync/sync_answers.cpp src/sync/sync_references.cpp
    src/base/int_format.cpp)  # snprintf for \u escapes and error texts (wasm/libc_overrides.cpp)
  list(TRANSFORM SYNCORE_WASM_COLD_SOURCES PREPEND ${CMAKE_SOURCE_DIR}/)
  set_source_files_properties(${SYNCORE_WASM_COLD_SOURCES} PROPERTIES COMPILE_OPTIONS -Os)
  # An inline function (nlohmann's, libc++'s) has a copy in every object that uses it and the
  # linker keeps the first it loads: the cold files go last in the archive, which the link loads
  # whole and in order (below), so their -Os copies never stand in for the hot files' -O2 ones.
  get_target_property(SYNCORE_CORE_ORDERED syncore_core SOURCES)
  list(REMOVE_ITEM SYNCORE_CORE_ORDERED ${SYNCORE_WASM_COLD_SOURCES})
  list(APPEND SYNCORE_CORE_ORDERED ${SYNCORE_WASM_COLD_SOURCES})
  set_property(TARGET syncore_core PROPERTY SOURCES ${SYNCORE_CORE_ORDERED})
  # wasm/core_handle.cpp (collections, reads, the query cache, configuration: the boundary's
  # cold half) at -Os too, in an archive of its own linked after the core's: an executable's own
  # objects load first, so as one of them its -Os copies of shared inline code would stand in for
  # the hot files' (docs/build.md, stop 25).
  add_library(syncore_handle_cold STATIC ${CMAKE_SOURCE_DIR}/wasm/core_handle.cpp)
  target_include_directories(syncore_handle_cold PRIVATE ${CMAKE_SOURCE_DIR}/wasm)
  target_link_libraries(syncore_handle_cold PRIVATE syncore_core)
  target_compile_options(syncore_handle_cold PRIVATE -fno-exceptions -Wall -Wextra ${SYNCORE_WASM_COMPILE_FLAGS} -Os)
  target_compile_definitions(syncore_handle_cold PRIVATE EMSCRIPTEN_HAS_UNBOUND_TYPE_NAMES=0)
  set(SYNCORE_WASM_HANDLE_SOURCES "")
  set(SYNCORE_WASM_CORE_LINK -Wl,--whole-archive syncore_core syncore_handle_cold -Wl,--no-whole-archive)
  set(SYNCORE_WASM_MODE_LINK_FLAGS
    ${SYNCORE_WASM_LINK_OPT}         # the link step optimises the wasm and minifies the glue too
    -sASSERTIONS=0                   # release: no glue checks
    -sINCOMING_MODULE_JS_API=[wasmBinary,locateFile]  # the only Module options js/node.js and js/browser.js pass: less glue
    -sSUPPORT_LONGJMP=0              # the core never uses setjmp/longjmp: no support code
    -sSUPPORT_ERRNO=0                # no syscall sets errno for JS to read (FILESYSTEM=0)
    -fno-rtti                        # links embind's no-RTTI build, as the objects are (else std::string is an unbound type)
    --emit-symbol-map                # build/wasm/syncore.mjs.symbols: names for bench/size_profile.mjs; the wasm is unchanged
    "SHELL:--js-library ${CMAKE_SOURCE_DIR}/wasm/number_library.js"  # Number() for libc_overrides.cpp's strtod (SHELL: CMake would fold a second --js-library)
  )
  # snprintf without floating point and strtod without long double in place of libc's (the
  # file says why): ~20 KB of wasm.
  set(SYNCORE_WASM_MODE_SOURCES ${CMAKE_SOURCE_DIR}/wasm/libc_overrides.cpp)
  set(SYNCORE_WASM_OUTPUT syncore)
endif()

target_compile_options(syncore_core PRIVATE ${SYNCORE_WASM_COMPILE_FLAGS})
add_executable(syncore_wasm ${CMAKE_SOURCE_DIR}/wasm/bindings.cpp ${SYNCORE_WASM_HANDLE_SOURCES}
  ${CMAKE_SOURCE_DIR}/wasm/stored_restore.cpp ${CMAKE_SOURCE_DIR}/wasm/core_handle_text.cpp
  ${CMAKE_SOURCE_DIR}/wasm/core_handle_sync.cpp ${CMAKE_SOURCE_DIR}/wasm/persist_records.cpp
  ${SYNCORE_WASM_MODE_SOURCES})
target_include_directories(syncore_wasm PRIVATE ${CMAKE_SOURCE_DIR}/wasm)
target_link_libraries(syncore_wasm PRIVATE ${SYNCORE_WASM_CORE_LINK})
target_compile_options(syncore_wasm PRIVATE -fno-exceptions -Wall -Wextra ${SYNCORE_WASM_COMPILE_FLAGS})
target_compile_definitions(syncore_wasm PRIVATE ${SYNCORE_WASM_BINDING_DEFINES})
target_link_options(syncore_wasm PRIVATE ${SYNCORE_WASM_LINK_FLAGS} ${SYNCORE_WASM_MODE_LINK_FLAGS})
set_target_properties(syncore_wasm PROPERTIES OUTPUT_NAME ${SYNCORE_WASM_OUTPUT} SUFFIX ".mjs"
  LINK_DEPENDS "${CMAKE_SOURCE_DIR}/wasm/idb_library.js;${CMAKE_SOURCE_DIR}/wasm/number_library.js")  # an edit of a library relinks
