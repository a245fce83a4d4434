// The wasm side's window onto records read from IndexedDB (linked with --js-library, see
// wasm/flags.cmake). The IDBDatabase and its stores stay with the JS storage adapter
// (js/storage/indexeddb.js); what it read is put, for one call, in the registry
// Module.idbRestore (js/stored_restore.js): a flat list of Uint8Arrays, three per record (store
// name, key as JSON text, the stored bytes of js/storage/record_codec.js). wasm/stored_restore.cpp
// asks each one's size and has it copied straight into its own memory: no JSON.parse in JS, no
// per-character string glue. These functions never throw into wasm: a missing part reads as -1.
// addToLibrary where this Emscripten has it (3.1.34 and later); mergeInto before that.
(typeof addToLibrary === 'function' ? addToLibrary : (lib) => mergeInto(LibraryManager.library, lib))({
  $syncoreIdbPart: function (index) {
    var parts = Module['idbRestore'];
    var part = parts && parts[index];
    return part instanceof Uint8Array ? part : null;
  },

  // How many parts the registry holds (three per record); 0 when it is empty.
  syncore_idb_restore_parts__sig: 'i',
  syncore_idb_restore_parts: function () {
    var parts = Module['idbRestore'];
    return parts ? parts.length : 0;
  },

  // The byte length of part `index`, or -1.
  syncore_idb_restore_size__deps: ['$syncoreIdbPart'],
  syncore_idb_restore_size__sig: 'ii',
  syncore_idb_restore_size: function (index) {
    var part = syncoreIdbPart(index);
    return part ? part.length : -1;
  },

  // Copies part `index` to dst (room for its size); 1, or 0 when there is no such part.
  syncore_idb_restore_copy__deps: ['$syncoreIdbPart'],
  syncore_idb_restore_copy__sig: 'iii',
  syncore_idb_restore_copy: function (index, dst) {
    var part = syncoreIdbPart(index);
    if (!part) return 0;
    HEAPU8.set(part, dst);
    return 1;
  },

  // The write direction (wasm/persist_records.cpp): Module.idbWrite is, for one persistWrite
  // call, { tx, records } (js/storage/sealed_records.js): the open readwrite transaction and the
  // records it puts, in order. Puts the bytes [ptr, ptr + len) as record `position`: a copy of
  // its own (IndexedDB would clone a view's whole buffer, the wasm memory), which the record keeps
  // (`bytes`: its value still reads once the wasm side let the sealed bytes go). 1, or 0 when there
  // is no open write or no such record, or IndexedDB refused the request (never a throw into wasm).
  syncore_idb_put__sig: 'iiii',
  syncore_idb_put: function (position, ptr, len) {
    var write = Module['idbWrite'];
    var record = write && write.records[position];
    if (!record) return 0;
    try {
      var bytes = HEAPU8.slice(ptr, ptr + len);
      write.tx.objectStore(record.store).put(bytes, record.key);
      record.bytes = bytes;
      return 1;
    } catch (err) {
      write.error = err;
      return 0;
    }
  },

  // Outbox pages (wasm/persist_records.hpp): the page [ptr, ptr + len) holds the records at the
  // `count` positions in `positions` (int32s), in that order; it is put as one value under
  // [seq of the first] (outbox keys are numbers, so a page key never clashes with one). Each record
  // keeps its entry's bytes (a view into the page's copy), and its key goes to write.paged (the
  // adapter's seqs whose delete must leave a tombstone). 1, or 0 as syncore_idb_put.
  syncore_idb_put_page__sig: 'iiiii',
  syncore_idb_put_page: function (positions, count, ptr, len) {
    var write = Module['idbWrite'];
    var first = write && count > 0 && write.records[HEAP32[positions >> 2]];
    if (!first) return 0;
    try {
      var page = HEAPU8.slice(ptr, ptr + len);
      write.tx.objectStore(first.store).put(page, [first.key]);
      var u32 = function (at) {
        return (page[at] | (page[at + 1] << 8) | (page[at + 2] << 16) | (page[at + 3] << 24)) >>> 0;
      };
      var at = 8;
      for (var i = 0; i < count; i++) {
        var record = write.records[HEAP32[(positions >> 2) + i]];
        at += 4 + u32(at);
        var size = u32(at);
        if (record) {
          record.bytes = page.subarray(at + 4, at + 4 + size);
          if (write.paged) write.paged.add(record.key);
        }
        at += 4 + size;
      }
      return 1;
    } catch (err) {
      write.error = err;
      return 0;
    }
  },
});
